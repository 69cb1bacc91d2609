#!/usr/bin/env python3
"""Write the scale corpus (../shared/scale-corpus, 74,569 documents) out as a
corpus folder, for reindex benchmarks (BENCHMARKS.md, issue #18).

usage: scale_corpus_files.py OUT_DIR [--share 0.1] [--src DIR]

Writes OUT_DIR/ID.txt (the paragraphs, blank-line separated) and OUT_DIR/ID.toml
(title, source, date) for a share of the documents, spread evenly over the whole
corpus (document i of the sorted files is kept when floor((i+1)*share) >
floor(i*share)), so 10% and 50% have the same mix of years as 100%. Standard
library only; deterministic; OUT_DIR is emptied of *.txt and *.toml first.
Nothing it writes is committed: the corpus stays in ../shared.
"""
import argparse
import gzip
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SRC = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "scale-corpus"))


def toml_string(value):
    return json.dumps(value, ensure_ascii=False)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--share", type=float, default=1.0)
    ap.add_argument("--src", default=DEFAULT_SRC)
    args = ap.parse_args(argv)
    if not 0 < args.share <= 1:
        sys.exit("--share must be in (0, 1]")
    os.makedirs(args.out, exist_ok=True)
    for name in os.listdir(args.out):
        if name.endswith((".txt", ".toml")):
            os.remove(os.path.join(args.out, name))
    files = sorted(f for f in os.listdir(args.src) if f.endswith(".jsonl.gz"))
    if not files:
        sys.exit(f"no *.jsonl.gz in {args.src}")
    i = kept = 0
    for name in files:
        with gzip.open(os.path.join(args.src, name), "rt", encoding="utf-8") as lines:
            for line in lines:
                doc = json.loads(line)
                take = math.floor((i + 1) * args.share) > math.floor(i * args.share)
                i += 1
                if not take:
                    continue
                kept += 1
                paragraphs = [p.strip() for p in doc["text"].split("\n") if p.strip()]
                stem = os.path.join(args.out, doc["id"])
                with open(stem + ".txt", "w", encoding="utf-8") as out:
                    out.write("\n\n".join(paragraphs) + "\n")
                with open(stem + ".toml", "w", encoding="utf-8") as out:
                    out.write(f"title = {toml_string(doc['title'])}\n")
                    if doc.get("source"):
                        out.write(f"source = {toml_string(doc['source'].split(' (')[0])}\n")
                    if doc.get("date"):
                        out.write(f"date = {toml_string(doc['date'])}\n")
    print(f"{kept} of {i} documents written to {args.out}")


if __name__ == "__main__":
    main()
