//! Measures as recorded. Ending a measure keeps the row; nothing here
//! deletes one.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{corrupt_json, typed_row, Result, StoreError};
use crate::domain::{
    Ending, Measure, MeasureId, MeasureKind, MeasureTerms, NoticeMethod, PersonId, RecordId,
};

const COLUMNS: &str = "id, person_id, kind, params, on_breach, reason, notified_on, starts_on, \
                       review_on, ends_on, set_by, ended_at, ended_by, end_reason";

fn measure_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Measure>> {
    let read = typed_row("measures", row, |row| {
        let ended_at: Option<DateTime<Utc>> = row.get(11)?;
        Ok(Measure {
            id: row.get(0)?,
            person_id: row.get(1)?,
            kind: MeasureKind::Block, // read from `params` below
            terms: MeasureTerms {
                reason: row.get(5)?,
                notified_on: row.get::<_, Option<NaiveDate>>(6)?,
                starts_on: row.get(7)?,
                review_on: row.get(8)?,
                ends_on: row.get(9)?,
                on_breach: None, // read from JSON below
            },
            set_by: row.get(10)?,
            ended: match ended_at {
                Some(at) => Some(Ending {
                    at,
                    by: row.get(12)?,
                    reason: row.get(13)?,
                }),
                None => None,
            },
        })
    })?;
    let kind: String = row.get(2)?;
    let params: String = row.get(3)?;
    let on_breach: Option<String> = row.get(4)?;
    Ok(read.and_then(|mut measure| {
        let id = measure.id.get();
        let mut value: serde_json::Value =
            serde_json::from_str(&params).map_err(corrupt_json("measures", id, "params"))?;
        value["kind"] = serde_json::Value::String(kind);
        measure.kind =
            serde_json::from_value(value).map_err(corrupt_json("measures", id, "params"))?;
        measure.terms.on_breach = on_breach
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(corrupt_json("measures", id, "on_breach"))?;
        Ok(measure)
    }))
}

/// The kind's own fields as stored in `params` (the tag lives in `kind`).
fn params_json(kind: &MeasureKind) -> Result<String> {
    let mut value = serde_json::to_value(kind)?;
    if let Some(map) = value.as_object_mut() {
        map.remove("kind");
    }
    Ok(value.to_string())
}

/// The columns a measure's kind and terms are stored in, as written by
/// both insert and update.
fn stored_columns(
    kind: &MeasureKind,
    terms: &MeasureTerms,
) -> Result<[(&'static str, Box<dyn rusqlite::ToSql>); 7]> {
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    Ok([
        (":params", Box::new(params_json(kind)?)),
        (
            ":on_breach",
            Box::new(
                terms
                    .on_breach
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?,
            ),
        ),
        (":reason", Box::new(terms.reason.clone())),
        (":notified_on", Box::new(date(terms.notified_on))),
        (":starts_on", Box::new(terms.starts_on.to_string())),
        (":review_on", Box::new(terms.review_on.to_string())),
        (":ends_on", Box::new(date(terms.ends_on))),
    ])
}

/// Runs `sql` with the measure's stored columns and `extra` bound by name.
fn execute_with_columns(
    conn: &Connection,
    sql: &str,
    kind: &MeasureKind,
    terms: &MeasureTerms,
    extra: &[(&str, &dyn rusqlite::ToSql)],
) -> Result<()> {
    let columns = stored_columns(kind, terms)?;
    let mut bound: Vec<(&str, &dyn rusqlite::ToSql)> = columns
        .iter()
        .map(|(name, value)| (*name, value.as_ref()))
        .collect();
    bound.extend_from_slice(extra);
    conn.prepare_cached(sql)?.execute(bound.as_slice())?;
    Ok(())
}

pub fn insert_measure(
    conn: &Connection,
    person_id: PersonId,
    kind: &MeasureKind,
    terms: &MeasureTerms,
    set_by: &str,
    now: &str,
) -> Result<MeasureId> {
    execute_with_columns(
        conn,
        "INSERT INTO measures (person_id, kind, params, on_breach, reason, notified_on, starts_on,
                               review_on, ends_on, set_by, created_at, updated_at)
         VALUES (:person_id, :kind, :params, :on_breach, :reason, :notified_on, :starts_on,
                 :review_on, :ends_on, :set_by, :now, :now)",
        kind,
        terms,
        &[
            (":person_id", &person_id),
            (":kind", &kind.name()),
            (":set_by", &set_by),
            (":now", &now),
        ],
    )?;
    Ok(MeasureId::from_raw(conn.last_insert_rowid()))
}

pub fn update_measure(
    conn: &Connection,
    id: MeasureId,
    kind: &MeasureKind,
    terms: &MeasureTerms,
    now: &str,
) -> Result<()> {
    execute_with_columns(
        conn,
        "UPDATE measures SET params = :params, on_breach = :on_breach, reason = :reason,
                             notified_on = :notified_on, starts_on = :starts_on,
                             review_on = :review_on, ends_on = :ends_on, updated_at = :now
         WHERE id = :id",
        kind,
        terms,
        &[(":id", &id), (":now", &now)],
    )
}

fn end_measure(conn: &Connection, id: MeasureId, by: &str, reason: &str, now: &str) -> Result<()> {
    conn.prepare_cached("UPDATE measures SET ended_at = ?2, ended_by = ?3, end_reason = ?4, updated_at = ?2 WHERE id = ?1")?
        .execute(params![id, now, by, reason])?;
    Ok(())
}

/// Records that the person was told in writing: the date (which the
/// policy needs before anything is enforced) and how.
pub fn record_notice(
    conn: &Connection,
    id: MeasureId,
    on: NaiveDate,
    method: NoticeMethod,
    now: &str,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE measures SET notified_on = ?2, notice_method = ?3, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![id, on.to_string(), method, now])?;
    Ok(())
}

/// How the person was told about a measure, when that was recorded.
pub fn notice_method(conn: &Connection, id: MeasureId) -> Result<Option<NoticeMethod>> {
    // `typed_row` reads the row's id from the first column.
    conn.prepare_cached("SELECT id, notice_method FROM measures WHERE id = ?1")?
        .query_row([id], |row| typed_row("measures", row, |row| row.get(1)))
        .optional()?
        .ok_or(StoreError::NotFound("measure"))?
}

/// Ends a measure (`POST /v1/measures/{id}/end`, or a review that ends
/// it) and writes the `measure.end` audit entry; its open `review_due`
/// flags are resolved, since there is nothing left to review. Answers the
/// measure as ended. Ending an ended measure is a conflict.
pub fn end(conn: &Connection, id: MeasureId, by: &str, reason: &str, now: &str) -> Result<Measure> {
    let before = get_measure(conn, id)?;
    if before.ended.is_some() {
        return Err(StoreError::Conflict {
            field: "id",
            message: "the measure has already ended".into(),
        });
    }
    end_measure(conn, id, by, reason, now)?;
    super::flags::settle_reviews_due(conn, id, by, "the measure was ended", None, now)?;
    let after = get_measure(conn, id)?;
    super::audit::record(
        conn,
        super::audit::Entry {
            actor: by,
            action: "measure.end",
            entity: "measure",
            entity_id: Some(id.get()),
            person_id: Some(after.person_id),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        },
        now,
    )?;
    Ok(after)
}

pub fn get_measure(conn: &Connection, id: MeasureId) -> Result<Measure> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM measures WHERE id = ?1"))?
        .query_row([id], measure_row)
        .optional()?
        .ok_or(StoreError::NotFound("measure"))?
}

/// Every measure a person has had, ended ones included, oldest first.
pub fn measures_of(conn: &Connection, person_id: PersonId) -> Result<Vec<Measure>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM measures WHERE person_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([person_id], measure_row)?;
    rows.map(|row| row?).collect()
}

/// The measures not ended: what the per-call path looks at.
pub fn current_measures_of(conn: &Connection, person_id: PersonId) -> Result<Vec<Measure>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM measures WHERE person_id = ?1 AND ended_at IS NULL ORDER BY id"
    ))?;
    let rows = stmt.query_map([person_id], measure_row)?;
    rows.map(|row| row?).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::database_with_ann;

    /// A measure stored with `review_on` as given, bypassing the API.
    fn stored_with_review_on(conn: &Connection, review_on: &str) -> i64 {
        conn.execute(
            "INSERT INTO measures (person_id, kind, params, reason, notified_on, starts_on,
                                   review_on, set_by, created_at, updated_at)
             VALUES (1, 'open_enquiries_only', '{}', 'r', '2026-11-01', '2026-11-01', ?1,
                     'sam', 'x', 'x')",
            [review_on],
        )
        .unwrap();
        conn.last_insert_rowid()
    }

    #[test]
    fn a_stored_measure_reads_back_with_its_dates() {
        let conn = database_with_ann();
        let id = stored_with_review_on(&conn, "2027-02-01");
        let measure = get_measure(&conn, MeasureId::from_raw(id)).unwrap();
        assert_eq!(
            measure.terms.review_on,
            NaiveDate::from_ymd_opt(2027, 2, 1).unwrap()
        );
    }

    #[test]
    fn a_corrupt_review_date_is_an_error_naming_its_row_not_1970() {
        let conn = database_with_ann();
        let id = stored_with_review_on(&conn, "2027-13-45");
        let error = get_measure(&conn, MeasureId::from_raw(id))
            .unwrap_err()
            .to_string();
        assert!(error.contains("measures row"), "{error}");
        assert!(error.contains(&format!("row {id}")), "{error}");
        assert!(error.contains("review_on"), "{error}");
        let error = current_measures_of(&conn, PersonId::from_raw(1))
            .unwrap_err()
            .to_string();
        assert!(error.contains("review_on"), "{error}");
    }

    #[test]
    fn how_a_person_was_told_reads_back_and_is_none_until_recorded() {
        let conn = database_with_ann();
        let id = MeasureId::from_raw(stored_with_review_on(&conn, "2027-02-01"));
        assert_eq!(notice_method(&conn, id).unwrap(), None);
        let on = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        record_notice(&conn, id, on, NoticeMethod::Email, "x").unwrap();
        assert_eq!(notice_method(&conn, id).unwrap(), Some(NoticeMethod::Email));
    }
}
