//! The command line as clap sees it: subcommands, flags, their environment
//! variables and help texts.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use aidsearch::search::{self, Sort};
use aidsearch::web;

/// Full-text search for Chinese aid-program reports (援藏, 对口支援, 脱贫攻坚).
///
/// Reads a folder of reports, labels every paragraph with region, donor,
/// sector, year and funding, and serves a search page and a JSON API.
#[derive(Parser)]
#[command(
    name = "aidsearch",
    version,
    about,
    long_about,
    after_help = "Every flag can also be set by the environment variable named in its help \
(AIDSEARCH_INDEX, AIDSEARCH_CORPUS, AIDSEARCH_ADDR, …); a flag on the command line wins.\n\n\
Exit codes: 0 ok, 1 error (no index, unreadable corpus, I/O), 2 usage (bad flag or value).\n\n\
Examples:\n  aidsearch reindex\n  aidsearch serve --addr 127.0.0.1:3000\n  \
aidsearch search 医疗援藏 --region 西藏自治区/日喀则市 --year 2023\n  aidsearch stats"
)]
pub struct Cli {
    /// When to colour output: auto (a terminal, unless NO_COLOR is set), always or never
    /// (example: --color never).
    #[arg(long, global = true, env = "AIDSEARCH_COLOR", value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream that is (or is not) a terminal.
    pub fn enabled(self, terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}

#[derive(Args, Clone)]
pub struct IndexArg {
    /// Index root holding the generations (example: --index /srv/aidsearch/index).
    #[arg(long, env = "AIDSEARCH_INDEX", default_value = "index")]
    pub index: PathBuf,
}

/// Where the access file is.
#[derive(Args, Clone)]
pub struct AuthArg {
    /// The access file (users, groups, API keys); default auth.toml in the
    /// index folder (example: --auth /srv/aidsearch/auth.toml).
    #[arg(long, env = "AIDSEARCH_AUTH")]
    pub auth: Option<PathBuf>,
}

impl AuthArg {
    /// The access file of the index root `index`.
    pub fn file(&self, index: &std::path::Path) -> PathBuf {
        self.auth
            .clone()
            .unwrap_or_else(|| index.join(aidsearch::access::FILE))
    }
}

#[derive(Args, Clone)]
pub struct CorpusArg {
    /// Folder of report files: .txt .md .html .docx .pdf, any encoding (example: --corpus corpus).
    #[arg(long, env = "AIDSEARCH_CORPUS", default_value = "corpus")]
    pub corpus: PathBuf,
}

/// Where reindex reads the data files.
#[derive(Args, Clone)]
pub struct DataArg {
    /// Folder of the data files read at every reindex and snapshotted into the
    /// new generation: dict.txt (the dictionary) and synonyms.txt. Without it,
    /// data/ when that folder exists, else the copies built into the program
    /// (with a warning) (example: --data /srv/aidsearch/data).
    #[arg(long, env = "AIDSEARCH_DATA")]
    pub data: Option<PathBuf>,
}

impl DataArg {
    /// The data folder to read: the flag's, or `data/` when it exists.
    pub fn folder(&self) -> Option<PathBuf> {
        self.data.clone().or_else(|| {
            PathBuf::from("data")
                .is_dir()
                .then(|| PathBuf::from("data"))
        })
    }
}

#[derive(Args, Clone)]
pub struct JsonArg {
    /// Print JSON instead of text, for scripts (example: --json, or AIDSEARCH_JSON=true).
    #[arg(long, env = "AIDSEARCH_JSON", value_parser = clap::builder::BoolishValueParser::new())]
    pub json: bool,
}

/// The server's connection limits.
#[derive(Args, Clone)]
pub struct ServerArgs {
    /// Seconds a client has to send a request's headers, counted from when the
    /// connection waits for them; a slower client is disconnected (example:
    /// --header-timeout 10).
    #[arg(long, env = "AIDSEARCH_HEADER_TIMEOUT", value_parser = seconds,
          default_value_t = web::server::DEFAULT_HEADER_TIMEOUT.as_secs_f64())]
    pub header_timeout: f64,
    /// Seconds a connection may sit with no request being answered and no bytes
    /// moving (an idle keep-alive connection, a client that stopped reading)
    /// before it is closed (example: --idle-timeout 5).
    #[arg(long, env = "AIDSEARCH_IDLE_TIMEOUT", value_parser = seconds,
          default_value_t = web::server::DEFAULT_IDLE_TIMEOUT.as_secs_f64())]
    pub idle_timeout: f64,
    /// Most connections open at once; 0 picks three quarters of the
    /// file-descriptor soft limit. Further clients wait to be accepted
    /// (example: --max-connections 2000).
    #[arg(long, env = "AIDSEARCH_MAX_CONNECTIONS", default_value_t = 0)]
    pub max_connections: usize,
    /// Seconds in-flight requests get to finish after SIGTERM or Ctrl-C; then
    /// the server exits anyway (example: --shutdown-timeout 10).
    #[arg(long, env = "AIDSEARCH_SHUTDOWN_TIMEOUT", value_parser = seconds,
          default_value_t = web::server::DEFAULT_SHUTDOWN_TIMEOUT.as_secs_f64())]
    pub shutdown_timeout: f64,
    /// Seconds the server keeps accepting after SIGTERM while `/readyz`
    /// answers 503, so a load balancer takes it out first; 0 stops accepting
    /// at once (example: --drain-grace 4).
    #[arg(long, env = "AIDSEARCH_DRAIN_GRACE", value_parser = seconds_or_zero,
          default_value_t = web::server::DEFAULT_DRAIN_GRACE.as_secs_f64())]
    pub drain_grace: f64,
}

/// An amount as staff write it: `250000`, `500万`, `1亿`, `3.8亿元`.
fn amount(value: &str) -> Result<f64, String> {
    aidsearch::labels::funding::parse_amount(value)
        .ok_or_else(|| format!("{value:?} is not an amount (examples: 250000, 500万, 1亿)"))
}

/// [`seconds`], or zero.
fn seconds_or_zero(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(0.0) => Ok(0.0),
        _ => seconds(value),
    }
}

/// A positive number of seconds, at most a day.
fn seconds(value: &str) -> Result<f64, String> {
    let n: f64 = value
        .parse()
        .map_err(|_| format!("{value:?} is not a number of seconds"))?;
    if n.is_finite() && n > 0.0 && n <= 86_400.0 {
        Ok(n)
    } else {
        Err(format!("{value} is not between 0 and 86400 seconds"))
    }
}

impl ServerArgs {
    /// The limits these flags set.
    pub fn limits(&self) -> web::server::ServerLimits {
        let defaults = web::server::ServerLimits::default();
        web::server::ServerLimits {
            header_timeout: std::time::Duration::from_secs_f64(self.header_timeout),
            idle_timeout: std::time::Duration::from_secs_f64(self.idle_timeout),
            max_connections: if self.max_connections == 0 {
                defaults.max_connections
            } else {
                self.max_connections
            },
            shutdown_timeout: std::time::Duration::from_secs_f64(self.shutdown_timeout),
            drain_grace: std::time::Duration::from_secs_f64(self.drain_grace),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SortArg {
    Relevance,
    Date,
    Funding,
}

impl From<SortArg> for Sort {
    fn from(s: SortArg) -> Sort {
        match s {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Date => Sort::Date,
            SortArg::Funding => Sort::Funding,
        }
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Rebuild the index from the corpus folder; a running server switches to it.
    ///
    /// Builds a new generation beside the live one, verifies it and switches
    /// to it atomically; a failed build leaves the live index serving. Shows a
    /// progress bar on a terminal, plain log lines otherwise, and a summary.
    ///
    /// Example: aidsearch reindex --corpus corpus --index index
    Reindex {
        #[command(flatten)]
        corpus: CorpusArg,
        #[command(flatten)]
        index: IndexArg,
        #[command(flatten)]
        json: JsonArg,
        /// Re-read only files whose content (or sidecar) changed since the live
        /// generation; deleted files disappear. Same result as a full reindex
        /// (example: --incremental).
        #[arg(long)]
        incremental: bool,
        /// Switch to the new generation even when it is empty or holds less
        /// than half the live generation's paragraphs; without it such a
        /// reindex fails and the live index keeps serving (example: --allow-shrink).
        #[arg(long, env = "AIDSEARCH_ALLOW_SHRINK", value_parser = clap::builder::BoolishValueParser::new())]
        allow_shrink: bool,
        #[command(flatten)]
        data: DataArg,
        /// Do not mine the corpus's vocabulary (variants and related words for
        /// words that find nothing, and `synonyms suggest`) (example: --no-mining).
        #[arg(long, env = "AIDSEARCH_NO_MINING", value_parser = clap::builder::BoolishValueParser::new())]
        no_mining: bool,
    },
    /// Serve the search page and JSON API; builds the index first if there is none.
    ///
    /// Picks up a new index generation within a second of a reindex. Ctrl-C or
    /// SIGTERM stop it after in-flight requests finish.
    ///
    /// Example: aidsearch serve --addr 127.0.0.1:3000
    Serve {
        #[command(flatten)]
        index: IndexArg,
        #[command(flatten)]
        corpus: CorpusArg,
        /// Address to listen on; loopback unless you say otherwise (example: --addr 0.0.0.0:8080).
        #[arg(long, env = "AIDSEARCH_ADDR", default_value = "127.0.0.1:3000")]
        addr: SocketAddr,
        /// Search responses each index generation remembers, so a repeated
        /// search (paging back, the page re-asking for a facet level) is not
        /// run again; 0 turns this off. A reindex starts with none.
        #[arg(long, env = "AIDSEARCH_CACHE_ENTRIES", default_value_t = search::cache::DEFAULT_CAPACITY)]
        cache_entries: usize,
        #[command(flatten)]
        limits: ServerArgs,
        /// An origin whose pages may call the API from the browser (CORS),
        /// repeatable; `*` for any. Off unless given
        /// (example: --cors-origin https://dashboard.example.org).
        #[arg(
            long = "cors-origin",
            env = "AIDSEARCH_CORS_ORIGINS",
            value_delimiter = ','
        )]
        cors_origins: Vec<String>,
        #[command(flatten)]
        data: DataArg,
        /// File recording queries that found nothing (time and query text only,
        /// rotated at a fixed size), for `aidsearch synonyms suggest`; default
        /// zero-hits.log in the index folder (example: --zero-hit-log /var/log/aidsearch/zero.log).
        #[arg(long, env = "AIDSEARCH_ZERO_HIT_LOG")]
        zero_hit_log: Option<PathBuf>,
        #[command(flatten)]
        auth: AuthArg,
        /// Serve on a non-loopback address without an access file: anyone
        /// who reaches the port reads every open report (logged as a warning
        /// at start) (example: --no-auth).
        #[arg(long, env = "AIDSEARCH_NO_AUTH", value_parser = clap::builder::BoolishValueParser::new())]
        no_auth: bool,
    },
    /// Search from the terminal: coloured results, or the API's JSON with --json.
    ///
    /// Example: aidsearch search 医疗援藏 --region 西藏自治区/日喀则市 --year 2023
    Search {
        /// The query, in the query language of the search page; "" lists everything
        /// (example: "援藏 -教育", "\"组团式医疗\"").
        query: String,
        #[command(flatten)]
        index: IndexArg,
        /// Region filter, repeatable; a parent matches its descendants
        /// (example: --region 西藏自治区/日喀则市).
        #[arg(long, env = "AIDSEARCH_REGION", value_delimiter = ',')]
        region: Vec<String>,
        /// Donor filter, repeatable (example: --donor 山东省).
        #[arg(long, env = "AIDSEARCH_DONOR", value_delimiter = ',')]
        donor: Vec<String>,
        /// Sector filter, repeatable (example: --sector 医疗卫生).
        #[arg(long, env = "AIDSEARCH_SECTOR", value_delimiter = ',')]
        sector: Vec<String>,
        /// Year filter, repeatable (example: --year 2023).
        #[arg(long, env = "AIDSEARCH_YEAR", value_delimiter = ',')]
        year: Vec<String>,
        /// Programme filter, repeatable (example: --programme 援疆).
        #[arg(long, env = "AIDSEARCH_PROGRAMME", value_delimiter = ',')]
        programme: Vec<String>,
        /// Publication-year filter, repeatable (example: --report-year 2020).
        #[arg(long, env = "AIDSEARCH_REPORT_YEAR", value_delimiter = ',')]
        report_year: Vec<String>,
        /// Only paragraphs of this report (example: --report 2020-zibo-aid-team-ngamring).
        #[arg(long, env = "AIDSEARCH_REPORT")]
        report: Option<String>,
        /// Only paragraphs naming at least this amount: yuan, 万 or 亿 (example: --min-funding 1亿).
        #[arg(long, env = "AIDSEARCH_MIN_FUNDING", value_parser = amount)]
        min_funding: Option<f64>,
        /// Only paragraphs naming at most this amount: yuan, 万 or 亿 (example: --max-funding 500万).
        #[arg(long, env = "AIDSEARCH_MAX_FUNDING", value_parser = amount)]
        max_funding: Option<f64>,
        /// Only paragraphs about this year or later (example: --year-from 2015).
        #[arg(long, env = "AIDSEARCH_YEAR_FROM")]
        year_from: Option<i32>,
        /// Only paragraphs about this year or earlier (example: --year-to 2020).
        #[arg(long, env = "AIDSEARCH_YEAR_TO")]
        year_to: Option<i32>,
        /// Order of results (example: --sort funding).
        #[arg(long, env = "AIDSEARCH_SORT", value_enum, default_value_t = SortArg::Relevance)]
        sort: SortArg,
        /// Results per page, 1–100 (example: --per-page 20).
        #[arg(long, env = "AIDSEARCH_PER_PAGE", default_value_t = 10,
              value_parser = clap::value_parser!(u16).range(1..=100))]
        per_page: u16,
        /// Page number, from 1 (example: --page 2).
        #[arg(long, env = "AIDSEARCH_PAGE", default_value_t = 1,
              value_parser = clap::value_parser!(u32).range(1..))]
        page: u32,
        /// Most paragraphs of one report on the first page; 0 for no cap (example: --per-report 0).
        #[arg(long, env = "AIDSEARCH_PER_REPORT")]
        per_report: Option<usize>,
        /// List reports, each once with its number of matching paragraphs and
        /// its best one, instead of paragraphs; pages count reports.
        #[arg(long, env = "AIDSEARCH_REPORTS")]
        reports: bool,
        #[command(flatten)]
        json: JsonArg,
        /// Search as this user of the access file: only the reports their
        /// groups may read (example: --user zhang).
        #[arg(long, env = "AIDSEARCH_USER", conflicts_with = "key")]
        user: Option<String>,
        /// Search as this API key: only the reports its groups may read
        /// (example: --key aidk_…, or AIDSEARCH_KEY).
        #[arg(long, env = "AIDSEARCH_KEY", hide_env_values = true)]
        key: Option<String>,
        #[command(flatten)]
        auth: AuthArg,
    },
    /// Staff accounts of the access file: add, list, revoke.
    ///
    /// Example: aidsearch user add zhang --group 扶贫办
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// API keys of the access file for integrators: create, list, revoke.
    ///
    /// Example: aidsearch key create dashboard --group 扶贫办 --expires 90d
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Show the index: generation, size, document counts and top facet values.
    ///
    /// Example: aidsearch stats --json
    Stats {
        #[command(flatten)]
        index: IndexArg,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Copy the live index generation to a replica's index folder with rsync,
    /// verify every byte, then point the replica at it.
    ///
    /// The replica's server switches within a second and prunes its old
    /// generations. Ship after each reindex or rollback, one replica at a time.
    ///
    /// Example: aidsearch ship --index index --to replica1:/srv/aidsearch/index
    Ship {
        #[command(flatten)]
        index: IndexArg,
        /// The replica's index folder: a local path or rsync's host:path
        /// (example: --to replica1:/srv/aidsearch/index).
        #[arg(long)]
        to: String,
    },
    /// List the index generations kept on disk, or switch to one of them.
    ///
    /// After a rollback the newer generation stays until the next reindex;
    /// `--use` switches to it again.
    ///
    /// Example: aidsearch generations --use 3
    Generations {
        #[command(flatten)]
        index: IndexArg,
        /// Make this kept generation the live one (example: --use 3).
        #[arg(long = "use", value_name = "N")]
        use_generation: Option<u64>,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Switch back to the previous index generation (undo a bad reindex).
    ///
    /// Example: aidsearch rollback --index index
    Rollback {
        #[command(flatten)]
        index: IndexArg,
    },
    /// Help staff extend the synonym list.
    ///
    /// Example: aidsearch synonyms suggest --index index --data data
    Synonyms {
        #[command(subcommand)]
        action: SynonymsAction,
    },
    /// Show each paragraph's facet labels and the words behind them.
    ///
    /// Example: aidsearch facets --explain 2024-shandong-aid-to-tibet-30-years
    Facets {
        /// Report id to explain: the file's path in the corpus without extension, folders
        /// joined by -, plus -N for multi-article pages (`aidsearch search --json` shows ids)
        /// (example: --explain 2020-zibo-aid-team-ngamring).
        #[arg(long, env = "AIDSEARCH_EXPLAIN")]
        explain: String,
        #[command(flatten)]
        corpus: CorpusArg,
    },
}

#[derive(Subcommand)]
pub enum UserAction {
    /// Add a user; the password is asked at the terminal (twice), or read
    /// from standard input with --password-stdin.
    ///
    /// Example: aidsearch user add zhang --group 扶贫办 --group 领导
    Add {
        /// The name to sign in with (example: zhang).
        name: String,
        /// A group the user belongs to, repeatable: reports whose sidecar's
        /// `access` names it are theirs to read (example: --group 扶贫办).
        #[arg(long = "group")]
        groups: Vec<String>,
        /// Read the password from the first line of standard input, for
        /// scripts and tests (example: --password-stdin).
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        index: IndexArg,
        #[command(flatten)]
        auth: AuthArg,
    },
    /// List the users and their groups.
    List {
        #[command(flatten)]
        index: IndexArg,
        #[command(flatten)]
        auth: AuthArg,
    },
    /// Remove a user; their sessions end at once on every server.
    Revoke {
        name: String,
        #[command(flatten)]
        index: IndexArg,
        #[command(flatten)]
        auth: AuthArg,
    },
}

#[derive(Subcommand)]
pub enum KeyAction {
    /// Create an API key and print it once; only its hash is kept.
    ///
    /// Example: aidsearch key create dashboard --group 扶贫办 --expires 90d --action search,facets
    Create {
        /// A name for the key, for listing and revoking (example: dashboard).
        name: String,
        /// A group the key acts for, repeatable (example: --group 扶贫办).
        #[arg(long = "group")]
        groups: Vec<String>,
        /// How long the key lasts: minutes, hours, days or years (example: --expires 90d).
        #[arg(long, default_value = "90d")]
        expires: String,
        /// What the key may do, comma-separated: search, report, export,
        /// facets (default: all but export) (example: --action search,export).
        #[arg(long = "action", value_delimiter = ',', default_values_t = ["search".to_string(), "report".to_string(), "facets".to_string()])]
        actions: Vec<String>,
        #[command(flatten)]
        index: IndexArg,
        #[command(flatten)]
        auth: AuthArg,
    },
    /// List the keys (never the keys themselves): name, groups, actions, expiry.
    List {
        #[command(flatten)]
        index: IndexArg,
        #[command(flatten)]
        auth: AuthArg,
    },
    /// Revoke the key of this name; servers refuse it at once.
    Revoke {
        name: String,
        #[command(flatten)]
        index: IndexArg,
        #[command(flatten)]
        auth: AuthArg,
    },
}

#[derive(Subcommand)]
pub enum SynonymsAction {
    /// Print candidate lines for synonyms.txt, mined from the live generation's
    /// corpus and from the queries that found nothing, skipping pairs already in
    /// synonyms.txt or synonyms-rejected.txt. Paste the good ones into
    /// synonyms.txt (`a ~ b` related, `a b` synonyms) and the bad ones into
    /// synonyms-rejected.txt, then reindex.
    ///
    /// Example: aidsearch synonyms suggest --limit 50
    Suggest {
        #[command(flatten)]
        index: IndexArg,
        #[command(flatten)]
        data: DataArg,
        /// The zero-hit log to read; default zero-hits.log in the index folder
        /// (example: --zero-hit-log /var/log/aidsearch/zero.log).
        #[arg(long, env = "AIDSEARCH_ZERO_HIT_LOG")]
        zero_hit_log: Option<PathBuf>,
        /// Most lines to print (example: --limit 100).
        #[arg(long, env = "AIDSEARCH_LIMIT", default_value_t = 60)]
        limit: usize,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;
    use aidsearch::facet::FacetKind;

    #[test]
    fn the_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    /// A new facet cannot be forgotten on the command line.
    #[test]
    fn search_has_a_flag_for_every_facet() {
        let cli = Cli::command();
        let search = cli.find_subcommand("search").expect("a search subcommand");
        for kind in FacetKind::ALL {
            assert!(
                search
                    .get_arguments()
                    .any(|arg| arg.get_long() == Some(&*kind.param().replace('_', "-"))),
                "aidsearch search has no --{}",
                kind.param().replace('_', "-")
            );
        }
    }
}
