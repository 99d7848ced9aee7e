//! What screening keeps in memory between calls: every number rule, and
//! the record (identity, measures, enquiries, their advisors' targets) of
//! each caller it has seen, including "not on record". They change a few
//! times a day and are read on every call, and reading them took a third
//! of the writer's time.
//!
//! Never stale: each kind has a version in the database (schema 0005),
//! replaced by triggers in the same transaction as any change to its
//! tables, by any connection or process. `refresh` reads the versions
//! inside the screening transaction and drops what changed, so a call sees
//! exactly what a fresh query would. A caller's contact history is not kept: it
//! changes with every call.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::Connection;

use super::{advisors, enquiries, measures, people, rules, Result};
use crate::domain::{
    AdvisorRoute, Enquiry, EnquiryStatus, Measure, MeasureKind, NumberRule, PhoneNumber,
};

/// Callers kept at most; past it the map is emptied and refilled as they
/// call (a helpline has far fewer distinct callers between changes).
const MAX_CALLERS: usize = 100_000;

/// A caller on record, as screening needs them.
#[derive(Debug, Clone, PartialEq)]
pub struct CallerRecord {
    pub person_id: crate::domain::PersonId,
    /// Measures not ended; whether each is in force depends on `now`, which
    /// the decision is handed.
    pub measures: Vec<Measure>,
    pub enquiries: Vec<Enquiry>,
    /// Where the advisors of their open enquiries, and of a single point
    /// of contact that names an advisor, take calls (schema 0009's
    /// triggers drop the record when the directory changes).
    pub advisors: Vec<AdvisorRoute>,
}

#[derive(Default)]
pub struct CallerCache {
    /// The versions what is held was read at; `None` before the first.
    versions: Option<Versions>,
    /// Rules by their number or prefix, as stored.
    rules: HashMap<String, Vec<NumberRule>>,
    /// By E.164 number; `None` for a number on no one's record.
    callers: HashMap<String, Option<Arc<CallerRecord>>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Versions {
    rules: i64,
    callers: i64,
}

impl CallerCache {
    /// Drops whatever changed since it was read. Call once per screening,
    /// inside its transaction, before the look-ups.
    pub fn refresh(&mut self, conn: &Connection) -> Result<()> {
        let now = conn
            .prepare_cached(
                "SELECT (SELECT version FROM cache_versions WHERE name = 'number_rules'),
                        (SELECT version FROM cache_versions WHERE name = 'callers')",
            )?
            .query_row([], |row| {
                Ok(Versions {
                    rules: row.get(0)?,
                    callers: row.get(1)?,
                })
            })?;
        // Versions are recorded only once what they stand for is loaded: a
        // failed reload is tried again on the next call.
        let before = self.versions;
        if before.map(|v| v.rules) != Some(now.rules) {
            let mut by_number: HashMap<String, Vec<NumberRule>> = HashMap::new();
            for rule in rules::list_rules(conn)? {
                by_number
                    .entry(rule.number.as_str().to_owned())
                    .or_default()
                    .push(rule);
            }
            self.rules = by_number;
        }
        if before.map(|v| v.callers) != Some(now.callers) {
            self.callers.clear();
        }
        self.versions = Some(now);
        Ok(())
    }

    /// The rules whose pattern is the number or one of its prefixes.
    pub fn rules_for(&self, number: &PhoneNumber) -> Vec<NumberRule> {
        number
            .prefixes()
            .filter_map(|prefix| self.rules.get(prefix))
            .flatten()
            .cloned()
            .collect()
    }

    /// The record of whoever has this number, if anyone.
    pub fn caller(
        &mut self,
        conn: &Connection,
        number: &PhoneNumber,
    ) -> Result<Option<Arc<CallerRecord>>> {
        if let Some(known) = self.callers.get(number.as_str()) {
            return Ok(known.clone());
        }
        let record = load_caller(conn, number)?.map(Arc::new);
        if self.callers.len() >= MAX_CALLERS {
            self.callers.clear();
        }
        self.callers
            .insert(number.as_str().to_owned(), record.clone());
        Ok(record)
    }
}

/// A caller's record straight from the database.
pub fn load_caller(conn: &Connection, number: &PhoneNumber) -> Result<Option<CallerRecord>> {
    let Some(person_id) = people::person_with(conn, &people::Identity::Phone(number.clone()))?
    else {
        return Ok(None);
    };
    let measures = measures::current_measures_of(conn, person_id)?;
    let enquiries = enquiries::enquiries_of(conn, person_id)?;
    let advisors = advisors::routes_named(conn, advisors_named(&measures, &enquiries))?;
    Ok(Some(CallerRecord {
        person_id,
        measures,
        enquiries,
        advisors,
    }))
}

/// The advisors a decision may route this caller to: those of their open
/// enquiries, and a single point of contact's when it has no target of
/// its own. Most callers name none, and so cost no look-up at all.
fn advisors_named<'a>(
    measures: &'a [Measure],
    enquiries: &'a [Enquiry],
) -> impl Iterator<Item = &'a str> {
    let of_enquiries = enquiries
        .iter()
        .filter(|e| e.status == EnquiryStatus::Open)
        .filter_map(|e| e.advisor.as_deref());
    let of_measures = measures.iter().filter_map(|m| match &m.kind {
        MeasureKind::SinglePointOfContact {
            advisor: Some(advisor),
            target: None,
        } => Some(advisor.as_str()),
        _ => None,
    });
    of_enquiries.chain(of_measures)
}

#[cfg(test)]
mod tests;
