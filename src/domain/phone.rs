//! Phone numbers as fairline holds them: E.164, parsed once at the edge.
//! Also the PBX's view of a caller, which may be a withheld number.

use std::fmt;

use phonenumber::{country, metadata::DATABASE, Metadata};
use serde::Serialize;

/// A phone number in E.164 form (`+447700900123`). Only `parse` builds one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

/// The region used to read numbers written without an international prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(country::Id);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("is not a phone number")]
    NotANumber,
    #[error("has too few or too many digits for a number in its country")]
    ImpossibleLength,
    #[error("is not a known region code (expected e.g. GB)")]
    UnknownRegion,
}

impl Region {
    pub(super) fn id(&self) -> &str {
        self.0.as_ref()
    }

    pub fn parse(code: &str) -> Result<Self, PhoneError> {
        code.trim()
            .to_ascii_uppercase()
            .parse::<country::Id>()
            .map(Region)
            .map_err(|_| PhoneError::UnknownRegion)
    }
}

impl PhoneNumber {
    /// Loads the phone library's metadata, which it otherwise loads on the
    /// first number it reads: that took 1.5 to 2.9 s in a debug build on a
    /// busy machine, longer than the PBX samples wait for an answer, so the
    /// first call after a start failed open.
    pub fn load_metadata() {
        let _ = DATABASE.by_code(&44);
    }

    /// Reads a number in any common written form.
    ///
    /// Accepts every number whose length is possible for its country, not
    /// only those the metadata calls valid: Ofcom's drama ranges are
    /// "invalid" by design, and new ranges reach callers before the library
    /// knows them.
    pub fn parse(input: &str, region: Region) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty()
            || trimmed
                .chars()
                .any(|c| !(c.is_ascii_digit() || " +-().".contains(c)))
        {
            return Err(PhoneError::NotANumber);
        }
        let parsed =
            phonenumber::parse(Some(region.0), trimmed).map_err(|_| PhoneError::NotANumber)?;
        let code = parsed.code().value();
        let national = parsed.national().to_string();
        let length = national.len() as u16;
        let possible = DATABASE.by_code(&code).is_some_and(|metas| {
            metas
                .iter()
                .any(|meta| possible_lengths(meta).contains(&length))
        });
        if !possible {
            return Err(PhoneError::ImpossibleLength);
        }
        // E.164 is "+", the country code and the national significant
        // number. Written out here because the crate's E.164 formatter first
        // matches the national formats' patterns, which it then ignores: a
        // third of the time a screening request spent in the HTTP layer.
        Ok(PhoneNumber(format!("+{code}{national}")))
    }

    /// Rebuilds a number that fairline stored itself (already E.164).
    pub fn from_stored(e164: String) -> Self {
        PhoneNumber(e164)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Enough of the number to tell calls apart in a log, not enough to
    /// identify the caller: `+44…0123`.
    pub fn redacted(&self) -> String {
        let tail = &self.0[self.0.len().saturating_sub(4)..];
        format!("{}…{tail}", &self.0[..3.min(self.0.len())])
    }

    /// Every prefix of the E.164 digits, longest first: the keys a number
    /// rule can match on.
    pub fn prefixes(&self) -> impl Iterator<Item = &str> {
        (2..=self.0.len()).rev().map(move |end| &self.0[..end])
    }
}

/// Every national-number length the country uses for any kind of number.
/// The general descriptor's list is often left empty in the metadata, so the
/// lists of the kinds are joined.
fn possible_lengths(meta: &Metadata) -> Vec<u16> {
    let d = meta.descriptors();
    let general = d.general().possible_length();
    if !general.is_empty() {
        return general.to_vec();
    }
    [
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.personal_number(),
        d.voip(),
        d.pager(),
        d.uan(),
        d.voicemail(),
    ]
    .into_iter()
    .flatten()
    .flat_map(|desc| desc.possible_length().iter().copied())
    .collect()
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who the PBX says is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerId {
    Number(PhoneNumber),
    /// Empty, `anonymous`, `restricted` and the like: the caller hid it.
    Withheld,
}

/// What PBXs and carriers put in the caller id when it was withheld.
const WITHHELD_MARKERS: &[&str] = &[
    "anonymous",
    "unknown",
    "restricted",
    "unavailable",
    "private",
    "withheld",
];

impl CallerId {
    pub fn parse(input: &str, region: Region) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty()
            || WITHHELD_MARKERS
                .iter()
                .any(|marker| trimmed.eq_ignore_ascii_case(marker))
        {
            return Ok(CallerId::Withheld);
        }
        PhoneNumber::parse(trimmed, region).map(CallerId::Number)
    }

    pub fn number(&self) -> Option<&PhoneNumber> {
        match self {
            CallerId::Number(number) => Some(number),
            CallerId::Withheld => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gb() -> Region {
        Region::parse("GB").unwrap()
    }

    #[test]
    fn e164_is_written_as_the_library_writes_it() {
        // Italy keeps the leading zero of its national numbers; the US has
        // a one-digit code; Germany numbers of varying length.
        for (input, region) in [
            ("07700 900123", "GB"),
            ("020 7946 0123", "GB"),
            ("06 6982 1234", "IT"),
            ("+1 (212) 555-0123", "GB"),
            ("030 1234567", "DE"),
            ("0044 1632 960 001", "GB"),
        ] {
            let region = Region::parse(region).unwrap();
            let ours = PhoneNumber::parse(input, region).unwrap();
            let theirs = phonenumber::parse(Some(region.0), input).unwrap();
            assert_eq!(
                ours.as_str(),
                theirs.format().mode(phonenumber::Mode::E164).to_string(),
                "{input}"
            );
        }
    }

    #[test]
    fn uk_written_forms_of_one_number_are_the_same_number() {
        for form in [
            "07700 900123",
            "+44 7700 900123",
            "0044 7700 900123",
            "447700900123",
            "+44 (0)7700 900123",
            "07700-900-123",
        ] {
            assert_eq!(
                PhoneNumber::parse(form, gb()).unwrap().as_str(),
                "+447700900123",
                "{form}"
            );
        }
    }

    #[test]
    fn ofcom_drama_numbers_are_accepted_though_the_metadata_calls_them_invalid() {
        assert_eq!(
            PhoneNumber::parse("020 7946 0999", gb()).unwrap().as_str(),
            "+442079460999"
        );
        assert_eq!(
            PhoneNumber::parse("07700 900000", gb()).unwrap().as_str(),
            "+447700900000"
        );
    }

    #[test]
    fn foreign_numbers_keep_their_country() {
        assert_eq!(
            PhoneNumber::parse("+1 202 555 0143", gb())
                .unwrap()
                .as_str(),
            "+12025550143"
        );
    }

    #[test]
    fn text_that_is_no_phone_number_is_rejected() {
        for garbage in [
            "",
            "hello",
            "07700 9001x3",
            "++",
            "12",
            "sip:alice@example.org",
        ] {
            assert!(PhoneNumber::parse(garbage, gb()).is_err(), "{garbage}");
        }
    }

    #[test]
    fn numbers_of_impossible_length_are_rejected() {
        assert_eq!(
            PhoneNumber::parse("07700 9001234567", gb()),
            Err(PhoneError::ImpossibleLength)
        );
    }

    #[test]
    fn withheld_markers_in_any_case_mean_withheld() {
        for marker in [
            "",
            "  ",
            "anonymous",
            "Anonymous",
            "UNKNOWN",
            "restricted",
            "Unavailable",
        ] {
            assert_eq!(
                CallerId::parse(marker, gb()),
                Ok(CallerId::Withheld),
                "{marker}"
            );
        }
    }

    #[test]
    fn redacted_numbers_hide_the_middle() {
        let number = PhoneNumber::parse("07700 900123", gb()).unwrap();
        assert_eq!(number.redacted(), "+44…0123");
    }

    #[test]
    fn prefixes_run_longest_first() {
        let number = PhoneNumber::parse("07700 900123", gb()).unwrap();
        let prefixes: Vec<_> = number.prefixes().collect();
        assert_eq!(prefixes.first(), Some(&"+447700900123"));
        assert_eq!(prefixes.last(), Some(&"+4"));
    }
}
