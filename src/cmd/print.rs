//! What the commands print on a terminal: the reindex summary, search
//! results, index statistics and label explanations, coloured or plain.

use std::io::Write;

use aidsearch::corpus::Report;
use aidsearch::index::build::{BuildSummary, IncrementalSummary};
use aidsearch::labels::Labels;
use aidsearch::search::{self, SearchRequest};

use super::cli::ColorChoice;

/// ANSI styles, or none.
#[derive(Clone, Copy)]
pub struct Style {
    on: bool,
}

impl Style {
    pub fn new(choice: ColorChoice, terminal: bool) -> Style {
        Style {
            on: choice.enabled(terminal),
        }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }

    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }

    pub fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }

    pub fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

pub fn print_summary(s: &BuildSummary, style: Style) -> std::io::Result<()> {
    outln!(
        "{} generation {} in {:.2} s",
        style.green("reindex finished:"),
        s.generation,
        s.seconds
    );
    let rows = [
        ("files read", s.files_read.to_string()),
        ("files skipped", s.skipped.len().to_string()),
        ("warnings", s.warnings.len().to_string()),
        ("reports", s.reports.to_string()),
        ("paragraphs", s.paragraphs.to_string()),
        ("index size", megabytes(s.index_bytes)),
        ("time", format!("{:.2} s", s.seconds)),
        ("text rate", format!("{:.1} MB/s", s.mb_per_second)),
    ];
    for (name, value) in rows {
        outln!("  {name:<15} {value:>10}");
    }
    if !s.files_by_kind.is_empty() {
        let kinds: Vec<String> = s
            .files_by_kind
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        outln!("  {:<15} {}", "files by kind", kinds.join(", "));
    }
    if s.ocr_cache_hits > 0 {
        outln!(
            "  {:<15} {:>10}",
            "ocr cache hits",
            s.ocr_cache_hits.to_string()
        );
    }
    outln!("  {:<15} {}", "data files", s.data);
    if s.data == "built-in" {
        outln!(
            "  {}",
            style.yellow(
                "no data folder: the dictionary and synonyms built into this program were used \
                 (give one with --data)"
            )
        );
    }
    for missing in &s.data_missing {
        outln!(
            "  {}",
            style.yellow(&format!(
                "the data folder has no {missing}: the built-in copy was used"
            ))
        );
    }
    if let Some(m) = &s.mining {
        let what = if m.reused {
            "kept the previous generation's".to_string()
        } else {
            let sample = if m.paragraphs < m.of_paragraphs {
                format!(" (from {} of {} paragraphs)", m.paragraphs, m.of_paragraphs)
            } else {
                String::new()
            };
            format!(
                "{} words, {} sequences, {} dimensions{sample}",
                m.words, m.sequences, m.dims
            )
        };
        outln!("  {:<15} {what} in {:.2} s", "mined vocabulary", m.seconds);
    }
    outln!("  {}", style.bold("facet coverage (share of paragraphs)"));
    for (name, share) in [
        ("region", s.coverage.region),
        ("sector", s.coverage.sector),
        ("year", s.coverage.year),
        ("donor", s.coverage.donor),
        ("programme", s.coverage.programme),
        ("funding", s.coverage.funding),
    ] {
        outln!("    {name:<13} {:>10}", percent(share));
    }
    for (heading, list) in [("skipped files", &s.skipped), ("warnings", &s.warnings)] {
        if list.is_empty() {
            continue;
        }
        outln!("  {}", style.yellow(heading));
        let width = list
            .iter()
            .map(|k| k.file.chars().count())
            .max()
            .unwrap_or(0);
        for skipped in list {
            let pad = width - skipped.file.chars().count();
            outln!(
                "    {}{}  {}",
                skipped.file,
                " ".repeat(pad),
                style.dim(&skipped.reason)
            );
        }
    }
    Ok(())
}

/// [`print_summary`] and what an incremental reindex reused.
pub fn print_incremental_summary(
    summary: &IncrementalSummary,
    style: Style,
) -> std::io::Result<()> {
    print_summary(&summary.build, style)?;
    for (name, value) in [
        ("files reused", summary.files_reused),
        ("files re-read", summary.files_reingested),
        ("files removed", summary.files_removed),
    ] {
        outln!("  {name:<15} {value:>10}");
    }
    if summary.segments_reused {
        outln!("  only the changed reports were written; the rest was kept");
    }
    if let Some(reason) = &summary.full_because {
        outln!(
            "  {}",
            style.yellow(&format!("every file was read again: {reason}"))
        );
    }
    Ok(())
}

/// Each paragraph of a report with its labels and the evidence for them.
pub fn print_explanation(report: &Report, labels: &[Labels]) -> std::io::Result<()> {
    outln!("{} — {}", report.id, report.title);
    for (p, l) in report.paragraphs.iter().zip(labels) {
        let preview: String = p.text.chars().take(40).collect();
        outln!("\n¶{} [{}] {preview}…", p.number, p.kind.as_str());
        outln!("  region  {:?}", l.region);
        outln!("  donor   {:?}", l.donor);
        outln!("  sector  {:?}", l.sector);
        outln!("  year    {:?}", l.year);
        outln!("  funding {:?}", l.funding);
        for e in &l.evidence {
            outln!("    · {e}");
        }
    }
    Ok(())
}

/// `<mark>` to terminal emphasis (or `[…]` without colour), and HTML
/// entities back to text.
fn terminal_snippet(snippet: &str, style: Style) -> String {
    let (on, off) = if style.on {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("[", "]")
    };
    snippet
        .replace("<mark>", on)
        .replace("</mark>", off)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The filters of a request, so a stray environment variable shows.
fn describe_filters(r: &SearchRequest) -> Vec<String> {
    let mut out = Vec::new();
    for (name, values) in [
        ("region", &r.region),
        ("donor", &r.donor),
        ("sector", &r.sector),
        ("year", &r.year),
    ] {
        if !values.is_empty() {
            out.push(format!("{name}={}", values.join("|")));
        }
    }
    if let Some(report) = &r.report {
        out.push(format!("report={report}"));
    }
    if let Some(v) = r.min_funding {
        out.push(format!(
            "min_funding={}",
            aidsearch::labels::funding::format_yuan(v)
        ));
    }
    if let Some(v) = r.max_funding {
        out.push(format!(
            "max_funding={}",
            aidsearch::labels::funding::format_yuan(v)
        ));
    }
    if let Some(y) = r.year_from {
        out.push(format!("year_from={y}"));
    }
    if let Some(y) = r.year_to {
        out.push(format!("year_to={y}"));
    }
    out
}

pub fn print_results(
    request: &SearchRequest,
    r: &search::SearchResponse,
    style: Style,
) -> std::io::Result<()> {
    let filters = describe_filters(request);
    let counted = match r.report_total {
        Some(reports) => format!(
            "{} reports ({} paragraphs)",
            style.bold(&reports.to_string()),
            r.total
        ),
        None => format!("{} results", style.bold(&r.total.to_string())),
    };
    outln!(
        "{} for {:?}{} ({:.1} ms, generation {}){}",
        counted,
        r.query,
        if filters.is_empty() {
            String::new()
        } else {
            format!(" where {}", filters.join(", "))
        },
        r.took_ms,
        r.generation,
        if r.relaxed {
            style.yellow(" — relaxed: not every word matched")
        } else {
            String::new()
        }
    );
    if let Some(notice) = &r.notice {
        outln!(
            "{}",
            style.yellow(&format!(
                "{}; left out: {}",
                notice.message,
                notice.dropped.join(" ")
            ))
        );
    }
    if !r.suggestions.is_empty() {
        outln!("did you mean: {}", r.suggestions.join(", "));
    }
    let first = (r.page - 1) * r.per_page + 1;
    for (i, hit) in r.hits.iter().enumerate() {
        print_hit(first + i, hit, None, style)?;
    }
    for (i, report) in r.reports.iter().enumerate() {
        print_hit(first + i, &report.best, Some(report.matching), style)?;
    }
    let shown = (r.page - 1) * r.per_page + r.hits.len() + r.reports.len();
    let (listed, of) = match r.report_total {
        Some(reports) => ("reports", reports),
        None => ("results", r.total),
    };
    if (shown as u64) < of {
        outln!(
            "\n{}",
            style.dim(&format!(
                "showing {shown} of {of} {listed}; next page: --page {}",
                r.page + 1
            ))
        );
    }
    Ok(())
}

/// One result: a paragraph, or in the report view the paragraph that stands
/// for its report, with how many of the report's paragraphs match.
fn print_hit(
    n: usize,
    hit: &search::Hit,
    matching: Option<u64>,
    style: Style,
) -> std::io::Result<()> {
    let mut about = vec![format!("{} ¶{}", hit.report.id, hit.paragraph)];
    if let Some(m) = matching {
        about.insert(
            0,
            format!("{m} matching paragraph{}", if m == 1 { "" } else { "s" }),
        );
    }
    about.extend(hit.report.date.clone());
    about.extend(hit.report.source.clone());
    outln!(
        "\n{}. {}  {}",
        n,
        style.bold(&hit.report.title),
        style.dim(&about.join(" · "))
    );
    outln!("   {}", terminal_snippet(&hit.snippet, style));
    let funding: Vec<String> = hit
        .funding
        .iter()
        .map(|f| aidsearch::labels::funding::format_yuan(*f))
        .collect();
    let tags: Vec<String> = [
        ("地区", &hit.region),
        ("援助方", &hit.donor),
        ("领域", &hit.sector),
        ("年份", &hit.year),
        ("资金", &funding),
    ]
    .into_iter()
    .filter(|(_, values)| !values.is_empty())
    .map(|(name, values)| format!("{name} {}", values.join("、")))
    .collect();
    if !tags.is_empty() {
        outln!("   {}", style.dim(&tags.join(" · ")));
    }
    Ok(())
}

pub fn print_stats(s: &search::IndexStats, style: Style) -> std::io::Result<()> {
    let rows = [
        ("generation", s.generation.to_string()),
        ("reports", s.reports.to_string()),
        ("paragraphs", s.paragraphs.to_string()),
        ("segments", s.segments.to_string()),
        ("size", megabytes(s.bytes)),
    ];
    for (name, value) in rows {
        outln!("{name:<12} {value:>10}");
    }
    for (name, values) in [
        ("region", &s.top_region),
        ("donor", &s.top_donor),
        ("sector", &s.top_sector),
        ("year", &s.top_year),
        ("programme", &s.top_programme),
        ("report_year", &s.top_report_year),
    ] {
        outln!("\n{}", style.bold(&format!("top {name}")));
        if values.is_empty() {
            outln!("  {}", style.dim("(none)"));
        }
        for v in values {
            outln!("  {:>6}  {}", v.count, v.value);
        }
    }
    Ok(())
}
