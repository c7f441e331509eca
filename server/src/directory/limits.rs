//! Rate limits: failed logins and enrolments per account and per client address
//! (exponential lockout after a few failures), and new sync connections per address (a
//! token bucket). In memory: a restart forgets them, which costs an attacker a restart
//! they cannot cause.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;

/// After `threshold` failures, each further attempt must wait `base_ms`, doubling with
/// every failure after that, up to `max_ms`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub threshold: u32,
    pub base_ms: i64,
    pub max_ms: i64,
}

impl Backoff {
    fn delay_ms(&self, failures: u32) -> i64 {
        if failures < self.threshold {
            return 0;
        }
        let doublings = (failures - self.threshold).min(30);
        self.base_ms.saturating_mul(1 << doublings).min(self.max_ms)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures of one account (username) or one enrolment code's address.
    pub account: Backoff,
    /// Failures from one address, whatever the account: higher, as a provincial office
    /// may sit behind one address.
    pub address: Backoff,
    /// A record with no failure for this long is forgotten.
    pub forget_after_ms: i64,
    /// New sync connections per address: a burst of `capacity`, then `per_second`.
    pub connection_burst: u32,
    pub connections_per_second: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            account: Backoff {
                threshold: 5,
                base_ms: 30_000,
                max_ms: 3_600_000,
            },
            address: Backoff {
                threshold: 20,
                base_ms: 30_000,
                max_ms: 3_600_000,
            },
            forget_after_ms: 24 * 3_600_000,
            connection_burst: 60,
            connections_per_second: 2,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last_ms: i64,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at_ms: i64,
}

/// Above this many records, forgotten ones are swept out.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug)]
pub struct RateLimiter {
    limits: Limits,
    accounts: Mutex<HashMap<String, Failures>>,
    addresses: Mutex<HashMap<IpAddr, Failures>>,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

/// The address a limit counts: IPv6 clients by their /64 (one household or phone gets a
/// whole prefix), IPv4-mapped IPv6 as IPv4.
pub fn address_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

impl RateLimiter {
    pub fn new(limits: Limits) -> Self {
        RateLimiter {
            limits,
            accounts: Mutex::default(),
            addresses: Mutex::default(),
            buckets: Mutex::default(),
        }
    }

    fn wait<K: std::hash::Hash + Eq>(
        &self,
        map: &Mutex<HashMap<K, Failures>>,
        key: &K,
        backoff: Backoff,
        now: i64,
    ) -> i64 {
        let Ok(map) = map.lock() else { return 0 };
        map.get(key).map_or(0, |f| {
            if now - f.last_ms > self.limits.forget_after_ms {
                0
            } else {
                (f.last_ms + backoff.delay_ms(f.count) - now).max(0)
            }
        })
    }

    /// How long (ms) the attempt must wait, 0 if it may go ahead.
    pub fn wait_ms(&self, account: Option<&str>, addr: IpAddr, now: i64) -> i64 {
        let by_account = account.map_or(0, |a| {
            self.wait(&self.accounts, &a.to_owned(), self.limits.account, now)
        });
        let by_address = self.wait(
            &self.addresses,
            &address_key(addr),
            self.limits.address,
            now,
        );
        by_account.max(by_address)
    }

    fn count<K: std::hash::Hash + Eq>(&self, map: &Mutex<HashMap<K, Failures>>, key: K, now: i64) {
        let Ok(mut map) = map.lock() else { return };
        let forget = self.limits.forget_after_ms;
        if map.len() > SWEEP_ABOVE {
            map.retain(|_, f| now - f.last_ms <= forget);
        }
        let f = map.entry(key).or_insert(Failures {
            count: 0,
            last_ms: now,
        });
        if now - f.last_ms > forget {
            f.count = 0;
        }
        f.count = f.count.saturating_add(1);
        f.last_ms = now;
    }

    /// A wrong password or code.
    pub fn failed(&self, account: Option<&str>, addr: IpAddr, now: i64) {
        if let Some(a) = account {
            self.count(&self.accounts, a.to_owned(), now);
        }
        self.count(&self.addresses, address_key(addr), now);
    }

    /// A right password resets its account's count (not its address's: an attacker must
    /// not clear an address by logging into an account of their own).
    pub fn succeeded(&self, account: &str) {
        if let Ok(mut map) = self.accounts.lock() {
            map.remove(account);
        }
    }

    /// May `addr` open one more sync connection now? Spends a token if so.
    pub fn allow_connection(&self, addr: IpAddr, now: i64) -> bool {
        let Ok(mut map) = self.buckets.lock() else {
            return false;
        };
        let burst = f64::from(self.limits.connection_burst);
        let rate = f64::from(self.limits.connections_per_second) / 1000.0;
        if map.len() > SWEEP_ABOVE {
            // A bucket full again is the same as no bucket.
            map.retain(|_, b| b.tokens + (now - b.at_ms) as f64 * rate < burst);
        }
        let bucket = map.entry(address_key(addr)).or_insert(Bucket {
            tokens: burst,
            at_ms: now,
        });
        bucket.tokens = (bucket.tokens + (now - bucket.at_ms).max(0) as f64 * rate).min(burst);
        bucket.at_ms = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_then_a_doubling_wait_and_a_success_resets_the_account() {
        let limiter = RateLimiter::new(Limits::default());
        let addr: IpAddr = "203.0.113.7".parse().expect("ip");
        let mut waits = Vec::new();
        let mut now = 0;
        for _ in 0..7 {
            limiter.failed(Some("an"), addr, now);
            waits.push(limiter.wait_ms(Some("an"), addr, now));
            now += limiter.wait_ms(Some("an"), addr, now);
        }
        assert_eq!(waits, [0, 0, 0, 0, 30_000, 60_000, 120_000]);
        // Another account from the same address is not held up (yet).
        assert_eq!(limiter.wait_ms(Some("bao"), addr, now), 0);
        limiter.succeeded("an");
        assert_eq!(limiter.wait_ms(Some("an"), addr, now), 0);
    }

    #[test]
    fn an_address_spraying_accounts_is_held_up() {
        let limiter = RateLimiter::new(Limits::default());
        let addr: IpAddr = "2001:db8::1".parse().expect("ip");
        let neighbour: IpAddr = "2001:db8::ffff".parse().expect("ip");
        for i in 0..20 {
            limiter.failed(Some(&format!("user{i}")), addr, 0);
        }
        assert_eq!(limiter.wait_ms(Some("fresh"), neighbour, 0), 30_000);
        assert_eq!(
            limiter.wait_ms(None, "2001:db9::1".parse().expect("ip"), 0),
            0
        );
        // A day later it is forgotten.
        assert_eq!(limiter.wait_ms(None, addr, 25 * 3_600_000), 0);
    }

    #[test]
    fn connections_are_a_burst_then_a_trickle() {
        let limiter = RateLimiter::new(Limits::default());
        let addr: IpAddr = "198.51.100.2".parse().expect("ip");
        let allowed = (0..100)
            .filter(|_| limiter.allow_connection(addr, 0))
            .count();
        assert_eq!(allowed, 60);
        assert!(!limiter.allow_connection(addr, 400));
        assert!(limiter.allow_connection(addr, 500));
        assert!(limiter.allow_connection("198.51.100.3".parse().expect("ip"), 500));
    }
}
