//! One whole report with its paragraphs, for the report page and API.

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Order, TantivyDocument, Term};

use super::deadline::{search_until, Deadline};
use super::query::{self};
use super::{compile::*, request::*, run::*};
use super::{snippet, Engine, Scope};
use crate::error::{Error, Result};
use crate::index::schema::stored_text;

/// A whole report with its paragraphs, for the report page and API.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReportView {
    pub id: String,
    pub title: String,
    pub date: Option<String>,
    pub date_note: Option<String>,
    pub source: Option<String>,
    pub file: String,
    pub byline: Vec<String>,
    pub paragraphs: Vec<Hit>,
}

/// Load one report by id, its paragraphs in order, with `terms` highlighted;
/// an error once `deadline` passes (a report may hold thousands of
/// paragraphs, each highlighted). A report outside the viewer's `scope` is
/// not found, as one that does not exist: its existence is not told.
pub fn report(
    engine: &Engine,
    id: &str,
    highlight_query: &str,
    deadline: Deadline,
    scope: &Scope,
) -> Result<ReportView> {
    if !crate::corpus::is_valid_id(id) {
        return Err(Error::NotFound(id.to_string()));
    }
    let _entered = engine.enter(scope);
    let fields = &engine.fields;
    let searcher = engine.searcher();
    let mut query: Box<dyn Query> = Box::new(TermQuery::new(
        Term::from_field_text(fields.report_id, id),
        IndexRecordOption::Basic,
    ));
    if let Some(viewer) = scope.filter(fields.access) {
        query = Box::new(BooleanQuery::new(vec![
            (Occur::Must, query),
            (Occur::Must, viewer),
        ]));
    }
    let addrs = search_until(
        &searcher,
        query.as_ref(),
        &TopDocs::with_limit(100_000).order_by_u64_field("paragraph", Order::Asc),
        deadline,
    )?;
    if addrs.is_empty() {
        return Err(Error::NotFound(id.to_string()));
    }
    let terms = if highlight_query.trim().is_empty() {
        Vec::new()
    } else {
        compile(fields, &query::parse(highlight_query))
            .map(|c| c.highlight)
            .unwrap_or_default()
    };
    let mut paragraphs = Vec::new();
    let mut first: Option<TantivyDocument> = None;
    for (_, addr) in addrs {
        deadline.check()?;
        let doc: TantivyDocument = searcher.doc(addr)?;
        let mut hit = hit_from_doc(fields, &doc, 0.0);
        hit.snippet = snippet::highlight(&hit.text, &terms);
        paragraphs.push(hit);
        first.get_or_insert(doc);
    }
    let first = first.ok_or_else(|| Error::NotFound(id.to_string()))?;
    Ok(ReportView {
        id: id.to_string(),
        title: stored_text(&first, fields.title).unwrap_or_default(),
        date: stored_text(&first, fields.date),
        date_note: stored_text(&first, fields.date_note),
        source: stored_text(&first, fields.source),
        file: stored_text(&first, fields.file).unwrap_or_default(),
        byline: first
            .get_all(fields.byline)
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        paragraphs,
    })
}
