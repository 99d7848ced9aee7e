//! The dates a report covers, read from `from` and `to` with defaults and a
//! bound, and the days, weeks (from Monday) or months it is cut into, each
//! with the instants it begins and ends in the service's timezone.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::decision::calendar::local_midnight;
use crate::domain::{Date, FieldError, Period};

/// From `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// The range a request names. `to` defaults to `today`, `from` to
    /// `default_days` days ending on `to`; a range may not end before it
    /// starts nor hold more than `max_days` days. An error names the field
    /// the request gave (`to` when both or neither were given).
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
        default_days: u32,
        max_days: u32,
    ) -> Result<DateRange, FieldError> {
        let date = |field: &str, value: &str| {
            Date::parse(value)
                .map(Date::get)
                .map_err(|m| FieldError::new(field, m))
        };
        let to_date = to.map(|v| date("to", v)).transpose()?.unwrap_or(today);
        let from_date = match from {
            Some(v) => date("from", v)?,
            None => to_date - Days::new(u64::from(default_days.max(1) - 1)),
        };
        let blamed = if from.is_some() && to.is_none() {
            "from"
        } else {
            "to"
        };
        if from_date > to_date {
            return Err(FieldError::new(
                blamed,
                format!("the range from {from_date} to {to_date} ends before it starts"),
            ));
        }
        let days = (to_date - from_date).num_days() + 1;
        if days > i64::from(max_days) {
            return Err(FieldError::new(
                blamed,
                format!("the range holds {days} days; a report covers at most {max_days}"),
            ));
        }
        Ok(DateRange {
            from: from_date,
            to: to_date,
        })
    }

    /// The first instant of `from` in `tz`.
    pub fn start(&self, tz: Tz) -> DateTime<Utc> {
        local_midnight(self.from, tz)
    }

    /// The first instant after `to` in `tz`.
    pub fn end(&self, tz: Tz) -> DateTime<Utc> {
        local_midnight(self.to + Days::new(1), tz)
    }
}

/// `group` as a request gives it: `day` (the default), `week` or `month`.
pub fn parse_grouping(group: Option<&str>) -> Result<Period, FieldError> {
    match group.unwrap_or("day") {
        "day" => Ok(Period::Day),
        "week" => Ok(Period::Week),
        "month" => Ok(Period::Month),
        _ => Err(FieldError::new("group", "must be day, week or month")),
    }
}

/// One period of a report: the dates it covers (a calendar week or month
/// cut to the range at either end) and the instants between which its
/// contacts fall, local midnight to local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: NaiveDate,
    pub end: NaiveDate,
    #[serde(skip)]
    pub from: DateTime<Utc>,
    #[serde(skip)]
    pub until: DateTime<Utc>,
}

/// The first day of the calendar period after the one holding `date`.
fn next_period(date: NaiveDate, group: Period) -> NaiveDate {
    match group {
        Period::Day => date + Days::new(1),
        Period::Week => date + Days::new(7 - u64::from(date.weekday().num_days_from_monday())),
        Period::Month => date.with_day(1).unwrap_or(date) + Months::new(1),
    }
}

/// Every period of `range` by `group`, empty or not, in order. More than
/// `max` is refused, naming `to`; the message suggests a coarser grouping.
pub fn periods(
    range: DateRange,
    group: Period,
    tz: Tz,
    max: usize,
) -> Result<Vec<Span>, FieldError> {
    let mut spans = Vec::new();
    let mut start = range.from;
    while start <= range.to {
        if spans.len() == max {
            return Err(FieldError::new(
                "to",
                format!(
                    "the range from {} to {} holds more than {max} periods; \
                     shorten it or group by week or month",
                    range.from, range.to
                ),
            ));
        }
        let next = next_period(start, group).min(range.to + Days::new(1));
        spans.push(Span {
            start,
            end: next - Days::new(1),
            from: local_midnight(start, tz),
            until: local_midnight(next, tz),
        });
        start = next;
    }
    Ok(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn range(from: &str, to: &str) -> DateRange {
        DateRange {
            from: d(from),
            to: d(to),
        }
    }

    #[test]
    fn a_range_defaults_to_the_last_days_ending_today() {
        let today = d("2026-11-30");
        assert_eq!(
            DateRange::parse(None, None, today, 30, 1000).unwrap(),
            range("2026-11-01", "2026-11-30")
        );
        assert_eq!(
            DateRange::parse(None, Some("2026-03-31"), today, 30, 1000).unwrap(),
            range("2026-03-02", "2026-03-31")
        );
        assert_eq!(
            DateRange::parse(Some("2026-11-29"), None, today, 30, 1000).unwrap(),
            range("2026-11-29", "2026-11-30")
        );
    }

    #[test]
    fn a_bad_range_names_the_field_the_request_gave() {
        let today = d("2026-11-30");
        let field = |from, to| {
            DateRange::parse(from, to, today, 30, 1000)
                .unwrap_err()
                .field
        };
        assert_eq!(field(Some("2026-13-01"), None), "from");
        assert_eq!(field(None, Some("yesterday")), "to");
        assert_eq!(field(Some("2026-12-01"), None), "from");
        assert_eq!(field(Some("2026-03-02"), Some("2026-03-01")), "to");
        assert_eq!(field(Some("2020-01-01"), Some("2026-01-01")), "to");
        assert!(DateRange::parse(Some("2024-03-06"), Some("2026-11-30"), today, 30, 1000).is_ok());
        assert!(DateRange::parse(Some("2024-03-05"), Some("2026-11-30"), today, 30, 1000).is_err());
    }

    #[test]
    fn the_day_the_clocks_go_forward_is_23_hours_and_the_next_starts_at_23_00_utc() {
        let spans = periods(range("2026-03-28", "2026-03-30"), Period::Day, London, 1000).unwrap();
        let hours: Vec<i64> = spans
            .iter()
            .map(|s| (s.until - s.from).num_hours())
            .collect();
        assert_eq!(hours, [24, 23, 24]);
        assert_eq!(
            spans[2].from,
            "2026-03-29T23:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(spans[0].until, spans[1].from);
    }

    #[test]
    fn weeks_run_monday_to_sunday_cut_to_the_range() {
        // Wednesday 25 March to Wednesday 8 April 2026.
        let spans = periods(
            range("2026-03-25", "2026-04-08"),
            Period::Week,
            London,
            1000,
        )
        .unwrap();
        let dates: Vec<(String, String)> = spans
            .iter()
            .map(|s| (s.start.to_string(), s.end.to_string()))
            .collect();
        assert_eq!(
            dates,
            [
                ("2026-03-25".into(), "2026-03-29".into()),
                ("2026-03-30".into(), "2026-04-05".into()),
                ("2026-04-06".into(), "2026-04-08".into()),
            ]
        );
        // The week after the change starts at midnight summer time.
        assert_eq!(
            spans[1].from,
            "2026-03-29T23:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn months_are_calendar_months_cut_to_the_range() {
        let spans = periods(
            range("2026-01-15", "2026-03-31"),
            Period::Month,
            London,
            1000,
        )
        .unwrap();
        let starts: Vec<String> = spans.iter().map(|s| s.start.to_string()).collect();
        assert_eq!(starts, ["2026-01-15", "2026-02-01", "2026-03-01"]);
        assert_eq!(spans[1].end, d("2026-02-28"));
        assert_eq!(
            spans[2].until,
            "2026-03-31T23:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn more_periods_than_the_bound_are_refused_naming_to() {
        let long = range("2026-01-01", "2026-01-10");
        assert_eq!(periods(long, Period::Day, London, 10).unwrap().len(), 10);
        let longer = range("2026-01-01", "2026-01-11");
        assert_eq!(
            periods(longer, Period::Day, London, 10).unwrap_err().field,
            "to"
        );
        // Thursday 1 January to Sunday 11 January: two weeks.
        assert_eq!(periods(longer, Period::Week, London, 10).unwrap().len(), 2);
    }

    #[test]
    fn grouping_is_day_week_or_month() {
        assert_eq!(parse_grouping(None).unwrap(), Period::Day);
        assert_eq!(parse_grouping(Some("month")).unwrap(), Period::Month);
        assert_eq!(parse_grouping(Some("year")).unwrap_err().field, "group");
    }
}
