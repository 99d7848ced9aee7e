//! The person page's chart of contacts per week over the last six months:
//! counted into local weeks (Monday to Sunday, as frequency limits count
//! them) and drawn on the server as inline SVG, with a table of the same
//! numbers for screen readers and for anyone who prefers to read them.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use maud::{html, Markup};

use crate::decision::calendar::{local_date, local_midnight};

/// How many weeks the chart shows: six months, the current week last.
pub const WEEKS: u32 = 26;

/// The Monday of `day`'s week.
fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// The first instant the chart counts from: the local midnight starting
/// the Monday `WEEKS - 1` weeks before this week's.
pub fn since(today: NaiveDate, tz: Tz) -> DateTime<Utc> {
    local_midnight(first_monday(today), tz)
}

fn first_monday(today: NaiveDate) -> NaiveDate {
    monday_of(today) - Days::new(7 * u64::from(WEEKS - 1))
}

/// Each week's Monday and how many of `times` fall in it (in `tz`), oldest
/// first; times before the first week or after today are not counted.
pub fn weekly_counts(times: &[DateTime<Utc>], today: NaiveDate, tz: Tz) -> Vec<(NaiveDate, u32)> {
    let first = first_monday(today);
    let mut weeks: Vec<(NaiveDate, u32)> = (0..WEEKS)
        .map(|i| (first + Days::new(7 * u64::from(i)), 0))
        .collect();
    for at in times {
        let day = local_date(*at, tz);
        if day < first || day > today {
            continue;
        }
        let index = (day - first).num_days() / 7;
        if let Some((_, count)) = weeks.get_mut(index as usize) {
            *count += 1;
        }
    }
    weeks
}

/// The top of the chart's scale: the largest count rounded up to a
/// multiple of 5 (at least 5), so the gridlines fall on round numbers.
fn scale_top(weeks: &[(NaiveDate, u32)]) -> u32 {
    let most = weeks.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    most.div_ceil(5) * 5
}

// The drawing's own units; the CSS scales it to the page's width.
const WIDTH: u32 = 640;
const HEIGHT: u32 = 220;
const LEFT: u32 = 40;
const BOTTOM: u32 = 30;
const TOP: u32 = 10;

/// The chart and its table.
pub fn chart(weeks: &[(NaiveDate, u32)]) -> Markup {
    let top = scale_top(weeks);
    let total: u32 = weeks.iter().map(|(_, n)| *n).sum();
    let busiest = weeks.iter().max_by_key(|(_, n)| *n).copied();
    let plot_h = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT) as f64 / weeks.len().max(1) as f64;
    // One decimal place is finer than any screen shows.
    let y = |n: u32| {
        let at = TOP as f64 + plot_h as f64 * (1.0 - n as f64 / top as f64);
        (at * 10.0).round() / 10.0
    };
    let description = match busiest {
        Some((monday, most)) if total > 0 => format!(
            "{total} {} in the {} weeks from {}; the most in one week was {most}, in the week of {}.",
            if total == 1 { "contact" } else { "contacts" },
            weeks.len(),
            short(weeks[0].0),
            short(monday)
        ),
        _ => format!("No contacts in the {} weeks shown.", weeks.len()),
    };
    html! {
        figure class="chart" {
            svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (HEIGHT) }
                role="img" aria-labelledby="contacts-chart-title contacts-chart-desc" {
                title id="contacts-chart-title" { "Contacts per week, last six months" }
                desc id="contacts-chart-desc" { (description) }
                @for step in 0..=5 {
                    @let n = top * step / 5;
                    line class="chart-grid" x1=(LEFT) x2=(WIDTH) y1=(y(n)) y2=(y(n)) {}
                    text class="chart-label" x=(LEFT - 6) y=(y(n) + 4.0) text-anchor="end" { (n) }
                }
                @for (i, (monday, count)) in weeks.iter().enumerate() {
                    @let x = tenths(LEFT as f64 + slot * i as f64 + slot * 0.15);
                    rect class="chart-bar" x=(x) y=(y(*count)) width=(tenths(slot * 0.7))
                        height=(tenths(y(0) - y(*count))) {}
                    // A date under every fourth week keeps the labels apart.
                    @if i % 4 == 0 {
                        text class="chart-label" x=(x) y=(HEIGHT - 10) { (short(*monday)) }
                    }
                }
            }
            figcaption { "Complaints about the service are not counted." }
        }
        details class="chart-table" {
            summary { "Contacts per week as a table" }
            table {
                caption { "Contacts per week, last six months" }
                thead {
                    tr {
                        th scope="col" { "Week starting" }
                        th scope="col" class="number" { "Contacts" }
                    }
                }
                tbody {
                    @for (monday, count) in weeks {
                        tr {
                            th scope="row" { (monday.format("%-d %B %Y")) }
                            td class="number" { (count) }
                        }
                    }
                }
            }
        }
    }
}

fn tenths(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn short(day: NaiveDate) -> String {
    day.format("%-d %b").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn london() -> Tz {
        "Europe/London".parse().unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_chart_covers_twenty_six_weeks_ending_with_this_one() {
        // Wednesday 11 June 2025.
        let weeks = weekly_counts(&[], day(2025, 6, 11), london());
        assert_eq!(weeks.len(), 26);
        assert_eq!(weeks.last().unwrap().0, day(2025, 6, 9));
        assert_eq!(weeks[0].0, day(2024, 12, 16));
        assert!(weeks
            .iter()
            .all(|(m, _)| m.weekday() == chrono::Weekday::Mon));
    }

    #[test]
    fn a_contact_late_on_sunday_in_summer_counts_in_that_week_not_the_next() {
        // 23:30 on Sunday 8 June in London is 22:30 UTC.
        let late_sunday = Utc.with_ymd_and_hms(2025, 6, 8, 22, 30, 0).unwrap();
        let monday = Utc.with_ymd_and_hms(2025, 6, 8, 23, 30, 0).unwrap();
        let weeks = weekly_counts(&[late_sunday, monday], day(2025, 6, 11), london());
        assert_eq!(weeks[24], (day(2025, 6, 2), 1));
        assert_eq!(weeks[25], (day(2025, 6, 9), 1));
    }

    #[test]
    fn contacts_before_the_first_week_are_not_counted() {
        let today = day(2025, 6, 11);
        let start = since(today, london());
        let before = start - chrono::Duration::seconds(1);
        let weeks = weekly_counts(&[before, start], today, london());
        assert_eq!(weeks.iter().map(|(_, n)| n).sum::<u32>(), 1);
        assert_eq!(weeks[0].1, 1);
    }

    #[test]
    fn the_scale_rounds_up_to_fives() {
        let weeks = |n| vec![(day(2025, 6, 9), n)];
        assert_eq!(scale_top(&weeks(0)), 5);
        assert_eq!(scale_top(&weeks(5)), 5);
        assert_eq!(scale_top(&weeks(6)), 10);
    }

    #[test]
    fn the_chart_says_in_words_what_it_shows() {
        let mut weeks = weekly_counts(&[], day(2025, 6, 11), london());
        weeks[3].1 = 4;
        weeks[7].1 = 2;
        let html = chart(&weeks).into_string();
        assert!(
            html.contains("6 contacts in the 26 weeks from 16 Dec"),
            "{html}"
        );
        assert!(html.contains("the most in one week was 4, in the week of 6 Jan"));
        assert!(html.contains("<th scope=\"row\">6 January 2025</th><td class=\"number\">4</td>"));
    }
}
