//! The paragraphs of an index as stored, for tests that look for text by
//! scanning rather than searching. Shared by `common` and, by path, the
//! fitting harness (through `fragments`).

use aidsearch::index::schema::stored_text;
use aidsearch::search::Engine;

/// One paragraph as indexed: its id (`report#number`), stored text and
/// section heading.
#[derive(Debug, Clone)]
pub struct StoredParagraph {
    pub id: String,
    pub text: String,
    pub section: Option<String>,
}

/// Every paragraph of an engine's generation, read from the stored fields,
/// in id order (documents are in no fixed order across builds).
pub fn stored_paragraphs(engine: &Engine) -> Vec<StoredParagraph> {
    let searcher = engine.searcher();
    let mut out = Vec::new();
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        for doc in segment.doc_ids_alive() {
            let address = tantivy::DocAddress::new(ord as u32, doc);
            let doc: tantivy::TantivyDocument = searcher.doc(address).expect("stored document");
            out.push(StoredParagraph {
                id: stored_text(&doc, engine.fields.id).unwrap_or_default(),
                text: stored_text(&doc, engine.fields.text).unwrap_or_default(),
                section: stored_text(&doc, engine.fields.section),
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}
