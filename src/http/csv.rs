//! CSV answers for any listing: whether a request wants CSV (`Accept:
//! text/csv`, or `format=csv` for a download link, which cannot set a
//! header), cells a spreadsheet will not run as formulas, and a streamed
//! attachment whose rows arrive through a bounded channel.

use std::borrow::Cow;

use axum::body::{Body, Bytes};
use axum::http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

use crate::error::AppError;

/// The `Content-Type` of every CSV answer.
pub const CONTENT_TYPE_CSV: &str = "text/csv; charset=utf-8";

/// Whether the answer should be CSV: `format` (`csv` or `json`, from the
/// query) decides if given; otherwise `Accept`, where `text/csv` must be
/// preferred over JSON (`*/*` alone, as browsers send it, is JSON).
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
    Ok(quality(&accept, "text", "csv") > quality(&accept, "application", "json"))
}

/// The quality `accept` gives `kind/sub`: that of the most specific range
/// that matches it (RFC 9110, 12.5.1), 0 if none does.
fn quality(accept: &str, kind: &str, sub: &str) -> f32 {
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
    best.map_or(0.0, |(_, q)| q)
}

/// A text cell as a spreadsheet should show it: one starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe,
/// so what a caller or an advisor typed is shown, never run as a formula
/// (OWASP's "CSV injection"). Quoting is the `csv` writer's job.
pub fn cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Chunks of a CSV body, and an error that ends it short: the client sees
/// a broken transfer, never a file that looks complete but is not.
pub type Chunk = Result<Bytes, std::io::Error>;

/// How many chunks may wait for a slow client before the producer waits.
pub const CHANNEL_CHUNKS: usize = 4;

/// The channel a producer (a blocking thread writing rows) sends chunks
/// into, and the receiving end to hand to [`attachment`]. Bounded, so a
/// slow client holds back the producer rather than filling memory; once
/// the client goes away, sending fails and the producer should stop.
pub fn channel() -> (mpsc::Sender<Chunk>, mpsc::Receiver<Chunk>) {
    mpsc::channel(CHANNEL_CHUNKS)
}

/// A streamed `text/csv` download named `filename`.
pub fn attachment(filename: &str, chunks: mpsc::Receiver<Chunk>) -> Response {
    let stream = futures_util::stream::unfold(chunks, |mut chunks| async move {
        chunks.recv().await.map(|chunk| (chunk, chunks))
    });
    let disposition = format!("attachment; filename=\"{filename}\"");
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_CSV));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
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
    fn cells_that_a_spreadsheet_would_run_get_an_apostrophe() {
        for risky in ["=1+2", "+44", "-3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(cell(risky), format!("'{risky}"));
        }
        for plain in ["Ann", "", "1+2", "a=b", "'quoted"] {
            assert_eq!(cell(plain), plain);
        }
    }
}
