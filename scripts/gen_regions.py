#!/usr/bin/env python3
"""Generate data/regions.tsv, the gazetteer of src/gazetteer.rs.

Inputs, read at development time only (standard library only):
  * the GB/T 2260 division table DIVISIONS_201607 of the gb2260 crate 0.1.2
    (crates.io, MIT licence, (c) 2018 messense), found in cargo's registry
    cache; when it is not there the script asks cargo to fetch the crate into
    the cache (`cargo fetch` of a throw-away manifest), or take --gb2260 PATH;
  * data/regions-overlay.tsv, the hand-kept part: renames, the places whose
    aliases were reviewed by hand, stop phrases and the rules for generated
    short forms (its header says how);
  * jieba-rs's dictionary (src/data/dict.txt of the jieba-rs crate, a
    dependency of the project, so in cargo's cache after any build), to keep
    short forms that are ordinary words out of running-text matching.

Usage: python3 scripts/gen_regions.py [--check] [--gb2260 data.rs] [--jieba dict.txt]
With --check, the script only says whether data/regions.tsv is up to date
(the generation date aside).
"""

import argparse
import collections
import datetime
import glob
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "data", "regions.tsv")
OVERLAY = os.path.join(ROOT, "data", "regions-overlay.tsv")
CRATE = "gb2260"
CRATE_VERSION = "0.1.2"
TABLE = "201607"

# Entries of the table that group divisions without being one.
GROUPS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

# The 55 minority nationalities, for short forms of autonomous counties and
# banners (石柱土家族自治县 → 石柱县, 石柱).
ETHNIC = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 "
    "高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 "
    "阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 "
    "赫哲 门巴 珞巴 基诺"
).split()
_ETH = "|".join(sorted(ETHNIC, key=len, reverse=True))
# One nationality in a name: with 族, or a name of two or more characters
# without it (木垒哈萨克自治县), or 各族 (龙胜各族自治县).
_LONG = "|".join(sorted((e for e in ETHNIC if len(e) > 1), key=len, reverse=True))
_ONE = rf"(?:(?:{_ETH})族|(?:{_LONG})|各族)"
AUTONOMOUS = re.compile(rf"^(.*?)({_ONE}+)自治(县|旗)$")
AUTONOMOUS_BARE = re.compile(rf"^({_ETH})自治(县|旗)$")

# jieba: a short form that jieba's dictionary tags as an ordinary word (not a
# place, person, organisation or other proper noun) at least WORD_FREQ times
# is an ordinary word (资源, 合作, 前进); one tagged as a proper noun or a
# place at least NAME_FREQ times is mostly something else (和平, 武功, 平原,
# 江南, 新建). The overlay's `alias` lines keep the real place names among
# them (仙桃, 神农架, 武昌); its `strict` lines add what the corpus showed.
WORD_FREQ = 100
NAME_FREQ = 1000
PROPER_TAGS = ("ns", "nr", "nz", "nt", "j")


def registry_sources():
    home = os.path.expanduser("~/.cargo")
    home = os.environ.get("CARGO_HOME", home)
    return os.path.join(home, "registry", "src", "*")


def find_gb2260(fetch=True):
    pattern = os.path.join(registry_sources(), f"{CRATE}-{CRATE_VERSION}", "src", "data.rs")
    found = sorted(glob.glob(pattern))
    if found or not fetch:
        return found[0] if found else None
    # Ask cargo to put the crate into its cache: a throw-away manifest that
    # depends on it, then `cargo fetch` (the registry, through cargo).
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "src"))
        with open(os.path.join(tmp, "Cargo.toml"), "w") as f:
            f.write(
                '[package]\nname = "fetch-gb2260"\nversion = "0.0.0"\nedition = "2021"\n'
                f'[dependencies]\n{CRATE} = "={CRATE_VERSION}"\n'
            )
        with open(os.path.join(tmp, "src", "lib.rs"), "w") as f:
            f.write("")
        print(f"fetching {CRATE} {CRATE_VERSION} with cargo …", file=sys.stderr)
        subprocess.run(["cargo", "fetch", "--quiet"], cwd=tmp, check=True)
    return find_gb2260(fetch=False)


def find_jieba():
    found = sorted(glob.glob(os.path.join(registry_sources(), "jieba-rs-*", "src", "data", "dict.txt")))
    return found[-1] if found else None


def read_table(path):
    """The division table: code → name."""
    text = open(path, encoding="utf-8").read()
    m = re.search(rf"static DIVISIONS_{TABLE}: phf::Map<[^{{]*\{{(.*?)\n\}};", text, re.S)
    if not m:
        sys.exit(f"{path}: no table DIVISIONS_{TABLE}")
    pairs = re.findall(r'\("(\d{6})", "([^"]*)"\)', m.group(1))
    table = dict(pairs)
    if len(table) != len(pairs):
        sys.exit(f"{path}: repeated codes")
    return table


def read_jieba(path):
    """jieba's dictionary: word → (frequency, tag)."""
    words = {}
    if path is None:
        return words
    for line in open(path, encoding="utf-8"):
        parts = line.split()
        if len(parts) >= 2:
            words[parts[0]] = (int(parts[1]), parts[2] if len(parts) > 2 else "")
    return words


def split_list(s):
    return [x.strip() for x in s.split("|") if x.strip()]


class Overlay:
    def __init__(self, path):
        self.notes = []
        self.drop = set()
        self.stops = []
        self.strict = set()
        self.alias = set()
        self.noalias = set()
        self.places = {}  # code → (path, level, aliases, strict)
        self.extra = {}  # code → (aliases, strict)
        for lineno, line in enumerate(open(path, encoding="utf-8"), 1):
            line = line.rstrip("\n").rstrip("\r")
            if line.startswith("#>"):
                self.notes.append(line[3:] if line.startswith("#> ") else line[2:])
                continue
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            kind = cols[0]
            where = f"{path}:{lineno}"
            if kind in ("drop", "stop", "strict", "alias", "noalias"):
                if len(cols) != 2:
                    sys.exit(f"{where}: a {kind} line has 2 columns")
                items = split_list(cols[1])
                {
                    "drop": self.drop.update,
                    "stop": self.stops.extend,
                    "strict": self.strict.update,
                    "alias": self.alias.update,
                    "noalias": self.noalias.update,
                }[kind](items)
            elif kind == "alias+":
                cols += [""] * (4 - len(cols))
                self.extra[cols[1]] = (split_list(cols[2]), split_list(cols[3]))
            elif re.fullmatch(r"\d{6}", kind) and 3 <= len(cols) <= 5:
                cols += [""] * (5 - len(cols))
                if kind in self.places:
                    sys.exit(f"{where}: code {kind} listed twice")
                self.places[kind] = (cols[1], int(cols[2]), split_list(cols[3]), split_list(cols[4]))
            else:
                sys.exit(f"{where}: cannot read {line!r}")
        both = self.strict & self.alias
        if both:
            sys.exit(f"{path}: both strict and alias: {sorted(both)}")


def short_forms(name):
    """(aliases with a suffix, bare short form or None) of a county-level name."""
    m = AUTONOMOUS.match(name)
    if m:
        prefix, _, kind = m.groups()
        if prefix:
            return [prefix + kind], prefix
        # 东乡族自治县 → 东乡县
        eth = m.group(2).removesuffix("族")
        return ([eth + kind], None) if eth in ETHNIC else ([], None)
    m = AUTONOMOUS_BARE.match(name)
    if m:  # 鄂伦春自治旗 → 鄂伦春旗
        return [m.group(1) + m.group(2)], None
    for suffix in ("特区", "林区", "新区"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return [], name[: -len(suffix)]
    if name[-1] in "县区市旗" and len(name) >= 3:
        return [], name[:-1]
    return [], None


def level_of(code):
    if code.endswith("0000"):
        return 1
    if code.endswith("00"):
        return 2
    return 3


def build(table, overlay, jieba):
    unknown = sorted(overlay.drop - table.keys())
    if unknown:
        sys.exit(f"overlay drops codes not in the table: {unknown}")
    codes = sorted(
        c
        for c, n in table.items()
        if n not in GROUPS and c not in overlay.drop and not c.startswith("71") or c == "710000"
    )
    # Hong Kong and Macao are in the table as 81/82 only; Taiwan's prefectures
    # (71xxxx) are not kept.
    codes = sorted(set(codes) | overlay.places.keys())
    paths = {}
    levels = {}
    for code in codes:
        if code in overlay.places:
            path, level = overlay.places[code][:2]
        else:
            level = level_of(code)
            name = table[code]
            if level == 1:
                path = name
            elif level == 2:
                path = paths[code[:2] + "0000"] + "/" + name
            else:
                pref = code[:4] + "00"
                if pref in paths:
                    path = paths[pref] + "/" + name
                elif table.get(pref) in GROUPS:
                    # A district of a municipality (北京市/朝阳区) or a county
                    # governed by the province (湖北省/仙桃市).
                    path = paths[code[:2] + "0000"] + "/" + name
                else:
                    sys.exit(f"{code} {name}: its prefecture {pref} is gone (drop it or give a place line)")
        parent = path.rsplit("/", 1)[0] if "/" in path else None
        if parent is not None and parent not in paths.values():
            sys.exit(f"{code} {path}: parent not listed before it")
        paths[code] = path
        levels[code] = level

    # Names of provinces and prefectures (all have reviewed aliases): no
    # generated short form may take one, so that 朝阳 stays 朝阳市's and 海南
    # the province's. Short forms of the counties with a place line (Tibet's)
    # count as taken once more: 城关 is 拉萨's and 兰州's.
    reserved = set()
    taken = collections.Counter()
    for code, (path, level, aliases, strict) in overlay.places.items():
        names = {path.rsplit("/", 1)[-1], *aliases, *strict}
        if level < 3:
            reserved |= names
        else:
            taken.update(names)
    generated = [c for c in codes if c not in overlay.places]
    for c in generated:
        if levels[c] < 3:
            sys.exit(f"{c} {paths[c]}: provinces and prefectures need a place line in the overlay")
    forms = {c: short_forms(paths[c].rsplit("/", 1)[-1]) for c in generated}
    bare_count = collections.Counter(b for _, b in forms.values() if b) + taken

    rows = []
    why = collections.defaultdict(list)
    for code in codes:
        path, level = paths[code], levels[code]
        name = path.rsplit("/", 1)[-1]
        if code in overlay.places:
            aliases, strict = list(overlay.places[code][2]), list(overlay.places[code][3])
        else:
            suffixed, bare = forms[code]
            aliases = [a for a in suffixed if a != name and a not in reserved]
            strict = []
            if len(name) == 2 or name in overlay.strict:
                # 新县, 和县, 城区, 郊区: matched only after their prefecture or
                # province, or in a list of counties.
                strict.append(name)
                why["two-character official name"].append(name)
            if bare and len(bare) >= 2 and bare not in overlay.noalias and bare not in reserved:
                freq, tag = jieba.get(bare, (0, ""))
                if bare in overlay.alias:
                    aliases.append(bare)
                elif bare in overlay.strict:
                    strict.append(bare)
                    why["overlay"].append(bare)
                elif len(bare) == 2:
                    strict.append(bare)
                    why["two-character short form"].append(bare)
                elif bare_count[bare] > 1:
                    strict.append(bare)
                    why["several places"].append(bare)
                elif freq >= WORD_FREQ and not tag.startswith(PROPER_TAGS):
                    strict.append(bare)
                    why[f"jieba word ({tag})"].append(bare)
                elif freq >= NAME_FREQ:
                    strict.append(bare)
                    why[f"jieba frequent ({tag})"].append(bare)
                else:
                    aliases.append(bare)
            extra = overlay.extra.get(code)
            if extra:
                aliases += extra[0]
                strict += extra[1]
        aliases = list(dict.fromkeys(aliases))
        strict = [s for s in dict.fromkeys(strict) if s not in aliases]
        rows.append((code, path, level, aliases, strict))
    names = {r[1].rsplit("/", 1)[-1] for r in rows} | {a for r in rows for a in r[3] + r[4]}
    clash = [s for s in overlay.stops if s in names]
    if clash:
        sys.exit(f"stop phrases that are now names (drop them from the overlay): {clash}")
    official = {paths[c].rsplit("/", 1)[-1] for c in generated}
    unused = (overlay.strict | overlay.alias | overlay.noalias) - {b for _, b in forms.values() if b} - official
    if unused:
        print(f"warning: overlay short forms that no place has: {sorted(unused)}", file=sys.stderr)
    unknown = overlay.extra.keys() - set(generated)
    if unknown:
        sys.exit(f"alias+ for codes not generated: {sorted(unknown)}")
    return rows, why


HEADER = """\
# regions.tsv — administrative-division gazetteer for aidsearch (src/gazetteer.rs).
#
# GENERATED by scripts/gen_regions.py from the GB/T 2260 table and
# data/regions-overlay.tsv (the hand-kept part): edit those, not this file.
#
# Columns (TAB-separated, UTF-8):
#   code     GB/T 2260 six-digit code
#   path     official names joined by "/" from the province down; districts of
#            the four municipalities and counties governed by their province
#            sit right under the province (北京市/朝阳区, 湖北省/仙桃市)
#   level    1 = province-level, 2 = prefecture-level, 3 = county-level
#   aliases  "|"-separated short and older forms, matched in running text
#   strict   "|"-separated "suffix-required" aliases: short forms that are also
#            ordinary words, idiom parts, personal names or ambiguous between
#            places (比如, 尼玛, 定日, 鼓楼 …). resolve() accepts them; text
#            matching does not — there only the full official name (比如县 …)
#            counts. An official name listed here itself (新县, 城区) is matched
#            in text only right after its prefecture or province (信阳市新县)
#            or as an item of a list of counties.
# Lines starting with "stop<TAB>" list stop phrases ("|"-separated): text that is
# never a place and swallows any name it overlaps under leftmost-longest
# matching (隆重庆祝 is not 重庆, 天山南北 is not 山南, 吉隆坡 is not 吉隆县).
# The matcher also applies context rules to aliases (not to official names):
# an alias followed by a street suffix (路, 中路, 大道 …) is a street; a county
# alias followed by 乡/镇/村 is a township or village (unless 乡村, 乡镇, 村民 …).
# Lines starting with "#" and blank lines are ignored.
#
# Names repeat across China (鼓楼区, 城关区, 朝阳区 …): a name or alias may
# belong to several places. In text such a name is resolved by the province or
# prefecture named right before it, else by the other places of the text; else
# it is dropped. resolve() gives a place only for an unambiguous name or path.
#
# Coverage: {provinces} province-level divisions (level 1), {prefectures} prefecture-level
# divisions (level 2) and {counties} county-level divisions (level 3), {names} distinct
# names and aliases ({strict} strict).
#
# Source: the {crate} crate {version} (crates.io, MIT licence, (c) 2018 messense;
# https://github.com/cn/GB2260.rs), table DIVISIONS_{table}, i.e. the GB/T 2260
# code list of the Ministry of Civil Affairs (民政部) as of July 2016 ({table_size}
# entries; Taiwan is kept as one province-level entry, Hong Kong and Macao as
# theirs). Generated on {date} from that table plus the hand edits of
# data/regions-overlay.tsv; aliases, strict aliases and stop phrases are this
# project's own. Short forms of county-level names were generated (X县 → X,
# 石柱土家族自治县 → 石柱县/石柱): one of two characters is strict unless the
# overlay keeps it as an alias (莎车, 义乌); a longer one is strict when the
# jieba-rs dictionary knows it as an ordinary word, when several places share
# it, or by hand. Official names of two characters (新县, 城区) are strict.
# Later official changes (after 2016) are applied only where the notes below
# say so.
#
"""


def render(rows, overlay, table_size, date):
    counts = collections.Counter(r[2] for r in rows)
    names = set()
    strict = set()
    for code, path, level, aliases, st in rows:
        names.add(path.rsplit("/", 1)[-1])
        names.update(aliases)
        strict.update(st)
    out = [
        HEADER.format(
            provinces=counts[1],
            prefectures=counts[2],
            counties=counts[3],
            names=len(names | strict),
            strict=len(strict),
            crate=CRATE,
            version=CRATE_VERSION,
            table=TABLE,
            table_size=table_size,
            date=date,
        )
    ]
    for note in overlay.notes:
        out.append(f"# {note}".rstrip() + "\n")
    out.append("#\n")
    for code, path, level, aliases, st in rows:
        out.append(f"{code}\t{path}\t{level}\t{'|'.join(aliases)}\t{'|'.join(st)}\n")
    out.append("\n")
    stops = list(dict.fromkeys(overlay.stops))
    for i in range(0, len(stops), 12):
        out.append("stop\t" + "|".join(stops[i : i + 12]) + "\n")
    return "".join(out)


DATE_LINE = re.compile(r"^(# theirs\)\. Generated on )\d{4}-\d{2}-\d{2}", re.M)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gb2260", help="data.rs of the gb2260 crate")
    ap.add_argument("--jieba", help="dict.txt of the jieba-rs crate")
    ap.add_argument("--check", action="store_true", help="only check that data/regions.tsv is current")
    ap.add_argument("--why", action="store_true", help="print why generated short forms are strict")
    args = ap.parse_args()
    gb = args.gb2260 or find_gb2260()
    if not gb:
        sys.exit(f"{CRATE} {CRATE_VERSION} not found in cargo's registry cache")
    jieba_path = args.jieba or find_jieba()
    if not jieba_path:
        sys.exit("jieba-rs's dict.txt not found in cargo's registry cache (build the project once)")
    table = read_table(gb)
    overlay = Overlay(OVERLAY)
    rows, why = build(table, overlay, read_jieba(jieba_path))
    if args.why:
        for reason, forms in sorted(why.items()):
            print(f"{reason} ({len(forms)}): {'、'.join(forms)}")
    text = render(rows, overlay, len(table), datetime.date.today().isoformat())
    if args.check:
        old = open(OUT, encoding="utf-8").read() if os.path.exists(OUT) else ""
        same = DATE_LINE.sub(r"\1DATE", old) == DATE_LINE.sub(r"\1DATE", text)
        print("data/regions.tsv is " + ("up to date" if same else "OUT OF DATE: run scripts/gen_regions.py"))
        sys.exit(0 if same else 1)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    counts = collections.Counter(r[2] for r in rows)
    print(f"wrote {OUT}: {len(rows)} places ({dict(sorted(counts.items()))})")


if __name__ == "__main__":
    main()
