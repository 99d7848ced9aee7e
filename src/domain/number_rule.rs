//! Number rules: block or allow entries for one number or a number range,
//! matched against the caller before anything else is looked at.

use phonenumber::metadata::DATABASE;
use phonenumber::Metadata;
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

/// Digits of the national number a prefix needs after its country code,
/// unless the supervisor says the rule is meant to be broad: `+44 7700`
/// names one range, while `+4` or `07` would block a whole country or
/// every mobile.
pub const MIN_PREFIX_DIGITS: usize = 4;

impl NumberPattern {
    /// A whole number (`exact`), or a prefix of at least the country code
    /// and [`MIN_PREFIX_DIGITS`] more digits (`prefix`).
    pub fn parse(input: &str, kind: MatchKind, region: Region) -> Result<Self, String> {
        match kind {
            MatchKind::Exact => PhoneNumber::parse(input, region)
                .map(|number| NumberPattern(number.as_str().to_owned()))
                .map_err(|e| e.to_string()),
            MatchKind::Prefix => parse_prefix(input, region, MIN_PREFIX_DIGITS).map(NumberPattern),
        }
    }

    /// A prefix that may be as short as a country code (`+44`), for a
    /// supervisor who means to cover that much and says so (`broad`).
    pub fn parse_broad(input: &str, region: Region) -> Result<Self, String> {
        parse_prefix(input, region, 0).map(NumberPattern)
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
    pub id: super::NumberRuleId,
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
/// number), so it is read here with the library's metadata. `+`, or the
/// configured region's international prefix (`00`; `011` in the US), starts
/// an international form, whose country code must be one the library
/// knows. Anything else is national and loses the region's national
/// (trunk) prefix: `0` in GB and DE, `06` in HU, `1` in the US, where it is
/// often left out; Italy has none, so its leading `0` stays. A trunk prefix
/// written after the country code (`+44 (0)7700`, `+36 06 30`) is dropped,
/// as the number would otherwise match no caller.
fn parse_prefix(input: &str, region: Region, min_digits: usize) -> Result<String, String> {
    if input
        .chars()
        .any(|c| !(c.is_ascii_digit() || " +-().".contains(c)))
    {
        return Err("may hold only digits, spaces and + - . ( )".into());
    }
    let compact: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect();
    let home = DATABASE
        .by_id(region.id())
        .ok_or("cannot be read in the configured region")?;
    let (code, national) = if let Some(rest) = compact.strip_prefix('+') {
        international(rest)?
    } else if let Some(rest) = home
        .international_prefix()
        .and_then(|prefix| prefix.find(&compact))
        .filter(|found| found.start() == 0)
        .map(|found| &compact[found.end()..])
    {
        international(rest)?
    } else {
        (home.country_code(), national_number(&compact, home)?)
    };
    if national.len() < min_digits {
        return Err(format!(
            "is too short: name the country code and at least {min_digits} more digits \
             (e.g. +{code} 7700), or say \"broad\": true to cover a whole country or range"
        ));
    }
    if code.to_string().len() + national.len() > 15 {
        return Err("is longer than any phone number".into());
    }
    Ok(format!("+{code}{national}"))
}

/// The country code and national digits of what follows `+` (or the
/// international prefix). Country codes are prefix-free, so the first one
/// found is the one meant.
fn international(digits: &str) -> Result<(u16, String), String> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("must be digits after the leading + or international prefix".into());
    }
    for len in 1..=digits.len().min(3) {
        let Ok(code) = digits[..len].parse::<u16>() else {
            continue;
        };
        let Some(metas) = DATABASE.by_code(&code) else {
            continue;
        };
        let main = metas
            .iter()
            .find(|meta| meta.is_main_country_for_code())
            .or(metas.first())
            .ok_or("names an unknown country code")?;
        let rest = &digits[len..];
        // Only a trunk prefix that starts with 0: where it is another digit
        // (Russia's 8), national numbers may start with that digit too.
        let rest = match main.national_prefix() {
            Some(trunk) if trunk.starts_with('0') => rest.strip_prefix(trunk).unwrap_or(rest),
            _ => rest,
        };
        no_leading_zero(rest, main)?;
        return Ok((code, rest.to_owned()));
    }
    Err("does not start with a whole country code (e.g. +44)".into())
}

/// The national significant digits of a number written the national way.
fn national_number(digits: &str, home: &Metadata) -> Result<String, String> {
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("may hold a + only at the start".into());
    }
    let national = match home.national_prefix() {
        Some(trunk) => match digits.strip_prefix(trunk) {
            Some(rest) => rest,
            // Written without the trunk prefix. Only where that prefix is not
            // a 0 (the US's 1) is this how people write numbers; elsewhere
            // (`7700 900` in GB) it is more likely a slip.
            None if !trunk.starts_with('0') => digits,
            None => {
                let abroad = home
                    .preferred_international_prefix()
                    .or(home.international_prefix().map(|p| p.as_str()))
                    .unwrap_or("00");
                return Err(format!(
                    "must start with +, {abroad} or the national prefix {trunk}"
                ));
            }
        },
        None => digits,
    };
    no_leading_zero(national, home)?;
    Ok(national.to_owned())
}

/// Where there is a national prefix, no national number starts with 0 (it
/// would read as the prefix), so one that does was mistyped: `+36 0 30`
/// would match no caller.
fn no_leading_zero(national: &str, meta: &Metadata) -> Result<(), String> {
    if meta.national_prefix().is_some() && national.starts_with('0') {
        return Err(format!(
            "has a 0 where a national number in {} cannot have one",
            meta.id()
        ));
    }
    Ok(())
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

    fn prefix(input: &str, region: &str) -> Result<String, String> {
        NumberPattern::parse(input, MatchKind::Prefix, Region::parse(region).unwrap())
            .map(|p| p.as_str().to_owned())
    }

    #[test]
    fn a_trunk_zero_in_brackets_or_after_the_country_code_is_dropped() {
        for form in [
            "+44 (0)7700 900",
            "+44(0)7700900",
            "0044 (0)7700 900",
            "+44 07700 900",
            "(0)7700 900",
        ] {
            assert_eq!(prefix(form, "GB").as_deref(), Ok("+447700900"), "{form}");
        }
    }

    #[test]
    fn german_prefixes_lose_the_trunk_zero() {
        for form in ["030 1234", "+49 30 1234", "+49 (0)30 1234", "0049 30 1234"] {
            assert_eq!(prefix(form, "DE").as_deref(), Ok("+49301234"), "{form}");
        }
    }

    #[test]
    fn italian_prefixes_keep_their_leading_zero() {
        // Italy has no trunk prefix: the 0 of 06 (Rome) is part of the number.
        for form in ["06 6982", "+39 06 6982", "0039 06 6982"] {
            assert_eq!(prefix(form, "IT").as_deref(), Ok("+39066982"), "{form}");
        }
        assert_eq!(prefix("347 1234", "IT").as_deref(), Ok("+393471234"));
    }

    #[test]
    fn hungarian_prefixes_lose_the_trunk_prefix_06() {
        for form in [
            "06 30 123 4",
            "+36 30 123 4",
            "+36 (06) 30 123 4",
            "0036 30 1234",
        ] {
            assert_eq!(prefix(form, "HU").as_deref(), Ok("+36301234"), "{form}");
        }
        // A lone 0 is not Hungary's trunk prefix: refused, not stored as
        // +36030…, which no caller has.
        assert!(prefix("+36 0 30 1234", "HU").is_err());
        assert!(prefix("30 1234", "HU").is_err());
    }

    #[test]
    fn us_prefixes_are_read_with_or_without_the_trunk_1() {
        for form in [
            "1 212 555",
            "(212) 555",
            "212-555",
            "+1 212 555",
            "011 1 212 555",
        ] {
            assert_eq!(prefix(form, "US").as_deref(), Ok("+1212555"), "{form}");
        }
        // 011 is the US international prefix; 00 is not, and no US number
        // starts with 0.
        assert_eq!(prefix("011 44 7700 9", "US").as_deref(), Ok("+4477009"));
        assert!(prefix("0044 7700 9", "US").is_err());
    }

    #[test]
    fn a_prefix_needs_the_country_code_and_four_more_digits() {
        for short in ["+4", "+44", "07", "0770", "+44 770", "+1 212"] {
            let err = prefix(short, if short.starts_with("+1") { "US" } else { "GB" });
            assert!(err.is_err(), "{short} was accepted as {err:?}");
        }
        assert_eq!(prefix("07700", "GB").as_deref(), Ok("+447700"));
        assert_eq!(prefix("+1 2125", "US").as_deref(), Ok("+12125"));
    }

    #[test]
    fn a_broad_prefix_may_be_a_whole_country_but_must_name_one() {
        let gb = gb();
        let broad = |input: &str| NumberPattern::parse_broad(input, gb).map(|p| p.0);
        assert_eq!(broad("+44").as_deref(), Ok("+44"));
        assert_eq!(broad("07").as_deref(), Ok("+447"));
        assert_eq!(broad("+1").as_deref(), Ok("+1"));
        for bad in ["+4", "+", "+999", "7", "abc"] {
            assert!(broad(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn prefixes_longer_than_a_number_are_refused() {
        assert!(prefix("+44 7700 900 123 4567", "GB").is_err());
    }

    #[test]
    fn prefixes_that_are_not_digits_are_refused() {
        for bad in ["", "abc", "7700", "+", "0x1", "44+7700", "+44 7700 9OO"] {
            assert!(
                NumberPattern::parse(bad, MatchKind::Prefix, gb()).is_err(),
                "{bad}"
            );
        }
    }
}
