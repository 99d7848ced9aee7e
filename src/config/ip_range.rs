//! Address ranges as settings name them: one address (`192.0.2.10`) or a
//! CIDR range (`10.0.0.0/8`), compared in canonical form, so an IPv4 peer
//! reaching a dual-stack listener (`::ffff:192.0.2.10`) is the same address.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One address or a CIDR range, held canonically (IPv4-mapped IPv6 as
/// IPv4, host bits cleared).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange(IpNet);

impl IpRange {
    /// Whether `addr` (in any written form) is in the range.
    pub fn contains(&self, addr: IpAddr) -> bool {
        self.0.contains(&addr.to_canonical())
    }
}

/// Whether any of `ranges` holds `addr`.
pub fn any_contains(ranges: &[IpRange], addr: IpAddr) -> bool {
    ranges.iter().any(|range| range.contains(addr))
}

impl FromStr for IpRange {
    type Err = String;

    fn from_str(text: &str) -> Result<IpRange, String> {
        let text = text.trim();
        let net = match text.parse::<IpNet>() {
            Ok(net) => net,
            Err(_) => text.parse::<IpAddr>().map(IpNet::from).map_err(|_| {
                format!("{text:?} is neither an address nor a range such as 10.0.0.0/8")
            })?,
        };
        Ok(IpRange(canonical(net).trunc()))
    }
}

impl From<IpAddr> for IpRange {
    fn from(addr: IpAddr) -> IpRange {
        IpRange(canonical(IpNet::from(addr)))
    }
}

/// `::ffff:a.b.c.d/n` (n ≥ 96) as the IPv4 range it names.
fn canonical(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96)
                .map(IpNet::V4)
                .unwrap_or(net),
            None => net,
        },
        _ => net,
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A single address is written as one, as it was most likely given.
        if self.0.prefix_len() == self.0.max_prefix_len() {
            self.0.addr().fmt(f)
        } else {
            self.0.fmt(f)
        }
    }
}

impl Serialize for IpRange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpRange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<IpRange, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
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
    fn an_address_is_a_range_of_one() {
        let one = range("192.0.2.10");
        assert!(one.contains(ip("192.0.2.10")));
        assert!(!one.contains(ip("192.0.2.11")));
        assert_eq!(one.to_string(), "192.0.2.10");
    }

    #[test]
    fn a_cidr_range_holds_its_addresses_and_no_others() {
        let net = range("10.1.2.3/16");
        assert_eq!(net.to_string(), "10.1.0.0/16", "host bits cleared");
        assert!(net.contains(ip("10.1.255.7")));
        assert!(!net.contains(ip("10.2.0.1")));
        let v6 = range("2001:db8::/32");
        assert!(v6.contains(ip("2001:db8:1::5")));
        assert!(!v6.contains(ip("2001:db9::1")));
    }

    #[test]
    fn ipv4_mapped_addresses_are_compared_as_ipv4() {
        assert!(range("192.0.2.10").contains(ip("::ffff:192.0.2.10")));
        assert!(range("::ffff:192.0.2.0/120").contains(ip("192.0.2.77")));
        assert_eq!(range("::ffff:192.0.2.0/120").to_string(), "192.0.2.0/24");
    }

    #[test]
    fn nonsense_is_refused_with_the_value_named() {
        for bad in ["", "localhost", "10.0.0.0/33", "10.0.0.1:80"] {
            let error = bad.parse::<IpRange>().unwrap_err();
            assert!(error.contains(&format!("{bad:?}")), "{error}");
        }
    }
}
