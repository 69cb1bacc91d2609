//! End-to-end test of the staff pages in a real browser.
//!
//! Debian's chromium runs headless, driven through chromedriver (W3C
//! WebDriver: JSON over HTTP on loopback), against the real `aidsearch`
//! binary serving a temp index built from `corpus/`. The test walks what a
//! member of staff does (user stories 1 and 5): search, drill down the region
//! tree to a county, check every count against the JSON API, go back and
//! forward, open a report at its paragraph and come back with the filters
//! intact, export, and make sure hostile queries show as text. It saves
//! screenshots of the pages at desktop and phone widths under
//! `target/e2e/`. A second walk (user stories 1, 2 and 5) runs on the aid
//! subcorpus of `../shared` (4,546 reports): chart and facet lists readable
//! by their sizes in the DOM, from–to years, 更多…, 1亿, the export, the
//! pager, typed filters, the report view and print media.
//!
//! Without chromium and chromedriver on `PATH` it prints
//! "skipped: chromium not installed" and passes, or fails under `CI=true`;
//! `.ci/run` installs both.
//!
//! The WebDriver client is a few functions over `std::net::TcpStream`: the
//! usual Rust client (fantoccini) depends on the MPL-licensed `webdriver`
//! crate, which the project's license policy does not admit. Every socket
//! has a timeout, every wait a deadline, and the server, chromedriver and
//! the browser are killed when the test ends, passing or failing.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::enc;
use serde_json::{json, Value};

/// Longest any one socket read or write may take: starting a session
/// starts chromium, which took over 30 s on a loaded CI machine.
const IO_TIMEOUT: Duration = Duration::from_secs(90);

/// The walks take turns: each runs a server, chromedriver and chromium,
/// and the aid walk may first build its index; side by side on two cores
/// they starved each other (a session start timed out in CI).
static ONE_WALK_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
/// Longest the server or chromedriver may take to come up.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest a page may take to reach the state a step waits for.
const STEP_TIMEOUT: Duration = Duration::from_secs(15);
/// The W3C name of an element reference in WebDriver JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// Desktop window size.
const DESKTOP: (u32, u32) = (1280, 900);
/// The search page screenshot's viewport (the README shows it).
const SHOT: (u32, u32) = (1200, 1040);
/// Phone viewport (an iPhone 12-14 in CSS pixels).
const PHONE: (u32, u32) = (390, 844);

const XSS: [&str; 2] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
];

type Res<T> = Result<T, String>;

// ---------------------------------------------------------------------------
// Plain HTTP/1.1 over loopback.

/// The server's address and the API key the test's own requests to it send
/// (the walk runs against a server with an access file, issue 20).
static SERVER_KEY: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();

/// A user and an API key in the index's access file, made by the binary.
fn create_access(bin: &str, index: &Path, server: &str) {
    use std::io::Write as _;
    let file = index.join("auth.toml");
    let mut user = Command::new(bin)
        .args(["user", "add", "walker", "--password-stdin", "--auth"])
        .arg(&file)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("user add runs");
    user.stdin
        .take()
        .unwrap()
        .write_all(WALKER_PASSWORD.as_bytes())
        .unwrap();
    assert!(user.wait().unwrap().success(), "user add failed");
    let key = Command::new(bin)
        .args([
            "key",
            "create",
            "walker",
            "--action",
            "search,report,export,facets",
            "--auth",
        ])
        .arg(&file)
        .output()
        .expect("key create runs");
    assert!(key.status.success(), "key create failed");
    let key = String::from_utf8(key.stdout).unwrap().trim().to_string();
    let _ = SERVER_KEY.set((server.to_string(), key));
}

const WALKER_PASSWORD: &str = "雪域高原书写青春";

/// Signed out, a results URL lands on the login page; signing in there
/// returns to the same search.
fn sign_in_returns_to_the_search(b: &Browser, site: &str) {
    let results = format!("{site}/?q={}&sector={}", enc("医疗"), enc("医疗卫生"));
    b.goto(&results);
    b.wait_url("the login page", |u| u.contains("/login?next="));
    let name = b.find("#username").expect("user name box");
    b.must(
        "POST",
        &format!("/element/{name}/value"),
        Some(json!({ "text": "walker" })),
    );
    let password = b.find("#password").expect("password box");
    b.must(
        "POST",
        &format!("/element/{password}/value"),
        Some(json!({ "text": WALKER_PASSWORD })),
    );
    b.click_css("form.login-form button[type=submit]");
    let back = b.wait_url("the search after sign-in", |u| !u.contains("/login"));
    assert_eq!(back, results, "sign-in returns to the same search");
    assert_eq!(b.js("return document.getElementById('q').value"), "医疗");
}

/// One HTTP request with `Connection: close`; returns status and body.
fn http(addr: &str, method: &str, path: &str, body: Option<&Value>) -> Res<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_read_timeout(Some(IO_TIMEOUT)).ok();
    stream.set_write_timeout(Some(IO_TIMEOUT)).ok();
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: */*\r\n");
    if let Some((_, key)) = SERVER_KEY.get().filter(|(server, _)| server == addr) {
        request.push_str(&format!("Authorization: Bearer {key}\r\n"));
    }
    if body.is_some() {
        request.push_str(&format!(
            "Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n",
            payload.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(&payload);
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("{method} {path}: {e}"))?;
    // Read the head, then exactly the body: chromedriver keeps the
    // connection open despite `Connection: close`.
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let fail = |e: std::io::Error| format!("{method} {path}: {e}");
    let split = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut buf).map_err(fail)?;
        if n == 0 {
            return Err(format!("{method} {path}: connection closed in the headers"));
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{method} {path}: bad status line in {head:?}"))?;
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.trim() == name)
            .map(|(_, v)| v.trim().to_string())
    };
    let chunked = header("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    if let Some(length) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        while body.len() < length {
            let n = stream.read(&mut buf).map_err(fail)?;
            if n == 0 {
                return Err(format!("{method} {path}: body cut short"));
            }
            body.extend_from_slice(&buf[..n]);
        }
        body.truncate(length);
    } else if chunked {
        while !body.ends_with(b"0\r\n\r\n") {
            let n = stream.read(&mut buf).map_err(fail)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&buf[..n]);
        }
        body = dechunk(&body)?;
    } else if method != "HEAD" {
        stream.read_to_end(&mut body).map_err(fail)?;
    }
    Ok((status, body))
}

fn dechunk(mut data: &[u8]) -> Res<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("bad chunk")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]).to_string();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(data.get(..size).ok_or("short chunk")?);
        data = data.get(size + 2..).ok_or("short chunk")?;
    }
}

/// GET a JSON document from the aidsearch server.
fn get_json(addr: &str, path: &str) -> Value {
    let (status, body) = http(addr, "GET", path, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        status,
        200,
        "GET {path}: {}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn base64_decode(text: &str) -> Res<Vec<u8>> {
    let value = |c: u8| -> Res<u32> {
        Ok(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(format!("bad base64 byte {c}")),
        } as u32)
    };
    let bytes: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let produced = chunk.len().saturating_sub(1);
        out.extend_from_slice(&n.to_be_bytes()[1..1 + produced]);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Processes and the browser session, cleaned up on drop.

/// A child process in its own process group, killed with its whole group
/// (chromedriver's browser included) when dropped.
struct Process {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Process {
    fn spawn(name: &'static str, command: &mut Command, log: PathBuf) -> Process {
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Process { name, child, log }
    }

    /// Wait until `ready` holds, failing early if the process exits.
    fn wait_ready(&mut self, mut ready: impl FnMut() -> bool) {
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited ({status}):\n{}", self.name, self.log_tail());
            }
            if ready() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "{} not ready after {START_TIMEOUT:?}:\n{}",
            self.name,
            self.log_tail()
        );
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // The group id is the child's pid (process_group(0)); this reaches
        // the browser chromedriver started, and nothing else.
        // `-s KILL --` matters: given `kill -KILL -8143`, procps signalled
        // group 8 instead of 8143.
        let pgid = self.child.id();
        if pgid > 1 {
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{pgid}")])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port on loopback (the tiny race with another binder is acceptable
/// in a test).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Look a program up on `PATH`.
fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

/// A WebDriver session; deleted (closing the browser) when dropped.
struct Browser {
    driver: String,
    session: String,
}

impl Browser {
    fn start(driver: &str, chromium: &Path, profile: &Path) -> Browser {
        let args = [
            "--headless".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--no-first-run".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            // Containers often have a tiny /dev/shm, which crashes tabs.
            "--disable-dev-shm-usage".to_string(),
            format!("--user-data-dir={}", profile.display()),
            format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
            "--lang=zh-CN".to_string(),
            "--hide-scrollbars".to_string(),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            // Leave any alert open, so the XSS checks can see it.
            "unhandledPromptBehavior": "ignore",
            "timeouts": {"implicit": 0, "pageLoad": 20_000, "script": 10_000},
            "goog:chromeOptions": {"binary": chromium.display().to_string(), "args": args},
        }}});
        let (status, body) = http(driver, "POST", "/session", Some(&capabilities))
            .unwrap_or_else(|e| panic!("new session: {e}"));
        let value: Value = serde_json::from_slice(&body).expect("session JSON");
        assert_eq!(status, 200, "new session: {value}");
        let session = value["value"]["sessionId"]
            .as_str()
            .expect("session id")
            .to_string();
        Browser {
            driver: driver.to_string(),
            session,
        }
    }

    /// One WebDriver command; returns its `value`.
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Res<Value> {
        let full = format!("/session/{}{path}", self.session);
        let body = match (method, body) {
            ("POST", None) => Some(json!({})),
            (_, b) => b,
        };
        let (status, raw) = http(&self.driver, method, &full, body.as_ref())?;
        let value: Value = serde_json::from_slice(&raw)
            .map_err(|e| format!("{method} {path}: {e}: {}", String::from_utf8_lossy(&raw)))?;
        if status != 200 {
            return Err(format!(
                "{method} {path}: {status} {}: {}",
                value["value"]["error"], value["value"]["message"]
            ));
        }
        Ok(value["value"].clone())
    }

    fn must(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.cmd(method, path, body)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn goto(&self, url: &str) {
        self.must("POST", "/url", Some(json!({ "url": url })));
    }

    fn url(&self) -> String {
        self.must("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn find(&self, css: &str) -> Res<String> {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        )?;
        v[ELEMENT]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("no element id for {css}: {v}"))
    }

    fn click(&self, element: &str) {
        self.must("POST", &format!("/element/{element}/click"), None);
    }

    /// Click the element `css` finds.
    fn click_css(&self, css: &str) {
        let el = self.find(css).unwrap_or_else(|e| panic!("{e}"));
        self.click(&el);
    }

    /// Run a script (its body, with `arguments`) and return its result.
    fn exec(&self, script: &str, args: Value) -> Value {
        self.must(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    fn js(&self, script: &str) -> Value {
        self.exec(script, json!([]))
    }

    /// The text of the open alert, if any.
    fn alert(&self) -> Option<String> {
        self.cmd("GET", "/alert/text", None)
            .ok()
            .map(|v| v.as_str().unwrap_or_default().to_string())
    }

    fn keys(&self, keys: &[&str]) {
        let mut actions = Vec::new();
        for k in keys {
            actions.push(json!({"type": "keyDown", "value": k}));
            actions.push(json!({"type": "keyUp", "value": k}));
        }
        self.must(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        );
    }

    /// A Chrome DevTools command through chromedriver.
    fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.must(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": cmd, "params": params})),
        )
    }

    fn screenshot(&self, path: &Path) {
        let data = self.must("GET", "/screenshot", None);
        let png = base64_decode(data.as_str().unwrap_or_default()).expect("base64 screenshot");
        assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
        std::fs::write(path, png).expect("write screenshot");
    }

    /// Wait until the page's URL satisfies `ok`, and the page has loaded.
    fn wait_url(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            let url = self.url();
            let loaded = self.js("return document.readyState") == "complete";
            if ok(&url) && loaded {
                return url;
            }
            assert!(Instant::now() < deadline, "waiting for {what}; at {url}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http(
            &self.driver,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
    }
}

// ---------------------------------------------------------------------------
// What the page shows, read in one script each.

/// The part of a URL after the host: path, query and fragment.
fn local(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.find('/')
        .map(|i| rest[i..].to_string())
        .unwrap_or_else(|| "/".to_string())
}

/// The query string of a URL (without fragment).
fn query_of(url: &str) -> String {
    let no_fragment = url.split('#').next().unwrap_or(url);
    no_fragment
        .split_once('?')
        .map(|(_, q)| q.to_string())
        .unwrap_or_default()
}

/// The total the page shows.
fn shown_total(b: &Browser) -> u64 {
    b.js("const t = document.getElementById('total'); return t ? t.textContent : null")
        .as_str()
        .unwrap_or_else(|| panic!("no #total on {}", b.url()))
        .trim()
        .parse()
        .expect("total is a number")
}

/// `(label, count, selected, depth)` of every link of a facet block.
fn shown_facet(b: &Browser, name: &str) -> Vec<(String, u64, bool, u64)> {
    let v = b.exec(
        "return Array.from(document.querySelectorAll('#facet-' + arguments[0] + ' ul.values a')).map(a => [
            a.querySelector('.label').textContent,
            Number(a.querySelector('.count').textContent),
            a.classList.contains('selected'),
            a.closest('ul.children') ? 1 : 0])",
        json!([name]),
    );
    serde_json::from_value(v).expect("facet rows")
}

/// `(year, count)` of every bar of the year chart.
fn shown_years(b: &Browser) -> Vec<(String, u64)> {
    let v = b.js(
        "return Array.from(document.querySelectorAll('.year-chart a')).map(a => [
            a.querySelector('text:not(.n)').textContent,
            Number(a.querySelector('text.n').textContent)])",
    );
    serde_json::from_value(v).expect("year bars")
}

/// `(label, count)` of the values of one facet in an API response.
fn api_facet(response: &Value, name: &str) -> Vec<(String, u64)> {
    response["facets"][name]
        .as_array()
        .unwrap_or_else(|| panic!("no {name} facet in {response}"))
        .iter()
        .map(|v| {
            (
                v["label"].as_str().unwrap_or_default().to_string(),
                v["count"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

/// Check the page's total and flat facets against the JSON API for the same
/// query string; the region tree's nested level against the API's region
/// values. Returns the API response.
fn check_counts_match_api(b: &Browser, server: &str) -> Value {
    let page_url = b.url();
    let api = get_json(server, &format!("/api/search?{}", query_of(&page_url)));
    assert_eq!(
        shown_total(b),
        api["total"].as_u64().unwrap(),
        "total at {page_url}"
    );
    let pairs = |rows: Vec<(String, u64, bool, u64)>| -> Vec<(String, u64)> {
        rows.into_iter().map(|(l, c, _, _)| (l, c)).collect()
    };
    assert_eq!(
        pairs(shown_facet(b, "sector")),
        api_facet(&api, "sector"),
        "sector counts at {page_url}"
    );
    let years: Vec<(String, u64)> = shown_years(b);
    assert_eq!(years, api_facet(&api, "year"), "year counts at {page_url}");
    api
}

fn region_link(b: &Browser, label: &str, depth: u64) -> String {
    let v = b.exec(
        "const a = Array.from(document.querySelectorAll('#facet-region ul.values a')).find(a =>
            a.querySelector('.label').textContent === arguments[0] &&
            (a.closest('ul.children') ? 1 : 0) === arguments[1]);
         return a || null",
        json!([label, depth]),
    );
    v[ELEMENT]
        .as_str()
        .unwrap_or_else(|| panic!("no region link {label} at depth {depth} on {}", b.url()))
        .to_string()
}

fn breadcrumb(b: &Browser) -> Vec<String> {
    serde_json::from_value(b.js(
        "return Array.from(document.querySelectorAll('#facet-region .breadcrumb li')).map(li => li.textContent.trim())",
    ))
    .expect("breadcrumb")
}

// ---------------------------------------------------------------------------

/// The browser programs, or `None` after a skip message (a failure under
/// `CI=true`, where `.ci/run` installs them).
fn chromium_or_skip() -> Option<(PathBuf, PathBuf)> {
    let (Some(chromium), Some(chromedriver)) = (which("chromium"), which("chromedriver")) else {
        let msg = "chromium not installed (apt-get install chromium chromium-driver)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}");
        }
        // Written past the test harness's capture, so it shows in `cargo test`.
        let _ = writeln!(std::io::stderr(), "skipped: {msg}");
        return None;
    };
    Some((chromium, chromedriver))
}

/// What a walk runs against: `aidsearch serve` on an index, chromedriver,
/// and a browser session. Fields drop in order: the session is deleted
/// before the processes are killed.
struct Walk {
    b: Browser,
    /// `127.0.0.1:PORT` of the server, and its `http://` address.
    server: String,
    site: String,
    /// Where screenshots go (`target/e2e`).
    shots: PathBuf,
    _driver: Process,
    _server: Process,
}

impl Walk {
    /// Serve `index` (of `corpus`) and open a browser; logs go to `scratch`.
    /// With `signed_in`, the server gets an access file (a user to sign in
    /// as, and a key for the test's own API requests).
    fn start(
        programs: &(PathBuf, PathBuf),
        index: &Path,
        corpus: &Path,
        scratch: &Path,
        signed_in: bool,
    ) -> Walk {
        let (chromium, chromedriver) = programs;
        let bin = env!("CARGO_BIN_EXE_aidsearch");
        let shots = Path::new(bin)
            .ancestors()
            .nth(2)
            .expect("target dir")
            .join("e2e");
        std::fs::create_dir_all(&shots).expect("screenshot dir");
        // The server, on a free loopback port.
        let server = format!("127.0.0.1:{}", free_port());
        if signed_in {
            create_access(bin, index, &server);
        }
        let mut server_process = Process::spawn(
            "aidsearch serve",
            Command::new(bin)
                .args(["serve", "--addr", &server, "--corpus"])
                .arg(corpus)
                .arg("--index")
                .arg(index),
            scratch.join("server.log"),
        );
        server_process.wait_ready(|| matches!(http(&server, "GET", "/readyz", None), Ok((200, _))));
        // chromedriver, on another loopback port.
        let driver = format!("127.0.0.1:{}", free_port());
        let mut driver_process = Process::spawn(
            "chromedriver",
            Command::new(chromedriver)
                .arg(format!("--port={}", driver.rsplit(':').next().unwrap())),
            scratch.join("chromedriver.log"),
        );
        driver_process.wait_ready(|| {
            http(&driver, "GET", "/status", None)
                .ok()
                .and_then(|(_, body)| serde_json::from_slice::<Value>(&body).ok())
                .is_some_and(|v| v["value"]["ready"] == true)
        });
        let b = Browser::start(&driver, chromium, &scratch.join("profile"));
        Walk {
            b,
            site: format!("http://{server}"),
            server,
            shots,
            _driver: driver_process,
            _server: server_process,
        }
    }
}

#[test]
fn staff_walk_through_in_chromium() {
    let Some(programs) = chromium_or_skip() else {
        return;
    };
    let _turn = ONE_WALK_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let bin = env!("CARGO_BIN_EXE_aidsearch");
    let tmp = tempfile::tempdir().expect("temp dir");
    let index = tmp.path().join("index");

    // The index, built from the seed corpus by the binary itself.
    let status = Command::new(bin)
        .args(["reindex", "--corpus"])
        .arg(common::corpus_dir())
        .arg("--index")
        .arg(&index)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("reindex runs");
    assert!(status.success(), "reindex failed: {status}");
    let walk = Walk::start(&programs, &index, &common::corpus_dir(), tmp.path(), true);
    let (b, server, site, shots) = (&walk.b, &walk.server, &walk.site, &walk.shots);
    sign_in_returns_to_the_search(b, site);

    // # 1. Search: type the words into the box and submit.
    b.goto(&format!("{site}/"));
    let q = "医疗";
    let input = b.find("#q").expect("search box");
    b.must(
        "POST",
        &format!("/element/{input}/value"),
        Some(json!({ "text": q })),
    );
    b.click_css("form.searchbox button[type=submit]");
    let searched = b.wait_url("the search", |u| u.contains(&format!("q={}", enc(q))));
    assert_eq!(
        b.js("return document.getElementById('q').value"),
        q,
        "the box keeps the query"
    );
    let api = check_counts_match_api(b, server);
    assert!(api["total"].as_u64().unwrap() > 0, "no hits for {q}");
    assert!(
        b.js("return document.querySelectorAll('.hit .snippet mark').length")
            .as_u64()
            .unwrap()
            > 0,
        "snippets are highlighted"
    );
    let top = shown_facet(b, "region");
    assert_eq!(
        top.iter()
            .map(|(l, c, _, _)| (l.clone(), *c))
            .collect::<Vec<_>>(),
        api_facet(&api, "region"),
        "the top of the region tree is the API's"
    );
    assert_eq!(
        top.first().map(|t| t.0.as_str()),
        Some("西藏自治区"),
        "the provinces, the areas paired aid goes to first: {top:?}"
    );

    // # 2. Click the province, then a prefecture below it.
    b.click(&region_link(b, "西藏自治区", 0));
    let at_tibet = b.wait_url("the province filter", |u| u.contains("region="));
    check_counts_match_api(b, server);
    let prefectures: Vec<_> = shown_facet(b, "region")
        .into_iter()
        .filter(|r| r.3 == 1)
        .collect();
    let chamdo_count = prefectures
        .iter()
        .find(|(l, ..)| l == "昌都市")
        .unwrap_or_else(|| panic!("昌都市 under 西藏自治区: {prefectures:?}"))
        .1;
    b.click(&region_link(b, "昌都市", 1));
    let at_chamdo = b.wait_url("the prefecture filter", |u| u != at_tibet);
    let api = check_counts_match_api(b, server);
    assert_eq!(
        shown_total(b),
        chamdo_count,
        "the facet's count is the total it filters to"
    );
    assert_eq!(breadcrumb(b), ["全部地区", "西藏自治区", "昌都市"]);
    let tree = shown_facet(b, "region");
    let chosen: Vec<_> = tree.iter().filter(|r| r.2).collect();
    assert_eq!(chosen.len(), 1, "one region checked: {tree:?}");
    assert_eq!(
        (chosen[0].0.as_str(), chosen[0].1),
        ("昌都市", chamdo_count)
    );
    let counties: Vec<(String, u64)> = tree
        .iter()
        .filter(|r| r.3 == 1)
        .map(|r| (r.0.clone(), r.1))
        .collect();
    assert!(!counties.is_empty(), "昌都市 lists its counties: {tree:?}");
    assert_eq!(
        counties,
        api_facet(&api, "region"),
        "the counties are the API's region values for 昌都市"
    );
    assert!(counties
        .iter()
        .all(|(l, _)| l.ends_with('县') || l.ends_with('区')));
    // Siblings stay listed with their own counts, as under the province.
    for (label, count, _, depth) in &tree {
        if *depth == 0 {
            let listed = prefectures.iter().find(|t| &t.0 == label).map(|t| t.1);
            assert_eq!(listed, Some(*count), "sibling {label} keeps its count");
        }
    }
    // Tall enough to show the whole sidebar, year chart included.
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": SHOT.0, "height": SHOT.1, "deviceScaleFactor": 1, "mobile": false}),
    );
    b.screenshot(&shots.join("search.png"));
    b.cdp("Emulation.clearDeviceMetricsOverride", json!({}));

    // # 3. Then a county.
    let (county, county_count) = counties[0].clone();
    b.click(&region_link(b, &county, 1));
    let at_county = b.wait_url("the county filter", |u| u != at_chamdo);
    check_counts_match_api(b, server);
    assert_eq!(
        shown_total(b),
        county_count,
        "{county}'s count is its total"
    );
    assert_eq!(
        breadcrumb(b),
        ["全部地区", "西藏自治区", "昌都市", county.as_str()]
    );
    let tree = shown_facet(b, "region");
    assert!(
        tree.iter().any(|r| r.0 == county && r.2),
        "{county} checked: {tree:?}"
    );
    let chips: Vec<String> = serde_json::from_value(b.js(
        "return Array.from(document.querySelectorAll('#chips .chip')).map(c => c.textContent)",
    ))
    .unwrap();
    assert!(
        chips.iter().any(|c| c.contains(&county)),
        "chip for {county}: {chips:?}"
    );

    // # 4. Back and forward walk the same states (the URL holds them all).
    b.must("POST", "/back", None);
    b.wait_url("back", |u| u == at_chamdo);
    assert_eq!(shown_total(b), chamdo_count);
    b.must("POST", "/forward", None);
    b.wait_url("forward", |u| u == at_county);
    assert_eq!(shown_total(b), county_count);

    // # 5. The breadcrumb climbs back to 昌都市.
    b.click_css("#facet-region .breadcrumb a[title='西藏自治区/昌都市']");
    b.wait_url("the breadcrumb", |u| u == at_chamdo);
    assert_eq!(shown_total(b), chamdo_count);

    // # 6. A year bar is a link that filters to its count.
    let years = shown_years(b);
    let (year, year_count) = years.last().cloned().expect("a year bar");
    let bar = b.exec(
        "return Array.from(document.querySelectorAll('.year-chart a')).find(a =>
            a.querySelector('text:not(.n)').textContent === arguments[0])",
        json!([year]),
    );
    b.click(bar[ELEMENT].as_str().expect("bar element"));
    let with_year = b.wait_url("the year filter", |u| u.contains(&format!("year={year}")));
    check_counts_match_api(b, server);
    assert_eq!(
        shown_total(b),
        year_count,
        "year {year}'s bar count is its total"
    );

    // # 7. The export holds the same rows.
    let csv_href = b.js("return document.getElementById('export-csv').getAttribute('href')");
    let (status, csv) = http(server, "GET", csv_href.as_str().unwrap(), None).unwrap();
    assert_eq!(status, 200);
    assert!(
        csv.starts_with("\u{FEFF}段落ID,".as_bytes()),
        "CSV has a BOM and header"
    );
    let rows = String::from_utf8(csv).unwrap().matches("\r\n").count() - 1;
    assert_eq!(rows as u64, year_count, "CSV rows = total");

    // # 8. Open a report at its paragraph; the paragraph is marked and in view.
    b.click_css(".hit h3 a");
    let report = b.wait_url("the report", |u| u.contains("/report/"));
    let fragment = report
        .split_once('#')
        .map(|(_, f)| f.to_string())
        .expect("a #p-N fragment");
    assert!(fragment.starts_with("p-"), "{report}");
    let target = b.js("const t = document.querySelector(':target');
         if (!t) return null;
         const r = t.getBoundingClientRect();
         return {id: t.id, marked: t.classList.contains('target'),
                 background: getComputedStyle(t).backgroundColor,
                 inView: r.top >= 0 && r.top < window.innerHeight}");
    assert_eq!(
        target["id"],
        fragment.as_str(),
        "the :target is the paragraph"
    );
    assert_eq!(target["marked"], true, "{target}");
    assert_ne!(
        target["background"], "rgba(0, 0, 0, 0)",
        "the target is highlighted"
    );
    assert_eq!(target["inView"], true, "the target is scrolled into view");
    assert!(
        b.js("return document.querySelectorAll('article mark').length")
            .as_u64()
            .unwrap()
            > 0,
        "the query's words are highlighted in the report"
    );
    b.screenshot(&shots.join("report.png"));
    // The way back keeps every filter.
    b.click_css("#back-link");
    b.wait_url("back to the results", |u| local(u) == local(&with_year));

    // # 9. Keyboard: the first Tab shows a visible skip link that jumps to the results.
    // Under load chromedriver sometimes delivered the Tab before the new
    // document took keyboard focus (focus stayed on the body): the page is
    // loaded again, with a pause before the Tab, up to three times, so only
    // a skip link that never takes the first Tab fails.
    let mut focused = serde_json::Value::Null;
    for attempt in 0..3u64 {
        b.goto(&searched);
        std::thread::sleep(std::time::Duration::from_millis(200 * attempt));
        b.keys(&["\u{E004}"]);
        focused = b.js(
            "const a = document.activeElement; const s = getComputedStyle(a);
             return {cls: a.className, outline: s.outlineStyle, top: a.getBoundingClientRect().top}",
        );
        if focused["cls"] == "skip" {
            break;
        }
    }
    assert_eq!(focused["cls"], "skip", "{focused}");
    assert_eq!(focused["outline"], "solid", "focus is visible: {focused}");
    assert!(
        focused["top"].as_f64().unwrap() >= 0.0,
        "skip link shows on focus: {focused}"
    );
    b.keys(&["\u{E007}"]);
    b.wait_url("the skip link", |u| u.ends_with("#results"));

    // # 10. Hostile text is shown as text: as the query, as facet values, on a report.
    let report_path = local(&report).split('?').next().unwrap().to_string();
    for payload in XSS {
        let visits = [
            ("query", format!("/?q={}", enc(payload))),
            (
                "facet",
                format!("/?q=&region={}&sector={}", enc(payload), enc(payload)),
            ),
            ("report", format!("{report_path}?p=1&q={}", enc(payload))),
        ];
        for (what, path) in visits {
            b.goto(&format!("{site}{path}"));
            assert_eq!(b.alert(), None, "an alert ran on {path}");
            // The search page's own script (search-as-you-type) is no injection.
            let injected = b.js(
                "return document.querySelectorAll('script:not([src=\"/static/page.js\"]), img, iframe, [onerror]').length",
            );
            assert_eq!(injected, 0, "an element was injected on {path}");
            let text = b.js("return document.body.textContent");
            let text = text.as_str().unwrap();
            match what {
                "query" => {
                    assert_eq!(b.js("return document.getElementById('q').value"), payload);
                    let title = b.js("return document.title");
                    assert!(title.as_str().unwrap().contains(payload), "{title}");
                }
                // Chips show the last part of a path value.
                "facet" => assert!(
                    text.contains(&format!("领域：{}", payload.rsplit('/').next().unwrap())),
                    "the sector chip shows the value as text on {path}"
                ),
                _ => assert!(text.contains(payload), "the report shows the query as text"),
            }
        }
    }

    // # 10b. A long facet list has a filter box: typing keeps the values
    // that hold the text, those behind 更多… included.
    b.goto(&format!("{site}/"));
    let shown = b.js(
        "const box = document.querySelector('#facet-sector input.facet-filter');
         if (!box) return null;
         box.value = '发展'; box.dispatchEvent(new Event('input'));
         return Array.from(document.querySelectorAll('#facet-sector ul.values > li'))
           .filter(li => !li.hidden).map(li => li.querySelector('.label').textContent)",
    );
    let shown: Vec<String> = serde_json::from_value(shown).expect("a sector filter box");
    assert!(!shown.is_empty(), "some sector holds 发展");
    assert!(shown.iter().all(|l| l.contains("发展")), "{shown:?}");

    // # 10c. Search-as-you-type: the last word is completed from
    // /api/suggest, and a place chosen becomes a region filter.
    b.goto(&format!("{site}/"));
    b.js(
        "const q = document.getElementById('q'); q.focus(); q.value = '医疗 日喀'; \
          q.dispatchEvent(new Event('input')); return null",
    );
    let deadline = Instant::now() + STEP_TIMEOUT;
    let option = loop {
        let found = b.js(
            "const li = Array.from(document.querySelectorAll('#suggestions li')).find(li =>
                li.firstChild.textContent === '日喀则市');
             return li || null",
        );
        if let Some(id) = found[ELEMENT].as_str() {
            break id.to_string();
        }
        assert!(Instant::now() < deadline, "no suggestion 日喀则市");
        std::thread::sleep(Duration::from_millis(50));
    };
    b.click(&option);
    let chosen = b.wait_url("the suggested place", |u| u.contains("region="));
    let pairs = aidsearch::web::params::decode_pairs(&query_of(&chosen)).unwrap();
    assert!(
        pairs.contains(&("q".to_string(), "医疗".to_string()))
            && pairs.contains(&("region".to_string(), "西藏自治区/日喀则市".to_string())),
        "{pairs:?}"
    );

    // # 11. A phone: no sideways scrolling, and screenshots.
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": PHONE.0, "height": PHONE.1, "deviceScaleFactor": 1, "mobile": true}),
    );
    b.goto(&at_chamdo);
    let width = b.js("return [document.documentElement.scrollWidth, window.innerWidth]");
    assert!(
        width[0].as_u64() <= width[1].as_u64(),
        "the search page scrolls sideways on a phone: {width}"
    );
    b.screenshot(&shots.join("search-phone.png"));
    b.goto(&report);
    let width = b.js("return [document.documentElement.scrollWidth, window.innerWidth]");
    assert!(
        width[0].as_u64() <= width[1].as_u64(),
        "the report page scrolls sideways on a phone: {width}"
    );
    b.screenshot(&shots.join("report-phone.png"));
    b.cdp("Emulation.clearDeviceMetricsOverride", json!({}));

    let _ = writeln!(std::io::stderr(), "e2e: screenshots in {}", shots.display());
}

/// Type `text` into the input `css` finds, replacing what it holds.
fn type_into(b: &Browser, css: &str, text: &str) {
    let input = b.find(css).unwrap_or_else(|e| panic!("{e}"));
    b.must("POST", &format!("/element/{input}/clear"), None);
    b.must(
        "POST",
        &format!("/element/{input}/value"),
        Some(json!({ "text": text })),
    );
}

/// The decoded query parameters of the page's URL.
fn url_pairs(b: &Browser) -> Vec<(String, String)> {
    aidsearch::web::params::decode_pairs(&query_of(&b.url())).expect("page URL decodes")
}

/// The texts of the chips of the current filters.
fn chips(b: &Browser) -> Vec<String> {
    serde_json::from_value(
        b.js(
            "return Array.from(document.querySelectorAll('#chips .chip')).map(c => c.textContent)",
        ),
    )
    .expect("chips")
}

/// User stories 1, 2 and 5 on the aid subcorpus of `../shared` (4,546
/// reports, 60 years, 34 regions, 31 donors): the year chart and the facet
/// lists stay readable (sizes read from the DOM), and the from–to years,
/// 更多…, amounts in 亿, the export, the pager, typed filters, the report
/// view and printing work at that size. Saves `target/e2e/search-large.png`
/// (the README's second screenshot) and `search-print.png`.
#[test]
fn staff_walk_on_the_aid_subcorpus() {
    let Some(programs) = chromium_or_skip() else {
        return;
    };
    let _turn = ONE_WALK_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(aid) = common::aid::index() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let walk = Walk::start(&programs, &aid.root, &aid.corpus, tmp.path(), false);
    let (b, server, site, shots) = (&walk.b, &walk.server, &walk.site, &walk.shots);
    let everything = get_json(server, "/api/search?q=&view=reports&sort=date");
    let reports = everything["report_total"].as_u64().unwrap();
    assert!(
        reports >= 2_000,
        "a corpus of {reports} reports is too small"
    );

    // # 1. Browsing lists reports, ten to a page.
    b.goto(&format!("{site}/"));
    assert_eq!(
        b.js("return document.querySelectorAll('.report-hit').length"),
        10,
        "the page said: {}",
        b.js("return document.body.innerText.slice(0, 600)")
    );
    assert_eq!(
        b.js("return document.getElementById('report-total').textContent"),
        reports.to_string()
    );
    assert_eq!(shown_total(b), everything["total"].as_u64().unwrap());

    // # 2. The year chart is readable at every year the corpus has: bars of
    // full width with readable labels, scrolled to the latest years.
    let years = api_facet(&everything, "year");
    assert!(years.len() >= 40, "many years: {}", years.len());
    assert_eq!(shown_years(b), years);
    let chart = b.js(
        "const bars = Array.from(document.querySelectorAll('.year-chart rect.bar'))
           .map(r => r.getBoundingClientRect());
         const labels = Array.from(document.querySelectorAll('.year-chart a text:not(.n)'))
           .map(t => t.getBoundingClientRect());
         const box = document.querySelector('.year-scroll');
         return {
           narrowest: Math.min(...bars.map(r => r.width)),
           lowest: Math.min(...bars.map(r => r.height)),
           label_height: Math.min(...labels.map(r => r.height)),
           label_width: Math.min(...labels.map(r => r.width)),
           scrolls: box.scrollWidth > box.clientWidth,
           // The box scrolls right to left: it opens on the latest years.
           at_end: (() => { const v = box.getBoundingClientRect();
                            const latest = bars[bars.length - 1];
                            return latest.left >= v.left && latest.right <= v.right + 1; })(),
         }",
    );
    assert!(chart["narrowest"].as_f64().unwrap() >= 20.0, "{chart}");
    assert!(
        chart["lowest"].as_f64().unwrap() >= 1.0,
        "every bar shows: {chart}"
    );
    assert!(chart["label_height"].as_f64().unwrap() >= 9.0, "{chart}");
    assert!(chart["label_width"].as_f64().unwrap() >= 20.0, "{chart}");
    assert_eq!(chart["scrolls"], true, "{chart}");
    assert_eq!(chart["at_end"], true, "the latest years in view: {chart}");

    // # 3. Long facet lists show their top values and put the rest behind
    // 更多…, which opens in place.
    for facet in ["region", "donor"] {
        let api_values = api_facet(&everything, facet);
        let list = b.exec(
            "const block = document.getElementById('facet-' + arguments[0]);
             const visible = Array.from(block.querySelectorAll(':scope > ul.values > li > a'));
             const more = block.querySelector('details.more');
             return {
               visible: visible.length,
               hidden: more ? more.querySelectorAll(':scope > ul.values > li > a').length : 0,
               summary: more ? more.querySelector('summary').textContent : '',
               label_height: Math.min(...visible.map(a => a.getBoundingClientRect().height)),
             }",
            json!([facet]),
        );
        let (visible, hidden) = (
            list["visible"].as_u64().unwrap(),
            list["hidden"].as_u64().unwrap(),
        );
        assert!(visible <= 9, "{facet}: {list}");
        assert_eq!(visible + hidden, api_values.len() as u64, "{facet}: {list}");
        assert!(hidden > 0, "{facet} is long: {list}");
        assert_eq!(list["summary"], format!("更多…（{hidden}）"), "{facet}");
        assert!(list["label_height"].as_f64().unwrap() >= 14.0, "{list}");
        b.click_css(&format!("#facet-{facet} details.more summary"));
        let opened = b.exec(
            "const more = document.querySelector('#facet-' + arguments[0] + ' details.more');
             return more.open && Array.from(more.querySelectorAll('a'))
               .every(a => a.getBoundingClientRect().height > 0)",
            json!([facet]),
        );
        assert_eq!(opened, true, "{facet}'s 更多… shows every value");
    }
    // Loaded at the screenshot's size: a resize keeps the chart's scroll
    // offset, not its latest years, in view.
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": SHOT.0, "height": SHOT.1, "deviceScaleFactor": 1, "mobile": false}),
    );
    b.goto(&format!("{site}/"));
    b.screenshot(&shots.join("search-large.png"));
    // The year chart of 60 years, scrolled into view.
    b.js("document.getElementById('facet-year').scrollIntoView(); return null");
    b.screenshot(&shots.join("search-large-years.png"));
    b.cdp("Emulation.clearDeviceMetricsOverride", json!({}));

    // # 4. Story 1 at scale: words, a province, a place below it, a year;
    // every count the page shows is the API's.
    let q = "医疗援藏";
    type_into(b, "#q", q);
    b.click_css("form.searchbox button[type=submit]");
    let searched = b.wait_url("the search", |u| u.contains(&format!("q={}", enc(q))));
    let api = check_counts_match_api(b, server);
    assert!(api["total"].as_u64().unwrap() > 0);
    let province = shown_facet(b, "region")
        .into_iter()
        .find(|r| r.3 == 0)
        .expect("a province");
    b.click(&region_link(b, &province.0, 0));
    let at_province = b.wait_url("the province", |u| u.contains("region="));
    check_counts_match_api(b, server);
    assert_eq!(shown_total(b), province.1);
    let below = shown_facet(b, "region")
        .into_iter()
        .find(|r| r.3 == 1)
        .expect("a place below the province");
    b.click(&region_link(b, &below.0, 1));
    b.wait_url("the place", |u| u != at_province);
    check_counts_match_api(b, server);
    assert_eq!(shown_total(b), below.1);
    let (year, year_count) = shown_years(b).last().cloned().expect("a year bar");
    let bar = b.exec(
        "return Array.from(document.querySelectorAll('.year-chart a')).find(a =>
            a.querySelector('text:not(.n)').textContent === arguments[0])",
        json!([year]),
    );
    b.click(bar[ELEMENT].as_str().expect("bar element"));
    let with_year = b.wait_url("the year", |u| u.contains(&format!("year={year}")));
    check_counts_match_api(b, server);
    assert_eq!(shown_total(b), year_count);
    // The export holds every row the page counts.
    let csv_href = b.js("return document.getElementById('export-csv').getAttribute('href')");
    let (status, csv) = http(server, "GET", csv_href.as_str().unwrap(), None).unwrap();
    assert_eq!(status, 200);
    let rows = String::from_utf8(csv).unwrap().matches("\r\n").count() - 1;
    assert_eq!(rows as u64, year_count, "CSV rows = total");
    // A report at its paragraph, and back with every filter.
    b.click_css(".hit h3 a");
    b.wait_url("the report", |u| u.contains("/report/"));
    b.click_css("#back-link");
    b.wait_url("back to the results", |u| local(u) == local(&with_year));

    // # 5. From–to years from the boxes: a chip, and the API's count.
    b.goto(&searched);
    type_into(b, "#year_from", "2016");
    type_into(b, "#year_to", "2020");
    b.click_css("form.year-range button[type=submit]");
    b.wait_url("the year range", |u| {
        u.contains("year_from=2016") && u.contains("year_to=2020")
    });
    let ranged = check_counts_match_api(b, server);
    assert!(ranged["total"].as_u64().unwrap() > 0);
    assert!(
        chips(b)
            .iter()
            .any(|c| c.contains("2016") && c.contains("2020")),
        "{:?}",
        chips(b)
    );

    // # 6. Story 2: a donor, a minimum of 1亿 typed as staff write it,
    // sorted by amount; the page's amounts are the API's whole yuan.
    b.goto(&format!("{site}/?view=paragraphs"));
    let donor = shown_facet(b, "donor")
        .into_iter()
        .find(|r| r.3 == 0)
        .expect("a donor");
    let link = b.exec(
        "return Array.from(document.querySelectorAll('#facet-donor ul.values > li > a')).find(a =>
            a.querySelector('.label').textContent === arguments[0])",
        json!([donor.0]),
    );
    b.click(link[ELEMENT].as_str().expect("donor link"));
    b.wait_url("the donor", |u| u.contains("donor="));
    type_into(b, "#min_funding", "1亿");
    b.click_css("#facet-funding button[type=submit]");
    b.wait_url("the amount", |u| u.contains("min_funding="));
    b.click_css("nav.sort a[href*='sort=funding']");
    b.wait_url("the amount order", |u| u.contains("sort=funding"));
    let rich = check_counts_match_api(b, server);
    assert_eq!(
        b.js("return document.getElementById('min_funding').value"),
        "1亿元"
    );
    let pairs = url_pairs(b);
    assert!(
        pairs.contains(&("min_funding".to_string(), "100000000".to_string())),
        "{pairs:?}"
    );
    let hits = rich["hits"].as_array().unwrap();
    assert!(!hits.is_empty(), "{} gave 1亿 or more somewhere", donor.0);
    for hit in hits {
        let amounts = hit["funding"].as_array().unwrap();
        assert!(amounts.iter().all(|a| a.is_u64()), "{amounts:?}");
        assert!(amounts.iter().any(|a| a.as_u64().unwrap() >= 100_000_000));
    }
    let first_amounts = b.js(
        "return Array.from(document.querySelectorAll('.hit')[0].querySelectorAll('.funding span'))
           .map(s => s.textContent)",
    );
    let largest = hits[0]["funding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_f64().unwrap())
        .fold(0.0, f64::max);
    let shown = aidsearch::web::format::format_yuan(largest);
    assert!(
        first_amounts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == shown.as_str()),
        "{largest} shown as {shown} among {first_amounts}"
    );

    // # 7. The pager: first, last, gaps, and the last page's range.
    b.goto(&format!("{site}/?q={}", enc("援疆")));
    let total = shown_total(b);
    assert!(total > 100, "援疆: {total}");
    let pager = b.js(
        "return Array.from(document.querySelectorAll('nav.pagination > *')).map(e => e.textContent)",
    );
    let pager: Vec<String> = serde_json::from_value(pager).unwrap();
    let last_page = total.div_ceil(10).min(1000);
    assert!(pager.contains(&"…".to_string()), "{pager:?}");
    assert!(pager.contains(&last_page.to_string()), "{pager:?}");
    let last = b.exec(
        "return Array.from(document.querySelectorAll('nav.pagination a')).find(a =>
            a.textContent === arguments[0])",
        json!([last_page.to_string()]),
    );
    b.click(last[ELEMENT].as_str().expect("last page link"));
    b.wait_url("the last page", |u| {
        u.contains(&format!("page={last_page}"))
    });
    let summary = b.js("return document.getElementById('summary').textContent");
    assert!(
        summary
            .as_str()
            .unwrap()
            .contains(&format!("–{} 条", total.min(10_000))),
        "{summary}"
    );

    // # 8. Filters typed in the box are chips and counted as clicked ones.
    let (region, _) = api_facet(&everything, "region")[0].clone();
    let typed = format!("援助 region:{region} year:2020");
    b.goto(&format!("{site}/"));
    type_into(b, "#q", &typed);
    b.click_css("form.searchbox button[type=submit]");
    b.wait_url("the typed filters", |u| u.contains("q="));
    let typed_api = check_counts_match_api(b, server);
    assert!(typed_api["total"].as_u64().unwrap() > 0, "{typed}");
    let shown_chips = chips(b);
    assert!(
        shown_chips.iter().any(|c| c.contains(&region))
            && shown_chips.iter().any(|c| c.contains("2020")),
        "{shown_chips:?}"
    );

    // # 9. The report view of a search, from the toggle.
    b.goto(&searched);
    b.click_css("#view a");
    b.wait_url("the report view", |u| u.contains("view=reports"));
    let by_report = get_json(server, &format!("/api/search?{}", query_of(&b.url())));
    assert_eq!(
        b.js("return document.getElementById('report-total').textContent"),
        by_report["report_total"].as_u64().unwrap().to_string()
    );
    assert_eq!(
        b.js("return document.querySelectorAll('.report-hit').length"),
        by_report["reports"].as_array().unwrap().len()
    );

    // # 10. Printing: the query shows, navigation and facets do not.
    b.goto(&with_year);
    b.cdp("Emulation.setEmulatedMedia", json!({"media": "print"}));
    let printed = b.js("const shown = s => { const e = document.querySelector(s);
                              return e ? getComputedStyle(e).display !== 'none' : null; };
         return {query: shown('#print-query'),
                 query_text: document.getElementById('print-query').textContent,
                 header: shown('header.site'), facets: shown('.facets'),
                 toolbar: shown('.toolbar'), searchbox: shown('.searchbox'),
                 chips: shown('#chips'), links: shown('.hit .links'),
                 hits: shown('.hits')}");
    assert_eq!(printed["query"], true, "{printed}");
    assert!(
        printed["query_text"].as_str().unwrap().contains(q),
        "{printed}"
    );
    for hidden in ["header", "facets", "toolbar", "searchbox", "chips", "links"] {
        assert_eq!(printed[hidden], false, "{hidden} printed: {printed}");
    }
    assert_eq!(printed["hits"], true, "{printed}");
    b.screenshot(&shots.join("search-print.png"));
    b.cdp("Emulation.setEmulatedMedia", json!({"media": ""}));

    // # 11. Story 5: a phrase no paragraph has, traditional characters, a
    // stray quote.
    for (typed, plain) in [("醫療援藏", "医疗援藏"), ("\"援藏", "援藏")] {
        b.goto(&format!("{site}/?q={}", enc(typed)));
        let api = get_json(server, &format!("/api/search?q={}", enc(plain)));
        assert_eq!(shown_total(b), api["total"].as_u64().unwrap(), "{typed}");
        assert!(shown_total(b) > 0, "{typed}");
    }
    b.goto(&format!("{site}/?q={}", enc("农牧民在家门口就业")));
    let api = check_counts_match_api(b, server);
    assert!(api["total"].as_u64().unwrap() > 0);
    assert_eq!(
        b.js("return document.getElementById('relaxed-notice') !== null"),
        api["relaxed"],
        "the page says it relaxed the search exactly when the API does"
    );
    let _ = writeln!(std::io::stderr(), "e2e: screenshots in {}", shots.display());
}
