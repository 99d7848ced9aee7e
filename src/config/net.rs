//! Address ranges in settings: one address (`192.0.2.10`) or a CIDR range
//! (`172.16.0.0/12`), compared in canonical form so an IPv4 peer reaching a
//! dual-stack listener (`::ffff:192.0.2.10`) is the same peer.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// An address or a CIDR range of them, as written in a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IpRange(IpNet);

impl IpRange {
    /// Whether `ip` is in the range; an IPv4-mapped IPv6 address counts as
    /// the IPv4 address it carries.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip.to_canonical())
    }
}

impl FromStr for IpRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let net = match text.parse::<IpNet>() {
            Ok(net) => net,
            Err(_) => text
                .parse::<IpAddr>()
                .map(IpNet::from)
                .map_err(|_| format!("{text:?} is neither an address nor a CIDR range"))?,
        };
        Ok(IpRange(canonical(net)))
    }
}

/// `::ffff:192.0.2.0/120` is written as `192.0.2.0/24`, so that it matches
/// the canonical (IPv4) form of the peers it means.
fn canonical(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96)
                .map(IpNet::V4)
                .unwrap_or(net),
            None => net,
        },
        other => other,
    }
}

impl TryFrom<String> for IpRange {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<IpRange> for String {
    fn from(range: IpRange) -> String {
        range.to_string()
    }
}

impl From<IpAddr> for IpRange {
    fn from(ip: IpAddr) -> Self {
        IpRange(canonical(IpNet::from(ip)))
    }
}

/// A single address is written without its `/32` or `/128`.
impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.prefix_len() == self.0.max_prefix_len() {
            write!(f, "{}", self.0.addr())
        } else {
            write!(f, "{}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> IpRange {
        text.parse().unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_plain_address_matches_itself_in_either_form() {
        let r = range("192.0.2.10");
        assert!(r.contains(ip("192.0.2.10")));
        assert!(r.contains(ip("::ffff:192.0.2.10")));
        assert!(!r.contains(ip("192.0.2.11")));
        assert_eq!(r.to_string(), "192.0.2.10");
    }

    #[test]
    fn a_cidr_range_matches_its_addresses_in_either_form() {
        let r = range("172.16.0.0/12");
        assert!(r.contains(ip("172.20.3.4")));
        assert!(r.contains(ip("::ffff:172.31.255.255")));
        assert!(!r.contains(ip("172.32.0.1")));
        let v6 = range("fd00::/8");
        assert!(v6.contains(ip("fd00::2")));
        assert!(!v6.contains(ip("::1")));
    }

    #[test]
    fn a_mapped_range_is_read_as_the_ipv4_range_it_means() {
        let r = range("::ffff:192.0.2.0/120");
        assert_eq!(r.to_string(), "192.0.2.0/24");
        assert!(r.contains(ip("192.0.2.200")));
        assert!(range("::ffff:127.0.0.1").contains(ip("127.0.0.1")));
    }

    #[test]
    fn text_that_is_no_address_is_refused() {
        for bad in ["", "localhost", "192.0.2.0/33", "192.0.2.300", "::1/129"] {
            assert!(bad.parse::<IpRange>().is_err(), "{bad}");
        }
    }
}
