//! A measure's life in the browser: recorded with a field error first,
//! then success; its written notice printed and recorded sent; ended; an
//! appeal recorded by an advisor, refused to the supervisor who recorded
//! the measure, and decided by another. axe-core and a screenshot on each
//! page.

use fantoccini::Locator;
use serde_json::json;

use crate::rig::{rig, Rig, PASSWORD};
use crate::server::{create_key, create_user};

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

/// A person made through the API with a supervisor's key; their id.
async fn person(rig: &Rig, name: &str) -> i64 {
    let key = create_key(&rig.db, "supervisor", "setup-key");
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/people", rig.base))
        .bearer_auth(key)
        .json(&json!({"name": name, "phones": ["07700900123"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::CREATED);
    let body: serde_json::Value = resp.json().await.unwrap();
    body["id"].as_i64().unwrap()
}

async fn fill(rig: &Rig, name: &str, value: &str) {
    let form = rig.browser.form(Locator::Css("main form")).await.unwrap();
    form.set_by_name(name, value).await.unwrap();
}

/// Clicks something that does not load a page (a radio button).
async fn click(rig: &Rig, css: &str) {
    rig.browser
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn submit(rig: &Rig) {
    rig.click("main form button[type=submit]").await;
}

async fn value_of(rig: &Rig, id: &str) -> String {
    rig.browser
        .find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn sign_out(rig: &Rig) {
    rig.click(".account button").await;
    assert_eq!(rig.path().await, "/ui/sign-in");
}

/// Records a frequency limit through the form; answers the measure's path.
async fn record_limit(rig: &Rig, person: i64, max: &str) {
    rig.open(&format!("/ui/people/{person}/measures/new")).await;
    click(rig, "#kind-frequency_limit").await;
    fill(rig, "max_contacts", max).await;
    fill(rig, "reason", "calls every hour about the same letter").await;
    fill(rig, "review_on", &day(30)).await;
    submit(rig).await;
}

#[tokio::test]
async fn a_measure_is_recorded_after_a_field_error_noticed_and_ended() {
    let rig = rig().await;
    create_user(&rig.db, "supervisor", "sue", PASSWORD);
    let person = person(&rig, "Ann Example").await;
    rig.sign_in("sue", PASSWORD).await;
    rig.open(&format!("/ui/people/{person}/measures/new")).await;
    assert!(rig
        .text()
        .await
        .contains("Record a measure for Ann Example"));
    rig.assert_accessible("record a measure").await;
    rig.screenshot("measure-new").await;

    record_limit(&rig, person, "0").await;
    let text = rig.text().await;
    assert!(text.contains("There is a problem"), "{text}");
    assert!(text.contains("must be at least 1"), "{text}");
    assert_eq!(
        value_of(&rig, "reason").await,
        "calls every hour about the same letter"
    );
    rig.assert_accessible("record a measure with an error")
        .await;
    rig.screenshot("measure-new-error").await;

    fill(&rig, "max_contacts", "3").await;
    submit(&rig).await;
    let path = rig.path().await;
    assert!(path.starts_with("/ui/measures/"), "{path}");
    let text = rig.text().await;
    assert!(text.contains("no more than 3 calls a week"), "{text}");
    assert!(text.contains("Not in force"), "{text}");
    rig.assert_accessible("measure").await;
    rig.screenshot("measure").await;

    // Print the letter and record it sent.
    rig.click("main a[href$='/notice']").await;
    rig.assert_accessible("notice").await;
    rig.screenshot("measure-notice").await;
    rig.click("main a[href*='letter=new']").await;
    let letter = rig.text().await;
    assert!(letter.contains("Ann Example"), "{letter}");
    rig.assert_accessible("letter").await;
    rig.screenshot("measure-letter").await;
    rig.browser.back().await.unwrap();
    fill(&rig, "on", &day(-1)).await;
    click(&rig, "#method").await; // the first radio: by post
    submit(&rig).await;
    assert_eq!(rig.path().await, path);
    assert!(rig.text().await.contains("In force"));

    // End it, with a missing reason first.
    rig.click("main a[href$='/end']").await;
    rig.assert_accessible("end a measure").await;
    submit(&rig).await;
    assert!(rig.text().await.contains("must not be empty"));
    rig.assert_accessible("end a measure with an error").await;
    rig.screenshot("measure-end-error").await;
    fill(&rig, "reason", "calls are back to normal").await;
    submit(&rig).await;
    assert_eq!(rig.path().await, path);
    let text = rig.text().await;
    assert!(text.contains("Ended"), "{text}");
    assert!(text.contains("calls are back to normal"), "{text}");
    assert!(!text.contains("End this measure"), "{text}");
    rig.close().await;
}

#[tokio::test]
async fn a_measure_is_reviewed_and_changed() {
    let rig = rig().await;
    create_user(&rig.db, "supervisor", "sue", PASSWORD);
    let person = person(&rig, "Ann Example").await;
    rig.sign_in("sue", PASSWORD).await;
    record_limit(&rig, person, "3").await;
    let path = rig.path().await;
    rig.click("main a[href$='/review']").await;
    rig.assert_accessible("review").await;
    rig.screenshot("measure-review").await;
    click(&rig, "#outcome-change").await;
    fill(&rig, "next_review_on", &day(20)).await;
    fill(&rig, "note", "calls by email too now").await;
    submit(&rig).await;
    // A review that calls for a change goes on to the change form.
    assert_eq!(rig.path().await, format!("{path}/change"));
    assert_eq!(value_of(&rig, "max_contacts").await, "3");
    rig.assert_accessible("change").await;
    rig.screenshot("measure-change").await;
    fill(&rig, "channels", "all").await;
    submit(&rig).await;
    assert_eq!(rig.path().await, path);
    let text = rig.text().await;
    assert!(text.contains("no more than 3 contacts"), "{text}");
    assert!(text.contains("calls by email too now"), "{text}");
    rig.close().await;
}

#[tokio::test]
async fn an_appeal_is_recorded_and_decided_by_someone_not_involved() {
    let rig = rig().await;
    create_user(&rig.db, "supervisor", "sue", PASSWORD);
    create_user(&rig.db, "supervisor", "sam", PASSWORD);
    create_user(&rig.db, "advisor", "ava", PASSWORD);
    let person = person(&rig, "Ann Example").await;
    rig.sign_in("sue", PASSWORD).await;
    record_limit(&rig, person, "3").await;
    let measure = rig.path().await;
    sign_out(&rig).await;

    rig.sign_in("ava", PASSWORD).await;
    rig.open(&format!("{measure}/appeals/new")).await;
    rig.assert_accessible("record an appeal").await;
    rig.screenshot("appeal-new").await;
    click(&rig, "#channel-letter").await;
    fill(&rig, "grounds", "I was not told why").await;
    submit(&rig).await;
    let appeal = rig.path().await;
    assert!(appeal.starts_with("/ui/appeals/"), "{appeal}");
    let text = rig.text().await;
    assert!(text.contains("Waiting for a decision"), "{text}");
    assert!(!text.contains("Decide the appeal"), "{text}");
    rig.assert_accessible("appeal (advisor)").await;
    sign_out(&rig).await;

    // Sue recorded the measure: refused, in plain words.
    rig.sign_in("sue", PASSWORD).await;
    rig.open(&appeal).await;
    click(&rig, "#outcome-ended").await;
    fill(&rig, "reason", "the letter was never sent").await;
    submit(&rig).await;
    let text = rig.text().await;
    assert!(text.contains("was not involved"), "{text}");
    rig.assert_accessible("appeal refused: not independent")
        .await;
    rig.screenshot("appeal-not-independent").await;
    sign_out(&rig).await;

    rig.sign_in("sam", PASSWORD).await;
    rig.open(&appeal).await;
    rig.assert_accessible("appeal").await;
    rig.screenshot("appeal").await;
    click(&rig, "#outcome-ended").await;
    fill(&rig, "reason", "the letter was never sent").await;
    submit(&rig).await;
    assert_eq!(rig.path().await, appeal);
    let text = rig.text().await;
    assert!(text.contains("ended by sam"), "{text}");
    rig.open(&measure).await;
    assert!(rig.text().await.contains("Ended"));
    rig.close().await;
}
