//! The record holds only sense, whatever is sent: number rules that match
//! what they name, a retried call id that cannot borrow another call's
//! answer, ids never given twice, a block only after a measure was told and
//! tried, and settings that fail (or not) with a clear word.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const ANN: &str = "07700 900123";

async fn rule(app: &TestApp, body: Value) -> (StatusCode, Value) {
    app.post("/v1/number-rules", "supervisor", body).await
}

fn block_prefix(number: &str) -> Value {
    json!({"number": number, "match": "prefix", "action": "block", "reason": "nuisance range"})
}

// --- Number rules -------------------------------------------------------

#[tokio::test]
async fn a_prefix_written_with_a_bracketed_trunk_zero_blocks_the_range_it_names() {
    let app = spawn_app().await;
    let (status, created) = rule(&app, block_prefix("+44 (0)7700 900")).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["number"], "+447700900");
    assert_eq!(app.screen(ANN, "range-1").await["action"], "block");
}

#[tokio::test]
async fn prefixes_that_would_block_a_whole_country_or_every_mobile_are_refused() {
    let app = spawn_app().await;
    for short in ["+4", "07", "+44", "+44 770"] {
        let (status, body) = rule(&app, block_prefix(short)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{short}: {body}");
        assert_eq!(body["error"]["field"], "number", "{short}");
    }
    let (_, list) = app.get("/v1/number-rules", "supervisor").await;
    assert_eq!(list["number_rules"], json!([]), "nothing was recorded");
    assert_eq!(app.screen(ANN, "country-1").await["action"], "route");
}

#[tokio::test]
async fn a_broad_prefix_is_accepted_when_the_supervisor_says_so() {
    let app = spawn_app().await;
    let mut body = block_prefix("+44");
    body["broad"] = json!(true);
    body["reason"] = json!("a nuisance campaign from every UK number this week");
    let (status, created) = rule(&app, body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["number"], "+44");
    // Still a country code, even when broad.
    let mut body = block_prefix("+4");
    body["broad"] = json!(true);
    let (status, refused) = rule(&app, body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    // And only for prefixes.
    let (status, refused) = rule(
        &app,
        json!({"number": ANN, "match": "exact", "action": "block", "reason": "x", "broad": true}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "broad");
}

#[tokio::test]
async fn a_prefix_is_read_with_the_trunk_prefix_of_the_configured_region() {
    // Hungary's trunk prefix is 06, not 0: `06 30 123` is +36 30 123.
    let app = spawn_app_with(&[("FAIRLINE_REGION", "HU")]).await;
    let (status, created) = rule(&app, block_prefix("06 30 123")).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["number"], "+3630123");
    assert_eq!(
        app.screen("06 30 123 4567", "hu-1").await["action"],
        "block"
    );
}
