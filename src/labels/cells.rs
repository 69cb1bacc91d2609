//! Labels from a table row's cells (a spreadsheet's data row, see
//! `corpus::meta::CellHints`): the place, donor, year and amount columns
//! give the row's labels ahead of what its text would suggest. A cell goes
//! through the same resolution as text: a place through the gazetteer (a
//! name, an alias or a path, else the places its text names), a donor also
//! through the givers that are not places, a year and an amount through the
//! year and money parsers, with the unit its column's heading names.

use super::{funding, givers, places, year, Labels};
use crate::corpus::meta::{Cell, CellHints};
use crate::gazetteer::Gazetteer;

/// Put what `cells` say into `labels`, replacing what the text gave for
/// each facet a cell speaks to.
pub(super) fn apply(cells: &CellHints, labels: &mut Labels) {
    let mut evidence = Vec::new();
    let region = resolve(&cells.place, "region", &mut evidence, |value| {
        places(value).0
    });
    if !region.is_empty() {
        labels.region = region;
    }
    let donor = resolve(&cells.donor, "donor", &mut evidence, |value| {
        let (regions, donors, _) = places(value);
        let mut found: Vec<String> = givers::mentions(value)
            .into_iter()
            .map(|m| m.path.to_string())
            .collect();
        // A place in a donor's column is the giver, whatever words surround it.
        found.extend(if donors.is_empty() { regions } else { donors });
        found
    });
    if !donor.is_empty() {
        labels.donor = donor;
    }
    let mut years = Vec::new();
    for cell in &cells.year {
        // A year column holds `2021`; the parser reads years written as text (`2021年`).
        let written = if cell.value.ends_with('年') {
            cell.value.clone()
        } else {
            format!("{}年", cell.value)
        };
        for y in year::years(&written, None).0 {
            evidence.push(format!("year {y} ← {}", shown(cell)));
            if !years.contains(&y) {
                years.push(y);
            }
        }
    }
    if !years.is_empty() {
        labels.year = years;
    }
    if cells.total {
        if !labels.funding.is_empty() || cells.amount.iter().any(|c| !c.value.is_empty()) {
            evidence.push("funding none ← total row (合计/小计): its amount is the others'".into());
        }
        labels.funding.clear();
    } else if !cells.amount.is_empty() {
        labels.funding = cells
            .amount
            .iter()
            .filter_map(|cell| {
                let yuan = funding::column_amount(&cell.heading, &cell.value)?;
                evidence.push(format!(
                    "funding {} ← {}",
                    funding::format_yuan(yuan),
                    shown(cell)
                ));
                Some(yuan)
            })
            .collect();
    }
    labels.evidence.extend(evidence);
}

fn shown(cell: &Cell) -> String {
    format!("cell {}：{}", cell.heading, cell.value)
}

/// The gazetteer paths `cells` name: each cell's value as one name, alias
/// or path, else what `from_text` finds in it.
fn resolve(
    cells: &[Cell],
    kind: &str,
    evidence: &mut Vec<String>,
    from_text: impl Fn(&str) -> Vec<String>,
) -> Vec<String> {
    let gazetteer = Gazetteer::global();
    let mut paths: Vec<String> = Vec::new();
    for cell in cells {
        let found = match gazetteer.resolve(&cell.value) {
            Some(place) => vec![place.path.clone()],
            None => from_text(&cell.value),
        };
        for path in found {
            evidence.push(format!("{kind} {path} ← {}", shown(cell)));
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    paths
}
