//! Who may read what: the access file (users with Argon2id password hashes,
//! their groups, API keys stored as hashes, the session secret), what the
//! `user` and `key` commands change in it, and how a signed-in user or a
//! key becomes the [`Scope`] search filters by. The web layer checks
//! requests against it; search knows only the scope.
//!
//! The file is TOML (`auth.toml` in the index folder unless told
//! otherwise), written whole to a temporary file and renamed over the old
//! one, readable by its owner only. A server re-reads it when its
//! modification time or size changes, so a new user or a revoked key
//! needs no restart; a file that no longer parses leaves the last good one
//! in force (and is logged).

pub mod secret;
pub mod throttle;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::corpus::meta::group_name_problem;
use crate::error::{Error, Result};
use crate::search::Scope;
pub use secret::PasswordCost;

/// Default name of the access file, in the index folder.
pub const FILE: &str = "auth.toml";
/// How long a sign-in lasts unless the file says otherwise.
pub const DEFAULT_SESSION_HOURS: u64 = 12;

/// What a key may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// `/api/search`, `/api/suggest`, the search page.
    Search,
    /// `/api/reports/{id}`, the report page.
    Report,
    /// `/export.csv`, `/export.json`.
    Export,
    /// `/api/facets`.
    Facets,
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::Search,
        Action::Report,
        Action::Export,
        Action::Facets,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::Search => "search",
            Action::Report => "report",
            Action::Export => "export",
            Action::Facets => "facets",
        }
    }

    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// A staff member who signs in on the login page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub name: String,
    /// Argon2id, as a PHC string.
    pub password: String,
    #[serde(default)]
    pub groups: Vec<String>,
    /// Unix seconds.
    #[serde(default)]
    pub created: u64,
}

/// An integrator's key. Only its SHA-256 is kept: the key itself is shown
/// once, when created.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    pub name: String,
    /// The public part of the key, to find it here.
    pub id: String,
    /// SHA-256 of the whole key, hex.
    pub hash: String,
    #[serde(default)]
    pub groups: Vec<String>,
    pub actions: Vec<Action>,
    /// Unix seconds after which the key is refused.
    pub expires: u64,
    #[serde(default)]
    pub created: u64,
    #[serde(default)]
    pub revoked: bool,
}

impl ApiKey {
    /// Whether the key may be used now.
    pub fn live(&self, now: u64) -> bool {
        !self.revoked && now < self.expires
    }
}

/// The access file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AccessConfig {
    /// Signs session cookies; every replica of one site holds the same.
    pub session_secret: String,
    /// Hours a sign-in lasts (default 12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_hours: Option<u64>,
    /// Addresses of the proxies (HAProxy) whose `X-Forwarded-For` and
    /// `X-Forwarded-Proto` are believed: IPs or CIDR ranges.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// Mark the session cookie `Secure` on every response, not only when a
    /// trusted proxy says the request came over TLS.
    #[serde(default)]
    pub secure_cookies: bool,
    /// The audit log; default `audit.log` in the index folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_log: Option<PathBuf>,
    /// Cost of new password hashes. Lower it only for tests: a hash keeps
    /// the cost it was made with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_cost: Option<PasswordCost>,
    /// The groups, as sidecars' `access` name them.
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default, rename = "user")]
    pub users: Vec<User>,
    #[serde(default, rename = "key")]
    pub keys: Vec<ApiKey>,
}

/// Unix seconds now.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Who made a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// A signed-in staff member: every action.
    User { name: String, groups: Vec<String> },
    /// An integrator's key: its actions only.
    Key {
        name: String,
        groups: Vec<String>,
        actions: Vec<Action>,
    },
    /// Nobody: a server without an access file. Open reports only.
    Anonymous,
}

impl Principal {
    /// The reports this principal may read.
    pub fn scope(&self) -> Scope {
        match self {
            Principal::User { groups, .. } | Principal::Key { groups, .. } => {
                Scope::groups(groups.iter().cloned())
            }
            Principal::Anonymous => Scope::open_only(),
        }
    }

    /// Whether this principal may do `action`.
    pub fn may(&self, action: Action) -> bool {
        match self {
            Principal::Key { actions, .. } => actions.contains(&action),
            _ => true,
        }
    }

    /// Who, for the audit log.
    pub fn who(&self) -> String {
        match self {
            Principal::User { name, .. } => format!("user:{name}"),
            Principal::Key { name, .. } => format!("key:{name}"),
            Principal::Anonymous => "anonymous".to_string(),
        }
    }
}

/// Why a presented key is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRefusal {
    Unknown,
    Expired,
    Revoked,
}

impl AccessConfig {
    /// A new file: a fresh session secret, nothing else.
    pub fn new() -> Result<AccessConfig> {
        Ok(AccessConfig {
            session_secret: secret::new_session_secret()?,
            ..AccessConfig::default()
        })
    }

    /// Parse and check a file's text.
    pub fn parse(text: &str) -> std::result::Result<AccessConfig, String> {
        let config: AccessConfig = toml::from_str(text).map_err(|e| e.message().to_string())?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> std::result::Result<(), String> {
        if self.session_secret.len() < 32 {
            return Err("session_secret must be at least 32 characters".to_string());
        }
        let groups = self
            .groups
            .iter()
            .chain(self.users.iter().flat_map(|u| &u.groups))
            .chain(self.keys.iter().flat_map(|k| &k.groups));
        for group in groups {
            if let Some(problem) = group_name_problem(group) {
                return Err(problem);
            }
        }
        for proxy in &self.trusted_proxies {
            throttle::IpRange::parse(proxy)
                .ok_or_else(|| format!("trusted_proxies: {proxy:?} is no IP address or range"))?;
        }
        Ok(())
    }

    /// The principal a presented key belongs to.
    pub fn key_principal(&self, presented: &str) -> std::result::Result<Principal, KeyRefusal> {
        let (id, hash) = secret::split_api_key(presented).ok_or(KeyRefusal::Unknown)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id && secret::same(&k.hash, &hash))
            .ok_or(KeyRefusal::Unknown)?;
        if key.revoked {
            return Err(KeyRefusal::Revoked);
        }
        if !key.live(now()) {
            return Err(KeyRefusal::Expired);
        }
        Ok(Principal::Key {
            name: key.name.clone(),
            groups: key.groups.clone(),
            actions: key.actions.clone(),
        })
    }

    /// The user a session cookie holds, while it is unexpired, signed with
    /// this file's secret, and the user's password is what it was.
    pub fn session_principal(&self, cookie: &str) -> Option<Principal> {
        let session = secret::open_session(&self.session_secret, cookie)?;
        if session.expires <= now() {
            return None;
        }
        let user = self.users.iter().find(|u| u.name == session.name)?;
        secret::same(&secret::fingerprint(&user.password), &session.fingerprint).then(|| {
            Principal::User {
                name: user.name.clone(),
                groups: user.groups.clone(),
            }
        })
    }

    /// The user whose name and password these are (an Argon2id check:
    /// run it off the async threads).
    pub fn sign_in(&self, name: &str, password: &str) -> Option<&User> {
        let user = self.users.iter().find(|u| u.name == name);
        secret::verify_password(password, user.map(|u| u.password.as_str()))
            .then_some(user)
            .flatten()
    }

    /// A session cookie value for `user`, valid for the session length.
    pub fn session_for(&self, user: &User) -> String {
        let hours = self.session_hours.unwrap_or(DEFAULT_SESSION_HOURS);
        secret::sign_session(
            &self.session_secret,
            &user.name,
            now() + hours * 3600,
            &user.password,
        )
    }

    /// Add a user; fails when the name is taken.
    pub fn add_user(&mut self, name: &str, password: &str, groups: &[String]) -> Result<()> {
        check_name(name)?;
        if self.users.iter().any(|u| u.name == name) {
            return Err(Error::Access(format!(
                "user {name} exists; `aidsearch user revoke {name}` first to replace it"
            )));
        }
        if password.chars().count() < 8 {
            return Err(Error::Access(
                "the password must have at least 8 characters".to_string(),
            ));
        }
        self.add_groups(groups)?;
        let hash = secret::hash_password(password, self.password_cost.unwrap_or_default())?;
        self.users.push(User {
            name: name.to_string(),
            password: hash,
            groups: groups.to_vec(),
            created: now(),
        });
        Ok(())
    }

    /// Create a key; returns the key itself, which is kept nowhere.
    pub fn create_key(
        &mut self,
        name: &str,
        groups: &[String],
        actions: &[Action],
        valid_seconds: u64,
    ) -> Result<String> {
        check_name(name)?;
        if self.keys.iter().any(|k| k.name == name && !k.revoked) {
            return Err(Error::Access(format!(
                "a key named {name} exists; revoke it first or choose another name"
            )));
        }
        if actions.is_empty() {
            return Err(Error::Access("a key needs at least one action".to_string()));
        }
        self.add_groups(groups)?;
        let (id, key) = secret::new_api_key()?;
        let created = now();
        self.keys.push(ApiKey {
            name: name.to_string(),
            id,
            hash: secret::sha256_hex(&key),
            groups: groups.to_vec(),
            actions: actions.to_vec(),
            expires: created + valid_seconds,
            created,
            revoked: false,
        });
        Ok(key)
    }

    /// Remove a user (their sessions end with them).
    pub fn revoke_user(&mut self, name: &str) -> Result<()> {
        let before = self.users.len();
        self.users.retain(|u| u.name != name);
        if self.users.len() == before {
            return Err(Error::Access(format!("no user named {name}")));
        }
        Ok(())
    }

    /// Revoke every live key of this name.
    pub fn revoke_key(&mut self, name: &str) -> Result<()> {
        let mut found = false;
        for key in self
            .keys
            .iter_mut()
            .filter(|k| k.name == name && !k.revoked)
        {
            key.revoked = true;
            found = true;
        }
        if found {
            Ok(())
        } else {
            Err(Error::Access(format!("no live key named {name}")))
        }
    }

    fn add_groups(&mut self, groups: &[String]) -> Result<()> {
        for group in groups {
            if let Some(problem) = group_name_problem(group) {
                return Err(Error::Access(problem));
            }
            if !self.groups.contains(group) {
                self.groups.push(group.clone());
            }
        }
        Ok(())
    }
}

/// A user or key name: printable, no spaces, at most 64 characters.
fn check_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.chars().count() > 64
        || name.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(Error::Access(format!(
            "name {:?} must be 1 to 64 characters without spaces",
            name.escape_debug().to_string()
        )));
    }
    Ok(())
}

/// Read an access file.
pub fn read(path: &Path) -> Result<AccessConfig> {
    let text = fs::read_to_string(path)
        .map_err(|e| Error::Access(format!("cannot read access file {}: {e}", path.display())))?;
    AccessConfig::parse(&text)
        .map_err(|e| Error::Access(format!("access file {}: {e}", path.display())))
}

/// Read an access file, or start a new one when there is none.
pub fn read_or_new(path: &Path) -> Result<AccessConfig> {
    if path.exists() {
        read(path)
    } else {
        AccessConfig::new()
    }
}

/// Write an access file atomically (a temporary file renamed over it),
/// readable and writable by its owner only.
pub fn write(path: &Path, config: &AccessConfig) -> Result<()> {
    let text = toml::to_string_pretty(config)
        .map_err(|e| Error::Internal(format!("writing the access file: {e}")))?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    use std::io::Write;
    temp.write_all(b"# aidsearch access file: users, groups, API keys (hashes only).\n")?;
    temp.write_all(
        b"# Change it with `aidsearch user` and `aidsearch key`; see README.md, \"Access\".\n",
    )?;
    temp.write_all(text.as_bytes())?;
    temp.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(temp.path(), fs::Permissions::from_mode(0o600))?;
    }
    temp.persist(path).map_err(|e| Error::Io(e.error))?;
    Ok(())
}

/// The access file as a server holds it: re-read when it changes on disk.
pub struct AccessFile {
    path: PathBuf,
    current: RwLock<(Arc<AccessConfig>, Stamp)>,
}

/// A file's modification time and size, when it can be read.
type Stamp = Option<(SystemTime, u64)>;

fn stamp(path: &Path) -> Stamp {
    fs::metadata(path)
        .ok()
        .and_then(|m| Some((m.modified().ok()?, m.len())))
}

impl AccessFile {
    /// Open an access file; it must exist and parse.
    pub fn open(path: &Path) -> Result<AccessFile> {
        let seen = stamp(path);
        let config = read(path)?;
        Ok(AccessFile {
            path: path.to_path_buf(),
            current: RwLock::new((Arc::new(config), seen)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file as it is now: read again when its time or size changed
    /// (one `stat` per call). A file that is gone or does not parse leaves
    /// the last good one in force.
    pub fn current(&self) -> Arc<AccessConfig> {
        let seen = stamp(&self.path);
        {
            let current = self.current.read().unwrap_or_else(|e| e.into_inner());
            if current.1 == seen || seen.is_none() {
                return current.0.clone();
            }
        }
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        if current.1 != seen {
            current.1 = seen;
            match read(&self.path) {
                Ok(config) => {
                    tracing::info!(target: "aidsearch", path = %self.path.display(), "access file re-read");
                    current.0 = Arc::new(config);
                }
                Err(e) => tracing::warn!(
                    target: "aidsearch",
                    error = %e,
                    "access file changed but does not read; the last good one stays in force"
                ),
            }
        }
        current.0.clone()
    }
}

/// A duration such as `90d`, `12h`, `30m` or `1y` in seconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let number: u64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    let seconds = match unit {
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'y' => 365 * 86_400,
        _ => return None,
    };
    (number > 0).then(|| number.checked_mul(seconds)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> AccessConfig {
        AccessConfig {
            password_cost: Some(PasswordCost {
                memory_kib: 64,
                iterations: 1,
            }),
            ..AccessConfig::new().unwrap()
        }
    }

    #[test]
    fn users_sign_in_and_sessions_follow_the_file() {
        let mut config = cheap();
        config
            .add_user("zhang", "雪域高原书写青春", &["扶贫办".to_string()])
            .unwrap();
        assert!(config.add_user("zhang", "another password", &[]).is_err());
        assert!(config.add_user("li", "short", &[]).is_err());
        assert!(config.sign_in("zhang", "wrong password").is_none());
        assert!(config.sign_in("nobody", "雪域高原书写青春").is_none());
        let user = config.sign_in("zhang", "雪域高原书写青春").unwrap().clone();
        let cookie = config.session_for(&user);
        let principal = config.session_principal(&cookie).unwrap();
        assert_eq!(principal.scope(), Scope::groups(["扶贫办"]));
        // Read back from its text, the file holds the same.
        let text = toml::to_string_pretty(&config).unwrap();
        assert_eq!(AccessConfig::parse(&text).unwrap(), config);
        config.revoke_user("zhang").unwrap();
        assert!(config.session_principal(&cookie).is_none());
    }

    #[test]
    fn keys_by_state() {
        let mut config = cheap();
        let key = config
            .create_key("dash", &["领导".to_string()], &[Action::Search], 3600)
            .unwrap();
        let principal = config.key_principal(&key).unwrap();
        assert!(principal.may(Action::Search) && !principal.may(Action::Export));
        assert_eq!(
            config.key_principal("aidk_000000000000_x"),
            Err(KeyRefusal::Unknown)
        );
        config.keys[0].expires = now() - 1;
        assert_eq!(config.key_principal(&key), Err(KeyRefusal::Expired));
        config.revoke_key("dash").unwrap();
        assert_eq!(config.key_principal(&key), Err(KeyRefusal::Revoked));
        assert!(!config.keys[0].hash.contains(&key));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d"), Some(90 * 86_400));
        assert_eq!(parse_duration("12h"), Some(43_200));
        assert_eq!(parse_duration("0d"), None);
        assert_eq!(parse_duration("90"), None);
        assert_eq!(parse_duration("天"), None);
    }

    #[test]
    fn the_file_is_written_whole_and_reread_on_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let mut config = cheap();
        write(&path, &config).unwrap();
        let file = AccessFile::open(&path).unwrap();
        assert!(file.current().keys.is_empty());
        config.create_key("k", &[], &[Action::Search], 60).unwrap();
        write(&path, &config).unwrap();
        assert_eq!(file.current().keys.len(), 1);
        fs::write(&path, "not = [toml").unwrap();
        assert_eq!(file.current().keys.len(), 1, "the last good file stays");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            write(&path, &config).unwrap();
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
