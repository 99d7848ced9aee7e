//! Calendar arithmetic in the service's timezone: where a day, week
//! (Monday start) or month begins, and the local day and time of a moment.

use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
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
    let today = local_date(now, tz);
    let first_day = match period {
        Period::Day => today,
        Period::Week => today - Days::new(u64::from(today.weekday().num_days_from_monday())),
        Period::Month => today.with_day(1).unwrap_or(today),
    };
    local_midnight(first_day, tz)
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
    fn local_time_follows_summer_time() {
        let (day, time) = local_day_and_time(utc("2026-07-14T09:30:00Z"), London);
        assert_eq!(day, Weekday::Tue);
        assert_eq!(time, NaiveTime::from_hms_opt(10, 30, 0).unwrap());
    }
}
