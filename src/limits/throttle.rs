//! Log throttling: a warning that an attacker can trigger at will (a
//! refused connection, a refused key) is written at most once a period per
//! key, so the log shows the problem without drowning in it.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most keys remembered; past it, keys older than the period are
/// forgotten, and while it stays full new keys are not logged (the
/// metrics still count every event).
const MAX_KEYS: usize = 10_000;

pub struct Throttle<K> {
    every: Duration,
    last: Mutex<HashMap<K, Instant>>,
}

impl<K: Hash + Eq> Throttle<K> {
    pub fn new(every: Duration) -> Throttle<K> {
        Throttle {
            every,
            last: Mutex::new(HashMap::new()),
        }
    }

    /// Whether an event for `key` should be logged now: true for the
    /// first, then false until `every` has passed since the last logged.
    pub fn first_in_period(&self, key: K) -> bool {
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last
            .get(&key)
            .is_some_and(|at| now.duration_since(*at) < self.every)
        {
            return false;
        }
        if last.len() >= MAX_KEYS && !last.contains_key(&key) {
            last.retain(|_, at| now.duration_since(*at) < self.every);
            if last.len() >= MAX_KEYS {
                return false;
            }
        }
        last.insert(key, now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_is_logged_once_a_period() {
        let throttle = Throttle::new(Duration::from_secs(60));
        assert!(throttle.first_in_period("a"));
        assert!(!throttle.first_in_period("a"));
        assert!(throttle.first_in_period("b"), "keys are throttled apart");
        assert!(!throttle.first_in_period("b"));
    }

    #[test]
    fn a_key_is_logged_again_once_the_period_has_passed() {
        let throttle = Throttle::new(Duration::ZERO);
        assert!(throttle.first_in_period(1));
        assert!(throttle.first_in_period(1));
    }
}
