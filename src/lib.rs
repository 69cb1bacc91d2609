//! aidsearch: full-text search for Chinese aid-program reports (援藏, 对口支援,
//! 脱贫攻坚, 乡村振兴).
//!
//! The pieces, in the order data flows through them:
//! - [`corpus`]: read a folder of reports (any common format and encoding),
//!   clean OCR damage, split articles and paragraphs;
//! - [`facets`]: label each paragraph with region, donor, sector, year and funding;
//! - [`tokenizer`]: the jieba analyzer with the domain dictionary, over
//!   [`normalize`]d text;
//! - [`index`]: build, verify and switch index generations;
//! - [`search`]: the one search function every interface calls;
//! - [`web`]: the HTTP API and the staff pages, a thin layer over [`search`].

pub mod corpus;
pub mod error;
pub mod facet;
pub mod gazetteer;
pub mod index;
pub mod labels;
pub mod normalize;
pub mod search;
pub mod tokenizer;
pub mod web;

pub use error::{Error, Result};
pub use search::{search, SearchRequest, SearchResponse};
