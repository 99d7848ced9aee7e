//! Reviews of measures: what a supervisor decided on looking at a measure
//! again. Reviewing moves the measure's review date on (continue, change)
//! or ends it (as `measures::end` does), settles its `review_due` flag,
//! and is audited as `measure.review` on the measure.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::json;

use super::{audit, flags, measures, typed_row, Result, StoreError};
use crate::domain::{Measure, MeasureId, PersonId, RecordId, ReviewId, ReviewOutcome};

/// One review, as the API, the pages and a person's timeline show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewRow {
    pub id: ReviewId,
    pub measure_id: MeasureId,
    pub person_id: PersonId,
    /// The measure's kind (`frequency_limit`, …).
    pub measure_kind: String,
    pub reviewed_at: DateTime<Utc>,
    pub reviewed_by: String,
    pub outcome: ReviewOutcome,
    /// The review date the measure had when it was reviewed.
    pub review_on: NaiveDate,
    /// The review date it was given; `None` when the review ended it.
    pub next_review_on: Option<NaiveDate>,
    pub note: String,
}

const SELECT: &str = "SELECT r.id, r.measure_id, m.person_id, m.kind, r.reviewed_at,
        r.reviewed_by, r.outcome, r.review_on, r.next_review_on, r.note
    FROM measure_reviews r JOIN measures m ON m.id = r.measure_id";

fn review_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<ReviewRow>> {
    typed_row("measure_reviews", row, |row| {
        Ok(ReviewRow {
            id: row.get(0)?,
            measure_id: row.get(1)?,
            person_id: row.get(2)?,
            measure_kind: row.get(3)?,
            reviewed_at: row.get(4)?,
            reviewed_by: row.get(5)?,
            outcome: row.get(6)?,
            review_on: row.get(7)?,
            next_review_on: row.get(8)?,
            note: row.get(9)?,
        })
    })
}

fn select(conn: &Connection, condition: &str, key: i64) -> Result<Vec<ReviewRow>> {
    let sql = format!("{SELECT} WHERE {condition} ORDER BY r.reviewed_at DESC, r.id DESC");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([key], review_row)?;
    rows.map(|row| row?).collect()
}

/// A measure's reviews, newest first (`GET /v1/measures/{id}/reviews`).
pub fn of_measure(conn: &Connection, id: MeasureId) -> Result<Vec<ReviewRow>> {
    measures::get_measure(conn, id)?;
    select(conn, "r.measure_id = ?1", id.get())
}

/// Every review of a person's measures, newest first: for a timeline,
/// each row says when (`reviewed_at`), who, which measure and what was
/// decided.
pub fn for_person(conn: &Connection, person_id: PersonId) -> Result<Vec<ReviewRow>> {
    select(conn, "m.person_id = ?1", person_id.get())
}

/// When the measure was last reviewed, if ever: a changed measure's review
/// date may be up to `max_review_months` after it.
pub fn last_reviewed_at(conn: &Connection, id: MeasureId) -> Result<Option<DateTime<Utc>>> {
    Ok(conn
        .prepare_cached("SELECT max(reviewed_at) FROM measure_reviews WHERE measure_id = ?1")?
        .query_row([id], |row| row.get(0))?)
}

/// A review as a supervisor records it; `next_review_on` already checked
/// against the outcome (`domain::next_review_on`).
#[derive(Debug, Clone)]
pub struct NewReview<'a> {
    pub measure_id: MeasureId,
    pub by: &'a str,
    pub outcome: ReviewOutcome,
    pub next_review_on: Option<NaiveDate>,
    pub note: &'a str,
}

/// Records a review in one go: the review row; the measure's review date
/// moved (continue, change) or the measure ended as `measures::end` ends
/// it (end); its open `review_due` flags resolved by the review; and the
/// `measure.review` audit entry. An ended measure cannot be reviewed.
pub fn review(conn: &Connection, new: &NewReview<'_>, now: &str) -> Result<(ReviewRow, Measure)> {
    let before = measures::get_measure(conn, new.measure_id)?;
    if before.ended.is_some() {
        return Err(StoreError::Conflict {
            field: "id",
            message: "the measure has ended; there is nothing to review".into(),
        });
    }
    let next = match (new.outcome, new.next_review_on) {
        (ReviewOutcome::End, _) => None,
        (_, Some(next)) => Some(next),
        (_, None) => {
            return Err(StoreError::Invalid(crate::domain::FieldError::new(
                "next_review_on",
                "is required unless the review ends the measure",
            )))
        }
    };
    conn.prepare_cached(
        "INSERT INTO measure_reviews (measure_id, reviewed_at, reviewed_by, outcome, review_on,
                                      next_review_on, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        new.measure_id,
        now,
        new.by,
        new.outcome,
        before.terms.review_on,
        next,
        new.note
    ])?;
    let id = ReviewId::from_raw(conn.last_insert_rowid());
    let reason = format!("the measure was reviewed: {}", new.outcome.as_str());
    flags::settle_reviews_due(conn, new.measure_id, new.by, &reason, Some(id), now)?;
    let after = match next {
        Some(next) => {
            conn.prepare_cached(
                "UPDATE measures SET review_on = ?2, updated_at = ?3 WHERE id = ?1",
            )?
            .execute(params![new.measure_id, next, now])?;
            measures::get_measure(conn, new.measure_id)?
        }
        None => measures::end(conn, new.measure_id, new.by, new.note, now)?,
    };
    let review = select(conn, "r.id = ?1", id.get())?
        .pop()
        .ok_or(StoreError::NotFound("review"))?;
    audit::record(
        conn,
        audit::Entry {
            actor: new.by,
            action: "measure.review",
            entity: "measure",
            entity_id: Some(new.measure_id.get()),
            person_id: Some(before.person_id),
            before: serde_json::to_value(&before).ok(),
            after: Some(json!({"review": review, "measure": after})),
        },
        now,
    )?;
    Ok((review, after))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::database_with_ann;

    fn measure(conn: &Connection, person: i64) -> MeasureId {
        conn.execute(
            "INSERT INTO measures (person_id, kind, params, reason, notified_on, starts_on,
                                   review_on, set_by, created_at, updated_at)
             VALUES (?1, 'open_enquiries_only', '{}', 'r', '2026-05-01', '2026-05-01',
                     '2026-06-01', 'sam', 'x', 'x')",
            [person],
        )
        .unwrap();
        MeasureId::from_raw(conn.last_insert_rowid())
    }

    fn review_on(conn: &Connection, id: MeasureId, outcome: ReviewOutcome, at: &str) {
        let next = NaiveDate::from_ymd_opt(2026, 9, 1);
        let new = NewReview {
            measure_id: id,
            by: "sam",
            outcome,
            next_review_on: next.filter(|_| outcome != ReviewOutcome::End),
            note: "looked at the calls since",
        };
        review(conn, &new, at).unwrap();
    }

    #[test]
    fn a_persons_reviews_are_listed_newest_first_and_no_one_elses() {
        let conn = database_with_ann();
        conn.execute(
            "INSERT INTO people (id, name, created_at, updated_at) VALUES (2, 'Bob', 'x', 'x')",
            [],
        )
        .unwrap();
        let (first, second, bobs) = (measure(&conn, 1), measure(&conn, 1), measure(&conn, 2));
        review_on(
            &conn,
            first,
            ReviewOutcome::Continue,
            "2026-06-01T10:00:00.000Z",
        );
        review_on(
            &conn,
            bobs,
            ReviewOutcome::Continue,
            "2026-06-01T11:00:00.000Z",
        );
        review_on(
            &conn,
            second,
            ReviewOutcome::End,
            "2026-06-02T10:00:00.000Z",
        );

        let anns = for_person(&conn, PersonId::from_raw(1)).unwrap();

        let seen: Vec<_> = anns.iter().map(|r| (r.measure_id, r.outcome)).collect();
        assert_eq!(
            seen,
            [
                (second, ReviewOutcome::End),
                (first, ReviewOutcome::Continue)
            ]
        );
        assert_eq!(
            anns[1].review_on,
            NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
        );
        assert_eq!(anns[1].next_review_on, NaiveDate::from_ymd_opt(2026, 9, 1));
        assert!(measures::get_measure(&conn, second)
            .unwrap()
            .ended
            .is_some());
        let moved = measures::get_measure(&conn, first).unwrap();
        assert_eq!(
            moved.terms.review_on,
            NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()
        );
        assert!(matches!(
            review(
                &conn,
                &NewReview {
                    measure_id: second,
                    by: "sam",
                    outcome: ReviewOutcome::End,
                    next_review_on: None,
                    note: "again",
                },
                "2026-06-03T10:00:00.000Z"
            ),
            Err(StoreError::Conflict { .. })
        ));
    }
}
