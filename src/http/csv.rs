//! CSV answers for any listing: whether a request wants CSV (`Accept:
//! text/csv`, or `format=csv` for a download link, which cannot set a
//! header), cells a spreadsheet will not run as formulas, and the answer
//! itself: a small document written at once, or a long listing streamed
//! through a bounded channel.

use std::borrow::Cow;

use axum::body::{Body, Bytes};
use axum::http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

use crate::error::AppError;

/// The `Content-Type` of every CSV answer.
pub const CONTENT_TYPE_CSV: &str = "text/csv; charset=utf-8";

/// Whether the answer should be CSV: `format` (`csv` or `json`, from the
/// query) decides if given; otherwise `Accept`, where `text/csv` (or
/// `text/*`) must be named and ranked at least as high as JSON (`*/*`
/// alone, as browsers send it, is JSON).
pub fn wants_csv(headers: &HeaderMap, format: Option<&str>) -> Result<bool, AppError> {
    match format.map(str::trim) {
        Some("csv") => return Ok(true),
        Some("json") => return Ok(false),
        Some(_) => return Err(AppError::invalid("format", "must be csv or json")),
        None => {}
    }
    let accept: Vec<&str> = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let accept = accept.join(",");
    let csv = quality(&accept, "text", "csv", 1);
    Ok(csv > 0.0 && csv >= quality(&accept, "application", "json", 0))
}

/// The quality `accept` gives `kind/sub`: that of the most specific range
/// that matches it (RFC 9110, 12.5.1), 0 if none of at least
/// `min_specificity` does (0: `*/*`, 1: `kind/*`, 2: `kind/sub`).
fn quality(accept: &str, kind: &str, sub: &str, min_specificity: u8) -> f32 {
    let mut best: Option<(u8, f32)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let Some((k, s)) = media.split_once('/') else {
            continue;
        };
        let specificity = match (k, s) {
            (k, s) if k == kind && s == sub => 2,
            (k, "*") if k == kind => 1,
            ("*", "*") => 0,
            _ => continue,
        };
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, q));
        }
    }
    best.filter(|(s, _)| *s >= min_specificity)
        .map_or(0.0, |(_, q)| q)
}

/// What a spreadsheet reads as the start of a formula (`=`, `+`, `-`, `@`)
/// or strips before looking for one (tab, carriage return).
fn starts_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A cell as a spreadsheet should show it: one it would run as a formula
/// (`=HYPERLINK(…)` typed as a reason) gets a leading apostrophe, which
/// makes it text (OWASP's "CSV injection"). So that [`unguard`] can undo
/// it exactly, a cell that already starts with apostrophes before such a
/// character gets one more. Quoting is the `csv` writer's job.
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

/// `attachment; filename="…"`, the name reduced to letters, digits and
/// `._-` so it cannot break the header it sits in.
fn disposition(filename: &str) -> HeaderValue {
    let name: String = filename
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' | '-' => c,
            _ => '_',
        })
        .collect();
    HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// `header` and `rows` as a CSV attachment named `filename`, written at
/// once: for answers of bounded size (reports, number rules).
pub fn document<R, C>(filename: &str, header: &[&str], rows: R) -> Result<Response, AppError>
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
    Ok((
        StatusCode::OK,
        [
            (CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_CSV)),
            (CONTENT_DISPOSITION, disposition(filename)),
        ],
        body,
    )
        .into_response())
}

/// Chunks of a CSV body, and an error that ends it short: the client sees
/// a broken transfer, never a file that looks complete but is not.
pub type Chunk = Result<Bytes, std::io::Error>;

/// How many chunks may wait for a slow client before the producer waits.
pub const CHANNEL_CHUNKS: usize = 4;

/// The channel a producer (a blocking thread writing rows) sends chunks
/// into, and the receiving end to hand to [`stream`]. Bounded, so a slow
/// client holds back the producer rather than filling memory; once the
/// client goes away, sending fails and the producer should stop.
pub fn channel() -> (mpsc::Sender<Chunk>, mpsc::Receiver<Chunk>) {
    mpsc::channel(CHANNEL_CHUNKS)
}

/// A streamed `text/csv` download named `filename`: for listings of any
/// length (the call history).
pub fn stream(filename: &str, chunks: mpsc::Receiver<Chunk>) -> Response {
    let stream = futures_util::stream::unfold(chunks, |mut chunks| async move {
        chunks.recv().await.map(|chunk| (chunk, chunks))
    });
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_CSV));
    headers.insert(CONTENT_DISPOSITION, disposition(filename));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn csv_is_chosen_by_format_or_by_an_accept_that_prefers_it() {
        let csv = |headers: &HeaderMap, format| wants_csv(headers, format).unwrap();
        assert!(csv(&accept("text/csv"), None));
        assert!(csv(&accept("text/csv; charset=utf-8"), None));
        assert!(csv(&accept("application/json;q=0.5, text/csv"), None));
        assert!(csv(&HeaderMap::new(), Some("csv")));
        assert!(csv(&accept("application/json"), Some("csv")));
        assert!(!csv(&HeaderMap::new(), None));
        assert!(!csv(&accept("*/*"), None));
        assert!(!csv(
            &accept("text/html,application/xhtml+xml,*/*;q=0.8"),
            None
        ));
        assert!(!csv(&accept("text/csv;q=0.4, application/json"), None));
        assert!(!csv(&accept("text/csv"), Some("json")));
        assert!(!csv(&accept("text/*;q=0.9, text/csv;q=0"), None));
    }

    #[test]
    fn an_unknown_format_names_the_field() {
        let error = wants_csv(&HeaderMap::new(), Some("xlsx")).unwrap_err();
        assert!(
            matches!(&error, AppError::Invalid(e) if e.field == "format"),
            "{error:?}"
        );
    }

    #[test]
    fn csv_is_asked_for_by_accept_or_by_the_format_parameter() {
        let csv = |headers: &HeaderMap, format| wants_csv(headers, format).unwrap();
        assert!(csv(&accept("text/csv"), None));
        assert!(csv(&accept("Text/CSV; charset=utf-8"), None));
        assert!(csv(&accept("application/json, text/csv"), None));
        assert!(csv(&HeaderMap::new(), Some("csv")));
        assert!(!csv(&HeaderMap::new(), None));
        assert!(!csv(&accept("*/*"), None));
        assert!(!csv(&accept("text/csv;q=0"), None));
        assert!(!csv(&accept("application/json, text/csv;q=0.5"), None));
        assert!(!csv(&accept("text/csv"), Some("json")));
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
