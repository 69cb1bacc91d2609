//! The archive as offices keep it (issue #19): project spreadsheets read row
//! by row into facets and amounts, counted by kind in the reindex summary.
//! Fixtures are made at test time (an `.xlsx` written with rust_xlsxwriter)
//! or are small committed files made by a recorded script
//! (`tests/fixtures/formats/projects.ods`, `scripts/make_ods_fixture.py`).

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use aidsearch::index::build::{reindex, BuildSummary};
use aidsearch::search::{search, Engine, Hit, SearchRequest};
use rust_xlsxwriter::{Format, Workbook};

fn fixture(name: &str) -> Vec<u8> {
    fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/formats")
            .join(name),
    )
    .unwrap()
}

/// A project list as an aid office keeps it: a title merged across the
/// sheet, `资金（万元）` merged over two sub-columns, `项目名称` and `年度`
/// merged down over the two header rows, a donor merged down over its two
/// projects, and a 合计 row.
fn project_workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("昌都市项目").unwrap();
    let plain = Format::new();
    sheet
        .merge_range(0, 0, 0, 5, "2021年援藏项目清单", &plain)
        .unwrap();
    sheet.merge_range(1, 0, 2, 0, "项目名称", &plain).unwrap();
    sheet.merge_range(1, 1, 2, 1, "实施地点", &plain).unwrap();
    sheet.merge_range(1, 2, 2, 2, "援建单位", &plain).unwrap();
    sheet
        .merge_range(1, 3, 1, 4, "资金（万元）", &plain)
        .unwrap();
    sheet.merge_range(1, 5, 2, 5, "年度", &plain).unwrap();
    sheet.write(2, 3, "援藏资金").unwrap();
    sheet.write(2, 4, "地方配套").unwrap();
    let rows: [(&str, &str, f64, f64, f64); 2] = [
        ("农牧民技能实训基地建设", "类乌齐县", 1200.0, 300.0, 2021.0),
        ("县人民医院远程会诊中心", "察雅县", 450.0, 0.0, 2020.0),
    ];
    for (i, (name, place, aid, local, year)) in rows.into_iter().enumerate() {
        let r = 3 + i as u32;
        sheet.write(r, 0, name).unwrap();
        sheet.write(r, 1, place).unwrap();
        sheet.write(r, 3, aid).unwrap();
        if local > 0.0 {
            sheet.write(r, 4, local).unwrap();
        }
        sheet.write(r, 5, year).unwrap();
    }
    sheet.merge_range(3, 2, 4, 2, "天津市", &plain).unwrap();
    sheet.write(5, 0, "合计").unwrap();
    sheet.write(5, 3, 1650.0).unwrap();
    sheet.write(5, 4, 300.0).unwrap();
    book.save_to_buffer().unwrap()
}

fn hits(engine: &Engine, query: &str) -> Vec<Hit> {
    search(engine, &SearchRequest::query(query)).unwrap().hits
}

fn reindexed(files: &[(&str, Vec<u8>)]) -> (tempfile::TempDir, BuildSummary, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    for (name, bytes) in files {
        fs::write(corpus.join(name), bytes).unwrap();
    }
    let root = dir.path().join("index");
    let summary = reindex(&corpus, &root).expect("reindex");
    let engine = Engine::open(&root).unwrap();
    (dir, summary, engine)
}

#[test]
fn a_spreadsheet_row_is_found_with_its_amount_county_donor_and_year() {
    let (_dir, summary, engine) = reindexed(&[
        ("2021-projects.xlsx", project_workbook()),
        ("projects.ods", fixture("projects.ods")),
    ]);
    assert_eq!(summary.files_read, 2, "{:?}", summary.skipped);
    let found = hits(&engine, "技能实训基地");
    assert_eq!(found.len(), 1, "{found:?}");
    let row = &found[0];
    assert_eq!(
        row.text,
        "项目名称：农牧民技能实训基地建设；实施地点：类乌齐县；援建单位：天津市；\
         资金（万元）·援藏资金：1200；资金（万元）·地方配套：300；年度：2021"
    );
    assert_eq!(row.section.as_deref(), Some("昌都市项目"));
    assert_eq!(row.report.title, "2021年援藏项目清单");
    assert_eq!(row.funding, [12_000_000.0, 3_000_000.0]);
    assert_eq!(row.region, ["西藏自治区/昌都市/类乌齐县"]);
    assert_eq!(row.donor, ["天津市"]);
    assert_eq!(row.year, ["2021"]);
    // The donor merged down over two projects is each one's.
    let second = &hits(&engine, "远程会诊中心")[0];
    assert_eq!(second.donor, ["天津市"]);
    assert_eq!(second.region, ["西藏自治区/昌都市/察雅县"]);
    assert_eq!(second.funding, [4_500_000.0]);
    assert_eq!(second.year, ["2020"]);

    // The committed .ods: a title merged across the sheet, a unit in the
    // heading, a decimal amount.
    let ods = &hits(&engine, "人畜饮水工程")[0];
    assert_eq!(ods.section.as_deref(), Some("援助项目"));
    assert_eq!(ods.region, ["西藏自治区/昌都市/洛隆县"]);
    assert_eq!(ods.donor, ["重庆市"]);
    assert_eq!(ods.funding, [4_155_000.0]);
    assert_eq!(ods.report.title, "2022年对口援助项目表");
}

#[test]
fn an_xls_workbook_is_read_as_its_ods_source() {
    // projects.xls is projects.ods saved by LibreOffice as Excel 97.
    let (_dir, summary, engine) = reindexed(&[("projects.xls", fixture("projects.xls"))]);
    assert_eq!(summary.files_by_kind.get("spreadsheet"), Some(&1));
    let row = &hits(&engine, "人畜饮水工程")[0];
    assert_eq!(
        row.text,
        "项目名称：洛隆县人畜饮水工程；实施地点：洛隆县；援助方：重庆市；资金（万元）：415.5；年度：2022"
    );
    assert_eq!(row.region, ["西藏自治区/昌都市/洛隆县"]);
    assert_eq!(row.funding, [4_155_000.0]);
    assert_eq!(row.report.title, "2022年对口援助项目表");
}

#[test]
fn total_rows_are_indexed_but_add_no_amount() {
    let (_dir, _summary, engine) = reindexed(&[
        ("2021-projects.xlsx", project_workbook()),
        ("projects.ods", fixture("projects.ods")),
    ]);
    let totals = hits(&engine, "合计");
    assert_eq!(totals.len(), 2, "{totals:?}");
    for total in &totals {
        assert!(total.funding.is_empty(), "{total:?}");
    }
    // The sum over every row is the projects' alone: 1500 + 450 万元 in the
    // xlsx, 860 + 415.5 + 240 万元 in the ods.
    let all = search(
        &engine,
        &SearchRequest {
            per_page: 100,
            ..SearchRequest::query("项目名称")
        },
    )
    .unwrap();
    let sum: f64 = all.hits.iter().flat_map(|h| &h.funding).sum();
    assert_eq!(sum, (1500.0 + 450.0 + 860.0 + 415.5 + 240.0) * 1e4);
}

// ---------------------------------------------------------------------------
// Legacy Word documents, through catdoc.

/// Whether `program` runs; otherwise a skip message naming the Debian
/// packages to install (a failure under `CI=true`, where `.ci/run`
/// installs them).
fn have(program: &str, packages: &str) -> Option<()> {
    match Command::new(program).arg("--version").output() {
        Ok(_) => Some(()),
        Err(_) => common::aid::missing(&format!(
            "{program} is not installed (apt-get install {packages})"
        )),
    }
}

#[test]
fn a_legacy_word_document_is_read_through_catdoc() {
    let Some(()) = have("catdoc", "catdoc") else {
        return;
    };
    let doc = fixture("report-legacy.doc");
    // A WPS file of WPS Office 2005 and later is kept in Word's container.
    let wps = doc.clone();
    let (_dir, summary, engine) = reindexed(&[
        ("report-legacy.doc", doc),
        ("notice.wps", wps),
        // A WPS file of an early version is no Word container.
        ("old.wps", b"\xff\x00\x01WPS early format".to_vec()),
        // A Word document with nothing in it.
        ("blank.doc", fixture("empty.doc")),
    ]);
    assert_eq!(summary.files_read, 2, "{:?}", summary.skipped);
    assert_eq!(summary.files_by_kind.get("doc"), Some(&2));
    let skipped: Vec<(&str, &str)> = summary
        .skipped
        .iter()
        .map(|s| (s.file.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(skipped.len(), 2);
    assert_eq!(skipped[0], ("blank.doc", "doc with no text"));
    assert_eq!(skipped[1].0, "old.wps");
    assert!(
        skipped[1].1.contains("save it as .doc or .docx"),
        "{skipped:?}"
    );
    let found = hits(&engine, "藏香猪养殖");
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(
        found[0].text,
        "培训内容包括藏香猪养殖、茶叶种植和农机维修，结业学员全部取得技能证书。"
    );
    assert_eq!(found[0].extraction, "text");
}

#[test]
fn an_opendocument_text_is_read_with_its_headings_and_title() {
    // report-legacy.odt is the .doc's source saved by LibreOffice as ODT.
    let (_dir, summary, engine) = reindexed(&[("report-legacy.odt", fixture("report-legacy.odt"))]);
    assert_eq!(summary.files_by_kind.get("odt"), Some(&1));
    let found = hits(&engine, "藏香猪养殖");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].report.title, "察隅县农牧民技能培训工作总结");
    assert_eq!(
        found[0].section.as_deref(),
        Some("察隅县农牧民技能培训工作总结")
    );
    assert_eq!(found[0].region, ["西藏自治区/林芝市/察隅县"]);
}

// ---------------------------------------------------------------------------
// Scans, through pdftoppm and tesseract.

const SCAN_LINES: [&str; 2] = ["拉萨市饮用水检测援藏项目", "扫描件中的文字由识别得到"];

/// A PDF of `SCAN_LINES` in a font it does not embed (STSong-Light, which
/// poppler draws with an installed CJK font, fonts-noto-cjk).
fn text_pdf() -> Vec<u8> {
    let utf16 = |s: &str| -> String {
        s.encode_utf16()
            .flat_map(u16::to_be_bytes)
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let content = format!(
        "BT /F1 36 Tf 40 700 Td <{}> Tj 0 -60 Td <{}> Tj ET",
        utf16(SCAN_LINES[0]),
        utf16(SCAN_LINES[1])
    );
    common::pdf_of_objects(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H \
          /DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light \
          /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> \
          /FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 \
          /FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 \
          /CapHeight 880 /StemV 80 >> >>] >>"
            .to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] \
          /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>"
            .to_vec(),
        [
            format!("<< /Length {} >>\nstream\n{content}", content.len()).as_bytes(),
            b"\nendstream",
        ]
        .concat(),
    ])
}

/// `pdf`'s first page drawn by pdftoppm with `args` (`-png`, or nothing
/// for a PGM), as the bytes of the image file.
fn rasterise(pdf: &[u8], args: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pdf");
    fs::write(&input, pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-r", "150", "-gray", "-singlefile"])
        .args(args)
        .arg(&input)
        .arg(dir.path().join("page"))
        .status()
        .unwrap();
    assert!(status.success());
    let image = fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("page"))
        .unwrap();
    fs::read(image.path()).unwrap()
}

/// A PDF holding only a grey image of a page, as a scanner makes it: the
/// pixels of a binary PGM (`P5 width height 255`, then one byte a pixel),
/// deflated into an image XObject drawn over the page.
fn image_only_pdf(pgm: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[start..at]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (width, height) = (&fields[1], &fields[2]);
    let pixels = &pgm[at + 1..];
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(pixels).unwrap();
    let data = encoder.finish().unwrap();
    let draw = "q 600 0 0 800 0 0 cm /Im1 Do Q";
    common::pdf_of_objects(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] \
          /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>"
            .to_vec(),
        [
            format!(
                "<< /Type /XObject /Subtype /Image /Width {width} /Height {height} \
                 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode \
                 /Length {} >>\nstream\n",
                data.len()
            )
            .as_bytes(),
            &data,
            b"\nendstream",
        ]
        .concat(),
        format!("<< /Length {} >>\nstream\n{draw}\nendstream", draw.len()).into_bytes(),
    ])
}

/// Whether the OCR tools are there: pdftoppm, tesseract and its Chinese model.
fn ocr_tools() -> Option<()> {
    let packages = "poppler-utils tesseract-ocr tesseract-ocr-chi-sim fonts-noto-cjk";
    have("pdftoppm", packages)?;
    let langs = Command::new("tesseract").arg("--list-langs").output().ok();
    let chinese = langs.is_some_and(|o| String::from_utf8_lossy(&o.stdout).contains("chi_sim"));
    if !chinese {
        return common::aid::missing(&format!(
            "tesseract or its chi_sim model is not installed (apt-get install {packages})"
        ));
    }
    Some(())
}

#[test]
fn scans_are_found_by_a_query_and_read_once() {
    let Some(()) = ocr_tools() else { return };
    let pdf = text_pdf();
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    fs::write(
        corpus.join("scanned-notice.pdf"),
        image_only_pdf(&rasterise(&pdf, &[])),
    )
    .unwrap();
    fs::write(corpus.join("photo-of-page.png"), rasterise(&pdf, &["-png"])).unwrap();
    fs::write(corpus.join("camera.jpg"), rasterise(&pdf, &["-jpeg"])).unwrap();
    fs::write(corpus.join("fax.tif"), rasterise(&pdf, &["-tiff"])).unwrap();
    let root = dir.path().join("index");
    let first = reindex(&corpus, &root).expect("reindex");
    assert_eq!(
        first.files_by_kind.get("ocr"),
        Some(&4),
        "{:?}",
        first.skipped
    );
    assert_eq!(first.ocr_cache_hits, 0);
    let engine = Engine::open(&root).unwrap();
    let found = hits(&engine, "援藏项目");
    assert_eq!(found.len(), 4, "{found:?}");
    for hit in &found {
        assert_eq!(hit.extraction, "ocr");
        // The cleaner joined tesseract's spaced characters.
        assert!(hit.text.contains("援藏项目"), "{}", hit.text);
    }
    drop(engine);
    // The JSON API says so, and the search and report pages show a badge.
    let live = std::sync::Arc::new(aidsearch::search::LiveEngine::open(&root).unwrap());
    let app = aidsearch::web::app(aidsearch::web::AppState::new(live));
    let get = |uri: String| {
        let request = axum::http::Request::get(uri)
            .body(axum::body::Body::empty())
            .unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let (status, _, body) = runtime.block_on(common::send(app.clone(), request));
        assert_eq!(status, 200);
        String::from_utf8(body).unwrap()
    };
    let q = common::enc("援藏项目");
    let api: serde_json::Value = serde_json::from_str(&get(format!("/api/search?q={q}"))).unwrap();
    assert_eq!(api["hits"][0]["extraction"], "ocr");
    let badge =
        "<span class=\"ocr\" title=\"文字由扫描件经 OCR 识别得到，可能有误\">OCR识别</span>";
    assert_eq!(get(format!("/?q={q}")).matches(badge).count(), 4);
    let report = api["hits"][0]["report"]["id"].as_str().unwrap().to_string();
    assert!(get(format!("/report/{report}")).contains(badge));
    // A full reindex takes both from the cache beside the index.
    let second = reindex(&corpus, &root).expect("reindex");
    assert_eq!(second.ocr_cache_hits, 4);
    assert_eq!(second.files_by_kind.get("ocr"), Some(&4));
    let engine = Engine::open(&root).unwrap();
    assert_eq!(hits(&engine, "援藏项目").len(), 4);
}

#[test]
fn a_missing_tesseract_names_the_package_to_install() {
    // Through the binary, so the environment variable is its own.
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("scan.pdf"), fixture("scan.pdf")).unwrap();
    fs::write(corpus.join("a.txt"), "拉萨海关开展饮用水检测。").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_aidsearch"))
        .args(["reindex", "--json", "--corpus"])
        .arg(&corpus)
        .arg("--index")
        .arg(dir.path().join("index"))
        .env("AIDSEARCH_TESSERACT", dir.path().join("no-such-tesseract"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let skipped = &summary["skipped"][0];
    assert_eq!(skipped["file"], "scan.pdf");
    let reason = skipped["reason"].as_str().unwrap();
    let pdftoppm = "pdftoppm is not installed (install the Debian package poppler-utils)";
    assert!(
        reason
            == "pdf has no text layer (scanned image?), and ocr is not available: \
                   tesseract is not installed (install the Debian package tesseract-ocr)"
            || reason.ends_with(pdftoppm),
        "{reason}"
    );
    assert_eq!(summary["files_by_kind"], serde_json::json!({"text": 1}));
}

// ---------------------------------------------------------------------------
// Hostile workbooks: bounded, and named in a warning or a skip reason.

/// `book` (a zip) with its entry `name` replaced by `bytes`.
fn with_entry(book: &[u8], name: &str, bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(book)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let entry_name = entry.name().to_string();
        out.start_file(entry_name.as_str(), deflated).unwrap();
        if entry_name == name {
            out.write_all(bytes).unwrap();
        } else {
            std::io::copy(&mut entry, &mut out).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn hostile_workbooks_are_bounded_and_named() {
    // A zip bomb: a sheet that inflates to 80 MiB (from under 100 KB).
    let mut bomb_sheet = b"<?xml version=\"1.0\"?><worksheet>".to_vec();
    bomb_sheet.resize(80 << 20, b' ');
    let bomb = with_entry(&project_workbook(), "xl/worksheets/sheet1.xml", &bomb_sheet);
    assert!(bomb.len() < 1 << 20);
    // A million rows, of which the first bound's worth is read.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write(0, 0, "项目名称").unwrap();
    sheet.write(0, 1, "资金（万元）").unwrap();
    for row in 1..1_000_000u32 {
        sheet.write(row, 0, "道路").unwrap();
    }
    sheet.write(1, 0, "桥梁").unwrap();
    sheet.write(1, 1, 10.0).unwrap();
    let million = book.save_to_buffer().unwrap();
    let started = std::time::Instant::now();
    let (_dir, summary, engine) = reindexed(&[("bomb.xlsx", bomb), ("million.xlsx", million)]);
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(30), "{took:?}");
    let skipped: Vec<(&str, &str)> = summary
        .skipped
        .iter()
        .map(|s| (s.file.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].0, "bomb.xlsx");
    assert!(
        skipped[0].1.contains("xl/worksheets/sheet1.xml") && skipped[0].1.contains("limit"),
        "{skipped:?}"
    );
    let warned: Vec<(&str, &str)> = summary
        .warnings
        .iter()
        .map(|s| (s.file.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(
        warned,
        [(
            "million.xlsx",
            format!(
                "sheet Sheet1: rows past {} not read",
                aidsearch::corpus::formats::MAX_SHEET_ROWS
            )
            .as_str()
        )]
    );
    // The header, then every row up to the bound, and the sheet's name.
    let rows = aidsearch::corpus::formats::MAX_SHEET_ROWS - 1;
    assert_eq!(summary.paragraphs, rows + 1);
    assert_eq!(hits(&engine, "桥梁")[0].funding, [100_000.0]);
}
