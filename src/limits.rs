//! Abuse protection (governor): request rates per API key and per source
//! address, failed sign-ins per source address, and the screening flood
//! guard that diverts a number calling many times in a short window; the
//! connection caps (`connections`) and log throttling (`throttle`).

pub mod connections;
pub mod throttle;

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::config::Settings;
use crate::domain::PhoneNumber;
use crate::error::AppError;
use connections::ConnectionLimits;
use throttle::Throttle;

pub struct Limits {
    per_key: Option<DefaultKeyedRateLimiter<String>>,
    per_source: Option<DefaultKeyedRateLimiter<IpAddr>>,
    failures: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Sources that used up their failed sign-ins, and until when they
    /// are refused (even with a right staff key: a guesser must not learn
    /// that a guess was right while locked out). The pbx key is served
    /// whatever its source's failures: see `auth::authenticate`.
    locked: Mutex<HashMap<IpAddr, Instant>>,
    flood: Option<DefaultKeyedRateLimiter<String>>,
    /// Connections open, per source and in total.
    pub connections: Arc<ConnectionLimits>,
    /// Refused keys on the PBX's paths, logged once a minute each.
    pub refused_keys: Throttle<Refused>,
}

/// Who a refused key is logged under: the key's name when it was a real key
/// with the wrong role, else the source that presented it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Refused {
    Key(String),
    Source(Option<IpAddr>),
}

/// `per_minute` requests a minute, all of which may come at once; `0` turns
/// the limit off.
fn per_minute<K: std::hash::Hash + Eq + Clone>(
    per_minute: u32,
) -> Option<DefaultKeyedRateLimiter<K>> {
    NonZeroU32::new(per_minute).map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)))
}

impl Limits {
    /// The limits in `settings`; `descriptors` is the process's open-file
    /// limit, which the connection cap stays below.
    pub fn new(settings: &Settings, descriptors: Option<u64>) -> Limits {
        let flood = NonZeroU32::new(settings.flood_calls).and_then(|calls| {
            let window = Duration::from_secs(settings.flood_window_secs.max(1));
            Quota::with_period(window / calls.get())
                .map(|q| DefaultKeyedRateLimiter::keyed(q.allow_burst(calls)))
        });
        Limits {
            per_key: per_minute(settings.rate_limit_per_key_per_minute),
            per_source: per_minute(settings.rate_limit_per_source_per_minute),
            failures: per_minute(settings.sign_in_failures_per_minute),
            locked: Mutex::new(HashMap::new()),
            flood,
            connections: ConnectionLimits::new(settings, descriptors),
            refused_keys: Throttle::new(Duration::from_secs(60)),
        }
    }

    /// Refuses a source locked out for failed sign-ins.
    pub fn check_locked(&self, source: IpAddr) -> Result<(), AppError> {
        let mut locked = self.locked.lock().unwrap_or_else(|p| p.into_inner());
        match locked.get(&source) {
            Some(until) if *until > Instant::now() => Err(retry_after(*until - Instant::now())),
            Some(_) => {
                locked.remove(&source);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Counts a failed sign-in; past the limit the source is locked out and
    /// this and later attempts get 429 instead of 401.
    pub fn sign_in_failed(&self, source: IpAddr) -> AppError {
        let Some(failures) = &self.failures else {
            return AppError::Unauthorized;
        };
        match failures.check_key(&source) {
            Ok(()) => AppError::Unauthorized,
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let mut locked = self.locked.lock().unwrap_or_else(|p| p.into_inner());
                if locked.len() > 10_000 {
                    locked.retain(|_, until| *until > Instant::now());
                }
                locked.insert(source, Instant::now() + wait);
                tracing::warn!(%source, "too many failed sign-ins; source locked out");
                retry_after(wait)
            }
        }
    }

    /// Counts one request by a staff key from a source.
    pub fn check_request(&self, key: &str, source: IpAddr) -> Result<(), AppError> {
        let now = || DefaultClock::default().now();
        if let Some(limiter) = &self.per_source {
            limiter
                .check_key(&source)
                .map_err(|n| retry_after(n.wait_time_from(now())))?;
        }
        if let Some(limiter) = &self.per_key {
            limiter
                .check_key(&key.to_owned())
                .map_err(|n| retry_after(n.wait_time_from(now())))?;
        }
        Ok(())
    }

    /// Whether this call is one too many from its number in the flood
    /// window. Counts the call.
    pub fn flooding(&self, number: &PhoneNumber) -> bool {
        self.flood
            .as_ref()
            .is_some_and(|limiter| limiter.check_key(&number.as_str().to_owned()).is_err())
    }

    /// Forgets keys whose limits have fully recovered, so the maps stay
    /// small.
    pub fn tidy(&self) {
        for limiter in [&self.per_key, &self.flood].into_iter().flatten() {
            limiter.retain_recent();
        }
        for limiter in [&self.per_source, &self.failures].into_iter().flatten() {
            limiter.retain_recent();
        }
        self.locked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, until| *until > Instant::now());
    }
}

fn retry_after(wait: Duration) -> AppError {
    AppError::RateLimited {
        retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
    }
}
