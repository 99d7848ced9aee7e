//! The call page, the reports, the audit log and the users pages in a real
//! Chromium, each checked with axe-core and kept as a screenshot.

use fantoccini::Locator;
use serde_json::{json, Value};

use crate::rig::{rig, Rig, PASSWORD};
use crate::server::{create_key, create_user};

/// Calls the API with a key of `role`; returns the JSON answer.
async fn api(rig: &Rig, role: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    // A key per request: the CLI refuses a name twice, and a key is cheap.
    static KEYS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = KEYS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let key = create_key(&rig.db, role, &format!("browser-{role}-{n}"));
    let client = reqwest::Client::new();
    let url = format!("{}{path}", rig.base);
    let request = match method {
        "GET" => client.get(url),
        "PATCH" => client.patch(url),
        _ => client.post(url),
    };
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let resp = request.bearer_auth(key).send().await.unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().await.unwrap()
}

/// Ann with an open enquiry, a limit of one call a day, and two calls.
async fn ann_calls_twice(rig: &Rig) {
    let ann = api(
        rig,
        "supervisor",
        "POST",
        "/v1/people",
        Some(json!({"name": "Ann Example", "phones": ["07700 900123"]})),
    )
    .await;
    let id = ann["id"].as_i64().unwrap();
    api(
        rig,
        "supervisor",
        "POST",
        &format!("/v1/people/{id}/enquiries"),
        Some(json!({"reference": "ENQ-7", "topic": "Housing benefit"})),
    )
    .await;
    let today = chrono::Utc::now().date_naive() - chrono::Days::new(1);
    api(
        rig,
        "supervisor",
        "POST",
        &format!("/v1/people/{id}/measures"),
        Some(json!({
            "kind": "frequency_limit", "max_contacts": 1, "per": "day",
            "reason": "Agreed on the phone after daily calls",
            "notified_on": today.to_string(), "starts_on": today.to_string(),
            "review_on": (today + chrono::Days::new(60)).to_string(),
        })),
    )
    .await;
    for call in ["call-1", "call-2"] {
        api(
            rig,
            "pbx",
            "GET",
            &format!("/v1/screen?caller=07700900123&dialed=0800&call_id={call}"),
            None,
        )
        .await;
    }
}

#[tokio::test]
async fn an_advisor_reads_the_call_page_and_records_the_outcome() {
    let rig = rig().await;
    ann_calls_twice(&rig).await;
    create_user(&rig.db, "advisor", "alex", PASSWORD);
    rig.sign_in("alex", PASSWORD).await;
    rig.open("/ui/calls/call-2").await;
    let text = rig.text().await;
    assert!(text.contains("Call from Ann Example"), "{text}");
    assert!(text.contains("Frequency limit"), "{text}");
    rig.assert_accessible("call").await;
    rig.screenshot("call").await;
    // A field error first: an enquiry that does not exist.
    let enquiry = rig.browser.find(Locator::Id("enquiry")).await.unwrap();
    enquiry.send_keys("ENQ-404").await.unwrap();
    submit(&rig, "Save the outcome").await;
    let text = rig.text().await;
    assert!(text.contains("There is a problem"), "{text}");
    rig.assert_accessible("call with an error").await;
    rig.screenshot("call-error").await;
    let enquiry = rig.browser.find(Locator::Id("enquiry")).await.unwrap();
    enquiry.clear().await.unwrap();
    enquiry.send_keys("ENQ-7").await.unwrap();
    let note = rig.browser.find(Locator::Id("note")).await.unwrap();
    note.send_keys("Explained when she can call again.")
        .await
        .unwrap();
    submit(&rig, "Save the outcome").await;
    assert_eq!(rig.path().await, "/ui/calls/call-2");
    assert!(rig
        .text()
        .await
        .contains("Explained when she can call again."));
    rig.close().await;
}

/// Clicks the submit button that reads `label`.
async fn submit(rig: &Rig, label: &str) {
    let xpath = format!("//button[normalize-space()='{label}']");
    let button = rig.browser.find(Locator::XPath(&xpath)).await.unwrap();
    rig.loading(async { button.click().await.unwrap() }).await;
}

#[tokio::test]
async fn a_supervisor_reads_the_reports_with_their_charts() {
    let rig = rig().await;
    ann_calls_twice(&rig).await;
    create_user(&rig.db, "supervisor", "sue", PASSWORD);
    rig.sign_in("sue", PASSWORD).await;
    rig.open("/ui/reports?group=week").await;
    let text = rig.text().await;
    assert!(text.contains("2 contacts in all."), "{text}");
    assert!(
        text.contains("Download the contacts report (CSV)"),
        "{text}"
    );
    rig.assert_accessible("reports").await;
    rig.screenshot("reports").await;
    rig.open("/ui/reports?from=2026-05-10&to=2026-05-01").await;
    assert!(rig.text().await.contains("There is a problem"));
    rig.assert_accessible("reports with an error").await;
    rig.screenshot("reports-error").await;
    rig.close().await;
}
