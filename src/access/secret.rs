//! The cryptography of the access file, in one place: Argon2id password
//! hashes, API keys (random, stored as SHA-256, compared in constant time)
//! and signed session cookies (HMAC-SHA256 with the file's secret, so any
//! replica holding the file verifies them).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Internal(format!("no random bytes from the system: {e}")))?;
    Ok(bytes)
}

/// A new session secret, as the access file keeps it.
pub fn new_session_secret() -> Result<String> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// Argon2id cost: memory in KiB and passes. The default is the argon2
/// crate's (OWASP's recommendation: 19 MiB, 2 passes, one lane).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordCost {
    pub memory_kib: u32,
    pub iterations: u32,
}

impl Default for PasswordCost {
    fn default() -> Self {
        PasswordCost {
            memory_kib: Params::DEFAULT_M_COST,
            iterations: Params::DEFAULT_T_COST,
        }
    }
}

fn argon2(cost: PasswordCost) -> Result<Argon2<'static>> {
    let params = Params::new(cost.memory_kib, cost.iterations, 1, None)
        .map_err(|e| Error::Internal(format!("password cost: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The Argon2id hash of a password (a PHC string with its own salt and
/// cost, so a hash made at any cost verifies).
pub fn hash_password(password: &str, cost: PasswordCost) -> Result<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| Error::Internal(format!("salt: {e}")))?;
    Ok(argon2(cost)?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| Error::Internal(format!("hashing the password: {e}")))?
        .to_string())
}

/// Whether `password` matches `hash`. Without a hash (no such user) a
/// password is checked against a fixed one anyway, so a wrong name takes
/// as long as a wrong password.
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY
        .get_or_init(|| hash_password("no such user", PasswordCost::default()).unwrap_or_default());
    let (hash, real) = match hash {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    // The cost comes from the hash itself.
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    ok && real
}

/// Prefix of every API key, so a leaked one is recognisable in logs and
/// by secret scanners.
pub const KEY_PREFIX: &str = "aidk";

/// A new API key: its public id (to find it in the file) and the whole key
/// the integrator sends (`aidk_<id>_<secret>`).
pub fn new_api_key() -> Result<(String, String)> {
    let id: String = random_bytes::<6>()?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let secret = URL_SAFE_NO_PAD.encode(random_bytes::<32>()?);
    Ok((id.clone(), format!("{KEY_PREFIX}_{id}_{secret}")))
}

/// The id of a presented key and the hash it must match, or `None` for
/// anything that is not shaped as a key.
pub fn split_api_key(key: &str) -> Option<(&str, String)> {
    let rest = key.strip_prefix(KEY_PREFIX)?.strip_prefix('_')?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 12 && !secret.is_empty() && secret.len() <= 64).then(|| (id, sha256_hex(key)))
}

/// The stored form of a key: its SHA-256 in hex. A key is 32 random
/// bytes, so a slow hash would add nothing but time per request.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Constant-time equality of two strings (of hashes).
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A signed session: `<payload>.<signature>`, both base64url, the payload
/// `name \n expiry (unix seconds) \n fingerprint of the password hash`, so
/// a changed password or a removed user ends every session of theirs.
pub fn sign_session(secret: &str, name: &str, expires: u64, password_hash: &str) -> String {
    let payload = format!("{name}\n{expires}\n{}", fingerprint(password_hash));
    let encoded = URL_SAFE_NO_PAD.encode(payload.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac(secret, encoded.as_bytes()).finalize().into_bytes());
    format!("{encoded}.{signature}")
}

/// A verified session's user name, expiry and password fingerprint.
pub struct Session {
    pub name: String,
    pub expires: u64,
    pub fingerprint: String,
}

/// The session a cookie value holds, when its signature is the secret's.
pub fn open_session(secret: &str, value: &str) -> Option<Session> {
    let (encoded, signature) = value.split_once('.')?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    mac(secret, encoded.as_bytes())
        .verify_slice(&signature)
        .ok()?;
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(encoded).ok()?).ok()?;
    let mut parts = payload.split('\n');
    let name = parts.next()?.to_string();
    let expires = parts.next()?.parse().ok()?;
    let fingerprint = parts.next()?.to_string();
    Some(Session {
        name,
        expires,
        fingerprint,
    })
}

/// A short digest of a password hash, for sessions.
pub fn fingerprint(password_hash: &str) -> String {
    sha256_hex(password_hash)[..16].to_string()
}

fn mac(secret: &str, data: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(data);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: PasswordCost = PasswordCost {
        memory_kib: 64,
        iterations: 1,
    };

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password("雪域高原2024", CHEAP).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("雪域高原2024", Some(&hash)));
        assert!(!verify_password("雪域高原2025", Some(&hash)));
        assert!(!verify_password("雪域高原2024", None));
        assert!(!verify_password("x", Some("not a hash")));
    }

    #[test]
    fn keys_split_and_hash() {
        let (id, key) = new_api_key().unwrap();
        let (seen, hash) = split_api_key(&key).unwrap();
        assert_eq!(seen, id);
        assert!(same(&hash, &sha256_hex(&key)));
        assert!(split_api_key("Bearer x").is_none());
        assert!(split_api_key(&format!("{KEY_PREFIX}_short_x")).is_none());
    }

    #[test]
    fn sessions_need_the_secret() {
        let cookie = sign_session("s1", "张三", 100, "$argon2id$h");
        let session = open_session("s1", &cookie).unwrap();
        assert_eq!((session.name.as_str(), session.expires), ("张三", 100));
        assert_eq!(session.fingerprint, fingerprint("$argon2id$h"));
        assert!(open_session("s2", &cookie).is_none());
        let forged = cookie.replacen(cookie.split('.').next().unwrap(), "eA", 1);
        assert!(open_session("s1", &forged).is_none());
    }
}
