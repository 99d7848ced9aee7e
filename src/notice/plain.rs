//! What a measure asks of the person, in plain words for a letter: "no more
//! than 2 calls a day", not `frequency_limit {max_contacts: 2, per: day}`.
//! The template may use these lines or build its own from the fields.

use chrono::{NaiveTime, Weekday};

use crate::domain::{ChannelScope, MeasureKind, Period, Window};

/// The measure's terms as sentences a letter can list.
pub fn terms(kind: &MeasureKind) -> Vec<String> {
    match kind {
        MeasureKind::FrequencyLimit {
            max_contacts,
            per,
            channels,
        } => {
            let what = match (channels, *max_contacts == 1) {
                (ChannelScope::Phone, true) => "call",
                (ChannelScope::Phone, false) => "calls",
                (ChannelScope::All, true) => "contact (by phone, email, letter or in person)",
                (ChannelScope::All, false) => "contacts (by phone, email, letter or in person)",
            };
            let period = match per {
                Period::Day => "a day",
                Period::Week => "a week, counted from Monday",
                Period::Month => "a calendar month, counted from the 1st",
            };
            vec![format!("no more than {max_contacts} {what} {period}")]
        }
        MeasureKind::ContactWindows { windows } => windows.iter().map(window).collect(),
        MeasureKind::SinglePointOfContact { advisor, .. } => vec![match advisor {
            Some(advisor) => format!("your named contact is {advisor}"),
            None => "calls put through to your one named contact".to_owned(),
        }],
        MeasureKind::OpenEnquiriesOnly => {
            vec!["calls only about the enquiries you have open with us".to_owned()]
        }
        MeasureKind::NewIssuesOnly => vec![
            "calls only about new issues, not about matters we have already answered".to_owned(),
        ],
        MeasureKind::ChangeRequested { details } => {
            vec![format!("we have asked you to: {details}")]
        }
        MeasureKind::StyleWarning { details, prompt } => {
            let mut lines = vec![format!("please stop: {details}")];
            if prompt.is_some() {
                lines.push(
                    "when you call us, you will first hear a short recorded reminder of this, \
                     then be put through as usual"
                        .to_owned(),
                );
            }
            lines
        }
        MeasureKind::Other { details } => vec![format!("we have agreed: {details}")],
        MeasureKind::Block => {
            vec!["we will not take your calls, except on the urgent option (see below)".to_owned()]
        }
    }
}

/// "calls on Tuesdays and Thursdays between 10:00 and 12:00".
fn window(window: &Window) -> String {
    format!(
        "calls on {} between {} and {}",
        join(
            &window
                .days
                .iter()
                .map(|d| plural_day(*d))
                .collect::<Vec<_>>()
        ),
        clock(window.from),
        clock(window.to)
    )
}

fn plural_day(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Mondays",
        Weekday::Tue => "Tuesdays",
        Weekday::Wed => "Wednesdays",
        Weekday::Thu => "Thursdays",
        Weekday::Fri => "Fridays",
        Weekday::Sat => "Saturdays",
        Weekday::Sun => "Sundays",
    }
}

fn clock(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// "a", "a and b", "a, b and c".
fn join(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PbxName;

    #[test]
    fn a_frequency_limit_reads_as_a_number_of_calls_in_a_period() {
        let kind = MeasureKind::FrequencyLimit {
            max_contacts: 5,
            per: Period::Week,
            channels: ChannelScope::Phone,
        };
        assert_eq!(
            terms(&kind),
            ["no more than 5 calls a week, counted from Monday"]
        );
        let one = MeasureKind::FrequencyLimit {
            max_contacts: 1,
            per: Period::Day,
            channels: ChannelScope::All,
        };
        assert_eq!(
            terms(&one),
            ["no more than 1 contact (by phone, email, letter or in person) a day"]
        );
    }

    #[test]
    fn contact_windows_name_their_days_and_hours() {
        let windows: Vec<Window> = serde_json::from_value(serde_json::json!([
            {"days": ["tue"], "from": "10:00", "to": "12:00"},
            {"days": ["mon", "wed", "fri"], "from": "14:30", "to": "15:00"}
        ]))
        .unwrap();
        assert_eq!(
            terms(&MeasureKind::ContactWindows { windows }),
            [
                "calls on Tuesdays between 10:00 and 12:00",
                "calls on Mondays, Wednesdays and Fridays between 14:30 and 15:00"
            ]
        );
    }

    #[test]
    fn a_single_point_of_contact_names_the_advisor() {
        let kind = MeasureKind::SinglePointOfContact {
            advisor: Some("Sam Patel".into()),
            target: None,
        };
        assert_eq!(terms(&kind), ["your named contact is Sam Patel"]);
        let by_target = MeasureKind::SinglePointOfContact {
            advisor: None,
            target: Some(PbxName::parse("2001").unwrap()),
        };
        assert_eq!(
            terms(&by_target),
            ["calls put through to your one named contact"]
        );
    }

    #[test]
    fn the_first_steps_say_what_was_asked_in_the_supervisors_words() {
        let asked = MeasureKind::ChangeRequested {
            details: "put everything for the tribunal in one email a week".into(),
        };
        assert_eq!(
            terms(&asked),
            ["we have asked you to: put everything for the tribunal in one email a week"]
        );
        let warned = MeasureKind::StyleWarning {
            details: "swearing at advisors on the phone".into(),
            prompt: None,
        };
        assert_eq!(
            terms(&warned),
            ["please stop: swearing at advisors on the phone"]
        );
        let reminded = MeasureKind::StyleWarning {
            details: "swearing at advisors on the phone".into(),
            prompt: Some(PbxName::parse("fairline-style-reminder").unwrap()),
        };
        let lines = terms(&reminded);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].contains("recorded reminder"), "{lines:?}");
        let other = MeasureKind::Other {
            details: "visits by appointment".into(),
        };
        assert_eq!(terms(&other), ["we have agreed: visits by appointment"]);
    }
}
