//! Hardening of what fairline tells the PBX: only targets and prompts every
//! PBX can act on, refused where they enter (the API, the settings); and
//! only the helpline's own calls screened and recorded.
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const HELPLINE: &str = "0800 123 4567";

/// Asserts a 422 naming `field`.
fn assert_refused(status: StatusCode, body: &Value, field: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_field", "{body}");
    assert_eq!(body["error"]["field"], field, "{body}");
}

#[tokio::test]
async fn a_target_or_prompt_the_pbx_cannot_use_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let audited = app.audit_len().await;
    let measures = format!("/v1/people/{ann}/measures");
    // `ann,b` made every Asterisk sample hang up the call (its Goto fails);
    // a space, `$` or `\` is split or expanded by FreeSWITCH.
    for target in [
        "ann,b",
        "Alex Smith",
        "${system(id)}",
        r"a\b",
        "",
        &"a".repeat(65),
    ] {
        let body = measure_body(json!({
            "kind": "single_point_of_contact", "target": target,
        }));
        let (status, body) = app.post(&measures, "supervisor", body).await;
        assert_refused(status, &body, "target");
    }
    for prompt in ["please hold", "a,b", "../../etc/x", "fairline|x"] {
        let body = measure_body(json!({
            "kind": "frequency_limit", "max_contacts": 1, "per": "day",
            "on_breach": {"action": "announce", "prompt": prompt},
        }));
        let (status, body) = app.post(&measures, "supervisor", body).await;
        assert_refused(status, &body, "on_breach.prompt");
    }
    assert_eq!(app.audit_len().await, audited, "nothing was recorded");

    // Names in the PBX-safe form are taken as they are, and a PATCH is
    // checked the same way.
    let spoc = app
        .measure(
            ann,
            json!({"kind": "single_point_of_contact", "target": "Alex-2001@desk.b+1_x"}),
        )
        .await;
    assert_eq!(spoc["target"], "Alex-2001@desk.b+1_x");
    let path = format!("/v1/measures/{}", spoc["id"]);
    let (status, body) = app
        .patch(&path, "supervisor", json!({"target": "alex,2001"}))
        .await;
    assert_refused(status, &body, "target");
    let (_, now) = app.get(&path, "supervisor").await;
    assert_eq!(now["target"], "Alex-2001@desk.b+1_x", "unchanged");
}

#[test]
fn a_target_or_prompt_setting_the_pbx_cannot_use_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fairline.db");
    for (variable, value) in [
        ("FAIRLINE_DEFAULT_TARGET", "ann,b"),
        ("FAIRLINE_DIVERT_TARGET", "voice mail"),
        ("FAIRLINE_BLOCK_PROMPT", "${system(id)}"),
        ("FAIRLINE_WITHHELD_PROMPT", ""),
        ("FAIRLINE_FREESWITCH_CONTEXTS", r#"["public","in bound"]"#),
    ] {
        let stderr = serve_refuses(&db, &[(variable, value)]);
        let setting = variable.trim_start_matches("FAIRLINE_");
        assert!(
            stderr.to_uppercase().contains(setting),
            "{variable}: {stderr}"
        );
        assert!(
            stderr.contains("letters, digits") || stderr.contains("must not be empty"),
            "{variable}: {stderr}"
        );
    }
}

#[test]
fn a_screened_number_that_is_no_phone_number_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fairline.db");
    let stderr = serve_refuses(
        &db,
        &[(
            "FAIRLINE_SCREEN_NUMBERS",
            r#"["0800 123 4567", "helpline"]"#,
        )],
    );
    assert!(stderr.contains("screen_numbers[1]"), "{stderr}");
}

async fn helpline_app() -> TestApp {
    spawn_app_with(&[(
        "FAIRLINE_SCREEN_NUMBERS",
        &format!(r#"["{HELPLINE}", "+44 800 765 4321"]"#),
    )])
    .await
}

#[tokio::test]
async fn a_call_to_a_number_that_is_not_the_helplines_is_routed_and_not_recorded() {
    let app = helpline_app().await;
    let ann = app.blocked_person("Ann", "07700 900123").await;
    for dialed in ["2001", "08009999999", "s", ""] {
        let answer = app
            .screen_with(&[
                ("caller", "07700900123"),
                ("dialed", dialed),
                ("call_id", &format!("other-{dialed}")),
            ])
            .await;
        assert_eq!(answer["action"], "route", "{dialed}: {answer}");
        assert_eq!(answer["target"], "helpline", "{answer}");
        assert_eq!(answer["reason"], "not_screened", "{answer}");
        assert_eq!(answer["rules"][0]["rule"], "not_screened", "{answer}");
    }
    assert!(app.history(ann).await.is_empty(), "nothing recorded");

    // The helpline's numbers, in any written form, are screened.
    for (dialed, call_id) in [
        ("08001234567", "help-1"),
        ("+448001234567", "help-2"),
        ("0044 800 765 4321", "help-3"),
    ] {
        let answer = app
            .screen_with(&[
                ("caller", "07700900123"),
                ("dialed", dialed),
                ("call_id", call_id),
            ])
            .await;
        assert_eq!(answer["action"], "block", "{dialed}: {answer}");
    }
    assert_eq!(app.history(ann).await.len(), 3);
}

#[tokio::test]
async fn calls_that_are_not_the_helplines_raise_no_flag_and_count_for_no_flood() {
    let app = helpline_app().await;
    // More than the flood guard's 10 calls a minute, urgent and from an
    // unknown number (which would raise an urgent_call flag if screened).
    for n in 0..15 {
        let answer = app
            .screen_with(&[
                ("caller", "07700900555"),
                ("dialed", "2001"),
                ("call_id", &format!("internal-{n}")),
                ("urgent", "1"),
            ])
            .await;
        assert_eq!(answer["reason"], "not_screened", "{answer}");
    }
    let (status, flags) = app.get("/v1/flags?status=all", "supervisor").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(flags["flags"], json!([]), "{flags}");
    let answer = app
        .screen_with(&[
            ("caller", "07700900555"),
            ("dialed", HELPLINE),
            ("call_id", "helpline-1"),
        ])
        .await;
    assert_eq!(answer["reason"], "default", "not a flood: {answer}");

    let page = reqwest::get(format!("{}/metrics", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"fairline_decisions_total{action="route",reason="not_screened"} 15"#),
        "{page}"
    );
}

#[tokio::test]
async fn with_no_screen_numbers_every_call_is_screened_as_before() {
    let app = spawn_app().await;
    let ann = app.blocked_person("Ann", "07700 900123").await;
    let answer = app
        .screen_with(&[
            ("caller", "07700900123"),
            ("dialed", "2001"),
            ("call_id", "any-1"),
        ])
        .await;
    assert_eq!(answer["action"], "block", "{answer}");
    assert_eq!(app.history(ann).await.len(), 1);
}
