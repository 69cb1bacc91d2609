//! aidsearch: full-text search for Chinese aid-program reports (援藏, 对口支援,
//! 脱贫攻坚, 乡村振兴).
//!
//! The pieces, from the bottom up; data flows one way, corpus → labels →
//! index → search → web and the binary, and no module names one above it
//! (`tests/layers.rs`):
//! - shared helpers: [`mod@error`], [`normalize`], [`facet`] (the one facet
//!   definition), [`gazetteer`] (places), [`vocabulary`] (the dictionary
//!   and synonym files a generation is built and searched with),
//!   [`tokenizer`] (jieba over that vocabulary);
//! - [`corpus`]: read a folder of reports (any common format and encoding),
//!   clean OCR damage, split articles and paragraphs;
//! - [`labels`]: label each paragraph with region, donor, sector, year and funding;
//! - [`mining`]: variants and co-occurrence vectors mined from the corpus;
//! - [`index`]: build, verify and switch index generations;
//! - [`mod@search`]: the one search function every interface calls, and the
//!   engine state it keeps per generation;
//! - [`access`]: who may read what (users, groups, API keys, sessions), as
//!   the scope search filters by;
//! - [`web`]: the HTTP API and the staff pages, a thin layer over search.

pub mod access;
pub mod corpus;
pub mod error;
pub mod facet;
pub mod gazetteer;
pub mod index;
pub mod labels;
pub mod mining;
pub mod normalize;
pub mod search;
pub mod tokenizer;
pub mod utc;
pub mod vocabulary;
pub mod web;

pub use error::{Error, Result};
pub use search::{search, SearchRequest, SearchResponse};
