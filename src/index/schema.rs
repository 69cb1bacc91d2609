//! The tantivy schema: one document per report paragraph.

use tantivy::schema::{
    Facet, FacetOptions, Field, FieldType, IndexRecordOption, NumericOptions, Schema,
    TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};

use tantivy::schema::Value as _;
use tantivy::TantivyDocument;

use crate::facet::{FacetKind, PerFacet};
use crate::tokenizer::{CHARS_TOKENIZER_NAME, TOKENIZER_NAME};

/// Field names, shared by the builder and the searcher.
pub mod names {
    pub const ID: &str = "id";
    pub const REPORT_ID: &str = "report_id";
    pub const TITLE: &str = "title";
    pub const SECTION: &str = "section";
    pub const TEXT: &str = "text";
    pub const TEXT_CHARS: &str = "text_chars";
    pub const PARAGRAPH: &str = "paragraph";
    pub const KIND: &str = "kind";
    pub const FUNDING: &str = "funding";
    pub const FUNDING_MAX: &str = "funding_max";
    pub const DATE: &str = "date";
    pub const DATE_KEY: &str = "date_key";
    pub const SOURCE: &str = "source";
    pub const FILE: &str = "file";
    pub const DATE_NOTE: &str = "date_note";
    pub const BYLINE: &str = "byline";
    pub const CONTENT_HASH: &str = "content_hash";
    pub const CONTEXT: &str = "context";
    pub const CHARS: &str = "chars";
    pub const EXTRACTION: &str = "extraction";
    pub const ACCESS: &str = "access";
}

/// Handles to every field of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub report_id: Field,
    pub title: Field,
    pub section: Field,
    pub text: Field,
    /// The paragraph text as its CJK characters with positions, for exact
    /// substring queries (not stored).
    pub text_chars: Field,
    pub paragraph: Field,
    pub kind: Field,
    /// One facet field per [`FacetKind`].
    pub facets: PerFacet<Field>,
    pub funding: Field,
    pub funding_max: Field,
    pub date: Field,
    pub date_key: Field,
    pub source: Field,
    pub file: Field,
    pub date_note: Field,
    pub byline: Field,
    pub content_hash: Field,
    /// What the paragraph's article is about: its title and lead (not stored).
    pub context: Field,
    /// Paragraph length in characters, for damping very short paragraphs.
    pub chars: Field,
    /// `ocr` on a paragraph read by OCR (stored, absent otherwise);
    /// `None` in an index written before the field existed.
    pub extraction: Option<Field>,
    /// The groups that may read the paragraph's report, or
    /// [`crate::corpus::meta::OPEN_ACCESS`] for an open one: search filters
    /// on it for a viewer of some groups.
    pub access: Field,
}

/// Build the schema.
pub fn build_schema() -> Schema {
    use names::*;
    let mut b = Schema::builder();
    let chinese = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    // Stored, not indexed: nothing looks a paragraph up by its id, and
    // a one-document term per paragraph was 2.6% of writing instructions.
    b.add_text_field(ID, STORED);
    b.add_text_field(REPORT_ID, STRING | STORED | FAST);
    // Title and context only ever take single-term queries (boosts and
    // article context), so they skip positions: they repeat on every
    // paragraph, and recording their positions was a sixth of indexing time.
    let terms_only = TextFieldIndexing::default()
        .set_tokenizer(TOKENIZER_NAME)
        .set_index_option(IndexRecordOption::WithFreqs);
    b.add_text_field(
        TITLE,
        TextOptions::default()
            .set_stored()
            .set_indexing_options(terms_only.clone()),
    );
    b.add_text_field(
        CONTEXT,
        TextOptions::default().set_indexing_options(terms_only),
    );
    b.add_text_field(SECTION, chinese.clone());
    b.add_text_field(TEXT, chinese);
    // The same text again as characters: a phrase of characters finds any
    // substring, where jieba's words miss one that starts or ends inside a
    // word (子商务公共 in 电子商务公共服务).
    b.add_text_field(
        TEXT_CHARS,
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(CHARS_TOKENIZER_NAME)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    // Neither is ever queried: the paragraph number orders a report (fast
    // field), the kind is shown.
    b.add_u64_field(PARAGRAPH, STORED | FAST);
    // Indexed whole, so the reranker can tell headings and captions.
    b.add_text_field(KIND, STRING | STORED);
    for kind in FacetKind::ALL {
        b.add_facet_field(kind.field(), FacetOptions::default().set_stored());
    }
    b.add_f64_field(FUNDING, STORED);
    b.add_f64_field(
        FUNDING_MAX,
        NumericOptions::default().set_fast().set_indexed(),
    );
    b.add_text_field(DATE, STORED);
    b.add_u64_field(DATE_KEY, FAST);
    b.add_text_field(SOURCE, STORED);
    b.add_text_field(FILE, STORED);
    b.add_text_field(DATE_NOTE, STORED);
    b.add_text_field(BYLINE, STORED);
    b.add_u64_field(CONTENT_HASH, STORED);
    b.add_u64_field(CHARS, FAST);
    b.add_text_field(EXTRACTION, STORED);
    // Indexed whole, for the viewer's filter; stored, so an incremental
    // reindex writes a reused report's restriction again.
    b.add_text_field(ACCESS, STRING | STORED);
    b.build()
}

impl Fields {
    /// Resolve the handles from a schema; fails on an index of another layout.
    pub fn from_schema(schema: &Schema) -> tantivy::Result<Fields> {
        use names::*;
        let f = |name: &str| schema.get_field(name);
        Ok(Fields {
            id: f(ID)?,
            report_id: f(REPORT_ID)?,
            title: f(TITLE)?,
            section: f(SECTION)?,
            text: f(TEXT)?,
            text_chars: analysed_by(schema, f(TEXT_CHARS)?, CHARS_TOKENIZER_NAME)?,
            paragraph: f(PARAGRAPH)?,
            kind: f(KIND)?,
            facets: {
                let mut facets = PerFacet([f(FacetKind::ALL[0].field())?; FacetKind::ALL.len()]);
                for kind in FacetKind::ALL {
                    facets[kind] = f(kind.field())?;
                }
                facets
            },
            funding: f(FUNDING)?,
            funding_max: f(FUNDING_MAX)?,
            date: f(DATE)?,
            date_key: f(DATE_KEY)?,
            source: f(SOURCE)?,
            file: f(FILE)?,
            date_note: f(DATE_NOTE)?,
            byline: f(BYLINE)?,
            content_hash: f(CONTENT_HASH)?,
            context: f(CONTEXT)?,
            chars: f(CHARS)?,
            extraction: f(EXTRACTION).ok(),
            access: f(ACCESS)?,
        })
    }
}

/// `field`, when it is indexed with positions by the analyzer `tokenizer`: an
/// index whose characters were cut by another version of the analyzer is
/// refused rather than searched with terms it does not hold.
fn analysed_by(schema: &Schema, field: Field, tokenizer: &str) -> tantivy::Result<Field> {
    let entry = schema.get_field_entry(field);
    let indexing = match entry.field_type() {
        FieldType::Str(options) => options.get_indexing_options(),
        _ => None,
    };
    match indexing {
        Some(i) if i.tokenizer() == tokenizer && i.index_option().has_positions() => Ok(field),
        _ => Err(tantivy::TantivyError::SchemaError(format!(
            "field {} is not indexed by the analyzer {tokenizer}",
            entry.name()
        ))),
    }
}

/// `2020-07-12` → 20200712, `2020-07` → 20200700, `2020` → 20200000.
pub fn date_key(date: Option<&str>) -> u64 {
    let Some(date) = date else { return 0 };
    let mut parts = date.split('-').map(|p| p.parse::<u64>().unwrap_or(0));
    let year = parts.next().unwrap_or(0);
    let month = parts.next().unwrap_or(0);
    let day = parts.next().unwrap_or(0);
    year * 10_000 + month * 100 + day
}

/// A stored text field's first value.
pub fn stored_text(doc: &TantivyDocument, field: Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// A stored facet field's values as `/`-joined paths (`西藏自治区/拉萨市`).
pub fn stored_facet_paths(doc: &TantivyDocument, field: Field) -> Vec<String> {
    doc.get_all(field)
        .filter_map(|v| v.as_facet())
        .filter_map(|encoded| Facet::from_encoded(encoded.as_bytes().to_vec()).ok())
        .map(|facet| facet.to_path().join("/"))
        .collect()
}
