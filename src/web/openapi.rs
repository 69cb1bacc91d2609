//! The OpenAPI 3.1 description of the JSON API, kept true by
//! `tests/api.rs`, which validates real responses against it.

/// The specification, served at `/api/openapi.json`.
pub const SPEC: &str = include_str!("openapi.json");
