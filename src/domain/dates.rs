//! Dates and moments as the record holds them: written one way, in the
//! years 2000 to 2100, so that nothing absurd (year 10000, year 1) is
//! recorded or compared.

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// The first and last years a date in the record may fall in. A helpline's
/// record has nothing before 2000, and nothing agreed today reaches past
/// 2100; outside them a date is a typo, not a plan.
pub const FIRST_YEAR: i32 = 2000;
pub const LAST_YEAR: i32 = 2100;

/// How far ahead of the service's clock a contact may be dated: enough
/// for a client's clock a little ahead, not enough to pre-date a contact.
pub const CONTACT_CLOCK_SKEW: Duration = Duration::minutes(1);

/// Whether a year is one the record may hold.
pub fn in_range(year: i32) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&year)
}

/// A calendar date written `YYYY-MM-DD`, in the years 2000 to 2100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Date(NaiveDate);

impl Date {
    pub fn parse(input: &str) -> Result<Self, String> {
        let refused = || {
            format!(
                "must be a date from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31, written YYYY-MM-DD"
            )
        };
        // Exactly `DDDD-DD-DD`: chrono alone would also read `+10000-01-01`,
        // `2026-1-5` and `+2000-01-1`.
        let shaped = input.len() == 10
            && input.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        if !shaped {
            return Err(refused());
        }
        NaiveDate::parse_from_str(input, "%Y-%m-%d")
            .ok()
            .filter(|d| in_range(chrono::Datelike::year(d)))
            .map(Date)
            .ok_or_else(refused)
    }

    pub fn get(self) -> NaiveDate {
        self.0
    }
}

impl From<Date> for NaiveDate {
    fn from(date: Date) -> Self {
        date.0
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A moment written in RFC 3339 (`2026-11-30T09:15:00Z`, any offset), in
/// the years 2000 to 2100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Moment(DateTime<Utc>);

impl Moment {
    pub fn parse(input: &str) -> Result<Self, String> {
        let refused = || {
            format!(
                "must be a date and time from {FIRST_YEAR} to {LAST_YEAR} in RFC 3339 form, \
                 e.g. 2026-11-30T09:15:00Z"
            )
        };
        DateTime::parse_from_rfc3339(input)
            .ok()
            .map(|at| at.with_timezone(&Utc))
            .filter(|at| in_range(chrono::Datelike::year(at)))
            .map(Moment)
            .ok_or_else(refused)
    }

    pub fn get(self) -> DateTime<Utc> {
        self.0
    }

    /// A contact's time: not more than [`CONTACT_CLOCK_SKEW`] after `now`.
    pub fn of_contact(self, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
        if self.0 > now + CONTACT_CLOCK_SKEW {
            return Err("must not be in the future".into());
        }
        Ok(self.0)
    }
}

impl<'de> Deserialize<'de> for Moment {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Moment::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_only_in_their_one_form_and_range() {
        assert_eq!(Date::parse("2026-11-30").unwrap().to_string(), "2026-11-30");
        assert!(Date::parse("2000-01-01").is_ok());
        assert!(Date::parse("2100-12-31").is_ok());
        for bad in [
            "+10000-01-01",
            "1999-12-31",
            "2101-01-01",
            "0001-01-01",
            "2026-1-5",
            "+2000-01-1",
            "2026-02-30",
            "26-11-30",
            "2026-11-30T00:00",
            "",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn moments_are_rfc_3339_within_the_range() {
        let at = Moment::parse("2026-11-30T10:15:00+01:00").unwrap().get();
        assert_eq!(at.to_rfc3339(), "2026-11-30T09:15:00+00:00");
        for bad in [
            "+10000-01-01T00:00:00Z",
            "1999-12-31T23:59:59Z",
            "2101-01-01T00:00:00Z",
            "2026-11-30",
            "yesterday",
        ] {
            assert!(Moment::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_contact_may_be_dated_at_most_a_minute_ahead() {
        let now = Moment::parse("2026-11-30T09:00:00Z").unwrap().get();
        let at = |s: &str| Moment::parse(s).unwrap().of_contact(now);
        assert!(at("2026-11-30T09:01:00Z").is_ok());
        assert!(at("2026-11-30T09:01:01Z").is_err());
        assert!(at("2020-01-01T00:00:00Z").is_ok());
    }
}
