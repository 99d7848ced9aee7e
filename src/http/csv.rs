//! CSV answers: whether a request asks for CSV (`Accept: text/csv` or
//! `?format=csv`), and a header plus rows as a `text/csv` attachment, with
//! every cell a spreadsheet would run as a formula defused.

use std::borrow::Cow;

use axum::http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

pub const CONTENT_TYPE_CSV: &str = "text/csv; charset=utf-8";

/// A `format` query parameter, if given, names a format this API speaks.
pub fn check_format(format: Option<&str>) -> Result<(), AppError> {
    match format {
        None | Some("csv" | "json") => Ok(()),
        Some(_) => Err(AppError::invalid("format", "must be csv or json")),
    }
}

/// Whether the answer should be CSV: `?format=` decides when given (a link
/// in a browser cannot set headers); otherwise `Accept` does, CSV winning
/// only when it is named and ranked at least as high as JSON.
pub fn wants_csv(headers: &HeaderMap, format: Option<&str>) -> bool {
    if let Some(format) = format {
        return format.eq_ignore_ascii_case("csv");
    }
    let (mut csv, mut json) = (0.0_f32, 0.0_f32);
    for value in headers.get_all(ACCEPT).iter() {
        let Ok(value) = value.to_str() else { continue };
        for range in value.split(',') {
            let mut parts = range.split(';');
            let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            match essence.as_str() {
                "text/csv" => csv = csv.max(q),
                "application/json" => json = json.max(q),
                _ => {}
            }
        }
    }
    csv > 0.0 && csv >= json
}

/// `header` and `rows` as a CSV attachment named `filename` (reduced to
/// letters, digits and `._-`, so it cannot break the header it sits in).
pub fn attachment<R, C>(filename: &str, header: &[&str], rows: R) -> Result<Response, AppError>
where
    R: IntoIterator,
    R::Item: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let mut out = ::csv::Writer::from_writer(Vec::new());
    let internal = |e: ::csv::Error| AppError::Internal(format!("writing CSV: {e}"));
    out.write_record(header).map_err(internal)?;
    for row in rows {
        let cells: Vec<String> = row
            .into_iter()
            .map(|cell| guard(cell.as_ref()).into_owned())
            .collect();
        out.write_record(&cells).map_err(internal)?;
    }
    let body = out
        .into_inner()
        .map_err(|e| AppError::Internal(format!("writing CSV: {e}")))?;
    let name: String = filename
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' | '-' => c,
            _ => '_',
        })
        .collect();
    Ok((
        StatusCode::OK,
        [
            (CONTENT_TYPE, CONTENT_TYPE_CSV.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// What a spreadsheet reads as the start of a formula (`=`, `+`, `-`, `@`)
/// or strips before looking for one (tab, carriage return).
fn starts_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A cell a spreadsheet would run as a formula (`=HYPERLINK(…)` typed as
/// a reason) gets a leading apostrophe, which makes it text. So that
/// [`unguard`] can undo it exactly, a cell that already starts with
/// apostrophes before such a character gets one more.
pub fn guard(cell: &str) -> Cow<'_, str> {
    if starts_formula(cell.trim_start_matches('\'')) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The cell [`guard`] was given: one leading apostrophe fewer where it
/// added one.
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_formula(rest.trim_start_matches('\'')) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn csv_is_asked_for_by_accept_or_by_the_format_parameter() {
        assert!(wants_csv(&accept("text/csv"), None));
        assert!(wants_csv(&accept("Text/CSV; charset=utf-8"), None));
        assert!(wants_csv(&accept("application/json, text/csv"), None));
        assert!(wants_csv(&HeaderMap::new(), Some("csv")));
        assert!(!wants_csv(&HeaderMap::new(), None));
        assert!(!wants_csv(&accept("*/*"), None));
        assert!(!wants_csv(&accept("text/csv;q=0"), None));
        assert!(!wants_csv(
            &accept("application/json, text/csv;q=0.5"),
            None
        ));
        assert!(!wants_csv(&accept("text/csv"), Some("json")));
    }

    #[test]
    fn a_cell_that_would_run_as_a_formula_becomes_text() {
        for (cell, written) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+447700900123", "'+447700900123"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=x", "''=x"),
            ("plain", "plain"),
            ("it's", "it's"),
            ("'quoted'", "'quoted'"),
            ("", ""),
        ] {
            assert_eq!(guard(cell), written, "{cell:?}");
            assert_eq!(unguard(written), cell, "{written:?}");
        }
    }

    #[test]
    fn guard_and_unguard_undo_each_other_for_any_cell() {
        let alphabet = ["'", "=", "+", "-", "@", "\t", "a", " "];
        // Every string of up to four of these characters.
        let mut cells = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = cells
                .iter()
                .flat_map(|c| alphabet.iter().map(move |a| format!("{c}{a}")))
                .collect();
            cells.extend(longer);
        }
        for cell in cells {
            assert_eq!(unguard(&guard(&cell)), cell, "{cell:?}");
            assert!(!starts_formula(&guard(&cell)), "{cell:?}");
        }
    }
}
