//! Number rules as CSV (`number,match,action,reason,expires_at`): the list
//! exported, and a file of rules imported all or nothing, each row checked
//! as `POST /v1/number-rules` checks a body and audited as it audits one.

use std::collections::HashMap;

use axum::extract::{Request, State};
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::csv::{self, unguard};
use super::extract::{media_type, read_body};
use super::rules::{check_expiry, insert_with_audit, new_rule, update_with_audit};
use crate::domain::{FieldError, MatchKind, Moment, NumberPattern, NumberRule, Region, RuleAction};
use crate::error::AppError;
use crate::http::auth::{Auth, Supervision};
use crate::state::AppState;
use crate::store::{self, rules, timestamp};

/// The columns, in the order the export writes them. An import may give
/// them in any order, each once, and no others.
pub const COLUMNS: [&str; 5] = ["number", "match", "action", "reason", "expires_at"];

pub(super) fn match_name(kind: MatchKind) -> &'static str {
    match kind {
        MatchKind::Exact => "exact",
        MatchKind::Prefix => "prefix",
    }
}

pub(super) fn action_name(action: RuleAction) -> &'static str {
    match action {
        RuleAction::Block => "block",
        RuleAction::Allow => "allow",
    }
}

/// A match by its name in a file or a form (`exact`, `prefix`).
pub(super) fn match_named(name: &str) -> Option<MatchKind> {
    match name.trim() {
        "exact" => Some(MatchKind::Exact),
        "prefix" => Some(MatchKind::Prefix),
        _ => None,
    }
}

/// An action by its name in a file or a form (`block`, `allow`).
pub(super) fn action_named(name: &str) -> Option<RuleAction> {
    match name.trim() {
        "block" => Some(RuleAction::Block),
        "allow" => Some(RuleAction::Allow),
        _ => None,
    }
}

/// Every rule as a CSV attachment, expired ones included (as in the JSON
/// list). Numbers are in E.164, so they start with `+` and are written
/// `'+44…` like every cell a spreadsheet would take for a formula.
pub fn export(rules: &[NumberRule]) -> Result<Response, AppError> {
    let rows = rules.iter().map(|rule| {
        [
            rule.number.as_str().to_owned(),
            match_name(rule.match_kind).to_owned(),
            action_name(rule.action).to_owned(),
            rule.reason.clone(),
            rule.expires_at.map(timestamp).unwrap_or_default(),
        ]
    });
    csv::document("number-rules.csv", &COLUMNS, rows)
}

/// One row of an import, checked as far as it can be without the
/// database.
struct Row {
    line: u64,
    rule: NumberRule,
    expires_at: Option<Moment>,
    /// A prefix shorter than a supervisor may set without saying `broad`:
    /// accepted only for a rule already on record with that prefix.
    broad: bool,
}

fn bad(line: u64, field: &str, message: impl Into<String>) -> AppError {
    AppError::InvalidLine {
        line,
        error: FieldError::new(field, message),
    }
}

/// `POST /v1/number-rules/import`: a `text/csv` body with a header line.
/// A row for a number and match that already has a rule updates it (its
/// action, reason and expiry); a row identical to the rule on record
/// changes nothing; a row repeating another row's number and match is
/// refused. One bad row refuses the whole file, naming its line.
pub async fn import(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    request: Request,
) -> Result<Json<Value>, AppError> {
    if media_type(request.headers()).as_deref() != Some("text/csv") {
        return Err(AppError::UnsupportedMediaType(
            "CSV (Content-Type: text/csv)",
        ));
    }
    let body = read_body(request, &state).await?;
    match import_file(&state, who.name, &body).await {
        Ok(counts) => Ok(Json(counts)),
        Err(mut errors) => Err(errors.swap_remove(0)),
    }
}

/// Reads a CSV of rules and applies it under `actor`'s name, all or
/// nothing: what the API's import and the rules page's import both do.
/// Refused, the errors are every bad line found while reading (at least
/// one; the API answers with the first), and nothing is written.
pub(crate) async fn import_file(
    state: &AppState,
    actor: String,
    body: &[u8],
) -> Result<Value, Vec<AppError>> {
    let rows = parse_all(body, state.region)?;
    let now = state.now();
    state
        .store
        .write(move |conn| apply(conn, rows, &actor, now))
        .await
        .map_err(|e| vec![e.into()])?
        .map_err(|e| vec![e])
}

/// Reads every row, refusing the file at the first bad one.
#[cfg(test)]
fn parse(body: &[u8], region: Region) -> Result<Vec<Row>, AppError> {
    parse_all(body, region).map_err(|mut errors| errors.swap_remove(0))
}

/// Reads every row. A bad row does not stop the reading, so a person
/// fixing a file sees every line to fix at once; a file whose header or
/// encoding is wrong stops at that.
fn parse_all(body: &[u8], region: Region) -> Result<Vec<Row>, Vec<AppError>> {
    // Spreadsheets saving "CSV UTF-8" start the file with a byte-order mark.
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut reader = ::csv::ReaderBuilder::new().from_reader(body);
    let mut lines = Lines::of(body);
    let header = reader
        .headers()
        .map_err(|e| vec![read_error(&e, &mut lines)])?
        .clone();
    let header_line = lines.of_record(header.position());
    let positions = columns(&header, header_line).map_err(|e| vec![e])?;
    let mut seen: HashMap<(String, &str), u64> = HashMap::new();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => match read_error(&e, &mut lines) {
                error @ AppError::InvalidLine { .. } => {
                    errors.push(error);
                    continue;
                }
                other => {
                    errors.push(other);
                    break;
                }
            },
        };
        let line = lines.of_record(record.position());
        let cells = positions.map(|i| unguard(record.get(i).unwrap_or("")));
        let row = match parse_row(line, cells, region) {
            Ok(row) => row,
            Err(e) => {
                errors.push(e.on_line(line));
                continue;
            }
        };
        let key = (
            row.rule.number.as_str().to_owned(),
            match_name(row.rule.match_kind),
        );
        if let Some(first) = seen.insert(key, line) {
            errors.push(bad(
                line,
                "number",
                format!("repeats the number and match of line {first}"),
            ));
            continue;
        }
        rows.push(row);
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Line numbers counted from a record's byte offset. The csv crate's own
/// count is one short in a file whose lines end CRLF (it starts a record
/// at the `\n` of the CRLF before it, so the first record is "line 1"),
/// and that is how spreadsheets on Windows and browsers posting a text
/// box send them.
struct Lines<'a> {
    body: &'a [u8],
    /// Offset counted up to, and the line there (records come in order,
    /// so each is counted from the last).
    counted: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn of(body: &'a [u8]) -> Self {
        Lines {
            body,
            counted: 0,
            line: 1,
        }
    }

    /// The line a record starts on.
    fn of_record(&mut self, position: Option<&::csv::Position>) -> u64 {
        let Some(position) = position else {
            return self.line;
        };
        let mut byte = usize::try_from(position.byte())
            .unwrap_or(usize::MAX)
            .min(self.body.len());
        // The record's text starts after any line endings it is said to
        // start with.
        while self
            .body
            .get(byte)
            .is_some_and(|b| matches!(b, b'\r' | b'\n'))
        {
            byte += 1;
        }
        if byte < self.counted {
            *self = Lines::of(self.body);
        }
        let newlines = self.body[self.counted..byte]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.line += newlines as u64;
        self.counted = byte;
        self.line
    }
}

/// Where each of [`COLUMNS`] is in the file, from its header line.
fn columns(header: &::csv::StringRecord, line: u64) -> Result<[usize; 5], AppError> {
    // Blank lines before it are skipped, so it may not be line 1.
    let expected = || format!("the first line must name the columns {}", COLUMNS.join(","));
    let mut positions = [usize::MAX; 5];
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().to_ascii_lowercase();
        let Some(column) = COLUMNS.iter().position(|c| *c == name) else {
            return Err(bad(
                1,
                "header",
                format!("has an unknown column {name:?}: {}", expected()),
            ));
        };
        if positions[column] != usize::MAX {
            return Err(bad(line, "header", format!("names {name} twice")));
        }
        positions[column] = i;
    }
    if let Some(missing) = COLUMNS
        .iter()
        .zip(positions)
        .find(|(_, p)| *p == usize::MAX)
    {
        return Err(bad(
            1,
            "header",
            format!("lacks {}: {}", missing.0, expected()),
        ));
    }
    Ok(positions)
}

/// A row's rule from its cells in the order of [`COLUMNS`], checked as the
/// JSON create checks a body.
fn parse_row(line: u64, cells: [&str; 5], region: Region) -> Result<Row, AppError> {
    let [given, match_kind, action, reason, expires_at] = cells;
    let match_kind = match_named(match_kind)
        .ok_or_else(|| AppError::invalid("match", "must be exact or prefix"))?;
    let action = action_named(action)
        .ok_or_else(|| AppError::invalid("action", "must be block or allow"))?;
    let (number, broad) = match NumberPattern::parse(given, match_kind, region) {
        Ok(number) => (number, false),
        Err(message) => match (match_kind, NumberPattern::parse_broad(given, region)) {
            (MatchKind::Prefix, Ok(number)) => (number, true),
            _ => return Err(AppError::invalid("number", message)),
        },
    };
    let expires_at = match expires_at.trim() {
        "" => None,
        text => Some(Moment::parse(text).map_err(|m| AppError::invalid("expires_at", m))?),
    };
    let rule = new_rule(number, match_kind, action, reason, expires_at)?;
    Ok(Row {
        line,
        rule,
        expires_at,
        broad,
    })
}

/// A CSV that cannot be read as rows: a row with more or fewer cells than
/// the header, text that is not UTF-8, no header at all.
fn read_error(error: &::csv::Error, lines: &mut Lines) -> AppError {
    let line = lines.of_record(error.position());
    match error.kind() {
        ::csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => bad(
            line,
            "body",
            format!("has {len} cells where the header has {expected_len}"),
        ),
        ::csv::ErrorKind::Utf8 { .. } => bad(line, "body", "is not UTF-8 text"),
        _ => AppError::Malformed("the body is not readable as CSV".into()),
    }
}

/// What importing does to one row's rule.
enum Change {
    Create,
    Update(NumberRule),
    Unchanged,
}

/// Checks every row against the rules on record, then writes them all:
/// nothing is written unless every row passes. Inside the writer's
/// savepoint, so a failure while writing undoes the rows before it.
fn apply(
    conn: &rusqlite::Connection,
    rows: Vec<Row>,
    actor: &str,
    now: DateTime<Utc>,
) -> store::Result<Result<Value, AppError>> {
    let mut plan = Vec::with_capacity(rows.len());
    for row in rows {
        let existing = rules::rule_for(conn, &row.rule.number, row.rule.match_kind)?;
        let change = match existing {
            None => Change::Create,
            Some(old) if same_terms(&old, &row.rule) => Change::Unchanged,
            Some(old) => Change::Update(old),
        };
        if row.broad && matches!(change, Change::Create) {
            return Ok(Err(bad(
                row.line,
                "number",
                "is a prefix covering a whole country or more than a range; \
                 make such a rule on its own with \"broad\": true, not by import",
            )));
        }
        if !matches!(change, Change::Unchanged) {
            if let Err(e) = check_expiry(row.expires_at, now) {
                return Ok(Err(e.on_line(row.line)));
            }
        }
        plan.push((row, change));
    }
    let stamp = timestamp(now);
    let (mut created, mut updated, mut unchanged) = (0, 0, 0);
    for (mut row, change) in plan {
        let note = Some(("imported_from_line", json!(row.line)));
        match change {
            Change::Create => {
                insert_with_audit(conn, actor, &mut row.rule, note, &stamp)?;
                created += 1;
            }
            Change::Update(old) => {
                row.rule.id = old.id;
                update_with_audit(conn, actor, &old, &row.rule, note, &stamp)?;
                updated += 1;
            }
            Change::Unchanged => unchanged += 1,
        }
    }
    Ok(Ok(
        json!({"created": created, "updated": updated, "unchanged": unchanged}),
    ))
}

fn same_terms(a: &NumberRule, b: &NumberRule) -> bool {
    a.action == b.action && a.reason == b.reason && a.expires_at == b.expires_at
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gb() -> Region {
        Region::parse("GB").unwrap()
    }

    /// The line and field of a refused file.
    fn refused(body: &str) -> (u64, String) {
        match parse(body.as_bytes(), gb()) {
            Err(AppError::InvalidLine { line, error }) => (line, error.field),
            Err(other) => panic!("not a line error: {other:?}"),
            Ok(_) => panic!("accepted: {body:?}"),
        }
    }

    #[test]
    fn rows_are_read_as_the_json_create_reads_a_body_whatever_the_column_order() {
        let rows = parse(
            "\u{feff}Reason, Expires_At ,number,match,action\n\
             \"a, b\",,'+44 7700 900123,exact,block\n\
             r,2099-01-01T00:00:00Z,0044 7700 901,prefix,allow\n"
                .as_bytes(),
            gb(),
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].rule.number.as_str(), "+447700900123");
        assert_eq!(rows[0].rule.reason, "a, b");
        assert_eq!((rows[0].line, rows[1].line), (2, 3));
        assert_eq!(rows[1].rule.number.as_str(), "+447700901");
        assert_eq!(rows[1].rule.action, RuleAction::Allow);
        assert!(rows[1].expires_at.is_some());
        assert!(!rows[1].broad);
    }

    #[test]
    fn a_short_prefix_is_marked_broad_and_a_short_exact_number_is_refused() {
        let rows = parse(
            b"number,match,action,reason,expires_at\n+44,prefix,block,r,\n",
            gb(),
        )
        .unwrap();
        assert!(rows[0].broad);
        assert_eq!(
            refused("number,match,action,reason,expires_at\n+44,exact,block,r,\n"),
            (2, "number".into())
        );
    }

    #[test]
    fn every_bad_line_is_named_not_only_the_first() {
        let errors = match parse_all(
            b"number,match,action,reason,expires_at\n\
              +447700900123,exact,block,r,\n\
              +447700900124,sideways,block,r,\n\
              +447700900125,exact\n\
              +447700900123,exact,allow,again,\n",
            gb(),
        ) {
            Err(errors) => errors,
            Ok(_) => panic!("accepted"),
        };
        let lines: Vec<(u64, String)> = errors
            .into_iter()
            .map(|e| match e {
                AppError::InvalidLine { line, error } => (line, error.field),
                other => panic!("not a line error: {other:?}"),
            })
            .collect();
        assert_eq!(
            lines,
            [
                (3, "match".into()),
                (4, "body".into()),
                (5, "number".into())
            ]
        );
    }

    #[test]
    fn lines_are_counted_right_when_they_end_crlf() {
        let body = "number,match,action,reason,expires_at\r\n\
                    +447700900111,exact,block,r,\r\n\
                    +447700900112,sideways,block,r,\r\n";
        assert_eq!(refused(body), (3, "match".into()));
        assert_eq!(refused(&body.replace("\r\n", "\n")), (3, "match".into()));
    }

    #[test]
    fn the_header_is_named_when_it_is_wrong() {
        for header in [
            "number,match,action,reason",
            "number,match,action,reason,expires_at,x",
            "",
        ] {
            assert_eq!(refused(&format!("{header}\n")).1, "header", "{header:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_bytes_as_an_import_are_refused_with_a_4xx_or_read(
            bytes in proptest::collection::vec(any::<u8>(), 0..256)
        ) {
            if let Err(err) = parse(&bytes, gb()) {
                prop_assert!(err.status_code().is_client_error());
            }
        }

        #[test]
        fn any_rows_under_a_good_header_are_refused_naming_a_line_or_read(
            text in r#"[0-9a-z+ ,"'\n=@-]{0,120}"#
        ) {
            let body = format!("number,match,action,reason,expires_at\n{text}");
            match parse(body.as_bytes(), gb()) {
                Ok(_) => {}
                Err(AppError::InvalidLine { line, .. }) => prop_assert!(line >= 2),
                Err(other) => prop_assert!(other.status_code().is_client_error(), "{other:?}"),
            }
        }
    }
}
