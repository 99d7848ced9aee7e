//! The queries behind the reports: contacts counted in a span of time by
//! channel and action, and the measures in force in a range with what
//! happened under them. Counting is left to SQLite, over index ranges.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection};

use super::{typed_row, Result};
use crate::decision::{Action, Rule};
use crate::domain::{Channel, ContactId, MeasureId, PersonId};

/// Contacts in one span, by channel and by action, each list in the order
/// of [`Channel::ALL`] and [`Action::ALL`]. Contacts on channels other than
/// the phone have no action, so the actions may add up to less than the
/// total.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub total: u64,
    pub channels: [u64; Channel::ALL.len()],
    pub actions: [u64; Action::ALL.len()],
}

/// One aggregate row per span, with a filtered count per channel and per
/// action, built from the enums so a new channel or action is counted.
/// Conditional counts rather than `GROUP BY channel, action`: grouping
/// sorts every contact in the span, which measured slower than counting
/// straight off the index (migration 0010 puts both columns in it).
fn tally_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let channels = Channel::ALL
            .iter()
            .map(|c| format!(", count(*) FILTER (WHERE channel = '{}')", c.as_str()));
        let actions = Action::ALL
            .iter()
            .map(|a| format!(", count(*) FILTER (WHERE action = '{}')", a.as_str()));
        format!(
            "SELECT count(*){} FROM contacts
             WHERE at >= ?1 AND at < ?2",
            channels.chain(actions).collect::<String>()
        )
    })
}

/// The contacts from `from` (inclusive) to `until` (exclusive).
pub fn tally_contacts(
    conn: &Connection,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Tally> {
    let mut stmt = conn.prepare_cached(tally_sql())?;
    Ok(stmt.query_row(
        params![from.timestamp_millis(), until.timestamp_millis()],
        |row| {
            let mut tally = Tally {
                total: row.get(0)?,
                ..Tally::default()
            };
            let columns = tally.channels.iter_mut().chain(tally.actions.iter_mut());
            for (i, count) in columns.enumerate() {
                *count = row.get(i + 1)?;
            }
            Ok(tally)
        },
    )?)
}

/// A measure as the register lists it: the terms that say when it was in
/// force, without its reason or its kind's fields.
#[derive(Debug, Clone)]
pub struct RegisteredMeasure {
    pub id: MeasureId,
    pub person_id: PersonId,
    pub kind: String,
    pub notified_on: NaiveDate,
    pub starts_on: NaiveDate,
    pub review_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// Measures in force on some day from `from` to `to` (inclusive): told in
/// writing and started by `to`, not run out before `from`, not ended
/// before `start` (the first instant of `from`). Oldest first. The
/// measures table is small beside the contacts, so it is read whole.
pub fn measures_in_force(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    start: DateTime<Utc>,
) -> Result<Vec<RegisteredMeasure>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, person_id, kind, notified_on, starts_on, review_on, ends_on, ended_at
         FROM measures
         WHERE notified_on IS NOT NULL AND notified_on <= ?2 AND starts_on <= ?2
           AND (ends_on IS NULL OR ends_on >= ?1)
           AND (ended_at IS NULL OR ended_at >= ?3)
         ORDER BY id",
    )?;
    let rows = stmt.query_map(
        params![from.to_string(), to.to_string(), super::timestamp(start)],
        |row| {
            typed_row("measures", row, |row| {
                Ok(RegisteredMeasure {
                    id: row.get(0)?,
                    person_id: row.get(1)?,
                    kind: row.get(2)?,
                    notified_on: row.get(3)?,
                    starts_on: row.get(4)?,
                    review_on: row.get(5)?,
                    ends_on: row.get(6)?,
                    ended_at: row.get(7)?,
                })
            })
        },
    )?;
    rows.map(|row| row?).collect()
}

/// Calls a measure diverted or blocked, counted apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Breaches {
    pub diverted: u64,
    pub blocked: u64,
}

fn breaches_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let rules: Vec<String> = Rule::ALL
            .into_iter()
            .filter(|rule| rule.is_breach())
            .map(|rule| format!("'{rule}'"))
            .collect();
        format!(
            "SELECT c.action, count(*) FROM contacts AS c
             WHERE c.person_id = ?1 AND c.at >= ?2 AND c.at < ?3
               AND c.action IN ('divert', 'block')
               AND EXISTS (SELECT 1 FROM json_each(c.rules) AS hit
                           WHERE json_extract(hit.value, '$.measure_id') = ?4
                             AND json_extract(hit.value, '$.rule') IN ({}))
             GROUP BY c.action",
            rules.join(", ")
        )
    })
}

/// The calls from `from` to `until` that `measure` diverted or blocked:
/// its person's calls (an index range on contacts_by_person_time) whose
/// recorded rules name it as breached. A call that breached two measures
/// counts for both.
pub fn breaches_of(
    conn: &Connection,
    measure: &RegisteredMeasure,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Breaches> {
    let mut stmt = conn.prepare_cached(breaches_sql())?;
    let mut rows = stmt.query(params![
        measure.person_id,
        from.timestamp_millis(),
        until.timestamp_millis(),
        measure.id,
    ])?;
    let mut breaches = Breaches::default();
    while let Some(row) = rows.next()? {
        let count: u64 = row.get(1)?;
        match row.get::<_, Action>(0)? {
            Action::Divert => breaches.diverted = count,
            Action::Block => breaches.blocked = count,
            Action::Route | Action::Announce => {}
        }
    }
    Ok(breaches)
}

/// The urgent (safeguarding) calls `person` made from `from` to `until`.
pub fn urgent_calls_of(
    conn: &Connection,
    person: PersonId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<ContactId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM contacts
         WHERE person_id = ?1 AND at >= ?2 AND at < ?3 AND urgent = 1
         ORDER BY id",
    )?;
    let rows = stmt.query_map(
        params![person, from.timestamp_millis(), until.timestamp_millis()],
        |row| row.get(0),
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many times `measure` was reviewed from `from` to `until`.
pub fn reviews_of(
    conn: &Connection,
    measure: MeasureId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<u64> {
    let count: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM measure_reviews
             WHERE measure_id = ?1 AND reviewed_at >= ?2 AND reviewed_at < ?3",
        )?
        .query_row(
            params![measure, super::timestamp(from), super::timestamp(until)],
            |row| row.get(0),
        )?;
    Ok(count as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RecordId;
    use crate::store::test_support::database_with_ann;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn contact(conn: &Connection, at_: &str, channel: &str, action: Option<&str>, rules: &str) {
        conn.execute(
            "INSERT INTO contacts (at, channel, person_id, action, rules, counted, recorded_by, urgent)
             VALUES (?1, ?2, 1, ?3, ?4, 1, 't', ?5)",
            params![
                at(at_).timestamp_millis(),
                channel,
                action,
                rules,
                rules.contains("urgent")
            ],
        )
        .unwrap();
    }

    fn plan(conn: &Connection, sql: &str) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let values = vec![1; stmt.parameter_count()];
        let rows = stmt
            .query_map(rusqlite::params_from_iter(values), |row| {
                row.get::<_, String>(3)
            })
            .unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn the_tally_counts_off_the_time_index_alone_without_sorting() {
        let conn = database_with_ann();
        let plan = plan(&conn, tally_sql());
        assert!(
            plan.contains("USING COVERING INDEX contacts_by_time (at>? AND at<?)"),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }

    #[test]
    fn breaches_read_one_persons_range_of_contacts() {
        let conn = database_with_ann();
        let plan = plan(&conn, breaches_sql());
        assert!(
            plan.contains("INDEX contacts_by_person_time (person_id=? AND at>? AND at<?)"),
            "{plan}"
        );
    }

    #[test]
    fn a_span_counts_its_contacts_by_channel_and_action_and_nothing_outside() {
        let conn = database_with_ann();
        contact(&conn, "2026-03-01T00:00:00Z", "phone", Some("route"), "[]");
        contact(&conn, "2026-03-01T10:00:00Z", "phone", Some("divert"), "[]");
        contact(&conn, "2026-03-01T11:00:00Z", "email", None, "[]");
        contact(&conn, "2026-03-01T23:59:59.999Z", "in_person", None, "[]");
        contact(&conn, "2026-03-02T00:00:00Z", "phone", Some("route"), "[]");
        let tally = tally_contacts(
            &conn,
            at("2026-03-01T00:00:00Z"),
            at("2026-03-02T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(
            tally,
            Tally {
                total: 4,
                channels: [2, 1, 0, 0, 1],
                actions: [1, 0, 1, 0],
            }
        );
    }

    #[test]
    fn only_calls_whose_rules_name_the_measure_as_breached_count_against_it() {
        let conn = database_with_ann();
        let measure = RegisteredMeasure {
            id: MeasureId::from_raw(7),
            person_id: PersonId::from_raw(1),
            kind: "frequency_limit".into(),
            notified_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            starts_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            review_on: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            ends_on: None,
            ended_at: None,
        };
        let breach = r#"[{"rule":"frequency_limit","measure_id":7,"detail":"d"}]"#;
        let other = r#"[{"rule":"frequency_limit","measure_id":8,"detail":"d"}]"#;
        let noted = r#"[{"rule":"not_in_force","measure_id":7,"detail":"d"},{"rule":"flood","detail":"d"}]"#;
        let blocked = r#"[{"rule":"block_measure","measure_id":7,"detail":"d"}]"#;
        contact(
            &conn,
            "2026-03-01T09:00:00Z",
            "phone",
            Some("divert"),
            breach,
        );
        contact(
            &conn,
            "2026-03-01T09:01:00Z",
            "phone",
            Some("divert"),
            breach,
        );
        contact(
            &conn,
            "2026-03-01T09:02:00Z",
            "phone",
            Some("block"),
            blocked,
        );
        contact(
            &conn,
            "2026-03-01T09:03:00Z",
            "phone",
            Some("divert"),
            other,
        );
        contact(
            &conn,
            "2026-03-01T09:04:00Z",
            "phone",
            Some("divert"),
            noted,
        );
        // Announced, not diverted: the caller still got through.
        contact(
            &conn,
            "2026-03-01T09:05:00Z",
            "phone",
            Some("announce"),
            breach,
        );
        // Outside the range.
        contact(
            &conn,
            "2026-03-02T09:00:00Z",
            "phone",
            Some("divert"),
            breach,
        );
        let breaches = breaches_of(
            &conn,
            &measure,
            at("2026-03-01T00:00:00Z"),
            at("2026-03-02T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(
            breaches,
            Breaches {
                diverted: 2,
                blocked: 1
            }
        );
    }
}
