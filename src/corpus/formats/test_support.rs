//! Fixtures and helpers shared by the format extractor's unit tests.

use std::path::Path;

use super::{extract, ExtractError, Extracted};

pub(super) const REPORT_DOCX: &[u8] = include_bytes!("../../../tests/fixtures/formats/report.docx");
pub(super) const REPORT_PDF: &[u8] = include_bytes!("../../../tests/fixtures/formats/report.pdf");

pub(super) const TITLE: &str = "拉萨市饮用水检测援藏项目报告";
pub(super) const SENTENCE_1: &str =
    "2023年，北京市援藏工作队在拉萨市城关区开展农村饮用水水质检测工作，共检测水样三百二十份，覆盖十二个乡镇。";
pub(super) const SENTENCE_2: &str =
    "检测结果显示，绝大多数水样符合国家生活饮用水卫生标准，个别水源存在微生物指标超标问题，已会同当地水利部门完成整改。";
pub(super) const SENTENCE_3: &str =
    "援藏工作队将继续培训当地检测人员，推动建立常态化水质监测机制，保障群众饮水安全。";

/// Chinese text with the kind of line damage the downstream cleaner repairs; it must survive untouched.
pub(super) const RAW_TEXT: &str = "援藏工作简报\r\n\r\n2023年拉萨市饮用水检测工作\n取得阶段性成效。  \n\n\n共检测水样 320 份，合格率 98.4%。\t\n";

pub(super) fn ok(name: &str, bytes: &[u8]) -> Extracted {
    match extract(Path::new(name), bytes) {
        Ok(e) => e,
        Err(e) => panic!("{name}: unexpected error {e:?}"),
    }
}

pub(super) fn err(name: &str, bytes: &[u8]) -> ExtractError {
    match extract(Path::new(name), bytes) {
        Ok(e) => panic!("{name}: expected an error, got {:?} {:?}", e.format, e.text),
        Err(e) => e,
    }
}

pub(super) fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

pub(super) fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "test text must be representable in GBK");
    bytes.into_owned()
}

/// Deterministic pseudo-random bytes (xorshift64*).
pub(super) fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.max(1);
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}
