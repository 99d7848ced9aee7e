//! A lookup's filters as a request writes them (a query string, or a
//! page's form: all text, blank meaning "any") and their reading, each bad
//! value naming its field.

use chrono::{DateTime, Days, Utc};
use chrono_tz::Tz;
use serde::de::value::{Error as DeError, StrDeserializer};
use serde::Deserialize;

use super::Filter;
use crate::decision::calendar::local_midnight;
use crate::decision::Action;
use crate::domain::{
    Channel, Date, Email, FieldError, Moment, PersonId, PhoneNumber, RecordId, Region,
};

/// The filters as given, each `None` or blank for "any".
#[derive(Debug, Clone, Default)]
pub struct FilterText {
    pub person: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub enquiry: Option<String>,
    pub channel: Option<String>,
    pub action: Option<String>,
    pub advisor: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A parsed filter whose enquiry, if one was named (by reference or id),
/// is still to be looked up: `filter.enquiry` is set once it is found.
#[derive(Debug, Clone)]
pub struct Criteria {
    pub filter: Filter,
    pub enquiry: Option<String>,
}

/// The longest enquiry reference and advisor name the API records.
const REFERENCE_MAX: usize = 64;
const ADVISOR_MAX: usize = 100;

impl FilterText {
    /// Reads every filter: numbers in `region`, dates in `tz` (a date in
    /// `to` includes that whole day).
    pub fn parse(&self, region: Region, tz: Tz) -> Result<Criteria, FieldError> {
        let given = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let invalid = |field: &str, message: &str| FieldError::new(field, message);
        let person = given(&self.person)
            .map(|p| match p.parse::<i64>() {
                Ok(id) if id > 0 => Ok(PersonId::from_raw(id)),
                _ => Err(invalid("person", "must be a person's id (a whole number)")),
            })
            .transpose()?;
        let phone = given(&self.phone)
            .map(|p| PhoneNumber::parse(&p, region).map_err(|e| invalid("phone", &e.to_string())))
            .transpose()?;
        let email = given(&self.email)
            .map(|e| Email::parse(&e).map_err(|m| invalid("email", m)))
            .transpose()?;
        let enquiry = given(&self.enquiry)
            .map(|e| {
                one_line(&e, REFERENCE_MAX)
                    .ok_or_else(|| invalid("enquiry", "must be an enquiry's reference or id"))
            })
            .transpose()?;
        let channel = given(&self.channel)
            .map(|c| {
                word::<Channel>(&c).ok_or_else(|| {
                    invalid("channel", "must be phone, email, web, letter or in_person")
                })
            })
            .transpose()?;
        let action = given(&self.action)
            .map(|a| {
                word::<Action>(&a)
                    .ok_or_else(|| invalid("action", "must be route, announce, divert or block"))
            })
            .transpose()?;
        let advisor = given(&self.advisor)
            .map(|a| {
                one_line(&a, ADVISOR_MAX).ok_or_else(|| {
                    invalid(
                        "advisor",
                        "must be an advisor's name: one line, at most 100 characters",
                    )
                })
            })
            .transpose()?;
        let from = given(&self.from)
            .map(|f| bound(&f, tz, Edge::Start).map_err(|m| invalid("from", &m)))
            .transpose()?;
        let before = given(&self.to)
            .map(|t| bound(&t, tz, Edge::End).map_err(|m| invalid("to", &m)))
            .transpose()?;
        if let (Some(from), Some(before)) = (from, before) {
            if before <= from {
                return Err(invalid("to", "must not be before from"));
            }
        }
        Ok(Criteria {
            filter: Filter {
                person,
                phone,
                email,
                enquiry: None,
                channel,
                action,
                advisor,
                from_ms: from,
                before_ms: before,
            },
            enquiry,
        })
    }
}

/// `value` if it is one line of at most `max` characters.
fn one_line(value: &str, max: usize) -> Option<String> {
    (value.chars().count() <= max && !value.chars().any(char::is_control)).then(|| value.to_owned())
}

/// A word read through the enum's own serde names, so the spellings the
/// API writes and reads cannot drift apart.
fn word<T: for<'de> Deserialize<'de>>(text: &str) -> Option<T> {
    T::deserialize(StrDeserializer::<DeError>::new(text)).ok()
}

#[derive(Clone, Copy)]
pub enum Edge {
    /// `from`: the first millisecond included.
    Start,
    /// `to`: the first millisecond no longer included.
    End,
}

/// A `from` or `to` as milliseconds since the epoch: a date is its whole
/// day in the service's timezone (`from` its first instant, `to` the first
/// instant of the next day, so the day is included), a moment is itself
/// (`to` included).
pub fn bound(text: &str, tz: Tz, edge: Edge) -> Result<i64, String> {
    let refused = || {
        "must be a date (YYYY-MM-DD) or a date and time in RFC 3339 form \
         (2026-11-30T09:15:00Z), from 2000 to 2100"
            .to_owned()
    };
    if text.len() == 10 {
        let date = Date::parse(text).map_err(|_| refused())?.get();
        let day = match edge {
            Edge::Start => date,
            Edge::End => date.checked_add_days(Days::new(1)).ok_or_else(refused)?,
        };
        return Ok(local_midnight(day, tz).timestamp_millis());
    }
    let at: DateTime<Utc> = Moment::parse(text).map_err(|_| refused())?.get();
    let ms = at.timestamp_millis();
    // Contacts are timed to the millisecond: a bound between two
    // milliseconds includes the contacts the moment itself would.
    let partial = at.timestamp_subsec_nanos() % 1_000_000 != 0;
    Ok(match edge {
        Edge::Start => ms + i64::from(partial),
        Edge::End => ms + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    fn parse(text: FilterText) -> Result<Criteria, FieldError> {
        text.parse(Region::parse("GB").unwrap(), London)
    }

    fn day(date: &str) -> FilterText {
        FilterText {
            from: Some(date.into()),
            to: Some(date.into()),
            ..FilterText::default()
        }
    }

    #[test]
    fn a_day_runs_from_local_midnight_to_local_midnight_across_the_clock_changes() {
        let hours = |date: &str| {
            let filter = parse(day(date)).unwrap().filter;
            (filter.before_ms.unwrap() - filter.from_ms.unwrap()) / 3_600_000
        };
        assert_eq!(hours("2026-03-29"), 23);
        assert_eq!(hours("2026-10-25"), 25);
        assert_eq!(hours("2026-07-01"), 24);
        let summer = parse(day("2026-07-01")).unwrap().filter;
        assert_eq!(
            summer.from_ms,
            Some(
                Moment::parse("2026-06-30T23:00:00Z")
                    .unwrap()
                    .get()
                    .timestamp_millis()
            )
        );
    }

    #[test]
    fn blank_filters_mean_any_and_bad_ones_name_their_field() {
        let blank = FilterText {
            phone: Some("  ".into()),
            channel: Some(String::new()),
            ..FilterText::default()
        };
        assert_eq!(parse(blank).unwrap().filter, Filter::default());
        let refused = |text: FilterText| parse(text).unwrap_err().field;
        let with = |set: fn(&mut FilterText)| {
            let mut text = FilterText::default();
            set(&mut text);
            text
        };
        assert_eq!(refused(with(|t| t.person = Some("-3".into()))), "person");
        assert_eq!(refused(with(|t| t.phone = Some("07700".into()))), "phone");
        assert_eq!(
            refused(with(|t| t.channel = Some("Phone".into()))),
            "channel"
        );
        assert_eq!(
            refused(with(|t| t.action = Some("routed".into()))),
            "action"
        );
        assert_eq!(refused(with(|t| t.to = Some("2026-02-30".into()))), "to");
        assert_eq!(
            refused(with(|t| {
                t.from = Some("2026-07-01T12:00:00Z".into());
                t.to = Some("2026-07-01T11:59:59Z".into());
            })),
            "to"
        );
    }

    #[test]
    fn a_moment_between_two_milliseconds_keeps_the_contacts_it_covers() {
        let text = FilterText {
            from: Some("2026-07-01T12:00:00.0005Z".into()),
            to: Some("2026-07-01T12:00:00.0015Z".into()),
            ..FilterText::default()
        };
        let filter = parse(text).unwrap().filter;
        let noon = Moment::parse("2026-07-01T12:00:00Z")
            .unwrap()
            .get()
            .timestamp_millis();
        // Only the contact at 12:00:00.001 lies between them.
        assert_eq!(
            (filter.from_ms, filter.before_ms),
            (Some(noon + 1), Some(noon + 2))
        );
    }
}
