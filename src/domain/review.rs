//! Reviewing a measure: the policy's promise that a restriction is looked
//! at again. A review continues the measure to a new review date, marks it
//! for a change (made with the measure's PATCH), or ends it.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::FieldError;

/// What a supervisor decided at a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    /// The measure goes on as agreed until the next review.
    Continue,
    /// The measure is to be changed (the measure's PATCH makes the
    /// change); it goes on until the next review.
    Change,
    /// The measure ends now, as `POST /v1/measures/{id}/end` ends it.
    End,
}

impl ReviewOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewOutcome::Continue => "continue",
            ReviewOutcome::Change => "change",
            ReviewOutcome::End => "end",
        }
    }
}

/// The measure's next review date after a review on `today`: required for
/// `continue` and `change`, after today and at most `max_review_months`
/// ahead (the same bound a new measure's first review has, counted from
/// the review); refused for `end`, which leaves nothing to review.
pub fn next_review_on(
    outcome: ReviewOutcome,
    next: Option<NaiveDate>,
    today: NaiveDate,
    max_review_months: u32,
) -> Result<Option<NaiveDate>, FieldError> {
    const FIELD: &str = "next_review_on";
    let next = match (outcome, next) {
        (ReviewOutcome::End, None) => return Ok(None),
        (ReviewOutcome::End, Some(_)) => {
            return Err(FieldError::new(
                FIELD,
                "must not be given when the measure ends",
            ))
        }
        (_, None) => {
            return Err(FieldError::new(
                FIELD,
                format!(
                    "is required to {} the measure: the date of its next review",
                    outcome.as_str()
                ),
            ))
        }
        (_, Some(next)) => next,
    };
    if next <= today {
        return Err(FieldError::new(FIELD, "must be after today"));
    }
    let latest = latest_review_on(today, max_review_months);
    if next > latest {
        return Err(FieldError::new(
            FIELD,
            format!("must be no later than {latest} ({max_review_months} months ahead)"),
        ));
    }
    Ok(Some(next))
}

/// The furthest review date that may be set on `from`.
pub fn latest_review_on(from: NaiveDate, max_review_months: u32) -> NaiveDate {
    from.checked_add_months(Months::new(max_review_months))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn continuing_needs_a_date_after_today_and_within_the_months_allowed() {
        let today = date(2026, 3, 1);
        let next = |d| next_review_on(ReviewOutcome::Continue, Some(d), today, 6);
        assert_eq!(next(date(2026, 3, 2)).unwrap(), Some(date(2026, 3, 2)));
        assert_eq!(next(date(2026, 9, 1)).unwrap(), Some(date(2026, 9, 1)));
        assert_eq!(next(date(2026, 3, 1)).unwrap_err().field, "next_review_on");
        assert_eq!(next(date(2026, 9, 2)).unwrap_err().field, "next_review_on");
        let missing = next_review_on(ReviewOutcome::Change, None, today, 6);
        assert_eq!(missing.unwrap_err().field, "next_review_on");
    }

    #[test]
    fn ending_takes_no_next_review() {
        let today = date(2026, 3, 1);
        assert_eq!(
            next_review_on(ReviewOutcome::End, None, today, 6).unwrap(),
            None
        );
        let given = next_review_on(ReviewOutcome::End, Some(date(2026, 4, 1)), today, 6);
        assert_eq!(given.unwrap_err().field, "next_review_on");
    }
}
