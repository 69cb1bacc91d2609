#!/bin/sh
# Run one fuzz target for a bounded time, seeding its corpus from the
# project's own reports and fixtures first.
#
#   fuzz/run.sh TARGET SECONDS [libFuzzer flags…]
#
# Targets: clean, query, amounts, extract. FUZZ_PREBUILT=1 runs the binary
# already built by `cargo fuzz build` instead of `cargo fuzz run`. Needs cargo-fuzz
# (`cargo install cargo-fuzz --locked`). libFuzzer needs nightly compiler
# flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
set -eu
cd "$(dirname "$0")"
target=$1
seconds=$2
shift 2
seeds=corpus/$target
mkdir -p "$seeds"
case $target in
clean)
    for f in ../corpus/*.txt; do cp "$f" "$seeds/seed-$(basename "$f")"; done
    max_len=4096
    ;;
amounts)
    # One seed per line that names a sum of money.
    grep -h '元' ../corpus/*.txt | awk -v dir="$seeds" '{ printf "%s", $0 > (dir "/seed-line-" NR); close(dir "/seed-line-" NR) }'
    max_len=4096
    ;;
query)
    # First byte: sort and page; then `q`, U+0001, facet filters.
    printf '\000援藏 医疗' >"$seeds/seed-1"
    printf '\001"组团式医疗" -教育 OR 卫生' >"$seeds/seed-2"
    printf '\202region:日喀则 year:2020 饮用水检测\001西藏自治区/日喀则市\001山东省' >"$seeds/seed-3"
    printf '\005援藏资金3.8亿元\001\001\001医疗卫生\0012020' >"$seeds/seed-4"
    printf '\200“电商扶贫” 「科技」 (a) * ~ ^ +x -' >"$seeds/seed-5"
    max_len=1024
    ;;
extract)
    # First byte: index of the extension in fuzz_targets/extract.rs.
    i=0
    for f in ../corpus/*.txt; do printf '\000' | cat - "$f" >"$seeds/seed-txt-$i"; i=$((i + 1)); done
    printf '\001# 标题\n\n正文段落。\n' >"$seeds/seed-md"
    printf '\002<html><head><title>标题</title></head><body><h1>援藏</h1><p>段落&amp;<br>文字</p></body></html>' >"$seeds/seed-html"
    printf '\003' | cat - ../tests/fixtures/formats/report.docx >"$seeds/seed-docx"
    printf '\004' | cat - ../tests/fixtures/formats/report.pdf >"$seeds/seed-pdf"
    printf '\004' | cat - ../tests/fixtures/formats/scan.pdf >"$seeds/seed-scan-pdf"
    max_len=65536
    ;;
*)
    echo "unknown fuzz target: $target (clean, query, amounts, extract)" >&2
    exit 2
    ;;
esac
flags="-max_total_time=$seconds -max_len=$max_len -timeout=10 -rss_limit_mb=4096"
if [ "${FUZZ_PREBUILT:-0}" = 1 ]; then
    # The binary `cargo fuzz build` made, without rebuilding first (a long
    # run should not wait for a rebuild when the crate changes meanwhile).
    mkdir -p artifacts/"$target"
    # shellcheck disable=SC2086
    exec target/x86_64-unknown-linux-gnu/release/"$target" $flags \
        -artifact_prefix=artifacts/"$target"/ "$@" "$seeds"
fi
# shellcheck disable=SC2086
RUSTC_BOOTSTRAP=1 exec cargo fuzz run "$target" "$seeds" -- $flags "$@"
