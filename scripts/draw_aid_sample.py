#!/usr/bin/env python3
"""Draw the paragraphs for the aid facet labels (standard library only, deterministic).

usage: draw_aid_sample.py [OUT_DIR] [--src DIR] [--seed N] [--exclude FILE ...]
                          [--dev N] [--heldout N]

Reads DIR/*.jsonl.gz (default: ../shared/scale-corpus beside the repository), keeps the
documents that make_aid_subcorpus.py keeps (title or text contains one of its TERMS: the
4,546-document aid subcorpus), splits each text into paragraphs as the subcorpus does (the
stripped non-blank "\\n" lines), and draws paragraphs stratified by programme.

For each programme it takes the paragraphs of 20-400 characters that contain one of its
keyword HINTS (sampling only; the labels are given by reading, not by these words). 其他 takes
paragraphs with 扶贫/脱贫/乡村振兴 and none of the other programmes' hints. Candidates are
shuffled with a fixed seed and taken in order, at most one paragraph per document over the
whole draw (dev and held-out together): the first 14 of each programme go to the dev file and
the next 8 to the held-out file. 援青 has too few (16 paragraphs in 5 documents say 援青 or
对口支援青海), so after them come paragraphs naming a place in Qinghai with 对口支援/援建/
对口帮扶; a programme that still falls short is split 14:8 in proportion.

--exclude FILE ... skips every document named by a `doc = "..."` line of the given fixture
files (for a further sample that shares no document with the existing ones); --dev and --heldout
set how many paragraphs per programme go to each file (default 14 and 8; with --heldout 0 the
held-out file is not written). With the defaults the output is the same as before these options.

Writes OUT_DIR/aid-sample-dev.txt and OUT_DIR/aid-sample-heldout.txt (default OUT_DIR:
target/aid-sample): each paragraph with its document's id, title and date, its programme
stratum, the document's first paragraph (for context) and a proposed key (the first 12-16 characters that occur once in the document with
whitespace removed), for labelling by reading. Prints the counts.
"""
import argparse
import gzip
import json
import os
import random
import re
import sys

# The selection rule of ../shared/eval/make_aid_subcorpus.py (same TERMS, same test).
TERMS = ["援藏", "援疆", "援青", "对口支援", "对口帮扶", "东西部扶贫协作", "东西部协作",
         "扶贫", "脱贫", "乡村振兴", "驻村", "定点帮扶", "易地搬迁"]

HINTS = [
    ("援藏", ["援藏", "对口支援西藏"]),
    ("援疆", ["援疆", "对口支援新疆"]),
    ("援青", ["援青", "对口支援青海"]),
    ("东西部协作", ["东西部", "闽宁", "粤桂", "沪滇", "鲁渝", "浙川", "苏陕", "携手奔小康"]),
    ("定点帮扶", ["定点扶贫", "定点帮扶"]),
    ("驻村帮扶", ["驻村", "第一书记"]),
    ("易地搬迁", ["易地扶贫搬迁", "易地搬迁"]),
]
OTHER = ("其他", ["扶贫", "脱贫", "乡村振兴"])
PROGRAMMES = [name for name, _ in HINTS] + [OTHER[0]]
# 援青 has few paragraphs that say so (16 in 5 documents): when those run out, paragraphs that
# name a place in Qinghai together with paired-aid words are drawn after them.
QINGHAI = ["青海", "西宁", "海东", "海北", "黄南", "海南藏族自治州", "海南州", "果洛", "玉树", "海西"]
AID_WORDS = ["对口支援", "援建", "对口帮扶"]

DEV, HELDOUT = 14, 8
MIN_CHARS, MAX_CHARS = 20, 400
SEED = 20261202

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SRC = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "scale-corpus"))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "target", "aid-sample"))


def documents(src):
    files = sorted(f for f in os.listdir(src) if f.endswith(".jsonl.gz"))
    if not files:
        raise SystemExit(f"error: no *.jsonl.gz in {src}")
    for name in files:
        with gzip.open(os.path.join(src, name), "rt", encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                d = json.loads(line)
                title, text = d.get("title") or "", d.get("text") or ""
                if any(t in title or t in text for t in TERMS):
                    yield d


def paragraphs(text):
    ps = [p.strip() for p in (text or "").split("\n")]
    return [p for p in ps if p]


def squeeze(s):
    return "".join(s.split())


def stratum_matches(name, words, text):
    if name == OTHER[0]:
        others = [w for _, ws in HINTS for w in ws]
        return any(w in text for w in words) and not any(w in text for w in others)
    return any(w in text for w in words)


def propose_key(paragraph, doc_squeezed):
    p = squeeze(paragraph)
    for start in range(0, max(1, len(p) - 12)):
        for length in (12, 14, 16, 18, 20):
            k = p[start:start + length]
            if len(k) < 10:
                break
            if doc_squeezed.count(k) == 1:
                return k
    return None


def excluded_docs(paths):
    """The document ids of the `doc = "..."` lines of the given fixture files."""
    ids = set()
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                m = re.match(r'\s*doc\s*=\s*"([^"]+)"', line)
                if m:
                    ids.add(m.group(1))
    return ids


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", nargs="?", default=DEFAULT_OUT)
    ap.add_argument("--src", default=DEFAULT_SRC, help="folder of *.jsonl.gz (default %(default)s)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--exclude", nargs="+", default=[], metavar="FILE",
                    help="fixture files whose documents (doc = \"...\" lines) are not drawn")
    ap.add_argument("--dev", type=int, default=DEV, help="paragraphs per programme for the dev file")
    ap.add_argument("--heldout", type=int, default=HELDOUT,
                    help="paragraphs per programme for the held-out file (0: not written)")
    args = ap.parse_args(argv)
    n_dev, n_held = args.dev, args.heldout
    excluded = excluded_docs(args.exclude)

    docs = {}
    candidates = {name: [] for name in PROGRAMMES}
    fallback = []
    n_docs = n_paras = 0
    for d in documents(args.src):
        n_docs += 1
        ps = paragraphs(d.get("text"))
        n_paras += len(ps)
        docs[d["id"]] = d
        for i, p in enumerate(ps):
            if not MIN_CHARS <= len(p) <= MAX_CHARS:
                continue
            for name, words in HINTS + [OTHER]:
                if stratum_matches(name, words, p):
                    candidates[name].append((d["id"], i + 1, p))
            if (not stratum_matches("援青", dict(HINTS)["援青"], p)
                    and any(w in p for w in QINGHAI) and any(w in p for w in AID_WORDS)):
                fallback.append((d["id"], i + 1, p))

    rng = random.Random(args.seed)
    used = set(excluded)
    drawn = {name: [] for name in PROGRAMMES}
    for name in PROGRAMMES:
        pool = sorted(candidates[name])
        rng.shuffle(pool)
        if name == "援青":
            extra = sorted(fallback)
            rng.shuffle(extra)
            pool += extra
        for doc_id, number, p in pool:
            if len(drawn[name]) == n_dev + n_held:
                break
            if doc_id in used:
                continue
            d = docs[doc_id]
            key = propose_key(p, squeeze(d.get("text") or ""))
            if key is None:
                continue
            used.add(doc_id)
            drawn[name].append((doc_id, number, p, key))

    # A programme with fewer than DEV + HELDOUT paragraphs is split in the same proportion.
    cut = {name: min(n_dev, round(len(v) * n_dev / (n_dev + n_held))) for name, v in drawn.items()}
    os.makedirs(args.out_dir, exist_ok=True)
    print(f"aid subcorpus: {n_docs} documents, {n_paras} paragraphs")
    if excluded:
        print(f"excluded: {len(excluded)} documents of {', '.join(args.exclude)}")
    print(f"{'programme':<8} candidates  dev  held-out")
    for part, dev in (("dev", True), ("heldout", False)):
        if not dev and n_held == 0:
            continue
        path = os.path.join(args.out_dir, f"aid-sample-{part}.txt")
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            for name in PROGRAMMES:
                part_of = drawn[name][:cut[name]] if dev else drawn[name][cut[name]:]
                for doc_id, number, p, key in part_of:
                    d = docs[doc_id]
                    fh.write(f"=== [{name}] {doc_id} ¶{number} | {d.get('date')} | "
                             f"{d.get('title')}\n")
                    first = paragraphs(d.get("text"))[0]
                    if number != 1:
                        fh.write(f"lede: {first[:200]}\n")
                    fh.write(f"key: {key}\n{p}\n\n")
        print(f"  wrote {path}")
    for name in PROGRAMMES:
        n = len(drawn[name])
        n_cand = len(candidates[name]) + (len(fallback) if name == "援青" else 0)
        print(f"{name:<8} {n_cand:>10}  {cut[name]:>3}  {n - cut[name]:>8}")
    total_dev = sum(cut.values())
    total_held = sum(len(v) - cut[k] for k, v in drawn.items())
    print(f"{'total':<8} {'':>10}  {total_dev:>3}  {total_held:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
