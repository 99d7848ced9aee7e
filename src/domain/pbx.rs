//! What fairline and the PBX must agree on: the names a dialplan acts on
//! (targets and prompts), and which dialed numbers are the helpline's.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{PhoneNumber, Region};

/// A target (where a call goes) or a prompt (what it hears) in the one form
/// every PBX can act on unquoted: letters, digits and `-_.+@`, 1 to 64 of
/// them. Asterisk splits application arguments on `,` (a `Goto` to
/// `ann,b` fails and hangs the call up), FreeSWITCH expands `$` and splits
/// on spaces; so anything else is refused where it enters, not found out on
/// a live call.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PbxName(String);

impl PbxName {
    pub const MAX_LEN: usize = 64;

    pub fn parse(input: &str) -> Result<Self, &'static str> {
        if input.is_empty() {
            return Err("must not be empty");
        }
        if input.len() > Self::MAX_LEN {
            return Err("must be at most 64 characters");
        }
        if !input.chars().all(Self::allowed) {
            return Err("may hold only letters, digits and - _ . + @ (a name every PBX can use)");
        }
        Ok(PbxName(input.to_owned()))
    }

    fn allowed(c: char) -> bool {
        c.is_ascii_alphanumeric() || "-_.+@".contains(c)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// For serde: the message shows what was given (cut short), so a setting
/// or a field in error is easy to find.
impl TryFrom<String> for PbxName {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PbxName::parse(&value).map_err(|message| {
            let shown: String = value.chars().take(PbxName::MAX_LEN + 1).collect();
            format!("{shown:?} {message}")
        })
    }
}

impl From<PbxName> for String {
    fn from(name: PbxName) -> String {
        name.0
    }
}

impl fmt::Display for PbxName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<&str> for PbxName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// The helpline's own numbers: the only dialed numbers fairline screens.
/// Empty means every call is the helpline's. Parsed once at start-up, so a
/// call costs one parse of its dialed number and a set look-up, and none at
/// all when the set is empty.
#[derive(Debug, Clone, Default)]
pub struct ScreenedNumbers(HashSet<PhoneNumber>);

impl ScreenedNumbers {
    /// Reads each number in any written form, in `region`; the error names
    /// the entry that is no phone number.
    pub fn parse<S: AsRef<str>>(numbers: &[S], region: Region) -> Result<Self, (usize, String)> {
        numbers
            .iter()
            .enumerate()
            .map(|(i, n)| PhoneNumber::parse(n.as_ref(), region).map_err(|e| (i, e.to_string())))
            .collect::<Result<HashSet<_>, _>>()
            .map(ScreenedNumbers)
    }

    /// Whether a call to `dialed` (as the PBX wrote it) is the helpline's.
    /// Text longer than any written number is not parsed at all.
    pub fn covers(&self, dialed: &str, region: Region) -> bool {
        self.0.is_empty()
            || (dialed.len() <= 64
                && PhoneNumber::parse(dialed, region).is_ok_and(|n| self.0.contains(&n)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_pbx_can_use_are_accepted() {
        for good in [
            "helpline",
            "2001",
            "advisor-sam",
            "Ann_B",
            "queue.main",
            "+448001234567",
            "sam@advisors",
            &"a".repeat(64),
        ] {
            assert_eq!(PbxName::parse(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn names_a_pbx_would_split_expand_or_choke_on_are_refused() {
        for bad in [
            "",
            "ann,b",
            "ann b",
            " helpline",
            "a|b",
            "${system(id)}",
            r"help\line",
            "a\"b",
            "a;b",
            "a/b",
            "a\nb",
            "a\u{0}b",
            "café",
            &"a".repeat(65),
        ] {
            assert!(PbxName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_name_deserializes_only_in_the_pbx_safe_form() {
        assert!(serde_json::from_str::<PbxName>(r#""helpline""#).is_ok());
        let err = serde_json::from_str::<PbxName>(r#""ann,b""#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(r#""ann,b" may hold only letters"#),
            "{err}"
        );
    }

    #[test]
    fn screened_numbers_match_any_written_form_of_the_number() {
        let gb = Region::parse("GB").unwrap();
        let numbers = ScreenedNumbers::parse(&["0800 123 4567"], gb).unwrap();
        for dialed in ["08001234567", "+448001234567", "0044 800 123 4567"] {
            assert!(numbers.covers(dialed, gb), "{dialed}");
        }
        for dialed in ["08001234568", "2001", "helpline", "s", ""] {
            assert!(!numbers.covers(dialed, gb), "{dialed}");
        }
        let all = ScreenedNumbers::default();
        assert!(all.covers("anything", gb));
    }

    #[test]
    fn a_screened_number_that_is_no_number_is_named() {
        let gb = Region::parse("GB").unwrap();
        let err = ScreenedNumbers::parse(&["0800 123 4567", "helpline"], gb).unwrap_err();
        assert_eq!(err.0, 1);
    }
}
