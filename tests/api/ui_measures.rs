//! The measure pages over HTTP: recording a measure (a field error first,
//! then success), changing, reviewing and ending it, its written notice,
//! and appeals; role refusals, CSRF refusals, and bad input that changes
//! nothing.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

fn count(app: &TestApp, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(&app.db).unwrap();
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

/// The newest audit entry.
async fn last_audit(app: &TestApp) -> Value {
    let (_, body) = app.get("/v1/audit?limit=1000", "admin").await;
    let entries = body["entries"].as_array().unwrap();
    entries
        .iter()
        .max_by_key(|e| e["id"].as_i64())
        .unwrap()
        .clone()
}

async fn measure_json(app: &TestApp, id: i64) -> Value {
    let (status, body) = app.get(&format!("/v1/measures/{id}"), "supervisor").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn measure_id(resp: &reqwest::Response) -> i64 {
    let to = location(resp);
    to.strip_prefix("/ui/measures/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a redirect to the measure, not {to:?}"))
}

/// A frequency limit recorded through the page by `ui`; its id.
async fn record_limit(ui: &UiClient, person: i64) -> i64 {
    let form = format!("/ui/people/{person}/measures/new");
    let review = day(30);
    let resp = ui
        .post_from(
            &form,
            &form,
            &[
                ("kind", "frequency_limit"),
                ("max_contacts", "3"),
                ("per", "week"),
                ("channels", "phone"),
                ("reason", "calls every hour about the same letter"),
                ("review_on", &review),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    measure_id(&resp)
}

#[tokio::test]
async fn a_measure_is_recorded_through_the_page_after_a_field_error_that_changed_nothing() {
    let app = spawn_app().await;
    let person = app.person("Ann Example", "07700900123").await;
    let ui = app.signed_in("supervisor", "sue").await;
    let form = format!("/ui/people/{person}/measures/new");
    let (status, page) = ui.page(&form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Record a measure for Ann Example"), "{page}");
    for kind in ["change_requested", "style_warning", "other", "block"] {
        assert!(page.contains(&format!(r#"value="{kind}""#)), "{kind}");
    }
    let before = app.audit_len().await;
    let review = day(30);
    let typed = [
        ("kind", "frequency_limit"),
        ("max_contacts", "0"),
        ("per", "week"),
        ("channels", "phone"),
        ("reason", "calls every hour about the same letter"),
        ("review_on", review.as_str()),
    ];
    let resp = ui.post_from(&form, &form, &typed).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains("There is a problem"), "{page}");
    assert!(page.contains(r##"href="#max_contacts""##), "{page}");
    assert!(page.contains(r#"id="max_contacts-error""#), "{page}");
    assert!(page.contains("must be at least 1"), "{page}");
    assert!(
        page.contains(r#"aria-describedby="max_contacts-error""#),
        "{page}"
    );
    // What was typed is kept.
    assert!(page.contains("calls every hour about the same letter"));
    assert!(page.contains(&format!(r#"value="{review}""#)));
    assert!(
        page.contains(r#"value="frequency_limit" checked"#),
        "{page}"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM measures"), 0);
    assert_eq!(app.audit_len().await, before);

    let id = record_limit(&ui, person).await;
    let measure = measure_json(&app, id).await;
    assert_eq!(measure["kind"], "frequency_limit");
    assert_eq!(measure["max_contacts"], 3);
    assert_eq!(measure["set_by"], "sue");
    let entry = last_audit(&app).await;
    assert_eq!(entry["action"], "measure.create");
    assert_eq!(entry["actor"], "sue");
    let (status, page) = ui.page(&format!("/ui/measures/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("no more than 3 calls a week"), "{page}");
    assert!(page.contains("Not in force"), "{page}");
    assert!(page.contains(&format!(r#"href="/ui/people/{person}""#)));
}

#[tokio::test]
async fn an_advisor_can_neither_see_nor_record_a_measure() {
    let app = spawn_app().await;
    let person = app.person("Ann Example", "07700900123").await;
    let measure = app
        .measure(person, json!({"kind": "open_enquiries_only"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let ui = app.signed_in("advisor", "ava").await;
    let token = csrf_token(&ui.page("/ui").await.1);
    let form = format!("/ui/people/{person}/measures/new");
    assert_eq!(ui.get(&form).await.status(), StatusCode::FORBIDDEN);
    let resp = ui
        .post_form(
            &form,
            &[
                ("csrf_token", &token),
                ("kind", "open_enquiries_only"),
                ("reason", "r"),
                ("review_on", &day(30)),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    for path in ["", "/change", "/end", "/review", "/notice"] {
        let resp = ui.get(&format!("/ui/measures/{measure}{path}")).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let resp = ui
        .post_form(
            &format!("/ui/measures/{measure}/end"),
            &[("csrf_token", &token), ("reason", "no longer needed")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "SELECT count(*) FROM measures"), 1);
    assert!(measure_json(&app, measure).await["ended"].is_null());
}

#[tokio::test]
async fn a_post_without_the_csrf_token_records_and_changes_nothing() {
    let app = spawn_app().await;
    let person = app.person("Ann Example", "07700900123").await;
    let measure = app
        .measure(person, json!({"kind": "open_enquiries_only"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let ui = app.signed_in("supervisor", "sue").await;
    let before = app.audit_len().await;
    let review = day(30);
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/ui/people/{person}/measures/new"),
            vec![
                ("kind", "open_enquiries_only"),
                ("reason", "r"),
                ("review_on", &review),
            ],
        ),
        (
            format!("/ui/measures/{measure}/end"),
            vec![("reason", "no longer needed")],
        ),
        (
            format!("/ui/measures/{measure}/change"),
            vec![("reason", "changed"), ("review_on", &review)],
        ),
        (
            format!("/ui/measures/{measure}/review"),
            vec![("outcome", "end"), ("note", "n")],
        ),
        (
            format!("/ui/measures/{measure}/notice"),
            vec![("on", "2026-01-01"), ("method", "post")],
        ),
        (
            format!("/ui/measures/{measure}/appeals/new"),
            vec![
                ("received_on", "2026-01-01"),
                ("channel", "phone"),
                ("grounds", "g"),
            ],
        ),
    ];
    for (path, fields) in posts {
        for token in [None, Some("forged")] {
            let mut all = fields.clone();
            if let Some(token) = token {
                all.push(("csrf_token", token));
            }
            let resp = ui.post_form(&path, &all).await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path}");
            assert!(resp.text().await.unwrap().contains("This form has expired"));
        }
    }
    assert_eq!(app.audit_len().await, before);
    assert_eq!(count(&app, "SELECT count(*) FROM measures"), 1);
    assert_eq!(count(&app, "SELECT count(*) FROM appeals"), 0);
    assert!(measure_json(&app, measure).await["ended"].is_null());
}

#[tokio::test]
async fn a_block_with_no_earlier_measure_is_refused_beside_the_kind() {
    let app = spawn_app().await;
    let person = app.person("Ann Example", "07700900123").await;
    let ui = app.signed_in("supervisor", "sue").await;
    let form = format!("/ui/people/{person}/measures/new");
    let review = day(30);
    let resp = ui
        .post_from(
            &form,
            &form,
            &[
                ("kind", "block"),
                ("reason", "abusive calls"),
                ("review_on", &review),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(r#"id="kind-error""#), "{page}");
    assert!(page.contains(r##"href="#kind""##), "{page}");
    assert_eq!(count(&app, "SELECT count(*) FROM measures"), 0);
}

#[tokio::test]
async fn contact_windows_are_read_from_the_rows_and_an_error_names_its_row() {
    let app = spawn_app().await;
    let person = app.person("Ann Example", "07700900123").await;
    let ui = app.signed_in("supervisor", "sue").await;
    let form = format!("/ui/people/{person}/measures/new");
    let review = day(30);
    let mut typed = vec![
        ("kind", "contact_windows"),
        // Another kind's settings, typed then left: not sent.
        ("max_contacts", "7"),
        ("window2-tue", "on"),
        ("window2-thu", "on"),
        ("window2-from", "12:00"),
        ("window2-to", "10:00"),
        ("reason", "calls through the night"),
        ("review_on", review.as_str()),
    ];
    let resp = ui.post_from(&form, &form, &typed).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(r#"id="window2-error""#), "{page}");
    assert!(page.contains("must be later than from"), "{page}");
    assert!(page.contains(r##"href="#window2-mon""##), "{page}");
    assert!(page.contains(r#"name="window2-thu" value="on" checked"#));
    assert_eq!(count(&app, "SELECT count(*) FROM measures"), 0);

    typed[4] = ("window2-from", "10:00");
    typed[5] = ("window2-to", "12:00");
    let resp = ui.post_from(&form, &form, &typed).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let measure = measure_json(&app, measure_id(&resp)).await;
    assert_eq!(
        measure["windows"],
        json!([{"days": ["tue", "thu"], "from": "10:00", "to": "12:00"}])
    );
}

#[tokio::test]
async fn a_measure_is_changed_through_its_prefilled_form_and_bad_input_changes_nothing() {
    let app = spawn_app().await;
    let person = app.person("Ann Example", "07700900123").await;
    let ui = app.signed_in("supervisor", "sue").await;
    let id = record_limit(&ui, person).await;
    let change = format!("/ui/measures/{id}/change");
    let (status, page) = ui.page(&change).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(r#"name="max_contacts" type="number" value="3""#),
        "{page}"
    );
    assert!(page.contains("calls every hour about the same letter"));
    let before = measure_json(&app, id).await;
    let audited = app.audit_len().await;
    let review = day(30);
    let far = day(400);
    let mut typed = vec![
        ("max_contacts", "2"),
        ("per", "day"),
        ("channels", "all"),
        ("reason", "calls every hour about the same letter"),
        ("starts_on", before["starts_on"].as_str().unwrap()),
        ("review_on", far.as_str()),
    ];
    let resp = ui.post_from(&change, &change, &typed).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(r#"id="review_on-error""#), "{page}");
    assert!(page.contains(r#"name="max_contacts" type="number" value="2""#));
    assert_eq!(app.audit_len().await, audited);
    assert_eq!(measure_json(&app, id).await, before);

    typed[5] = ("review_on", review.as_str());
    let resp = ui.post_from(&change, &change, &typed).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), format!("/ui/measures/{id}"));
    let after = measure_json(&app, id).await;
    assert_eq!(after["max_contacts"], 2);
    assert_eq!(after["per"], "day");
    assert_eq!(after["channels"], "all");
    let entry = last_audit(&app).await;
    assert_eq!(entry["action"], "measure.update");
    assert_eq!(entry["actor"], "sue");
}

#[tokio::test]
async fn a_measure_is_reviewed_then_ended_through_the_pages() {
    let app = spawn_app().await;
    let person = app.person("Ann Example", "07700900123").await;
    let ui = app.signed_in("supervisor", "sue").await;
    let id = record_limit(&ui, person).await;
    let review = format!("/ui/measures/{id}/review");
    let resp = ui
        .post_from(
            &review,
            &review,
            &[("outcome", "continue"), ("note", "fewer calls since")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(r#"id="next_review_on-error""#), "{page}");
    assert!(page.contains("fewer calls since"));
    assert_eq!(count(&app, "SELECT count(*) FROM measure_reviews"), 0);
    let next = day(20);
    let resp = ui
        .post_from(
            &review,
            &review,
            &[
                ("outcome", "continue"),
                ("next_review_on", &next),
                ("note", "fewer calls since"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(measure_json(&app, id).await["review_on"], next.as_str());
    assert_eq!(last_audit(&app).await["actor"], "sue");
    let (_, page) = ui.page(&format!("/ui/measures/{id}")).await;
    assert!(page.contains("fewer calls since"), "{page}");

    let end = format!("/ui/measures/{id}/end");
    let resp = ui.post_from(&end, &end, &[("reason", "  ")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(measure_json(&app, id).await["ended"].is_null());
    let resp = ui
        .post_from(&end, &end, &[("reason", "calls are back to normal")])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let ended = measure_json(&app, id).await;
    assert_eq!(ended["status"], "ended");
    assert_eq!(ended["ended"]["by"], "sue");
    let (_, page) = ui.page(&format!("/ui/measures/{id}")).await;
    assert!(page.contains("calls are back to normal"));
    assert!(!page.contains("End this measure"), "{page}");
    // An ended measure's change form is refused.
    assert_eq!(
        ui.get(&format!("/ui/measures/{id}/change")).await.status(),
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn the_letter_is_printed_and_recorded_sent() {
    let app = spawn_app().await;
    let person = app.person("Ann Example", "07700900123").await;
    let ui = app.signed_in("supervisor", "sue").await;
    let id = record_limit(&ui, person).await;
    let letter = ui
        .get(&format!("/ui/measures/{id}/notice/letter?letter=new"))
        .await;
    assert_eq!(letter.status(), StatusCode::OK);
    assert_eq!(
        letter.headers()["content-security-policy"],
        "default-src 'none'; style-src 'unsafe-inline'"
    );
    let text = letter.text().await.unwrap();
    assert!(text.contains("Ann Example"), "{text}");
    assert!(text.contains("no more than 3 calls a week"), "{text}");
    let notice = format!("/ui/measures/{id}/notice");
    let yesterday = day(-1);
    let resp = ui.post_from(&notice, &notice, &[("on", &yesterday)]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(r#"id="method-error""#), "{page}");
    assert!(measure_json(&app, id).await["notified_on"].is_null());
    let resp = ui
        .post_from(&notice, &notice, &[("on", &yesterday), ("method", "post")])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let measure = measure_json(&app, id).await;
    assert_eq!(measure["notified_on"], yesterday.as_str());
    assert_eq!(measure["status"], "in_force");
    let entry = last_audit(&app).await;
    assert_eq!(entry["action"], "measure.notice_sent");
    assert_eq!(entry["actor"], "sue");
}

#[tokio::test]
async fn an_appeal_recorded_by_an_advisor_is_decided_only_by_a_supervisor_not_involved() {
    let app = spawn_app().await;
    let person = app.person("Ann Example", "07700900123").await;
    let sue = app.signed_in("supervisor", "sue").await;
    let id = record_limit(&sue, person).await;
    let ava = app.signed_in("advisor", "ava").await;
    let new = format!("/ui/measures/{id}/appeals/new");
    let resp = ava
        .post_from(
            &new,
            &new,
            &[("received_on", &day(-1)), ("grounds", "I was not told why")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(r#"id="channel-error""#), "{page}");
    assert!(page.contains("I was not told why"));
    assert_eq!(count(&app, "SELECT count(*) FROM appeals"), 0);
    let resp = ava
        .post_from(
            &new,
            &new,
            &[
                ("received_on", &day(-1)),
                ("channel", "letter"),
                ("grounds", "I was not told why"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let appeal_page = location(&resp).to_owned();
    assert!(appeal_page.starts_with("/ui/appeals/"), "{appeal_page}");
    assert_eq!(last_audit(&app).await["actor"], "ava");
    // The advisor sees the appeal but not the decision form, and may not decide.
    let (status, page) = ava.page(&appeal_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Waiting for a decision"));
    assert!(!page.contains("Decide the appeal"), "{page}");
    let decision = format!("{appeal_page}/decision");
    let token = csrf_token(&page);
    let fields = [
        ("outcome", "ended"),
        ("reason", "the letter was never sent"),
    ];
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(&fields);
    assert_eq!(
        ava.post_form(&decision, &all).await.status(),
        StatusCode::FORBIDDEN
    );
    // Sue recorded the measure: refused, in plain words, nothing decided.
    let resp = sue.post_from(&appeal_page, &decision, &fields).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let page = resp.text().await.unwrap();
    assert!(page.contains("was not involved"), "{page}");
    assert!(page.contains("the letter was never sent"), "{page}");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM appeals WHERE decided_at IS NULL"
        ),
        1
    );
    // Another supervisor decides it; the measure ends.
    let sam = app.signed_in("supervisor", "sam").await;
    let resp = sam
        .post_from(&appeal_page, &decision, &[("outcome", "ended")])
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = sam.post_from(&appeal_page, &decision, &fields).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let measure = measure_json(&app, id).await;
    assert_eq!(measure["status"], "ended");
    let entry = last_audit(&app).await;
    assert_eq!(entry["action"], "appeal.decide");
    assert_eq!(entry["actor"], "sam");
    let (_, page) = sam.page(&appeal_page).await;
    assert!(page.contains("ended"), "{page}");
    assert!(!page.contains("Decide the appeal"), "{page}");
}
