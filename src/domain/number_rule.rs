//! Number rules: block or allow entries for one number or a number range,
//! matched against the caller before anything else is looked at.

use phonenumber::metadata::DATABASE;
use serde::{Deserialize, Serialize};

use super::{PhoneNumber, Region};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    Exact,
    Prefix,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    Block,
    Allow,
}

/// The digits a rule matches, in E.164 form: a whole number for `exact`, a
/// leading part of one (`+4477009`) for `prefix`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct NumberPattern(String);

impl NumberPattern {
    pub fn parse(input: &str, kind: MatchKind, region: Region) -> Result<Self, String> {
        match kind {
            MatchKind::Exact => PhoneNumber::parse(input, region)
                .map(|number| NumberPattern(number.as_str().to_owned()))
                .map_err(|e| e.to_string()),
            MatchKind::Prefix => parse_prefix(input, region).map(NumberPattern),
        }
    }

    pub fn from_stored(value: String) -> Self {
        NumberPattern(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stored rule, as the decision sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NumberRule {
    pub id: i64,
    pub number: NumberPattern,
    #[serde(rename = "match")]
    pub match_kind: MatchKind,
    pub action: RuleAction,
    pub reason: String,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl NumberRule {
    pub fn matches(&self, number: &PhoneNumber, now: chrono::DateTime<chrono::Utc>) -> bool {
        let live = self.expires_at.is_none_or(|expiry| expiry > now);
        let hit = match self.match_kind {
            MatchKind::Exact => number.as_str() == self.number.as_str(),
            MatchKind::Prefix => number.as_str().starts_with(self.number.as_str()),
        };
        live && hit
    }
}

/// A prefix cannot go through the phone library (it is too short to be a
/// number), so it is normalised by hand: international (`+44…`, `0044…`) as
/// is, national (`07700…`) by swapping the trunk `0` for the region's code.
fn parse_prefix(input: &str, region: Region) -> Result<String, String> {
    let compact: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect();
    let (international, digits) = if let Some(rest) = compact.strip_prefix('+') {
        (true, rest)
    } else if let Some(rest) = compact.strip_prefix("00") {
        (true, rest)
    } else if let Some(rest) = compact.strip_prefix('0') {
        (false, rest)
    } else {
        return Err("must start with +, 00 or a national 0".into());
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("must be digits after the leading + or 0".into());
    }
    if digits.len() > 15 {
        return Err("is longer than any phone number".into());
    }
    if international {
        return Ok(format!("+{digits}"));
    }
    let code = DATABASE
        .by_id(region.id())
        .map(|meta| meta.country_code())
        .ok_or("cannot be read in the configured region")?;
    Ok(format!("+{code}{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gb() -> Region {
        Region::parse("GB").unwrap()
    }

    #[test]
    fn prefixes_are_normalised_to_international_form() {
        for form in ["07700 900", "+44 7700 900", "0044 7700 900"] {
            assert_eq!(
                NumberPattern::parse(form, MatchKind::Prefix, gb())
                    .unwrap()
                    .as_str(),
                "+447700900",
                "{form}"
            );
        }
    }

    #[test]
    fn exact_rules_need_a_whole_number() {
        assert!(NumberPattern::parse("07700", MatchKind::Exact, gb()).is_err());
        assert_eq!(
            NumberPattern::parse("07700 900123", MatchKind::Exact, gb())
                .unwrap()
                .as_str(),
            "+447700900123"
        );
    }

    #[test]
    fn prefixes_that_are_not_digits_are_refused() {
        for bad in ["", "abc", "7700", "+", "0x1"] {
            assert!(
                NumberPattern::parse(bad, MatchKind::Prefix, gb()).is_err(),
                "{bad}"
            );
        }
    }
}
