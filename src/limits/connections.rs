//! Connection caps: how many connections one source address and all of
//! them together may hold open, so a flood of idle or half-sent connections
//! from one address cannot use up the descriptors screening needs.
//!
//! Counted per connection, not per request: one short lock when a
//! connection is accepted and one when it closes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::throttle::Throttle;
use crate::config::{ip_range, IpRange, Settings};

/// Descriptors kept back from the connection cap for everything else the
/// process holds open: the database, its log and shared memory for each
/// of the writer's, checkpointer's and readers' connections, the
/// listeners, the runtime's own, standard streams.
const RESERVED_DESCRIPTORS: u64 = 256;

pub struct ConnectionLimits {
    total: u32,
    per_source: u32,
    /// Reverse proxies and PBXs carry many callers' connections: only the
    /// total holds them.
    unlimited: Vec<IpRange>,
    open: Mutex<Open>,
    refusals: Throttle<IpAddr>,
}

#[derive(Default)]
struct Open {
    total: u32,
    by_source: HashMap<IpAddr, u32>,
}

/// Why a connection was closed at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its source already holds `max_connections_per_source`.
    PerSource,
    /// `max_connections` are open.
    Total,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::PerSource => "per_source",
            Refusal::Total => "total",
        }
    }
}

/// One admitted connection, counted until dropped.
pub struct Slot {
    limits: Arc<ConnectionLimits>,
    /// `None` for a trusted proxy or a PBX, counted in the total only.
    source: Option<IpAddr>,
}

impl ConnectionLimits {
    /// The caps from the settings, the total lowered (with a warning) to
    /// fit `descriptors`, the process's open-file limit when known.
    pub fn new(settings: &Settings, descriptors: Option<u64>) -> Arc<ConnectionLimits> {
        let mut total = settings.max_connections;
        if let Some(limit) = descriptors {
            let fits = limit.saturating_sub(RESERVED_DESCRIPTORS).max(1);
            if u64::from(total) > fits {
                tracing::warn!(
                    max_connections = total,
                    open_file_limit = limit,
                    using = fits,
                    "max_connections lowered to fit the open-file limit"
                );
                total = u32::try_from(fits).unwrap_or(u32::MAX);
            }
        }
        Arc::new(ConnectionLimits {
            total,
            per_source: settings.max_connections_per_source,
            unlimited: [&settings.trusted_proxies[..], &settings.pbx_sources[..]].concat(),
            open: Mutex::new(Open::default()),
            refusals: Throttle::new(Duration::from_secs(60)),
        })
    }

    /// The total cap in force.
    pub fn total(&self) -> u32 {
        self.total
    }

    /// Counts a connection from `peer`, or refuses it (counted in metrics;
    /// logged once a minute per source). `listener` names which listener
    /// (`http`, `agi`) in the log.
    pub fn admit(self: &Arc<Self>, peer: IpAddr, listener: &'static str) -> Option<Slot> {
        let peer = peer.to_canonical();
        let source = (!ip_range::any_contains(&self.unlimited, peer)).then_some(peer);
        match self.count(source) {
            Ok(()) => Some(Slot {
                limits: self.clone(),
                source,
            }),
            Err(refusal) => {
                crate::metrics::connection_refused(refusal.as_str());
                if self.refusals.first_in_period(peer) {
                    tracing::warn!(
                        source = %peer,
                        listener,
                        limit = refusal.as_str(),
                        "connection refused: too many open (logged once a minute per source)"
                    );
                }
                None
            }
        }
    }

    fn count(&self, source: Option<IpAddr>) -> Result<(), Refusal> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.total >= self.total {
            return Err(Refusal::Total);
        }
        if let Some(source) = source {
            let from_source = open.by_source.entry(source).or_insert(0);
            if *from_source >= self.per_source {
                return Err(Refusal::PerSource);
            }
            *from_source += 1;
        }
        open.total += 1;
        Ok(())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.limits.open.lock().unwrap_or_else(|p| p.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(source) = self.source {
            // Sources with nothing open are forgotten, so the map holds
            // only the connections that are open.
            if let Some(n) = open.by_source.get_mut(&source) {
                *n -= 1;
                if *n == 0 {
                    open.by_source.remove(&source);
                }
            }
        }
    }
}

/// Raises the soft limit on open files to the hard limit, as a server that
/// holds many connections should; returns the soft limit now in force
/// (`None` where it cannot be read).
pub fn raise_descriptor_limit() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit only read and write the struct
        // passed by pointer, which lives across both calls.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return None;
            }
            if limit.rlim_cur < limit.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: limit.rlim_max,
                    rlim_max: limit.rlim_max,
                };
                // An unlimited hard limit cannot be the soft one (the
                // kernel caps files at nr_open); the soft limit then stays.
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit = raised;
                }
            }
        }
        Some(limit.rlim_cur)
    }
    #[cfg(not(target_os = "linux"))]
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(total: u32, per_source: u32, trusted: &[&str]) -> Arc<ConnectionLimits> {
        let settings = Settings {
            max_connections: total,
            max_connections_per_source: per_source,
            trusted_proxies: trusted.iter().map(|t| t.parse().unwrap()).collect(),
            ..Settings::default()
        };
        ConnectionLimits::new(&settings, None)
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_source_is_held_to_its_cap_and_others_are_not() {
        let limits = limits(10, 2, &[]);
        let a = ip("192.0.2.1");
        let held: Vec<_> = (0..2).map(|_| limits.admit(a, "http").unwrap()).collect();
        assert!(
            limits.admit(a, "http").is_none(),
            "a third from a is refused"
        );
        assert!(
            limits.admit(ip("::ffff:192.0.2.1"), "http").is_none(),
            "also when written as IPv4-mapped"
        );
        assert!(limits.admit(ip("192.0.2.2"), "http").is_some());
        drop(held);
        assert!(limits.admit(a, "http").is_some(), "closing frees the slots");
    }

    #[test]
    fn the_total_holds_every_source_and_trusted_proxies_only_the_total() {
        let limits = limits(3, 1, &["10.0.0.0/8"]);
        let proxy = ip("10.0.0.5");
        let through_proxy: Vec<_> = (0..2)
            .map(|_| limits.admit(proxy, "http").unwrap())
            .collect();
        let other = limits.admit(ip("192.0.2.1"), "http").unwrap();
        assert!(limits.admit(ip("192.0.2.2"), "http").is_none(), "total");
        assert!(limits.admit(proxy, "http").is_none(), "total");
        drop(other);
        assert!(limits.admit(proxy, "http").is_some());
        drop(through_proxy);
    }

    #[test]
    fn the_total_is_kept_below_the_open_file_limit() {
        let settings = Settings {
            max_connections: 4096,
            ..Settings::default()
        };
        let limits = ConnectionLimits::new(&settings, Some(1024));
        assert_eq!(u64::from(limits.total()), 1024 - RESERVED_DESCRIPTORS);
        let roomy = ConnectionLimits::new(&settings, Some(1_048_576));
        assert_eq!(roomy.total(), 4096);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_soft_descriptor_limit_is_raised_to_the_hard_limit() {
        let soft = raise_descriptor_limit().expect("linux reports its limits");
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: as in raise_descriptor_limit.
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
            0
        );
        assert_eq!(soft, limit.rlim_cur);
        if limit.rlim_max != libc::RLIM_INFINITY {
            assert_eq!(limit.rlim_cur, limit.rlim_max);
        }
    }
}
