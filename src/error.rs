//! The library's error type. User errors (a bad parameter, an unknown report)
//! are kept apart from internal ones so the web layer can answer 4xx or 5xx.

/// Crate-wide result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request parameter is malformed or out of range.
    #[error("{message}")]
    BadParameter {
        /// The parameter's name, as the client sent it.
        param: String,
        message: String,
    },
    /// No report with this id.
    #[error("no report with id {0:?}")]
    NotFound(String),
    /// The search took longer than its time budget.
    #[error("the search took longer than {0} ms and was stopped; narrow the query")]
    Timeout(u64),
    /// Another reindex holds the lock.
    #[error("{0}")]
    Busy(String),
    /// No index has been built at this root.
    #[error("no index at {0}: run `aidsearch reindex` first")]
    NoIndex(String),
    /// The index was written by a build this one cannot read.
    #[error("the index at {dir} cannot be read by this build of aidsearch ({reason}); run `aidsearch reindex` to rebuild it")]
    Incompatible { dir: String, reason: String },
    /// The corpus could not be read.
    #[error("{0}")]
    Corpus(String),
    #[error("index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("index error: {0}")]
    OpenDirectory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// A bad-parameter error naming the parameter.
    pub fn bad(param: &str, message: impl Into<String>) -> Error {
        Error::BadParameter {
            param: param.to_string(),
            message: message.into(),
        }
    }

    /// Whether the caller, not the engine, is at fault.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::BadParameter { .. } | Error::NotFound(_) | Error::Timeout(_)
        )
    }
}

/// The text a panic carried, when it carried text.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}
