//! The library's error type. User errors (a bad parameter, an unknown report)
//! are kept apart from internal ones ([`Error::is_user_error`]) so the web
//! layer can answer 4xx or 5xx, and a bad parameter carries a [`Reason`] when
//! clients need to tell it apart: the web layer chooses its error codes from
//! these types, never from message text.

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
        /// What is wrong with it, when that matters to a client.
        reason: Reason,
        /// The values it may take instead, when there are a few to choose
        /// from ([`Reason::Ambiguous`]).
        choices: Vec<String>,
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
    /// The index path is a file, not a folder.
    #[error("the index path {0} is a file, not a folder; pass --index a folder (it is created when missing)")]
    IndexNotAFolder(String),
    /// No index has been built at this root.
    #[error("no index at {0}: run `aidsearch reindex` first")]
    NoIndex(String),
    /// The index was written by a build this one cannot read.
    #[error("the index at {dir} cannot be read by this build of aidsearch ({reason}); run `aidsearch reindex` to rebuild it")]
    Incompatible { dir: String, reason: String },
    /// The corpus could not be read.
    #[error("{0}")]
    Corpus(String),
    /// A generation was asked for that is not there to switch to (a
    /// rollback from the oldest one, `generations --use` of a pruned one).
    #[error("{0}")]
    NoSuchGeneration(String),
    /// A reindex would have left the index empty, or much smaller than the
    /// live generation; nothing was switched (`--allow-shrink` overrides).
    #[error(
        "refusing to switch: the corpus gave {after} paragraphs from {files_read} files read \
         ({skipped} skipped) where {}; \
         pass --allow-shrink to switch anyway",
        match live { Some((generation, before)) => format!("live generation {generation} holds {before}"), None => "there is no live generation".to_string() }
    )]
    Shrink {
        /// Corpus files read successfully.
        files_read: usize,
        /// Corpus files skipped.
        skipped: usize,
        /// The live generation and its paragraph count, if there is one.
        live: Option<(u64, u64)>,
        /// Paragraphs the new generation would hold.
        after: usize,
    },
    /// The access file cannot be read, or a change to it is refused (a
    /// user that exists, a key with no action).
    #[error("{0}")]
    Access(String),
    #[error("index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("index error: {0}")]
    OpenDirectory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

/// What is wrong with a bad parameter, where clients branch on it or the
/// pages explain it (in Chinese, from the parameter and the reason, never
/// from the English message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Reason {
    /// Malformed or out of range.
    #[default]
    Invalid,
    /// The query text (`q`) is longer than the query limit.
    QueryTooLong,
    /// Not valid percent-encoding, or not UTF-8 once decoded.
    Encoding,
    /// No such parameter.
    Unknown,
    /// A name that several values share; `choices` lists them.
    Ambiguous,
}

impl Error {
    /// A bad-parameter error naming the parameter.
    pub fn bad(param: &str, message: impl Into<String>) -> Error {
        Error::bad_as(param, Reason::Invalid, message)
    }

    /// A bad-parameter error naming the parameter and what is wrong with it.
    pub fn bad_as(param: &str, reason: Reason, message: impl Into<String>) -> Error {
        Error::BadParameter {
            param: param.to_string(),
            message: message.into(),
            reason,
            choices: Vec::new(),
        }
    }

    /// A value of `param` that names several things: the client is to send
    /// one of `choices`.
    pub fn ambiguous(param: &str, message: impl Into<String>, choices: Vec<String>) -> Error {
        Error::BadParameter {
            param: param.to_string(),
            message: message.into(),
            reason: Reason::Ambiguous,
            choices,
        }
    }

    /// The query text is longer than `max` characters.
    pub fn query_too_long(max: usize) -> Error {
        Error::bad_as(
            "q",
            Reason::QueryTooLong,
            format!("q is longer than {max} characters"),
        )
    }

    /// Whether the caller, not the engine, is at fault: the web layer
    /// answers these 4xx with their message, everything else 5xx with
    /// "internal error" (the details go to the log).
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
