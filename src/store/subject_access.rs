//! Subject access (UK GDPR article 15): everything held about one person,
//! every column as stored, in one JSON document.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Params};
use serde_json::{json, Map, Value};

use super::{people, Result};
use crate::domain::PersonId;

/// Their contacts, and those from their numbers or addresses made before
/// they were on record (these have no person_id).
const THEIR_CONTACTS: &str = "person_id = ?1 OR (person_id IS NULL
    AND identity IN (SELECT value FROM identities WHERE person_id = ?1))";

/// The person, their identities, enquiries, measures (with endings) and
/// their reviews, every
/// contact (theirs, and those from their numbers or addresses before they
/// were on record), the flags about them or those contacts with the
/// contacts behind each (`flag_evidence`), and the audit
/// entries about them or their contacts.
/// Runs on a reader: the unlinked contacts take a full scan.
pub fn export(conn: &Connection, id: PersonId) -> Result<Value> {
    people::get_person(conn, id)?;
    let of = |table: &str, json: &[&str]| {
        let sql = format!("SELECT * FROM {table} WHERE person_id = ?1 ORDER BY id");
        rows(conn, &sql, [id], json)
    };
    let person = rows(conn, "SELECT * FROM people WHERE id = ?1", [id], &[])?;
    let contacts = format!(
        "SELECT id, strftime('%Y-%m-%dT%H:%M:%fZ', at / 1000.0, 'unixepoch') AS at, channel,
                identity, person_id, enquiry_id, call_id, dialed, urgent, action, target, prompt,
                reason, rules, counted, recorded_by, advisor, answered, duration_s, note,
                outcome_at, complaint
         FROM contacts WHERE {THEIR_CONTACTS} ORDER BY contacts.at, id"
    );
    let flags = format!(
        "SELECT * FROM flags
         WHERE person_id = ?1 OR contact_id IN (SELECT id FROM contacts WHERE {THEIR_CONTACTS})
         ORDER BY id"
    );
    let evidence = format!(
        "SELECT e.* FROM flag_evidence e JOIN flags f ON f.id = e.flag_id
         WHERE f.person_id = ?1
            OR f.contact_id IN (SELECT id FROM contacts WHERE {THEIR_CONTACTS})
         ORDER BY e.flag_id, e.contact_id"
    );
    let reviews = "SELECT r.* FROM measure_reviews r JOIN measures m ON m.id = r.measure_id
                   WHERE m.person_id = ?1 ORDER BY r.id";
    let audit = format!(
        "SELECT * FROM audit_log
         WHERE person_id = ?1
            OR (entity = 'contact'
                AND entity_id IN (SELECT id FROM contacts WHERE {THEIR_CONTACTS}))
         ORDER BY id"
    );
    Ok(json!({
        "person": person.into_iter().next(),
        "identities": of("identities", &[])?,
        "enquiries": of("enquiries", &[])?,
        "measures": of("measures", &["params", "on_breach"])?,
        "appeals": of("appeals", &[])?,
        "reviews": rows(conn, reviews, [id], &[])?,
        "contacts": rows(conn, &contacts, [id], &["rules"])?,
        "flags": rows(conn, &flags, [id], &[])?,
        "flag_evidence": rows(conn, &evidence, [id], &[])?,
        "audit": rows(conn, &audit, [id], &["before", "after"])?,
    }))
}

/// Each row as an object of its columns; the `json` columns parsed.
fn rows(conn: &Connection, sql: &str, args: impl Params, json: &[&str]) -> Result<Vec<Value>> {
    let mut stmt = conn.prepare(sql)?;
    let names: Vec<String> = stmt.column_names().into_iter().map(String::from).collect();
    let mut found = stmt.query(args)?;
    let mut out = Vec::new();
    while let Some(row) = found.next()? {
        let mut object = Map::new();
        for (i, name) in names.iter().enumerate() {
            let value = match row.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) => json!(n),
                ValueRef::Real(x) => json!(x),
                ValueRef::Text(t) => {
                    let text = String::from_utf8_lossy(t).into_owned();
                    match json.contains(&name.as_str()) {
                        true => serde_json::from_str(&text).unwrap_or(Value::String(text)),
                        false => Value::String(text),
                    }
                }
                ValueRef::Blob(b) => json!(hex::encode(b)),
            };
            object.insert(name.clone(), value);
        }
        out.push(Value::Object(object));
    }
    Ok(out)
}
