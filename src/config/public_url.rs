//! `public_url`: the address people's browsers reach fairline at, from
//! which a routed call's page address (`info_url`) is made. Checked at
//! start-up, so every PBX can carry the address as it is.

use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

use crate::domain::CallId;

/// An `http://` or `https://` address with a host, no query or fragment,
/// kept without its trailing slash.
///
/// The address travels through three dialplans before a phone shows it,
/// so characters any of them would read as syntax are refused here rather
/// than found out on a live call: Asterisk splits application arguments on
/// `,` `|` and pre-dial handler arguments on `^`, and starts comments with
/// `;`; FreeSWITCH expands `$` and unescapes `\`; a SIP `Call-Info` value
/// ends at `>` and `"` quotes; XML needs `<` `&` escaped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PublicUrl(String);

/// Characters a path segment keeps as they are: RFC 3986's unreserved
/// set. A call id is printable ASCII, so anything else (`/`, `?`, `#`,
/// `$`, `^`, `,` …) is written `%XX`, which no dialplan reads as syntax.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What the address may hold besides letters and digits.
const ALLOWED_PUNCTUATION: &str = "-._~:/@%!*+=[]";

impl PublicUrl {
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let value = input.trim().trim_end_matches('/');
        let rest = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"))
            .ok_or("must start with http:// or https://")?;
        let host = rest.split('/').next().unwrap_or_default();
        let host = host.rsplit('@').next().unwrap_or_default();
        if host.is_empty() || host.starts_with(':') {
            return Err("must name a host (https://fairline.example.org)");
        }
        if value.contains(['?', '#']) {
            return Err("must not have a query (?) or a fragment (#)");
        }
        if value.len() > 200 {
            return Err("must be at most 200 characters");
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ALLOWED_PUNCTUATION.contains(c))
        {
            return Err(
                "may hold only letters, digits and - . _ ~ : / @ % ! * + = [ ] \
                 (the PBXs' dialplans read other characters as syntax)",
            );
        }
        Ok(PublicUrl(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The page of one call: `{public_url}/ui/calls/{call_id}`. Only a
    /// string format: it runs on the screening path, for every routed call.
    pub fn call_page(&self, call_id: &CallId) -> String {
        format!(
            "{}/ui/calls/{}",
            self.0,
            utf8_percent_encode(call_id.as_str(), SEGMENT)
        )
    }
}

impl TryFrom<String> for PublicUrl {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PublicUrl::parse(&value).map_err(|message| {
            let shown: String = value.chars().take(80).collect();
            format!("{shown:?} {message}")
        })
    }
}

impl From<PublicUrl> for String {
    fn from(url: PublicUrl) -> String {
        url.0
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trailing_slash_is_dropped_so_the_page_address_has_one_slash() {
        let url = PublicUrl::parse("https://fairline.example.org/helpline/").unwrap();
        let call = CallId::parse("1715.42").unwrap();
        assert_eq!(
            url.call_page(&call),
            "https://fairline.example.org/helpline/ui/calls/1715.42"
        );
    }

    #[test]
    fn a_call_id_with_syntax_characters_is_percent_encoded() {
        let url = PublicUrl::parse("http://10.0.0.5:8080").unwrap();
        let call = CallId::parse("a/b?c$d^e,f;g").unwrap();
        assert_eq!(
            url.call_page(&call),
            "http://10.0.0.5:8080/ui/calls/a%2Fb%3Fc%24d%5Ee%2Cf%3Bg"
        );
    }

    #[test]
    fn addresses_a_dialplan_would_misread_are_refused() {
        for bad in [
            "",
            "fairline.example.org",
            "ftp://fairline.example.org",
            "https://",
            "https://:8080/",
            "https://fairline.example.org/?a=1",
            "https://fairline.example.org/#top",
            "https://fairline.example.org/${system(id)}",
            "https://fairline.example.org/a,b",
            "https://fairline.example.org/a;b",
            "https://fairline.example.org/a^b",
            "https://fairline example.org",
            "https://fairline.example.org/<b>",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn ordinary_addresses_are_accepted() {
        for good in [
            "https://fairline.example.org",
            "http://127.0.0.1:8080",
            "https://[2001:db8::1]:8443/fairline",
        ] {
            assert_eq!(PublicUrl::parse(good).unwrap().as_str(), good);
        }
    }
}
