// The search page's enhancements. Without this script the page works: the
// search box is a plain form and long facet lists open with 更多….

// A filter box in each long facet list: typing hides the values whose
// label does not hold the text (opening 更多… to show the rest).
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll(".facet details.more"), function (more) {
    var facet = more.closest(".facet");
    var title = facet.querySelector("h3");
    var box = document.createElement("input");
    box.type = "search";
    box.className = "facet-filter";
    box.placeholder = "筛选" + (title ? title.textContent : "") + "…";
    box.setAttribute("aria-label", box.placeholder);
    facet.insertBefore(box, facet.querySelector("ul.values"));
    box.addEventListener("input", function () {
      var text = box.value.trim().toLowerCase();
      if (text) more.open = true;
      Array.prototype.forEach.call(facet.querySelectorAll("ul.values > li"), function (li) {
        var label = li.querySelector(".label");
        li.hidden = !!text && !!label && label.textContent.toLowerCase().indexOf(text) < 0;
      });
    });
  });
})();

// Search-as-you-type over /api/suggest. The last word typed is completed;
// a place that names one gazetteer place becomes a region filter when
// chosen, instead of words to search.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var form = input && input.form;
  if (!form || !window.fetch || !window.URLSearchParams) return;
  var list = document.createElement("ul");
  list.id = "suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "检索建议");
  list.hidden = true;
  form.appendChild(list);
  input.setAttribute("autocomplete", "off");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", "suggestions");
  var items = [], active = -1, timer = 0, asked = 0;

  function lastWord() {
    var words = input.value.split(/\s+/);
    return words[words.length - 1] || "";
  }
  function withoutLastWord() {
    return input.value.replace(/\S*$/, "").trim();
  }
  function close() {
    list.hidden = true;
    list.textContent = "";
    items = [];
    active = -1;
    input.removeAttribute("aria-activedescendant");
  }
  function mark(i) {
    active = i;
    Array.prototype.forEach.call(list.children, function (li, k) {
      li.setAttribute("aria-selected", k === i ? "true" : "false");
    });
    if (i >= 0) input.setAttribute("aria-activedescendant", "suggestion-" + i);
  }
  function choose(s) {
    close();
    if (s.kind === "place" && s.path) {
      var params = new URLSearchParams(new FormData(form));
      params.set("q", withoutLastWord());
      params.append("region", s.path);
      params.delete("page");
      window.location.href = form.getAttribute("action") + "?" + params.toString();
      return;
    }
    var rest = withoutLastWord();
    input.value = (rest ? rest + " " : "") + s.text;
    form.submit();
  }
  function show(suggestions) {
    close();
    items = suggestions;
    suggestions.forEach(function (s, i) {
      var li = document.createElement("li");
      li.id = "suggestion-" + i;
      li.setAttribute("role", "option");
      li.textContent = s.text;
      if (s.kind === "place") {
        var tag = document.createElement("span");
        tag.className = "kind";
        tag.textContent = s.path ? "地区：" + s.path.split("/").join(" › ") : "地名";
        li.appendChild(tag);
      } else if (s.kind === "title") {
        var t = document.createElement("span");
        t.className = "kind";
        t.textContent = "标题";
        li.appendChild(t);
      }
      li.addEventListener("mousedown", function (e) {
        e.preventDefault();
        choose(s);
      });
      list.appendChild(li);
    });
    list.hidden = suggestions.length === 0;
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var prefix = lastWord();
    if (!prefix) return close();
    timer = setTimeout(function () {
      var mine = ++asked;
      fetch("/api/suggest?limit=8&q=" + encodeURIComponent(prefix))
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (body) { if (mine === asked) show(body.suggestions || []); })
        .catch(close);
    }, 150);
  });
  input.addEventListener("keydown", function (e) {
    if (list.hidden) return;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      mark((active + 1) % items.length);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      mark((active - 1 + items.length) % items.length);
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      choose(items[active]);
    } else if (e.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
})();
