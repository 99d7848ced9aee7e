//! Measures: what a supervisor agreed with a caller under the policy, and
//! the terms (reason, written notice, review) without which none applies.

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use super::{dates, FieldError, PbxName};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    Week,
    Month,
}

/// Which contacts a frequency limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelScope {
    Phone,
    All,
}

/// One agreed contact window: on these days, from `from` until `to`
/// (exclusive), in the service's timezone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    #[serde(with = "weekdays")]
    pub days: Vec<Weekday>,
    #[serde(with = "hh_mm")]
    pub from: NaiveTime,
    #[serde(with = "hh_mm")]
    pub to: NaiveTime,
}

impl Window {
    pub fn contains(&self, day: Weekday, time: NaiveTime) -> bool {
        self.days.contains(&day) && self.from <= time && time < self.to
    }
}

/// What the call gets when a measure is breached. Blocking is not on this
/// list on purpose: only a `block` measure blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BreachAction {
    Divert,
    Announce,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnBreach {
    pub action: BreachAction,
    /// Played by the PBX, so in a form every PBX can use.
    pub prompt: PbxName,
}

/// The most contacts a frequency limit may allow in its period: more is no
/// limit at all, and a typo (`10000` for `10`) should not pass as one.
pub const MAX_CONTACTS_LIMIT: u32 = 1_000;

/// The most contact windows one measure may list: two a day for a week.
pub const MAX_WINDOWS: usize = 14;

/// The policy's list of measures, each with its own parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MeasureKind {
    FrequencyLimit {
        max_contacts: u32,
        per: Period,
        channels: ChannelScope,
    },
    ContactWindows {
        windows: Vec<Window>,
    },
    /// The call goes to one agreed advisor: one in the directory, whose
    /// target at the time of the call is used, or a target of its own.
    /// Measures recorded before the directory may hold both (the advisor
    /// then only names who is at `target`); a new or changed one names one.
    SinglePointOfContact {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        advisor: Option<String>,
        /// Where the PBX sends the call, so in a form every PBX can use.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<PbxName>,
    },
    OpenEnquiriesOnly,
    NewIssuesOnly,
    /// "Requesting a change in communication": what the person was asked
    /// to change. A first step: it enforces nothing.
    ChangeRequested {
        details: String,
    },
    /// "Highlighting any communication style deemed inappropriate ... and
    /// requiring the customer to stop using this style": what, in words.
    /// It enforces nothing; with a `prompt`, a call while it is in force
    /// hears that reminder and is then put through as usual.
    StyleWarning {
        details: String,
        /// Played by the PBX, so in a form every PBX can use.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prompt: Option<PbxName>,
    },
    /// "Other relevant resolutions": what was agreed, in words. A first
    /// step: it enforces nothing.
    Other {
        details: String,
    },
    Block,
}

impl MeasureKind {
    pub fn name(&self) -> &'static str {
        match self {
            MeasureKind::FrequencyLimit { .. } => "frequency_limit",
            MeasureKind::ContactWindows { .. } => "contact_windows",
            MeasureKind::SinglePointOfContact { .. } => "single_point_of_contact",
            MeasureKind::OpenEnquiriesOnly => "open_enquiries_only",
            MeasureKind::NewIssuesOnly => "new_issues_only",
            MeasureKind::ChangeRequested { .. } => "change_requested",
            MeasureKind::StyleWarning { .. } => "style_warning",
            MeasureKind::Other { .. } => "other",
            MeasureKind::Block => "block",
        }
    }

    /// Whether this is one of the policy's first steps (a change asked
    /// for, a style warning, another resolution): recorded, told in
    /// writing, reviewed and ended like any measure, but never a reason to
    /// divert or block a call.
    pub fn is_first_step(&self) -> bool {
        matches!(
            self,
            MeasureKind::ChangeRequested { .. }
                | MeasureKind::StyleWarning { .. }
                | MeasureKind::Other { .. }
        )
    }

    /// Whether a breach can be answered by `on_breach`: a single point of
    /// contact is never breached, a first step never is either, and a
    /// block always blocks.
    pub fn takes_on_breach(&self) -> bool {
        !matches!(
            self,
            MeasureKind::SinglePointOfContact { .. } | MeasureKind::Block
        ) && !self.is_first_step()
    }

    /// Checks the parameters a kind cannot work without, and their bounds.
    pub fn validate(&self) -> Result<(), FieldError> {
        match self {
            MeasureKind::FrequencyLimit { max_contacts, .. } if *max_contacts == 0 => {
                Err(FieldError::new(
                    "max_contacts",
                    "must be at least 1; to stop all calls use a block",
                ))
            }
            MeasureKind::FrequencyLimit { max_contacts, .. }
                if *max_contacts > MAX_CONTACTS_LIMIT =>
            {
                Err(FieldError::new(
                    "max_contacts",
                    format!("must be at most {MAX_CONTACTS_LIMIT}"),
                ))
            }
            MeasureKind::ContactWindows { windows } => {
                if windows.is_empty() {
                    return Err(FieldError::new("windows", "must list at least one window"));
                }
                if windows.len() > MAX_WINDOWS {
                    return Err(FieldError::new(
                        "windows",
                        format!("must list at most {MAX_WINDOWS} windows"),
                    ));
                }
                for (i, window) in windows.iter().enumerate() {
                    if window.days.is_empty() {
                        return Err(FieldError::new(
                            format!("windows[{i}].days"),
                            "must name at least one day",
                        ));
                    }
                    let mut seen = Vec::with_capacity(window.days.len());
                    for day in &window.days {
                        if seen.contains(day) {
                            return Err(FieldError::new(
                                format!("windows[{i}].days"),
                                "must name each day at most once",
                            ));
                        }
                        seen.push(*day);
                    }
                    if window.from >= window.to {
                        return Err(FieldError::new(
                            format!("windows[{i}].to"),
                            "must be later than from",
                        ));
                    }
                }
                Ok(())
            }
            MeasureKind::SinglePointOfContact { advisor, target } => match (advisor, target) {
                (None, None) => Err(FieldError::new(
                    "advisor",
                    "or target is required: name an advisor from the directory, or give a target",
                )),
                (Some(advisor), _) => one_line("advisor", advisor),
                (None, Some(_)) => Ok(()),
            },
            MeasureKind::ChangeRequested { details }
            | MeasureKind::StyleWarning { details, .. }
            | MeasureKind::Other { details } => prose("details", details),
            _ => Ok(()),
        }
    }
}

/// The terms every measure carries. `notified_on` missing means the person
/// has not been told in writing, so the measure is recorded but not applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureTerms {
    pub reason: String,
    pub notified_on: Option<NaiveDate>,
    pub starts_on: NaiveDate,
    pub review_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub on_breach: Option<OnBreach>,
}

impl MeasureTerms {
    /// Checks the terms against the policy as they are recorded on `today`:
    /// a reason, dates the record can hold and in order, and a review that
    /// has not already passed and is no further than `max_review_months`
    /// ahead of the start.
    pub fn validate(
        &self,
        kind: &MeasureKind,
        max_review_months: u32,
        today: NaiveDate,
    ) -> Result<(), FieldError> {
        self.validate_since_review(kind, max_review_months, today, None)
    }

    /// [`MeasureTerms::validate`] for a measure last reviewed on
    /// `reviewed_on`: its review may be up to `max_review_months` after
    /// that review rather than after its start (a measure reviewed and
    /// continued twice is well past six months from its start).
    pub fn validate_since_review(
        &self,
        kind: &MeasureKind,
        max_review_months: u32,
        today: NaiveDate,
        reviewed_on: Option<NaiveDate>,
    ) -> Result<(), FieldError> {
        non_blank("reason", &self.reason)?;
        for (field, date) in [
            ("notified_on", self.notified_on),
            ("starts_on", Some(self.starts_on)),
            ("review_on", Some(self.review_on)),
            ("ends_on", self.ends_on),
        ] {
            if date.is_some_and(|d| !dates::in_range(d.year())) {
                return Err(FieldError::new(
                    field,
                    format!(
                        "must be a date from {} to {}",
                        dates::FIRST_YEAR,
                        dates::LAST_YEAR
                    ),
                ));
            }
        }
        if self.review_on < today {
            // A review date already gone is a review that will never happen:
            // the measure would be overdue, then lapse, from the first day.
            return Err(FieldError::new(
                "review_on",
                "has already passed; set the date the measure will next be reviewed",
            ));
        }
        if self.review_on < self.starts_on {
            return Err(FieldError::new("review_on", "must not be before starts_on"));
        }
        let (from, since) = match reviewed_on {
            Some(reviewed) if reviewed > self.starts_on => (reviewed, "its last review"),
            _ => (self.starts_on, "starts_on"),
        };
        let latest = super::latest_review_on(from, max_review_months);
        if self.review_on > latest {
            return Err(FieldError::new(
                "review_on",
                format!(
                    "must be no later than {latest} ({max_review_months} months after {since})"
                ),
            ));
        }
        if let Some(ends_on) = self.ends_on {
            if ends_on < self.starts_on {
                return Err(FieldError::new("ends_on", "must not be before starts_on"));
            }
        }
        match (&self.on_breach, kind.takes_on_breach()) {
            (Some(_), false) => Err(FieldError::new(
                "on_breach",
                format!("does not apply to {}", kind.name()),
            )),
            _ => Ok(()),
        }
    }

    /// Whether the measure applies on `today`: told in writing, started, not
    /// ended, and not left unreviewed for longer than `review_grace_days`.
    pub fn in_force(&self, today: NaiveDate, review_grace_days: u32) -> Result<(), &'static str> {
        match self.notified_on {
            None => return Err("the person has not been told in writing"),
            Some(told) if told > today => return Err("the written notice is dated in the future"),
            _ => {}
        }
        if self.starts_on > today {
            return Err("not started yet");
        }
        if self.ends_on.is_some_and(|ends| ends < today) {
            return Err("ended");
        }
        let lapse = self.review_on + chrono::Days::new(u64::from(review_grace_days));
        if lapse < today {
            return Err("lapsed: its review is overdue");
        }
        Ok(())
    }

    /// The last day the measure can be in force: its end, or the last day
    /// of its review's grace, whichever comes first. `in_force` is `Err`
    /// on every later day.
    pub fn last_day_in_force(&self, review_grace_days: u32) -> NaiveDate {
        let lapse = self.review_on + chrono::Days::new(u64::from(review_grace_days));
        self.ends_on.map_or(lapse, |ends| ends.min(lapse))
    }
}

fn non_blank(field: &str, value: &str) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        Err(FieldError::new(field, "must not be empty"))
    } else {
        Ok(())
    }
}

/// Words a person reads in a letter: present, and without control
/// characters other than line breaks and tabs.
fn prose(field: &str, value: &str) -> Result<(), FieldError> {
    non_blank(field, value)?;
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// A name the PBX or a person reads on one line: present, and without
/// control characters (a line break, a NUL, an escape).
fn one_line(field: &str, value: &str) -> Result<(), FieldError> {
    non_blank(field, value)?;
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

mod weekdays {
    use chrono::Weekday;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub const NAMES: [(&str, Weekday); 7] = [
        ("mon", Weekday::Mon),
        ("tue", Weekday::Tue),
        ("wed", Weekday::Wed),
        ("thu", Weekday::Thu),
        ("fri", Weekday::Fri),
        ("sat", Weekday::Sat),
        ("sun", Weekday::Sun),
    ];

    pub fn serialize<S: Serializer>(days: &[Weekday], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(days.iter().map(|day| {
            NAMES
                .iter()
                .find(|(_, d)| d == day)
                .map(|(n, _)| *n)
                .unwrap_or("mon")
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        names
            .iter()
            .map(|name| {
                NAMES
                    .iter()
                    .find(|(n, _)| name.eq_ignore_ascii_case(n))
                    .map(|(_, day)| *day)
                    .ok_or_else(|| {
                        D::Error::custom(format!("unknown day {name:?} (expected mon … sun)"))
                    })
            })
            .collect()
    }
}

mod hh_mm {
    use chrono::NaiveTime;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&time.format("%H:%M"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        if text == "24:00" {
            // The end of the day, as people write it.
            return Ok(NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).unwrap_or_default());
        }
        NaiveTime::parse_from_str(&text, "%H:%M")
            .map_err(|_| D::Error::custom(format!("{text:?} is not a time (expected HH:MM)")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms() -> MeasureTerms {
        MeasureTerms {
            reason: "daily calls about the same tribunal date".into(),
            notified_on: Some(date(2026, 3, 1)),
            starts_on: date(2026, 3, 2),
            review_on: date(2026, 6, 1),
            ends_on: None,
            on_breach: None,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_review_more_than_six_months_out_is_refused() {
        let mut t = terms();
        t.review_on = date(2026, 9, 3);
        let err = t
            .validate(&MeasureKind::Block, 6, date(2026, 3, 1))
            .unwrap_err();
        assert_eq!(err.field, "review_on");
        t.review_on = date(2026, 9, 2);
        assert!(t.validate(&MeasureKind::Block, 6, date(2026, 3, 1)).is_ok());
    }

    #[test]
    fn a_reviewed_measure_may_be_reviewed_up_to_six_months_after_its_last_review() {
        let mut t = terms();
        t.review_on = date(2026, 12, 1);
        let today = date(2026, 6, 1);
        let err = t.validate(&MeasureKind::Block, 6, today).unwrap_err();
        assert_eq!(err.field, "review_on");
        let reviewed = Some(date(2026, 6, 1));
        assert!(t
            .validate_since_review(&MeasureKind::Block, 6, today, reviewed)
            .is_ok());
        t.review_on = date(2026, 12, 2);
        let err = t
            .validate_since_review(&MeasureKind::Block, 6, today, reviewed)
            .unwrap_err();
        assert_eq!(err.field, "review_on");
    }

    #[test]
    fn a_review_date_already_passed_is_refused_when_the_measure_is_recorded() {
        let t = terms();
        assert!(t.validate(&MeasureKind::Block, 6, date(2026, 6, 1)).is_ok());
        let err = t
            .validate(&MeasureKind::Block, 6, date(2026, 6, 2))
            .unwrap_err();
        assert_eq!(err.field, "review_on");
    }

    #[test]
    fn dates_outside_the_years_the_record_holds_are_refused() {
        let mut t = terms();
        t.ends_on = Some(date(10_000, 1, 1));
        let err = t
            .validate(&MeasureKind::Block, 6, date(2026, 3, 1))
            .unwrap_err();
        assert_eq!(err.field, "ends_on");
        let mut t = terms();
        t.notified_on = Some(date(1999, 12, 31));
        let err = t
            .validate(&MeasureKind::Block, 6, date(2026, 3, 1))
            .unwrap_err();
        assert_eq!(err.field, "notified_on");
    }

    #[test]
    fn frequency_limits_and_windows_have_bounds() {
        let limit = |max_contacts| MeasureKind::FrequencyLimit {
            max_contacts,
            per: Period::Day,
            channels: ChannelScope::Phone,
        };
        assert!(limit(1).validate().is_ok());
        assert!(limit(1000).validate().is_ok());
        assert_eq!(limit(1001).validate().unwrap_err().field, "max_contacts");
        let window: Window =
            serde_json::from_str(r#"{"days":["tue"],"from":"10:00","to":"12:00"}"#).unwrap();
        let windows = |n| MeasureKind::ContactWindows {
            windows: vec![window.clone(); n],
        };
        assert!(windows(14).validate().is_ok());
        assert_eq!(windows(15).validate().unwrap_err().field, "windows");
        let mut twice = window.clone();
        twice.days = vec![Weekday::Tue, Weekday::Wed, Weekday::Tue];
        let err = MeasureKind::ContactWindows {
            windows: vec![window, twice],
        }
        .validate()
        .unwrap_err();
        assert_eq!(err.field, "windows[1].days");
    }

    #[test]
    fn a_measure_without_written_notice_is_not_in_force() {
        let mut t = terms();
        t.notified_on = None;
        assert!(t.in_force(date(2026, 4, 1), 28).is_err());
    }

    #[test]
    fn a_measure_lapses_once_its_review_is_long_overdue() {
        let t = terms();
        assert!(t.in_force(date(2026, 6, 29), 28).is_ok());
        assert!(t.in_force(date(2026, 6, 30), 28).is_err());
    }

    #[test]
    fn the_last_day_in_force_is_the_end_or_the_last_day_of_the_reviews_grace() {
        let mut t = terms();
        assert_eq!(t.last_day_in_force(28), date(2026, 6, 29));
        t.ends_on = Some(date(2026, 4, 30));
        assert_eq!(t.last_day_in_force(28), date(2026, 4, 30));
        assert!(t.in_force(date(2026, 4, 30), 28).is_ok());
        assert!(t.in_force(date(2026, 5, 1), 28).is_err());
        t.ends_on = Some(date(2026, 12, 31));
        assert_eq!(t.last_day_in_force(28), date(2026, 6, 29));
    }

    #[test]
    fn windows_are_parsed_from_day_names_and_times() {
        let window: Window =
            serde_json::from_str(r#"{"days":["tue","Thu"],"from":"10:00","to":"12:00"}"#).unwrap();
        assert!(window.contains(Weekday::Tue, NaiveTime::from_hms_opt(10, 0, 0).unwrap()));
        assert!(!window.contains(Weekday::Tue, NaiveTime::from_hms_opt(12, 0, 0).unwrap()));
        assert!(!window.contains(Weekday::Wed, NaiveTime::from_hms_opt(11, 0, 0).unwrap()));
        assert!(serde_json::from_str::<Window>(
            r#"{"days":["tuesday"],"from":"10:00","to":"12:00"}"#
        )
        .is_err());
    }
}

/// How and why a measure was ended early; the measure itself stays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ending {
    pub at: chrono::DateTime<chrono::Utc>,
    pub by: String,
    pub reason: String,
}

/// A measure as recorded: what was agreed, its terms, who set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Measure {
    pub id: super::MeasureId,
    pub person_id: super::PersonId,
    #[serde(flatten)]
    pub kind: MeasureKind,
    #[serde(flatten)]
    pub terms: MeasureTerms,
    pub set_by: String,
    pub ended: Option<Ending>,
}
