//! A call found to be a complaint after it was screened (its outcome says
//! so) may already be evidence of an open flag. A complaint counts towards
//! no flag, so it leaves that evidence, and a flag that its remaining
//! evidence no longer bears out is dismissed by fairline, as if it had
//! never been raised.

use rusqlite::{params, Connection};

use super::raise::{holds, Metric};
use super::refresh::{refresh_open, Refresh};
use super::{audit_settled, get_flag, Kind};
use crate::domain::{ContactId, FlagId, PersonId};
use crate::store::Result;

/// Why fairline dismissed a flag, as its `reason` says.
pub const DISMISSED_FOR_COMPLAINT: &str =
    "one of the contacts behind it was a complaint about the service, which counts towards \
     no flag; without it the flag would not have been raised";

/// The kinds a contact counts towards. The urgent kinds are left alone: a
/// safeguarding call is looked at whatever it turned out to be about.
const COUNTING: [Kind; 5] = [
    Kind::VeryFrequentContact,
    Kind::WeeklyContact,
    Kind::RepeatedWhileDiverted,
    Kind::SeveralAdvisors,
    Kind::Scattergun,
];

/// Takes `contact`, now a complaint, out of the evidence of the open flags
/// it was part of, and dismisses those whose remaining evidence no longer
/// reaches their kind's threshold; answers the flags dismissed. Settled
/// flags keep their evidence: they record what a supervisor saw.
///
/// The person's open flags are first brought up to date (screening adds
/// nothing to a kind already open), so a flag that later contacts bear out
/// is kept.
///
/// Evidence of an open flag can span more than the kind's window (later
/// contacts are added while it stays open), so a flag kept here may rest
/// on contacts from more than one day or week: it errs towards keeping a
/// flag, which informs and never changes a decision.
pub fn withdraw_complaint(
    conn: &Connection,
    contact: ContactId,
    refresh: &Refresh,
    now: &str,
) -> Result<Vec<FlagId>> {
    let person: Option<PersonId> = conn
        .prepare_cached("SELECT person_id FROM contacts WHERE id = ?1")?
        .query_row([contact], |row| row.get(0))?;
    if let Some(person) = person {
        refresh_open(conn, refresh, Some(person))?;
    }
    let thresholds = &refresh.thresholds;
    let kinds: Vec<&str> = COUNTING.iter().map(|kind| kind.as_str()).collect();
    let holding: Vec<(FlagId, Kind)> = conn
        .prepare_cached(
            "SELECT f.id, f.kind FROM flag_evidence e JOIN flags f ON f.id = e.flag_id
             WHERE e.contact_id = ?1 AND f.status = 'open'
               AND f.kind IN (SELECT value FROM json_each(?2))",
        )?
        .query_map(params![contact, serde_json::to_string(&kinds)?], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut dismissed = Vec::new();
    for (flag, kind) in holding {
        conn.prepare_cached("DELETE FROM flag_evidence WHERE flag_id = ?1 AND contact_id = ?2")?
            .execute(params![flag, contact])?;
        if holds(kind, remaining(conn, flag, kind)?, thresholds) {
            // Still borne out; its newest evidence may have been the complaint.
            conn.prepare_cached(
                "UPDATE flags SET updated_at = ?2,
                     evidence_until = (SELECT max(c.at) FROM flag_evidence e
                                       JOIN contacts c ON c.id = e.contact_id
                                       WHERE e.flag_id = ?1)
                 WHERE id = ?1",
            )?
            .execute(params![flag, now])?;
            continue;
        }
        let before = get_flag(conn, flag)?;
        // The flag before it of the same kind and subject left a point
        // after which evidence counts again; this one keeps that point,
        // so its dismissal holds back no later contact.
        conn.prepare_cached(
            "UPDATE flags SET status = 'dismissed', settled_at = ?2, settled_by = 'fairline',
                              reason = ?3, updated_at = ?2,
                              evidence_until = (
                                  SELECT p.evidence_until FROM flags p
                                  WHERE p.person_id IS flags.person_id AND p.kind = flags.kind
                                    AND p.enquiry_id IS flags.enquiry_id
                                    AND p.status <> 'open' AND p.id < flags.id
                                  ORDER BY p.id DESC LIMIT 1)
             WHERE id = ?1",
        )?
        .execute(params![flag, now, DISMISSED_FOR_COMPLAINT])?;
        let after = get_flag(conn, flag)?;
        audit_settled(conn, "fairline", "flag.dismiss", &before, &after, now)?;
        dismissed.push(flag);
    }
    Ok(dismissed)
}

/// What a flag's evidence comes to: how many contacts, and how many
/// channels (or, for several advisors, advisors).
fn remaining(conn: &Connection, flag: FlagId, kind: Kind) -> Result<Metric> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*), count(DISTINCT c.channel), count(DISTINCT lower(c.advisor))
             FROM flag_evidence e JOIN contacts c ON c.id = e.contact_id
             WHERE e.flag_id = ?1",
        )?
        .query_row([flag], |row| {
            Ok(Metric {
                count: row.get(0)?,
                distinct: match kind {
                    Kind::SeveralAdvisors => row.get(2)?,
                    _ => row.get(1)?,
                },
            })
        })?)
}
