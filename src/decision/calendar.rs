//! Calendar arithmetic in the service's timezone: where a day, week
//! (Monday start) or month begins, and the local day and time of a moment.

use chrono::{
    DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
    Weekday,
};
use chrono_tz::Tz;

use crate::domain::Period;

/// The local date of `now`.
pub fn local_date(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// The local weekday and wall-clock time of `now`.
pub fn local_day_and_time(now: DateTime<Utc>, tz: Tz) -> (Weekday, NaiveTime) {
    let local = now.with_timezone(&tz);
    (local.weekday(), local.time())
}

/// The instant the calendar `period` holding `now` began, in local time.
pub fn period_start(period: Period, now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    local_midnight(first_day(period, local_date(now, tz)), tz)
}

/// The instant the calendar `period` after the one holding `now` begins:
/// the next local midnight, Monday or 1st.
pub fn next_period_start(period: Period, now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let first = first_day(period, local_date(now, tz));
    let next = match period {
        Period::Day => first + Days::new(1),
        Period::Week => first + Days::new(7),
        Period::Month => first + Months::new(1),
    };
    local_midnight(next, tz)
}

/// The first local day of the calendar `period` holding `today`.
fn first_day(period: Period, today: NaiveDate) -> NaiveDate {
    match period {
        Period::Day => today,
        Period::Week => today - Days::new(u64::from(today.weekday().num_days_from_monday())),
        Period::Month => today.with_day(1).unwrap_or(today),
    }
}

/// The instants in `(from, to]` at which the clocks change in `tz`, found
/// a day at a time by halving (chrono-tz does not list its transitions). A
/// zone changes its clocks at most once in a day.
pub fn clock_changes(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> Vec<DateTime<Utc>> {
    let offset = |secs: i64| {
        tz.offset_from_utc_datetime(&instant(secs).naive_utc())
            .fix()
    };
    let (end, day) = (to.timestamp(), 24 * 60 * 60);
    let mut changes = Vec::new();
    let mut before = from.timestamp();
    while before < end {
        let mut after = (before + day).min(end);
        let next = after;
        if offset(before) != offset(after) {
            // Whole seconds: clocks change on a second, so this is exact.
            // `before` is in the old offset, `after` in the new one.
            let changed = offset(after);
            while after - before > 1 {
                let mid = before + (after - before) / 2;
                if offset(mid) == changed {
                    after = mid;
                } else {
                    before = mid;
                }
            }
            changes.push(instant(after));
        }
        before = next;
    }
    changes
}

fn instant(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// The first instant of `date` in `tz`. Where a zone skips midnight (some
/// do for DST), the day begins at the first local time that exists.
pub fn local_midnight(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut candidate: NaiveDateTime = date.and_time(NaiveTime::MIN);
    for _ in 0..4 {
        if let Some(instant) = tz.from_local_datetime(&candidate).earliest() {
            return instant.with_timezone(&Utc);
        }
        candidate += chrono::Duration::minutes(30);
    }
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_london_summer_day_starts_at_23_00_utc_the_evening_before() {
        assert_eq!(
            period_start(Period::Day, utc("2026-07-15T10:00:00Z"), London),
            utc("2026-07-14T23:00:00Z")
        );
    }

    #[test]
    fn a_london_winter_day_starts_at_midnight_utc() {
        assert_eq!(
            period_start(Period::Day, utc("2026-01-15T10:00:00Z"), London),
            utc("2026-01-15T00:00:00Z")
        );
    }

    #[test]
    fn the_day_the_clocks_go_forward_starts_at_midnight_gmt() {
        // 29 March 2026: 01:00 GMT becomes 02:00 BST.
        let day = period_start(Period::Day, utc("2026-03-29T12:00:00Z"), London);
        assert_eq!(day, utc("2026-03-29T00:00:00Z"));
        let next = period_start(Period::Day, utc("2026-03-30T00:30:00Z"), London);
        assert_eq!(next, utc("2026-03-29T23:00:00Z"));
        assert_eq!((next - day).num_hours(), 23);
    }

    #[test]
    fn the_day_the_clocks_go_back_lasts_25_hours() {
        // 25 October 2026: 02:00 BST becomes 01:00 GMT.
        let day = period_start(Period::Day, utc("2026-10-25T12:00:00Z"), London);
        assert_eq!(day, utc("2026-10-24T23:00:00Z"));
        let next = period_start(Period::Day, utc("2026-10-26T00:30:00Z"), London);
        assert_eq!((next - day).num_hours(), 25);
    }

    #[test]
    fn a_call_at_00_30_bst_belongs_to_the_new_local_day() {
        // 23:30 UTC on 14 July is 00:30 on 15 July in London.
        assert_eq!(
            local_date(utc("2026-07-14T23:30:00Z"), London),
            NaiveDate::from_ymd_opt(2026, 7, 15).unwrap()
        );
    }

    #[test]
    fn weeks_start_on_monday_local_time() {
        // Sunday 29 November 2026, late evening.
        assert_eq!(
            period_start(Period::Week, utc("2026-11-29T22:00:00Z"), London),
            utc("2026-11-23T00:00:00Z")
        );
        // Monday 30 November just after midnight starts a new week.
        assert_eq!(
            period_start(Period::Week, utc("2026-11-30T00:01:00Z"), London),
            utc("2026-11-30T00:00:00Z")
        );
    }

    #[test]
    fn a_week_spanning_the_october_change_starts_in_summer_time() {
        // Monday 19 October 2026 00:00 BST is 23:00 UTC on the Sunday.
        assert_eq!(
            period_start(Period::Week, utc("2026-10-25T12:00:00Z"), London),
            utc("2026-10-18T23:00:00Z")
        );
    }

    #[test]
    fn months_start_on_the_first_local_midnight() {
        assert_eq!(
            period_start(Period::Month, utc("2026-04-30T22:59:00Z"), London),
            utc("2026-03-31T23:00:00Z")
        );
        // 23:00 UTC on 30 April is already 1 May in London.
        assert_eq!(
            period_start(Period::Month, utc("2026-04-30T23:00:00Z"), London),
            utc("2026-04-30T23:00:00Z")
        );
    }

    #[test]
    fn the_next_period_starts_at_the_next_local_midnight_monday_or_first() {
        let now = utc("2026-03-28T12:00:00Z"); // Saturday, GMT
        assert_eq!(
            next_period_start(Period::Day, now, London),
            utc("2026-03-29T00:00:00Z")
        );
        // Monday 30 March begins in summer time.
        assert_eq!(
            next_period_start(Period::Week, now, London),
            utc("2026-03-29T23:00:00Z")
        );
        assert_eq!(
            next_period_start(Period::Month, now, London),
            utc("2026-03-31T23:00:00Z")
        );
        // From the last instant of a month to the first of the next year.
        assert_eq!(
            next_period_start(Period::Month, utc("2026-12-31T23:59:59Z"), London),
            utc("2027-01-01T00:00:00Z")
        );
    }

    #[test]
    fn the_clocks_change_at_one_in_the_morning_utc_on_their_two_sundays() {
        let year = clock_changes(
            utc("2026-01-01T00:00:00Z"),
            utc("2027-01-01T00:00:00Z"),
            London,
        );
        assert_eq!(
            year,
            [utc("2026-03-29T01:00:00Z"), utc("2026-10-25T01:00:00Z")]
        );
        // A change at either end of the span: after `from`, up to `to`.
        let at = utc("2026-03-29T01:00:00Z");
        assert!(clock_changes(at, at + chrono::Duration::days(1), London).is_empty());
        assert_eq!(
            clock_changes(at - chrono::Duration::days(1), at, London),
            [at]
        );
        assert!(clock_changes(
            utc("2026-07-01T00:00:00Z"),
            utc("2026-07-09T00:00:00Z"),
            London
        )
        .is_empty());
        // New York changes at 02:00 local, on other Sundays.
        assert_eq!(
            clock_changes(
                utc("2026-03-02T00:00:00Z"),
                utc("2026-03-10T00:00:00Z"),
                chrono_tz::America::New_York
            ),
            [utc("2026-03-08T07:00:00Z")]
        );
    }

    #[test]
    fn local_time_follows_summer_time() {
        let (day, time) = local_day_and_time(utc("2026-07-14T09:30:00Z"), London);
        assert_eq!(day, Weekday::Tue);
        assert_eq!(time, NaiveTime::from_hms_opt(10, 30, 0).unwrap());
    }
}
