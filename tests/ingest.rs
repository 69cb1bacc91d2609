//! Ingestion end to end: a corpus folder of every supported format and
//! encoding, plus bad files, reindexed and searched. The good files are
//! indexed and findable; each bad file is named in the summary with its
//! reason; the reindex still succeeds.

use std::fs;
use std::path::Path;

use aidsearch::index::build::reindex;
use aidsearch::search::Engine;
use aidsearch::search::{search, SearchRequest};

fn fixture(name: &str) -> Vec<u8> {
    fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/formats")
            .join(name),
    )
    .unwrap()
}

fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    bytes
}

#[test]
fn every_format_is_indexed_and_bad_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fs::create_dir(&corpus).unwrap();

    let (gbk, _, _) = encoding_rs::GBK.encode(
        "昂仁县开展牦牛养殖技术培训，参训农牧民一百二十人。\n\n培训由淄博市援藏工作组组织。",
    );
    fs::write(corpus.join("old-county-report.txt"), &gbk).unwrap();
    fs::write(
        corpus.join("utf16-report.txt"),
        utf16le_with_bom("察雅县人民医院成功创建二级乙等医院。"),
    )
    .unwrap();
    fs::write(
        corpus.join("web-report.html"),
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>林芝市乡村旅游报告</title>\
         <script>var secret = '不应被索引的脚本文字';</script><style>p{color:red}</style></head>\
         <body><h1>林芝市乡村旅游报告</h1><p>巴宜区鲁朗镇接待游客十二万人次&amp;旅游收入增长。</p></body></html>",
    )
    .unwrap();
    fs::write(corpus.join("word-report.docx"), fixture("report.docx")).unwrap();
    fs::write(corpus.join("pdf-report.pdf"), fixture("report.pdf")).unwrap();
    // Bad files.
    let pdf = fixture("report.pdf");
    fs::write(corpus.join("broken.pdf"), &pdf[..pdf.len() / 3]).unwrap();
    fs::write(corpus.join("empty.txt"), b"").unwrap();
    fs::write(
        corpus.join("photo.png"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0",
    )
    .unwrap();
    fs::write(corpus.join("batch.zip"), "这是一个名为压缩包的文本文件。").unwrap();

    let root = dir.path().join("index");
    let summary = reindex(&corpus, &root).expect("reindex succeeds with bad files present");
    let skipped: Vec<(&str, &str)> = summary
        .skipped
        .iter()
        .map(|s| (s.file.as_str(), s.reason.as_str()))
        .collect();
    println!("{skipped:#?}");
    assert_eq!(summary.files_read, 5, "{skipped:?}");
    for bad in ["broken.pdf", "empty.txt", "photo.png", "batch.zip"] {
        assert!(
            skipped.iter().any(|(f, _)| *f == bad),
            "{bad} not named: {skipped:?}"
        );
    }
    assert!(
        skipped
            .iter()
            .any(|(f, r)| *f == "empty.txt" && r.contains("empty")),
        "{skipped:?}"
    );

    let engine = Engine::open(&root).unwrap();
    let find = |q: &str| search(&engine, &SearchRequest::query(q)).unwrap();
    assert!(find("牦牛养殖").total > 0, "GBK text not found");
    assert!(find("二级乙等医院").total > 0, "UTF-16 text not found");
    assert!(find("鲁朗镇").total > 0, "HTML text not found");
    assert_eq!(
        find("不应被索引的脚本文字").total,
        0,
        "script text was indexed"
    );
    assert!(find("饮用水").total > 0, "DOCX/PDF text not found");
    let html_hit = &find("鲁朗镇").hits[0];
    assert_eq!(html_hit.report.title, "林芝市乡村旅游报告");
    assert!(
        html_hit.text.contains('&'),
        "entity not decoded: {}",
        html_hit.text
    );
}

#[test]
fn a_corpus_with_no_readable_file_fails_and_keeps_the_live_index() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good");
    let bad = dir.path().join("bad");
    fs::create_dir(&good).unwrap();
    fs::create_dir(&bad).unwrap();
    fs::write(good.join("a.txt"), "拉萨海关开展饮用水检测。").unwrap();
    fs::write(bad.join("empty.txt"), b"").unwrap();
    let root = dir.path().join("index");
    let first = reindex(&good, &root).unwrap();
    let err = reindex(&bad, &root).expect_err("nothing readable must fail");
    assert!(err.to_string().contains("no file"), "{err}");
    let engine = Engine::open(&root).unwrap();
    assert_eq!(
        engine.generation, first.generation,
        "live generation changed"
    );
    assert!(
        search(&engine, &SearchRequest::query("饮用水"))
            .unwrap()
            .total
            > 0
    );
}

#[test]
fn ids_and_paragraph_numbers_are_stable_across_reindexes() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let collect = |root: &Path| {
        let engine = Engine::open(root).unwrap();
        let mut ids: Vec<(String, String)> =
            aidsearch::search::search_all(&engine, &SearchRequest::default(), 10_000)
                .unwrap()
                .into_iter()
                .map(|h| (h.id, h.text))
                .collect();
        ids.sort();
        ids
    };
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    reindex(&corpus, &a).unwrap();
    reindex(&corpus, &b).unwrap();
    reindex(&corpus, &b).unwrap();
    assert_eq!(collect(&a), collect(&b));
}
