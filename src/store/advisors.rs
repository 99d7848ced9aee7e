//! The advisors directory: who takes calls where. One function per
//! operation, each writing its audit entry in the change's transaction, so
//! the API and the staff pages make the same change the same way.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{audit, typed_row, Result, StoreError};
use crate::domain::{
    AdvisorId, AdvisorName, AdvisorRoute, FieldError, MeasureKind, PbxName, RecordId,
};

/// An advisor as the directory lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdvisorRow {
    pub id: AdvisorId,
    pub name: String,
    /// Where their calls go; `None`: to the default target.
    pub target: Option<PbxName>,
    pub created_at: String,
    pub updated_at: String,
    pub retired_at: Option<String>,
}

const COLUMNS: &str = "id, name, target, created_at, updated_at, retired_at";

fn advisor_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<AdvisorRow>> {
    typed_row("advisors", row, |row| {
        Ok(AdvisorRow {
            id: row.get(0)?,
            name: row.get(1)?,
            target: row.get(2)?,
            created_at: row.get(3)?,
            updated_at: row.get(4)?,
            retired_at: row.get(5)?,
        })
    })
}

pub fn get_advisor(conn: &Connection, id: AdvisorId) -> Result<AdvisorRow> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM advisors WHERE id = ?1"))?
        .query_row([id], advisor_row)
        .optional()?
        .ok_or(StoreError::NotFound("advisor"))?
}

/// The directory by name; retired advisors only when asked for.
pub fn list_advisors(conn: &Connection, include_retired: bool) -> Result<Vec<AdvisorRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM advisors WHERE ?1 OR retired_at IS NULL ORDER BY name, id"
    ))?;
    let rows = stmt.query_map([include_retired], advisor_row)?;
    rows.map(|row| row?).collect()
}

fn find_by_name(conn: &Connection, name: &str) -> Result<Option<AdvisorRow>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM advisors WHERE name = ?1"))?
        .query_row([name], advisor_row)
        .optional()?
        .transpose()
}

/// The directory's spelling of `given` (any case), for an enquiry or a
/// single point of contact to name: an advisor who is in the directory and
/// not retired. Anything else is refused naming `field`.
pub fn assignable(conn: &Connection, field: &str, given: &str) -> Result<String> {
    let name = AdvisorName::parse(field, given)?;
    match find_by_name(conn, name.as_str())? {
        None => Err(FieldError::new(
            field,
            format!("{:?} is not in the advisors directory", name.as_str()),
        )
        .into()),
        Some(advisor) if advisor.retired_at.is_some() => {
            Err(FieldError::new(field, format!("{:?} is retired", advisor.name)).into())
        }
        Some(advisor) => Ok(advisor.name),
    }
}

/// `kind` with a single point of contact's advisor checked as
/// [`assignable`] and written in the directory's spelling; any other kind,
/// or one with a target of its own, as it is.
pub fn with_assignable_advisor(conn: &Connection, kind: MeasureKind) -> Result<MeasureKind> {
    match kind {
        MeasureKind::SinglePointOfContact {
            advisor: Some(given),
            target,
        } => Ok(MeasureKind::SinglePointOfContact {
            advisor: Some(assignable(conn, "advisor", &given)?),
            target,
        }),
        other => Ok(other),
    }
}

/// Where each advisor named in `names` takes calls now, for the caller
/// cache. Each is one seek in the name's unique index; a name the
/// directory lacks is left out (the decision then uses the default target).
pub fn routes_named<'a>(
    conn: &Connection,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<AdvisorRoute>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, target, retired_at IS NOT NULL FROM advisors WHERE name = ?1",
    )?;
    let mut routes: Vec<AdvisorRoute> = Vec::new();
    for name in names {
        if routes.iter().any(|r| r.name == name) {
            continue;
        }
        let found = stmt
            .query_row([name], |row| {
                typed_row("advisors", row, |row| {
                    Ok(AdvisorRoute {
                        name: row.get(1)?,
                        target: row.get(2)?,
                        retired: row.get(3)?,
                    })
                })
            })
            .optional()?
            .transpose()?;
        routes.extend(found);
    }
    Ok(routes)
}

fn entry<'a>(
    actor: &'a str,
    action: &'a str,
    id: AdvisorId,
    before: Option<&AdvisorRow>,
    after: &AdvisorRow,
) -> audit::Entry<'a> {
    audit::Entry {
        actor,
        action,
        entity: "advisor",
        entity_id: Some(id.get()),
        person_id: None,
        before: before.and_then(|b| serde_json::to_value(b).ok()),
        after: serde_json::to_value(after).ok(),
    }
}

const NAME_TAKEN: &str = "is already an advisor's name (names are told apart without case)";

/// Adds an advisor to the directory.
pub fn create(
    conn: &Connection,
    actor: &str,
    name: &AdvisorName,
    target: Option<&PbxName>,
    now: &str,
) -> Result<AdvisorRow> {
    conn.prepare_cached(
        "INSERT INTO advisors (name, target, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
    )?
    .execute(params![name.as_str(), target, now])
    .map_err(StoreError::conflict_on("name", NAME_TAKEN))?;
    let advisor = get_advisor(conn, AdvisorId::from_raw(conn.last_insert_rowid()))?;
    audit::record(
        conn,
        entry(actor, "advisor.create", advisor.id, None, &advisor),
        now,
    )?;
    Ok(advisor)
}

/// A change to an advisor: each field absent is left as it is;
/// `target: Some(None)` clears the target.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub name: Option<AdvisorName>,
    pub target: Option<Option<PbxName>>,
}

/// Renames an advisor or changes their target. A rename reaches every
/// enquiry and single point of contact that names them in this
/// transaction (a trigger, `schema/0009_advisors.sql`).
pub fn change(
    conn: &Connection,
    actor: &str,
    id: AdvisorId,
    change: Change,
    now: &str,
) -> Result<AdvisorRow> {
    let before = get_advisor(conn, id)?;
    let name = change
        .name
        .as_ref()
        .map_or(before.name.as_str(), |n| n.as_str());
    let target = change.target.unwrap_or_else(|| before.target.clone());
    conn.prepare_cached(
        "UPDATE advisors SET name = ?2, target = ?3, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![id, name, target, now])
    .map_err(StoreError::conflict_on("name", NAME_TAKEN))?;
    let after = get_advisor(conn, id)?;
    audit::record(
        conn,
        entry(actor, "advisor.update", id, Some(&before), &after),
        now,
    )?;
    Ok(after)
}

/// Retires an advisor (`retired`) or brings them back. A retired advisor
/// stays in the directory and on the enquiries that name them; their
/// calls go to the default target, and nothing new may name them.
pub fn set_retired(
    conn: &Connection,
    actor: &str,
    id: AdvisorId,
    retired: bool,
    now: &str,
) -> Result<AdvisorRow> {
    let before = get_advisor(conn, id)?;
    if before.retired_at.is_some() == retired {
        return Err(StoreError::Conflict {
            field: "id",
            message: if retired {
                "the advisor is already retired".into()
            } else {
                "the advisor is not retired".into()
            },
        });
    }
    conn.prepare_cached(
        "UPDATE advisors SET retired_at = CASE WHEN ?2 THEN ?3 END, updated_at = ?3 WHERE id = ?1",
    )?
    .execute(params![id, retired, now])?;
    let after = get_advisor(conn, id)?;
    let action = if retired {
        "advisor.retire"
    } else {
        "advisor.reinstate"
    };
    audit::record(conn, entry(actor, action, id, Some(&before), &after), now)?;
    Ok(after)
}

#[cfg(test)]
mod tests;
