//! OCR of scans: images (`.png`, `.jpg`, `.tif`) and PDFs without a text
//! layer, through Debian's `tesseract` (with its `chi_sim` model) and, for
//! PDFs, `pdftoppm` (poppler-utils) to turn pages into images.
//!
//! A file may cost at most [`OCR_TIME_BUDGET`] and [`MAX_OCR_PAGES`] pages;
//! what is left is said in a warning. The text is returned as tesseract
//! wrote it: the cleaner repairs its spaced characters and broken lines as
//! it does a newspaper's OCR. Results are kept in a cache by the file's
//! content ([`OcrCache`]), so a reindex does not read the same scan twice.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::external::{run, scratch, RunError, PDFTOPPM, TESSERACT};
use super::{ExtractError, Extracted, Format};

/// Wall time OCR may take for one file, rasterising included; it stays
/// under the reader's budget per file (`corpus::FILE_TIME_BUDGET`).
pub const OCR_TIME_BUDGET: Duration = Duration::from_secs(24);

/// Most pages of a scanned PDF read by OCR.
pub const MAX_OCR_PAGES: usize = 20;

/// Resolution pages are rasterised at: 200 dpi reads body text of 10 pt and
/// up; more made tesseract slower without reading more.
const OCR_DPI: &str = "200";

/// Most text kept from one page.
const MAX_PAGE_TEXT_BYTES: usize = 1 << 20;

/// What the cache key covers besides the file: a change of model or
/// settings reads scans again.
const OCR_SETTINGS: &str = "tesseract chi_sim psm 6 dpi 200 v1";

/// OCR results by the content of the file they were read from: a folder of
/// `SHA256.txt` files (beside the index, so a full reindex keeps it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcrCache {
    pub dir: PathBuf,
}

impl OcrCache {
    fn path(&self, bytes: &[u8]) -> PathBuf {
        let mut hash = Sha256::new();
        hash.update(OCR_SETTINGS.as_bytes());
        hash.update([0]);
        hash.update(bytes);
        let hex: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{hex}.txt"))
    }

    fn get(&self, bytes: &[u8]) -> Option<String> {
        std::fs::read_to_string(self.path(bytes)).ok()
    }

    /// Keep `text`, written whole or not at all (a temporary file renamed).
    /// A cache that cannot be written costs a second OCR, nothing else.
    fn put(&self, bytes: &[u8], text: &str) {
        let keep = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let mut file = tempfile::NamedTempFile::new_in(&self.dir)?;
            std::io::Write::write_all(&mut file, text.as_bytes())?;
            file.persist(self.path(bytes)).map_err(|e| e.error)?;
            Ok(())
        };
        let _ = keep();
    }
}

/// What is scanned: an image, or a PDF's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scan {
    /// An image, with the extension its temporary copy gets.
    Image(&'static str),
    Pdf,
}

/// The text of a scan, from the cache or by OCR.
pub(super) fn extract_scan(
    bytes: &[u8],
    scan: Scan,
    cache: Option<&OcrCache>,
) -> Result<Extracted, ExtractError> {
    let kind = match scan {
        Scan::Image(_) => "image",
        Scan::Pdf => "pdf",
    };
    let cached = cache.and_then(|c| c.get(bytes));
    let from_cache = cached.is_some();
    let (text, warnings) = match cached {
        Some(text) => (text, Vec::new()),
        None => {
            let (text, warnings) = ocr(bytes, scan).map_err(|e| match e {
                // The scan is unread, not broken: say what to install.
                RunError::Missing { .. } => ExtractError::NeedsOcr(format!(
                    "{}, and ocr is not available: {e}",
                    unread(scan)
                )),
                RunError::Failed(_, why) if why.contains("chi_sim") => {
                    ExtractError::NeedsOcr(format!(
                        "{}, and ocr is not available: tesseract has no chinese model \
                         (install the Debian package tesseract-ocr-chi-sim)",
                        unread(scan)
                    ))
                }
                e => ExtractError::External(kind, format!("ocr failed: {e}")),
            })?;
            // Only a whole reading is kept: one cut by the budget is read again.
            if let Some(cache) = cache.filter(|_| warnings.is_empty()) {
                cache.put(bytes, &text);
            }
            (text, warnings)
        }
    };
    if text.trim().is_empty() {
        return Err(ExtractError::NoText(kind));
    }
    Ok(Extracted {
        text,
        title: None,
        format: Format::Ocr { from_cache },
        encoding: "binary",
        warnings,
        rows: Vec::new(),
    })
}

/// What a scan is without OCR.
fn unread(scan: Scan) -> &'static str {
    match scan {
        Scan::Image(_) => "image holds no text layer",
        Scan::Pdf => "pdf has no text layer (scanned image?)",
    }
}

/// OCR the scan: its text, and warnings for what the budgets left.
fn ocr(bytes: &[u8], scan: Scan) -> Result<(String, Vec<String>), RunError> {
    let started = Instant::now();
    let scratch_error = |e: std::io::Error| RunError::Failed("ocr", e.to_string());
    let (dir, images) = match scan {
        Scan::Image(ext) => {
            let (dir, path) = scratch(&format!("scan.{ext}"), bytes).map_err(scratch_error)?;
            (dir, vec![path])
        }
        Scan::Pdf => {
            let (dir, path) = scratch("scan.pdf", bytes).map_err(scratch_error)?;
            let prefix = dir.path().join("page");
            let args: Vec<OsString> = vec![
                "-r".into(),
                OCR_DPI.into(),
                "-gray".into(),
                "-png".into(),
                "-f".into(),
                "1".into(),
                "-l".into(),
                MAX_OCR_PAGES.to_string().into(),
                path.into(),
                prefix.into(),
            ];
            run(PDFTOPPM, &args, OCR_TIME_BUDGET, 4096)?;
            let images = page_images(dir.path());
            (dir, images)
        }
    };
    let mut text = String::new();
    let mut warnings = Vec::new();
    if images.len() >= MAX_OCR_PAGES {
        warnings.push(format!("ocr reads at most {MAX_OCR_PAGES} pages"));
    }
    for (n, image) in images.iter().enumerate() {
        let left = OCR_TIME_BUDGET.saturating_sub(started.elapsed());
        if left < Duration::from_secs(1) {
            warnings.push(format!(
                "pages from {} not read: ocr took its {} s budget",
                n + 1,
                OCR_TIME_BUDGET.as_secs()
            ));
            break;
        }
        // `--psm 6` (one block of text): the automatic layout analysis
        // found nothing on a sparse page that this read whole.
        let args: Vec<OsString> = vec![
            image.into(),
            "-".into(),
            "-l".into(),
            "chi_sim".into(),
            "--psm".into(),
            "6".into(),
        ];
        let page = run(TESSERACT, &args, left, MAX_PAGE_TEXT_BYTES)?;
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&String::from_utf8_lossy(&page));
    }
    drop(dir);
    Ok((text, warnings))
}

/// The page images pdftoppm wrote into `dir`, in page order (`page-01.png`:
/// it pads the numbers to the same width).
fn page_images(dir: &Path) -> Vec<PathBuf> {
    let mut images: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "png")
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("page-"))
        })
        .collect();
    images.sort();
    images
}
