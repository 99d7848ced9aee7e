//! What a block needs under the policy: blocking is for "extreme cases in
//! which resolution has been attempted", so an earlier measure must have
//! been told to the person in writing and actually applied. The first
//! steps (a change asked for, a style warning, another resolution) count:
//! they are the resolution the policy means.

use chrono::NaiveDate;

use super::{Measure, MeasureKind};
#[cfg(test)]
use super::{MeasureId, PersonId, RecordId};

/// Why a block cannot be recorded: no earlier measure counts as an attempt.
pub const RESOLUTION_NOT_ATTEMPTED: &str =
    "a block is for extreme cases where resolution was attempted first: an earlier measure \
     must have been told to the person in writing and be in force or have ended";

impl Measure {
    /// Whether this measure is an attempt at resolution a block may follow:
    /// something short of a block, told in writing, and applied: in force
    /// `today`, or ended after it had started. One recorded a second ago
    /// and never told, or not yet started, was never tried.
    pub fn was_tried(&self, today: NaiveDate, review_grace_days: u32) -> bool {
        if self.kind == MeasureKind::Block {
            return false;
        }
        let Some(told) = self.terms.notified_on else {
            return false;
        };
        let tried_until = |last: NaiveDate| told <= last && self.terms.starts_on <= last;
        if let Some(ending) = &self.ended {
            // The day it was ended early (UTC: a day either way at midnight
            // changes nothing a supervisor would notice).
            return tried_until(ending.at.date_naive());
        }
        if let Some(ends_on) = self.terms.ends_on.filter(|ends_on| *ends_on < today) {
            return tried_until(ends_on);
        }
        self.terms.in_force(today, review_grace_days).is_ok()
    }
}

/// Whether a block may be recorded for a person whose measures on record
/// are `earlier`. The API and the pages both ask this, so the rule is
/// written once.
pub fn block_may_follow(
    earlier: &[Measure],
    today: NaiveDate,
    review_grace_days: u32,
) -> Result<(), &'static str> {
    if earlier
        .iter()
        .any(|measure| measure.was_tried(today, review_grace_days))
    {
        Ok(())
    } else {
        Err(RESOLUTION_NOT_ATTEMPTED)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::{Ending, MeasureTerms, Period};

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    const TODAY: u32 = 15;

    /// A frequency limit agreed on the 1st, told and started on `told`.
    fn limit(told: Option<u32>, starts: u32) -> Measure {
        Measure {
            id: MeasureId::from_raw(1),
            person_id: PersonId::from_raw(1),
            kind: MeasureKind::FrequencyLimit {
                max_contacts: 2,
                per: Period::Day,
                channels: crate::domain::ChannelScope::Phone,
            },
            terms: MeasureTerms {
                reason: "daily calls about the same tribunal date".into(),
                notified_on: told.map(date),
                starts_on: date(starts),
                review_on: date(28),
                ends_on: None,
                on_breach: None,
            },
            set_by: "sam".into(),
            ended: None,
        }
    }

    fn may_block(earlier: &[Measure]) -> bool {
        block_may_follow(earlier, date(TODAY), 28).is_ok()
    }

    #[test]
    fn a_block_needs_an_earlier_measure() {
        assert!(!may_block(&[]));
    }

    #[test]
    fn a_measure_never_told_in_writing_is_no_attempt_at_resolution() {
        assert!(!may_block(&[limit(None, 1)]));
    }

    #[test]
    fn a_measure_told_and_in_force_is_an_attempt() {
        assert!(may_block(&[limit(Some(1), 1)]));
    }

    #[test]
    fn a_measure_told_but_not_yet_started_is_no_attempt() {
        assert!(!may_block(&[limit(Some(1), TODAY + 1)]));
        // Nor one whose written notice is dated after today.
        assert!(!may_block(&[limit(Some(TODAY + 1), 1)]));
    }

    #[test]
    fn a_measure_that_ran_its_course_counts() {
        let mut ran_out = limit(Some(1), 1);
        ran_out.terms.ends_on = Some(date(10));
        assert!(may_block(&[ran_out]));

        let mut ended_early = limit(Some(1), 1);
        ended_early.ended = Some(Ending {
            at: Utc.with_ymd_and_hms(2026, 3, 12, 9, 0, 0).unwrap(),
            by: "sam".into(),
            reason: "replaced".into(),
        });
        assert!(may_block(&[ended_early]));
    }

    #[test]
    fn a_measure_ended_before_it_started_or_was_told_counts_for_nothing() {
        let mut never_began = limit(Some(1), 12);
        never_began.ended = Some(Ending {
            at: Utc.with_ymd_and_hms(2026, 3, 5, 9, 0, 0).unwrap(),
            by: "sam".into(),
            reason: "recorded in error".into(),
        });
        assert!(!may_block(&[never_began]));

        let mut told_too_late = limit(Some(12), 1);
        told_too_late.terms.ends_on = Some(date(10));
        assert!(!may_block(&[told_too_late]));
    }

    #[test]
    fn an_earlier_block_does_not_justify_another() {
        let mut block = limit(Some(1), 1);
        block.kind = MeasureKind::Block;
        assert!(!may_block(&[block]));
    }

    #[test]
    fn a_first_step_told_in_writing_is_an_attempt_at_resolution() {
        let first_steps = [
            MeasureKind::ChangeRequested {
                details: "one email a week".into(),
            },
            MeasureKind::StyleWarning {
                details: "no swearing at advisors".into(),
                prompt: None,
            },
            MeasureKind::Other {
                details: "visits by appointment".into(),
            },
        ];
        for kind in first_steps {
            let mut asked = limit(Some(1), 1);
            asked.kind = kind.clone();
            assert!(may_block(std::slice::from_ref(&asked)), "{}", kind.name());
            // Only once told in writing, as for any other measure.
            asked.terms.notified_on = None;
            assert!(!may_block(&[asked]), "{}", kind.name());
        }
    }
}
