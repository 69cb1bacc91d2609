//! Slowing down password guessing: failed sign-ins counted per user name
//! and per client address, each past a few failures refused for a wait
//! that doubles with every further failure; and the address ranges of the
//! proxies whose `X-Forwarded-For` is believed. The counters are bounded:
//! past [`MAX_ENTRIES`] the oldest are forgotten.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before waits begin.
pub const FREE_FAILURES: u32 = 5;
/// Longest wait.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Counters kept at most (user names and addresses together).
pub const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// Time still to wait before the next attempt.
    fn wait(&self, now: Instant) -> Duration {
        if self.count < FREE_FAILURES {
            return Duration::ZERO;
        }
        let wait = Duration::from_secs(1u64 << (self.count - FREE_FAILURES).min(10)).min(MAX_WAIT);
        wait.saturating_sub(now.saturating_duration_since(self.last))
    }
}

/// Failed sign-ins per user and per address.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, Failures>>,
}

impl Throttle {
    fn keys(user: &str, address: &str) -> [String; 2] {
        [format!("user\n{user}"), format!("addr\n{address}")]
    }

    /// How long this user and address must still wait before trying.
    pub fn wait(&self, user: &str, address: &str) -> Duration {
        let now = Instant::now();
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        Throttle::keys(user, address)
            .iter()
            .filter_map(|k| failures.get(k))
            .map(|f| f.wait(now))
            .max()
            .unwrap_or(Duration::ZERO)
    }

    /// Count a failed attempt.
    pub fn failed(&self, user: &str, address: &str) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() + 2 > MAX_ENTRIES {
            // Forget counters that have long stopped mattering, then the
            // oldest until there is room.
            failures.retain(|_, f| now.saturating_duration_since(f.last) < MAX_WAIT);
            while failures.len() + 2 > MAX_ENTRIES {
                let Some(oldest) = failures
                    .iter()
                    .min_by_key(|(_, f)| f.last)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                failures.remove(&oldest);
            }
        }
        for key in Throttle::keys(user, address) {
            let entry = failures.entry(key).or_insert(Failures {
                count: 0,
                last: now,
            });
            // A failure long after the last starts counting again.
            if now.saturating_duration_since(entry.last) > MAX_WAIT * 2 {
                entry.count = 0;
            }
            entry.count = entry.count.saturating_add(1);
            entry.last = now;
        }
    }

    /// Forget the user's failures after a good sign-in (the address keeps
    /// its own: one address guessing many names stays slowed).
    pub fn succeeded(&self, user: &str, address: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&Throttle::keys(user, address)[0]);
    }

    /// Counters held now.
    pub fn len(&self) -> usize {
        self.failures.lock().map_or(0, |f| f.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An IP address or a CIDR range (`10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    base: IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn parse(text: &str) -> Option<IpRange> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (text.trim(), None),
        };
        let base: IpAddr = address.parse().ok()?;
        let bits = if base.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(IpRange { base, prefix })
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        let (a, b, bits) = match (self.base, address) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a) as u128, u32::from(b) as u128, 32),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
            _ => return false,
        };
        let shift = bits - u32::from(self.prefix);
        shift >= bits || (a >> shift) == (b >> shift)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_begin_after_the_free_failures_and_are_per_user_and_address() {
        let throttle = Throttle::default();
        for _ in 0..FREE_FAILURES {
            assert_eq!(throttle.wait("zhang", "10.0.0.1"), Duration::ZERO);
            throttle.failed("zhang", "10.0.0.1");
        }
        assert!(
            throttle.wait("zhang", "10.0.0.9") > Duration::ZERO,
            "per user"
        );
        assert!(
            throttle.wait("li", "10.0.0.1") > Duration::ZERO,
            "per address"
        );
        assert_eq!(throttle.wait("li", "10.0.0.9"), Duration::ZERO);
        throttle.succeeded("zhang", "10.0.0.1");
        assert_eq!(throttle.wait("zhang", "10.0.0.9"), Duration::ZERO);
        assert!(throttle.wait("zhang", "10.0.0.1") > Duration::ZERO);
    }

    #[test]
    fn the_counters_are_bounded() {
        let throttle = Throttle::default();
        for i in 0..MAX_ENTRIES {
            throttle.failed(&format!("u{i}"), "a");
        }
        assert!(throttle.len() <= MAX_ENTRIES);
    }

    #[test]
    fn ranges() {
        let range = IpRange::parse("10.0.0.0/8").unwrap();
        assert!(range.contains("10.2.3.4".parse().unwrap()));
        assert!(!range.contains("11.0.0.1".parse().unwrap()));
        assert!(range.contains("::ffff:10.0.0.1".parse().unwrap()));
        assert!(IpRange::parse("127.0.0.1")
            .unwrap()
            .contains("127.0.0.1".parse().unwrap()));
        assert!(IpRange::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        assert!(IpRange::parse("10.0.0.0/33").is_none());
        assert!(IpRange::parse("host").is_none());
    }
}
