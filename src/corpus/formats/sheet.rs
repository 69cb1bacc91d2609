//! Spreadsheets (`.xlsx`, `.xls`, `.ods`) through calamine: each data row
//! becomes one paragraph of `表头：值` pairs under its sheet's name, and the
//! cells of the columns whose headings name an amount, a place, a donor or a
//! year are handed on as [`CellHints`] for the labeller.
//!
//! The table is found the way staff lay one out: rows whose non-empty cells
//! all say the same thing (a title merged across the sheet) are headings;
//! the first row with two different values is the header; a row right under
//! it that fills in below a merged or blank heading (`资金（万元）` over
//! `中央` and `地方`) is a second header row, and its names are joined to
//! the first's. Merged cells hold their value in every cell they cover
//! (a donor merged down over its projects belongs to each of them).
//!
//! What a workbook may cost is bounded: the parts of a zip workbook are
//! inflated once, counting, before calamine reads them (a zip bomb is
//! refused), and at most [`MAX_SHEET_ROWS`] rows of [`MAX_ROW_CELLS`] cells
//! are read from each of at most [`MAX_SHEETS`] sheets, with a warning for
//! what is left.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use calamine::{Data, Dimensions, Ods, Reader, Xls, XlsError, Xlsx, XlsxError};

use super::{panic_reason, reason, ExtractError, Extracted, Format, TableRow};
use crate::corpus::meta::{Cell, CellHints};

/// Most rows read from one sheet (header rows included); a project list has
/// hundreds. Past it the rest of the sheet is left, with a warning.
pub const MAX_SHEET_ROWS: usize = 20_000;

/// Most cells read from one row (columns A to AX); cells further right are
/// left, with a warning.
pub const MAX_ROW_CELLS: usize = 50;

/// Most sheets read from one workbook.
pub const MAX_SHEETS: usize = 64;

/// Which workbook format to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Workbook {
    Xlsx,
    Xls,
    Ods,
}

impl Workbook {
    fn name(self) -> &'static str {
        match self {
            Workbook::Xlsx => "xlsx",
            Workbook::Xls => "xls",
            Workbook::Ods => "ods",
        }
    }
}

/// Read a workbook into one paragraph per row. calamine is not known to
/// panic, but this is the untrusted-input boundary: be sure.
pub(super) fn extract_workbook(bytes: &[u8], kind: Workbook) -> Result<Extracted, ExtractError> {
    match catch_unwind(AssertUnwindSafe(|| read_workbook(bytes, kind))) {
        Ok(result) => result,
        Err(payload) => Err(corrupt(kind, panic_reason(&*payload))),
    }
}

fn corrupt(kind: Workbook, why: impl std::fmt::Display) -> ExtractError {
    ExtractError::Corrupt(kind.name(), reason(why))
}

/// The sheets of a workbook as grids of cell text, with the merged regions
/// of each where the format tells them.
struct Sheet {
    name: String,
    grid: Grid,
}

fn read_workbook(bytes: &[u8], kind: Workbook) -> Result<Extracted, ExtractError> {
    let mut warnings = Vec::new();
    let sheets = match kind {
        Workbook::Xlsx => read_xlsx(bytes, &mut warnings)?,
        Workbook::Xls => read_xls(bytes, &mut warnings)?,
        Workbook::Ods => read_ods(bytes, &mut warnings)?,
    };
    let mut rows = Vec::new();
    let mut title = None;
    for sheet in sheets {
        let table = table_rows(&sheet.name, &sheet.grid);
        if title.is_none() {
            title = table.title.clone();
        }
        rows.extend(table.rows);
    }
    if rows.iter().all(|r| r.heading) {
        return Err(ExtractError::Empty);
    }
    Ok(Extracted {
        text: String::new(),
        title,
        format: Format::Spreadsheet,
        encoding: "binary",
        warnings,
        rows,
    })
}

/// The text of one cell: numbers without a trailing `.0`, the rest as
/// calamine writes it, whitespace collapsed.
fn cell_text(data: &Data) -> String {
    let text = match data {
        Data::Empty => return String::new(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    };
    super::collapse_whitespace(&text)
}

/// Cell text by row and column, at most [`MAX_SHEET_ROWS`] by
/// [`MAX_ROW_CELLS`], and whether cells past either bound were left.
#[derive(Default)]
struct Grid {
    rows: Vec<Vec<String>>,
    rows_cut: bool,
    cells_cut: bool,
}

impl Grid {
    /// Put `text` at (`row`, `col`), counted from the sheet's first used
    /// cell; whether the row is within bounds (cells come row by row, so a
    /// row past the bound ends the sheet).
    fn put(&mut self, row: usize, col: usize, text: String) -> bool {
        if row >= MAX_SHEET_ROWS {
            self.rows_cut = true;
            return false;
        }
        if col >= MAX_ROW_CELLS {
            self.cells_cut = true;
            return true;
        }
        if text.is_empty() {
            return true;
        }
        if self.rows.len() <= row {
            self.rows.resize_with(row + 1, Vec::new);
        }
        let cells = &mut self.rows[row];
        if cells.len() <= col {
            cells.resize_with(col + 1, String::new);
        }
        cells[col] = text;
        true
    }

    /// Copy the value of each merged region's first cell into the others,
    /// within the grid's bounds. `origin` is the sheet position of grid
    /// cell (0, 0).
    fn fill_merges(&mut self, merges: &[Dimensions], origin: (u32, u32)) {
        for merge in merges {
            let to_grid = |(r, c): (u32, u32)| {
                (
                    r.saturating_sub(origin.0) as usize,
                    c.saturating_sub(origin.1) as usize,
                )
            };
            let (top, left) = to_grid(merge.start);
            let (bottom, right) = to_grid(merge.end);
            let value = self
                .rows
                .get(top)
                .and_then(|r| r.get(left))
                .cloned()
                .unwrap_or_default();
            if value.is_empty() {
                continue;
            }
            for row in top..=bottom.min(MAX_SHEET_ROWS - 1) {
                for col in left..=right.min(MAX_ROW_CELLS - 1) {
                    self.put(row, col, value.clone());
                }
            }
        }
    }

    fn warn(&self, sheet: &str, warnings: &mut Vec<String>) {
        let sheet = escape_name(sheet);
        if self.rows_cut {
            warnings.push(format!(
                "sheet {sheet}: rows past {MAX_SHEET_ROWS} not read"
            ));
        }
        if self.cells_cut {
            warnings.push(format!(
                "sheet {sheet}: cells past column {MAX_ROW_CELLS} not read"
            ));
        }
    }
}

/// A sheet name as a warning shows it: control characters escaped.
fn escape_name(name: &str) -> String {
    name.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_unicode().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// The names of at most [`MAX_SHEETS`] sheets, with a warning for the rest.
fn sheet_names(all: Vec<String>, warnings: &mut Vec<String>) -> Vec<String> {
    if all.len() > MAX_SHEETS {
        warnings.push(format!(
            "{} sheets past the first {MAX_SHEETS} not read",
            all.len() - MAX_SHEETS
        ));
    }
    all.into_iter().take(MAX_SHEETS).collect()
}

fn read_xlsx(bytes: &[u8], warnings: &mut Vec<String>) -> Result<Vec<Sheet>, ExtractError> {
    let kind = Workbook::Xlsx;
    super::zipped::check_zip_parts(bytes, |name| name.starts_with("xl/"))
        .map_err(|why| corrupt(kind, why))?;
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| match e {
        XlsxError::Password => ExtractError::Encrypted(kind.name()),
        e => corrupt(kind, e),
    })?;
    let mut sheets = Vec::new();
    for name in sheet_names(book.sheet_names(), warnings) {
        let mut grid = Grid::default();
        // Cells are streamed in row order: a sheet of a million rows is read
        // only as far as the bound, in bounded memory.
        let mut origin = None;
        {
            let mut cells = book
                .worksheet_cells_reader(&name)
                .map_err(|e| corrupt(kind, e))?;
            while let Some(cell) = cells.next_cell().map_err(|e| corrupt(kind, e))? {
                let (row, col) = cell.get_position();
                let (top, _) = *origin.get_or_insert((row, 0));
                let text = cell_text(&Data::from(cell.get_value().clone()));
                if !grid.put((row - top.min(row)) as usize, col as usize, text) {
                    break;
                }
            }
        }
        if let Ok(merges) = book.merge_cells_by_sheet_name(&name) {
            grid.fill_merges(&merges, origin.unwrap_or((0, 0)));
        }
        grid.warn(&name, warnings);
        sheets.push(Sheet { name, grid });
    }
    Ok(sheets)
}

/// The grid of a sheet read whole (`.xls`, `.ods`), cut to the bounds.
fn grid_of(range: &calamine::Range<Data>, merges: &[Dimensions]) -> Grid {
    let mut grid = Grid::default();
    for (row, col, data) in range.used_cells() {
        if !grid.put(row, col, cell_text(data)) {
            break;
        }
    }
    let origin = range.start().unwrap_or((0, 0));
    grid.fill_merges(merges, origin);
    grid
}

fn read_xls(bytes: &[u8], warnings: &mut Vec<String>) -> Result<Vec<Sheet>, ExtractError> {
    let kind = Workbook::Xls;
    let mut book = Xls::new(Cursor::new(bytes)).map_err(|e| match e {
        XlsError::Password => ExtractError::Encrypted(kind.name()),
        e => corrupt(kind, e),
    })?;
    let mut sheets = Vec::new();
    for name in sheet_names(book.sheet_names(), warnings) {
        let range = book.worksheet_range(&name).map_err(|e| corrupt(kind, e))?;
        let merges = book.merge_cells_by_sheet_name(&name).unwrap_or_default();
        let grid = grid_of(&range, &merges);
        grid.warn(&name, warnings);
        sheets.push(Sheet { name, grid });
    }
    Ok(sheets)
}

fn read_ods(bytes: &[u8], warnings: &mut Vec<String>) -> Result<Vec<Sheet>, ExtractError> {
    let kind = Workbook::Ods;
    super::zipped::check_zip_parts(bytes, |name| name.ends_with(".xml"))
        .map_err(|why| corrupt(kind, why))?;
    let content =
        super::zipped::zip_part(bytes, "content.xml").map_err(|why| corrupt(kind, why))?;
    if let Some(cells) = ods_cells_over_bound(&content) {
        return Err(corrupt(
            kind,
            format!(
                "its repeated rows and columns make {cells} cells or more (limit {MAX_ODS_CELLS})"
            ),
        ));
    }
    let mut book = Ods::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::OdsError::Password => ExtractError::Encrypted(kind.name()),
        e => corrupt(kind, e),
    })?;
    let mut sheets = Vec::new();
    for name in sheet_names(book.sheet_names(), warnings) {
        let range = book.worksheet_range(&name).map_err(|e| corrupt(kind, e))?;
        // calamine reads no merged regions from ODS: a merged heading's
        // covered cells are blank, which the header reading below fills.
        let grid = grid_of(&range, &[]);
        grid.warn(&name, warnings);
        sheets.push(Sheet { name, grid });
    }
    Ok(sheets)
}

/// Most cells calamine may make of an ODS sheet's repeated rows and
/// columns (`table:number-rows-repeated`, `table:number-columns-repeated`):
/// it expands them into a grid in memory before anything can be cut, at
/// about 32 bytes a cell, and allows 100 million. 4 million is 128 MB.
pub const MAX_ODS_CELLS: u64 = 4_000_000;

/// Whether expanding the repeats of `content` (an ODS content.xml) would
/// make more than [`MAX_ODS_CELLS`] cells, and how many it counted. Counted
/// as calamine expands them: every cell of every row element (a row's
/// column repeats are expanded once), and the grid from the first to the
/// last row holding a value, as wide as the widest row. Trailing empty
/// rows and columns, which LibreOffice writes repeated a million times,
/// are not expanded.
fn ods_cells_over_bound(content: &str) -> Option<u64> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(content);
    let attr = |e: &quick_xml::events::BytesStart, key: &[u8]| -> Option<u64> {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == key)
            .and_then(|a| std::str::from_utf8(&a.value).ok()?.parse().ok())
    };
    let (mut row_elements_cells, mut rows, mut width) = (0u64, 0u64, 0u64);
    let (mut rows_to_last_value, mut widest_value) = (0u64, 0u64);
    let (mut row_repeats, mut row_cells, mut row_value_end) = (1u64, 0u64, 0u64);
    loop {
        match reader.read_event() {
            Ok(Event::Empty(e)) if e.local_name().as_ref() == b"table-row" => {
                let repeats = attr(&e, b"table:number-rows-repeated").unwrap_or(1);
                rows = rows.saturating_add(repeats);
            }
            Ok(Event::Start(e)) if e.local_name().as_ref() == b"table-row" => {
                row_repeats = attr(&e, b"table:number-rows-repeated").unwrap_or(1);
                row_cells = 0;
                row_value_end = 0;
            }
            Ok(Event::Start(e)) | Ok(Event::Empty(e))
                if matches!(
                    e.local_name().as_ref(),
                    b"table-cell" | b"covered-table-cell"
                ) =>
            {
                let repeats = attr(&e, b"table:number-columns-repeated").unwrap_or(1);
                row_cells = row_cells.saturating_add(repeats);
                let has_value = e
                    .attributes()
                    .flatten()
                    .any(|a| a.key.as_ref() == b"office:value-type");
                if has_value {
                    row_value_end = row_cells;
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == b"table-row" => {
                row_elements_cells = row_elements_cells.saturating_add(row_cells);
                rows = rows.saturating_add(row_repeats);
                if row_value_end > 0 {
                    rows_to_last_value = rows;
                    widest_value = widest_value.max(row_value_end);
                }
                width = width.max(row_value_end);
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == b"table" => {
                let grid = rows_to_last_value.saturating_mul(widest_value.max(width));
                let cells = row_elements_cells.max(grid);
                if cells > MAX_ODS_CELLS {
                    return Some(cells);
                }
                (row_elements_cells, rows, width) = (0, 0, 0);
                (rows_to_last_value, widest_value) = (0, 0);
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
        if row_elements_cells > MAX_ODS_CELLS {
            return Some(row_elements_cells);
        }
    }
}

/// What a column holds, by its heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Amount,
    Place,
    Donor,
    Year,
    Other,
}

/// Heading words of a column of money put into the work (`资金（万元）`,
/// `总投资`, `援助金额`).
const AMOUNT_WORDS: [&str; 6] = ["资金", "投资", "金额", "经费", "预算", "援助额"];
/// Heading words of money columns that hold no amount: where money comes
/// from, or its kind.
const NOT_AMOUNT_WORDS: [&str; 3] = ["来源", "渠道", "性质"];
/// Heading words of the giver's column.
const DONOR_WORDS: [&str; 9] = [
    "援助方",
    "援建单位",
    "援建方",
    "援助单位",
    "支援方",
    "支援单位",
    "帮扶单位",
    "捐赠方",
    "援派单位",
];
/// Heading words of the column of where the aid goes.
const PLACE_WORDS: [&str; 8] = [
    "地点",
    "受援地",
    "实施地",
    "所在地",
    "地区",
    "县",
    "乡镇",
    "项目地",
];
/// Headings of the year column (a heading that is only a year word).
const YEAR_WORDS: [&str; 6] = ["年度", "年份", "年", "建设年度", "实施年度", "援助年度"];

fn role(heading: &str) -> Role {
    let has = |words: &[&str]| words.iter().any(|w| heading.contains(w));
    if has(&DONOR_WORDS) {
        Role::Donor
    } else if has(&AMOUNT_WORDS) && !has(&NOT_AMOUNT_WORDS) {
        Role::Amount
    } else if YEAR_WORDS.contains(&heading) || heading.ends_with("年度") {
        Role::Year
    } else if has(&PLACE_WORDS) {
        Role::Place
    } else {
        Role::Other
    }
}

/// First words of a total row (`合计`, `小 计`, `总计`).
const TOTAL_WORDS: [&str; 4] = ["合计", "小计", "总计", "共计"];

fn is_total(cells: &[String]) -> bool {
    cells.iter().find(|c| !c.is_empty()).is_some_and(|c| {
        let packed: String = c.chars().filter(|c| !c.is_whitespace()).collect();
        TOTAL_WORDS.iter().any(|w| packed.starts_with(w))
    })
}

/// The rows of one sheet as paragraphs, and its title row, if any.
struct Table {
    rows: Vec<TableRow>,
    title: Option<String>,
}

/// The distinct non-empty values of a row, in order.
fn distinct(cells: &[String]) -> Vec<&str> {
    let mut seen: Vec<&str> = Vec::new();
    for c in cells.iter().filter(|c| !c.is_empty()) {
        if !seen.contains(&c.as_str()) {
            seen.push(c);
        }
    }
    seen
}

fn looks_numeric(cell: &str) -> bool {
    cell.chars().any(|c| c.is_ascii_digit())
        && cell
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '%' | ' '))
}

/// Column names from a header row and, when it fills in below merged or
/// blank headings, the row under it; and how many rows the header took.
fn column_names(header: &[String], below: Option<&[String]>) -> (Vec<String>, usize) {
    let width = header.len().max(below.map_or(0, <[String]>::len));
    let at = |row: &[String], i: usize| row.get(i).cloned().unwrap_or_default();
    // A merged heading is repeated over its columns (xlsx, xls) or leaves
    // them blank (ods): a second header row fills in below such columns,
    // and holds only words.
    let second = below.filter(|below| {
        let spans_merged = (0..width).any(|i| {
            !at(below, i).is_empty()
                && at(below, i) != at(header, i)
                && (at(header, i).is_empty() || (i > 0 && at(header, i) == at(header, i - 1)))
        });
        spans_merged && below.iter().all(|c| c.is_empty() || !looks_numeric(c))
    });
    let mut names = Vec::with_capacity(width);
    let mut parent = String::new();
    for i in 0..width {
        let top = at(header, i);
        if !top.is_empty() {
            parent = top.clone();
        }
        let name = match second {
            None => top,
            Some(below) => {
                let child = at(below, i);
                let parent = if top.is_empty() { parent.clone() } else { top };
                if child.is_empty() || child == parent {
                    parent
                } else if parent.is_empty() {
                    child
                } else {
                    format!("{parent}·{child}")
                }
            }
        };
        names.push(if name.is_empty() {
            format!("第{}列", i + 1)
        } else {
            name
        });
    }
    (names, 1 + usize::from(second.is_some()))
}

/// One sheet's paragraphs: its name as a heading, title rows as headings,
/// then a paragraph per data row.
fn table_rows(sheet: &str, grid: &Grid) -> Table {
    let heading = |text: &str| TableRow {
        sheet: sheet.to_string(),
        text: text.to_string(),
        heading: true,
        cells: None,
    };
    let mut rows = vec![heading(sheet)];
    let mut title = None;
    let mut at = 0;
    // Title rows (one value, however many cells it spans) above the header.
    while let Some(cells) = grid.rows.get(at) {
        match distinct(cells).as_slice() {
            [] => {}
            [one] => {
                title.get_or_insert_with(|| one.to_string());
                rows.push(heading(one));
            }
            _ => break,
        }
        at += 1;
    }
    let Some(header) = grid.rows.get(at) else {
        return Table { rows, title };
    };
    let (names, header_rows) = column_names(header, grid.rows.get(at + 1).map(Vec::as_slice));
    let roles: Vec<Role> = names.iter().map(|n| role(n)).collect();
    for cells in grid.rows.iter().skip(at + header_rows) {
        if cells.iter().all(String::is_empty) {
            continue;
        }
        let mut hints = CellHints {
            total: is_total(cells),
            ..CellHints::default()
        };
        let mut text = String::new();
        for (i, name) in names.iter().enumerate() {
            let value = cells.get(i).cloned().unwrap_or_default();
            let cell = Cell {
                heading: name.clone(),
                value: value.clone(),
            };
            match roles[i] {
                Role::Amount => hints.amount.push(cell),
                Role::Place if !value.is_empty() => hints.place.push(cell),
                Role::Donor if !value.is_empty() => hints.donor.push(cell),
                Role::Year if !value.is_empty() => hints.year.push(cell),
                _ => {}
            }
            if !value.is_empty() {
                if !text.is_empty() {
                    text.push('；');
                }
                text.push_str(name);
                text.push('：');
                text.push_str(&value);
            }
        }
        rows.push(TableRow {
            sheet: sheet.to_string(),
            text,
            heading: false,
            cells: Some(Box::new(hints)),
        });
    }
    Table { rows, title }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&[&str]]) -> Grid {
        let mut grid = Grid::default();
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                grid.put(r, c, text.to_string());
            }
        }
        grid
    }

    #[test]
    fn headings_give_roles() {
        assert_eq!(role("资金（万元）"), Role::Amount);
        assert_eq!(role("总投资(万元)"), Role::Amount);
        assert_eq!(role("资金来源"), Role::Other);
        assert_eq!(role("实施地点"), Role::Place);
        assert_eq!(role("县（市、区）"), Role::Place);
        assert_eq!(role("援助方"), Role::Donor);
        assert_eq!(role("援建单位"), Role::Donor);
        assert_eq!(role("年度"), Role::Year);
        assert_eq!(role("项目名称"), Role::Other);
    }

    #[test]
    fn a_title_row_a_two_row_header_and_a_total() {
        let g = grid(&[
            &[
                "援藏项目清单",
                "援藏项目清单",
                "援藏项目清单",
                "援藏项目清单",
            ],
            &["项目名称", "实施地点", "资金（万元）", "资金（万元）"],
            &["", "", "中央", "地方"],
            &["饮水工程", "类乌齐县", "1200", "300"],
            &[],
            &["合 计", "", "1200", "300"],
        ]);
        // The second header row is read as such although its first cells are blank.
        let table = table_rows("表1", &g);
        assert_eq!(table.title.as_deref(), Some("援藏项目清单"));
        let texts: Vec<&str> = table.rows.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "表1",
                "援藏项目清单",
                "项目名称：饮水工程；实施地点：类乌齐县；资金（万元）·中央：1200；资金（万元）·地方：300",
                "项目名称：合 计；资金（万元）·中央：1200；资金（万元）·地方：300",
            ]
        );
        let row = table.rows[2].cells.as_deref().unwrap();
        assert!(!row.total);
        assert_eq!(row.place[0].value, "类乌齐县");
        assert_eq!(row.amount.len(), 2);
        assert_eq!(row.amount[0].heading, "资金（万元）·中央");
        assert!(table.rows[3].cells.as_deref().unwrap().total);
    }

    #[test]
    fn ods_repeats_are_counted_before_calamine_expands_them() {
        let sheet = |rows: &str| {
            format!(
                "<office:document-content><office:body><office:spreadsheet>\
                 <table:table table:name=\"s\">{rows}</table:table>\
                 </office:spreadsheet></office:body></office:document-content>"
            )
        };
        let value =
            "<table:table-cell office:value-type=\"string\"><text:p>x</text:p></table:table-cell>";
        // LibreOffice's trailing empty rows and columns cost nothing.
        let usual = sheet(&format!(
            "<table:table-row>{value}<table:table-cell table:number-columns-repeated=\"1023\"/></table:table-row>\
             <table:table-row table:number-rows-repeated=\"1048575\"><table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row>"
        ));
        assert_eq!(ods_cells_over_bound(&usual), None);
        // A value repeated down a million rows, or across and down.
        let down = sheet(
            "<table:table-row table:number-rows-repeated=\"1000000\">\
             <table:table-cell office:value-type=\"string\" table:number-columns-repeated=\"10\"><text:p>x</text:p></table:table-cell>\
             </table:table-row>",
        );
        assert_eq!(ods_cells_over_bound(&down), Some(10_000_000));
        let gap = sheet(&format!(
            "<table:table-row>{value}</table:table-row>\
             <table:table-row table:number-rows-repeated=\"900000\"/>\
             <table:table-row><table:table-cell table:number-columns-repeated=\"9\"/>{value}</table:table-row>"
        ));
        assert_eq!(ods_cells_over_bound(&gap), Some(9_000_020));
    }

    #[test]
    fn merged_cells_fill_their_region_and_bounds_hold() {
        let mut g = grid(&[&["援助方", "项目"], &["上海市", "学校"], &["", "医院"]]);
        g.fill_merges(&[Dimensions::new((11, 3), (12, 3))], (10, 3));
        assert_eq!(g.rows[2][0], "上海市");
        let mut big = Grid::default();
        assert!(big.put(MAX_SHEET_ROWS - 1, MAX_ROW_CELLS + 5, "x".into()));
        assert!(!big.put(MAX_SHEET_ROWS, 0, "x".into()));
        assert!(big.rows_cut && big.cells_cut);
        // A merge over the whole sheet is filled only within the bounds.
        big.put(0, 0, "标题".into());
        big.fill_merges(&[Dimensions::new((0, 0), (1_048_575, 16_383))], (0, 0));
        assert_eq!(big.rows.len(), MAX_SHEET_ROWS);
        assert!(big.rows.iter().all(|r| r.len() == MAX_ROW_CELLS));
    }
}
