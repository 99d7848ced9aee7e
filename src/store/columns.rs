//! Stored values read back as the types they mean. A value that does not
//! read is an error naming its table, row and column, never a silent
//! default: a corrupt review date must not become 1970 and lapse a measure.

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::Row;
use serde::de::value::{Error as DeError, StrDeserializer};
use serde::Deserialize;

use super::{Result, StoreError};
use crate::decision::{Action, Rule};
use crate::domain::Role;
use crate::domain::{
    AdvisorId, AppealId, AppealOutcome, Channel, ContactId, EnquiryId, EnquiryStatus, FlagId,
    FlagKind, FlagStatus, IdentityId, MatchKind, MeasureId, NoticeMethod, NumberRuleId, PbxName,
    PersonId, RecordId, ReviewId, ReviewOutcome, RuleAction,
};

/// Reads a row whose first column is its id with `read`; a stored value
/// that does not convert becomes [`StoreError::Corrupt`] naming `table`,
/// the row's id and the column.
pub fn typed_row<T>(
    table: &'static str,
    row: &Row<'_>,
    read: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Result<T>> {
    let id: i64 = row.get(0)?;
    Ok(read(row).map_err(|error| corrupt(table, id, row, error)))
}

fn corrupt(table: &'static str, id: i64, row: &Row<'_>, error: rusqlite::Error) -> StoreError {
    let (index, problem) = match &error {
        rusqlite::Error::FromSqlConversionFailure(index, _, inner) => (*index, inner.to_string()),
        rusqlite::Error::InvalidColumnType(index, _, found) => {
            (*index, format!("holds {found}, of the wrong type"))
        }
        rusqlite::Error::IntegralValueOutOfRange(index, _) => {
            (*index, "holds a number out of range".to_owned())
        }
        _ => return StoreError::Sqlite(error),
    };
    let column = row
        .as_ref()
        .column_name(index)
        .map(str::to_owned)
        .unwrap_or_else(|_| index.to_string());
    StoreError::Corrupt {
        table,
        id,
        column,
        problem,
    }
}

/// A time stored as milliseconds since the epoch (contacts' `at`, kept as
/// an integer so the per-call range scans compare numbers).
pub fn millis(row: &Row<'_>, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    let ms: i64 = row.get(index)?;
    Utc.timestamp_millis_opt(ms).single().ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Integer,
            format!("{ms} is not a time fairline can hold").into(),
        )
    })
}

/// A JSON column that does not parse, as [`StoreError::Corrupt`].
/// A contact's recorded `rules` (JSON), read back; a value that does not
/// parse is [`StoreError::Corrupt`] naming the contact.
pub fn contact_rules(
    text: Option<String>,
    id: i64,
) -> Result<Option<Vec<crate::decision::RuleHit>>, StoreError> {
    text.map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(corrupt_json("contacts", id, "rules"))
}

pub fn corrupt_json(
    table: &'static str,
    id: i64,
    column: &'static str,
) -> impl FnOnce(serde_json::Error) -> StoreError {
    move |error| StoreError::Corrupt {
        table,
        id,
        column: column.to_owned(),
        // Where, not what: serde's own message may quote the stored value.
        problem: format!(
            "{:?} error at line {}, column {}",
            error.classify(),
            error.line(),
            error.column()
        ),
    }
}

/// A word stored for an enum, read back through the enum's own serde names
/// so the two spellings cannot drift apart.
fn word<T: for<'de> Deserialize<'de>>(value: ValueRef<'_>) -> FromSqlResult<T> {
    let text = value.as_str()?;
    T::deserialize(StrDeserializer::<DeError>::new(text)).map_err(|_| {
        let shown: String = text.chars().take(32).collect();
        FromSqlError::Other(format!("{shown:?} is not a known value").into())
    })
}

macro_rules! id_column {
    ($($ty:ty),*) => {$(
        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.get()))
            }
        }
        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value.as_i64().map(<$ty>::from_raw)
            }
        }
    )*};
}

id_column!(
    PersonId,
    ContactId,
    IdentityId,
    MeasureId,
    EnquiryId,
    NumberRuleId,
    FlagId,
    AppealId,
    AdvisorId,
    ReviewId
);

/// A target stored for the PBX, read back only in the form every PBX can
/// act on: anything else is an error naming the row, not a call sent to
/// a target that hangs it up.
impl FromSql for PbxName {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        PbxName::parse(value.as_str()?).map_err(|problem| FromSqlError::Other(problem.into()))
    }
}

impl ToSql for PbxName {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.as_str().to_sql()
    }
}

macro_rules! word_column {
    ($($ty:ty => $name:expr),* $(,)?) => {$(
        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                word(value)
            }
        }
        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                let name: fn(&$ty) -> &'static str = $name;
                Ok(ToSqlOutput::from(name(self)))
            }
        }
    )*};
}

word_column! {
    Action => |a| a.as_str(),
    Rule => |r| r.as_str(),
    Role => |r| r.as_str(),
    Channel => |c| c.as_str(),
    EnquiryStatus => |s| s.as_str(),
    FlagKind => |k| k.as_str(),
    NoticeMethod => |m| m.as_str(),
    AppealOutcome => |o| o.as_str(),
    FlagStatus => |s| s.as_str(),
    ReviewOutcome => |o| o.as_str(),
    MatchKind => |m| match m {
        MatchKind::Exact => "exact",
        MatchKind::Prefix => "prefix",
    },
    RuleAction => |a| match a {
        RuleAction::Block => "block",
        RuleAction::Allow => "allow",
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn every_rule_and_action_reads_back_as_written() {
        let conn = Connection::open_in_memory().unwrap();
        for rule in Rule::ALL {
            let back: Rule = conn.query_row("SELECT ?1", [rule], |r| r.get(0)).unwrap();
            assert_eq!(back, rule);
        }
        for action in [
            Action::Route,
            Action::Announce,
            Action::Divert,
            Action::Block,
        ] {
            let back: Action = conn.query_row("SELECT ?1", [action], |r| r.get(0)).unwrap();
            assert_eq!(back, action);
        }
    }

    #[test]
    fn an_unknown_stored_word_is_an_error_naming_table_row_and_column() {
        let conn = Connection::open_in_memory().unwrap();
        let read = conn
            .query_row("SELECT 7 AS id, 'routed' AS action", [], |row| {
                typed_row("contacts", row, |row| row.get::<_, Action>(1))
            })
            .unwrap();
        let error = read.unwrap_err().to_string();
        assert!(error.contains("contacts"), "{error}");
        assert!(error.contains("row 7"), "{error}");
        assert!(error.contains("action"), "{error}");
        assert!(error.contains("\"routed\""), "{error}");
    }
}
