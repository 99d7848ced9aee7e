//! The person page, its enquiry forms and the advisors directory in
//! Chromium: find a person by a number written differently than stored,
//! see a call screened through the API on their timeline, open, assign
//! and close an enquiry, manage the directory; axe-core on every page.

use fantoccini::Locator;
use serde_json::{json, Value};

use crate::rig::{rig, Rig, PASSWORD};
use crate::server::{create_key, create_user};

/// The API as a script would use it, with a key of `role`.
async fn api(rig: &Rig, role: &str, path: &str, body: Value) -> Value {
    let key = create_key(&rig.db, role, &format!("{role}-{}", rand_suffix()));
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", rig.base))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().await.unwrap()
}

/// Key names must differ; the clock's nanoseconds are enough in one test.
fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// A person with one number, and an advisor in the directory.
async fn ann(rig: &Rig) -> i64 {
    api(rig, "supervisor", "/v1/advisors", json!({"name": "Priya"})).await;
    let person = api(
        rig,
        "supervisor",
        "/v1/people",
        json!({"name": "Ann Example", "reference": "CASE-77", "phones": ["+441632960001"]}),
    )
    .await;
    person["id"].as_i64().unwrap()
}

async fn submit(rig: &Rig, css: &str) {
    let form = rig.browser.form(Locator::Css(css)).await.unwrap();
    rig.loading(async { form.submit().await.unwrap() }).await;
}

#[tokio::test]
async fn a_number_written_differently_finds_the_person_whose_timeline_shows_a_screened_call() {
    let rig = rig().await;
    create_user(&rig.db, "supervisor", "sue", PASSWORD);
    let id = ann(&rig).await;
    rig.sign_in("sue", PASSWORD).await;
    rig.open("/ui/people").await;
    let form = rig
        .browser
        .form(Locator::Css("form[role=search]"))
        .await
        .unwrap();
    form.set_by_name("q", "01632 960 001").await.unwrap();
    rig.loading(async { form.submit().await.unwrap() }).await;
    rig.assert_accessible("people (found by number)").await;
    let link = rig
        .browser
        .find(Locator::LinkText("Ann Example"))
        .await
        .unwrap();
    rig.loading(async { link.click().await.unwrap() }).await;
    assert_eq!(rig.path().await, format!("/ui/people/{id}"));
    assert!(rig.text().await.contains("Nothing on the timeline yet"));
    // The PBX screens a call from the number as it sends it.
    let answer = api(
        &rig,
        "pbx",
        "/v1/screen",
        json!({"caller": "+441632960001", "call_id": "browser-1", "dialed": "0800"}),
    )
    .await;
    assert_eq!(answer["action"], "route", "{answer}");
    rig.open(&format!("/ui/people/{id}")).await;
    let text = rig.text().await;
    assert!(
        text.contains("Phone from +441632960001: put through"),
        "{text}"
    );
    let desc = rig
        .browser
        .find(Locator::Css("#contacts-chart-desc"))
        .await
        .unwrap()
        .html(true)
        .await
        .unwrap();
    assert!(desc.starts_with("1 contact in the 26 weeks"), "{desc}");
    rig.assert_accessible("person").await;
    rig.screenshot("person").await;
    // The chart and the timeline are further down.
    rig.browser
        .execute(
            "document.getElementById('contacts-per-week').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    rig.screenshot("person-chart").await;
    rig.close().await;
}

#[tokio::test]
async fn an_enquiry_is_opened_after_a_field_error_then_assigned_and_closed() {
    let rig = rig().await;
    create_user(&rig.db, "supervisor", "sue", PASSWORD);
    let id = ann(&rig).await;
    rig.sign_in("sue", PASSWORD).await;
    rig.open(&format!("/ui/people/{id}")).await;
    let open = format!("form[action='/ui/people/{id}/enquiries']");
    let form = rig.browser.form(Locator::Css(&open)).await.unwrap();
    form.set_by_name("reference", "ENQ-5").await.unwrap();
    rig.loading(async { form.submit().await.unwrap() }).await;
    let text = rig.text().await;
    assert!(text.contains("There is a problem"), "{text}");
    assert!(text.contains("Error: Topic must not be empty"), "{text}");
    let kept = rig
        .browser
        .find(Locator::Id("enquiry-reference"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("ENQ-5"));
    rig.assert_accessible("person with an enquiry error").await;
    rig.screenshot("person-enquiry-error").await;
    let form = rig.browser.form(Locator::Css(&open)).await.unwrap();
    form.set_by_name("topic", "School transport").await.unwrap();
    rig.loading(async { form.submit().await.unwrap() }).await;
    assert_eq!(rig.path().await, format!("/ui/people/{id}"));
    assert!(rig.text().await.contains("School transport"));
    // Assign it to Priya, then close it.
    let form = rig
        .browser
        .form(Locator::Css("form[action$='/assign']"))
        .await
        .unwrap();
    form.set_by_name("advisor", "Priya").await.unwrap();
    rig.loading(async { form.submit().await.unwrap() }).await;
    let selected = rig
        .browser
        .find(Locator::Css("form[action$='/assign'] select"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(selected.as_deref(), Some("Priya"));
    submit(&rig, "form[action$='/close']").await;
    let text = rig.text().await;
    let row = text
        .lines()
        .find(|l| l.contains("School transport"))
        .unwrap_or_default()
        .to_owned();
    assert!(text.contains("Closed"), "{text}");
    assert!(text.contains("Priya"), "{row}\n{text}");
    rig.browser
        .execute(
            "document.getElementById('enquiries').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    rig.assert_accessible("person with a closed enquiry").await;
    rig.screenshot("person-enquiries").await;
    rig.close().await;
}

#[tokio::test]
async fn supervisors_manage_the_advisors_directory_and_advisors_read_it() {
    let rig = rig().await;
    create_user(&rig.db, "supervisor", "sue", PASSWORD);
    create_user(&rig.db, "advisor", "ava", PASSWORD);
    rig.sign_in("sue", PASSWORD).await;
    rig.open("/ui/advisors").await;
    rig.assert_accessible("advisors").await;
    let form = rig
        .browser
        .form(Locator::Css("form[action='/ui/advisors']"))
        .await
        .unwrap();
    form.set_by_name("name", "Priya").await.unwrap();
    form.set_by_name("target", "PJSIP/201").await.unwrap();
    rig.loading(async { form.submit().await.unwrap() }).await;
    let text = rig.text().await;
    assert!(
        text.contains("Error: Target may hold only letters"),
        "{text}"
    );
    rig.assert_accessible("advisors with an error").await;
    rig.screenshot("advisors-error").await;
    let form = rig
        .browser
        .form(Locator::Css("form[action='/ui/advisors']"))
        .await
        .unwrap();
    form.set_by_name("target", "ext-201").await.unwrap();
    rig.loading(async { form.submit().await.unwrap() }).await;
    assert_eq!(rig.path().await, "/ui/advisors");
    let text = rig.text().await;
    assert!(text.contains("Current advisors (1)"), "{text}");
    assert!(text.contains("ext-201"));
    submit(&rig, "form[action$='/retire']").await;
    let text = rig.text().await;
    assert!(text.contains("Retired advisors (1)"), "{text}");
    rig.assert_accessible("advisors with one retired").await;
    rig.screenshot("advisors").await;
    // An advisor reads the directory but is offered no changes.
    rig.click(".account button").await;
    rig.sign_in("ava", PASSWORD).await;
    rig.open("/ui/advisors").await;
    let text = rig.text().await;
    assert!(text.contains("Priya"), "{text}");
    assert!(!text.contains("Add an advisor"), "{text}");
    assert!(!text.contains("Reinstate"), "{text}");
    rig.assert_accessible("advisors (advisor)").await;
    rig.close().await;
}
