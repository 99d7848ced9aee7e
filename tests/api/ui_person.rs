//! The person page, its enquiry forms and the advisors directory over
//! HTTP: what each role sees and may do, changes audited under the user's
//! name, refused input shown next to its field with what was typed kept
//! and nothing changed, and forms without the CSRF token refused.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const PHONE: &str = "+441632960001";

async fn enquiries_of(app: &TestApp, person: i64) -> Vec<Value> {
    let (status, body) = app.get(&format!("/v1/people/{person}"), "supervisor").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["enquiries"].as_array().unwrap().clone()
}

async fn advisor(app: &TestApp, name: &str) -> i64 {
    let (status, body) = app
        .post("/v1/advisors", "supervisor", json!({"name": name}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_number_written_differently_finds_the_person_and_links_to_their_page() {
    let app = spawn_app().await;
    let id = app.person("Ann Example", PHONE).await;
    let ui = app.signed_in("supervisor", "sue").await;
    let (status, page) = ui.page("/ui/people?q=01632+960+001").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&format!(r#"href="/ui/people/{id}">Ann Example</a>"#)),
        "{page}"
    );
}

#[tokio::test]
async fn the_person_page_shows_numbers_enquiries_measures_the_chart_and_the_timeline() {
    let app = spawn_app().await;
    let id = app.person("Ann Example", PHONE).await;
    app.enquiry(id, "ENQ-1", "School transport").await;
    let measure = app
        .measure(
            id,
            json!({"kind": "frequency_limit", "max_contacts": 3, "per": "week"}),
        )
        .await;
    app.screen(PHONE, "page-call-1").await;
    let ui = app.signed_in("supervisor", "sue").await;
    let (status, page) = ui.page(&format!("/ui/people/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<h1>Ann Example</h1>"), "{page}");
    assert!(page.contains(PHONE));
    assert!(page.contains("School transport"));
    assert!(page.contains(&format!(r#"href="/ui/measures/{}""#, measure["id"])));
    assert!(page.contains("Agreed contact frequency"));
    assert!(page.contains("In force"));
    assert!(page.contains(&format!(r#"href="/ui/people/{id}/measures/new""#)));
    // The chart, with words for those who cannot see it, and its table.
    assert!(page.contains("<svg"), "{page}");
    assert!(page.contains(r#"<title id="contacts-chart-title">"#));
    assert!(page.contains("1 contact in the 26 weeks"), "{page}");
    assert!(page.contains(r#"<th scope="col">Week starting</th>"#));
    // The call on the timeline, and the measure's recording.
    assert!(
        page.contains(&format!("Phone</strong> from {PHONE}")),
        "{page}"
    );
    assert!(page.contains("Measure recorded</strong> by supervisor-key"));
    // Reading the page is recorded under the user's name.
    assert!(app
        .audit_actions()
        .await
        .contains(&("sue".into(), "person.view".into())));
}

#[tokio::test]
async fn an_advisor_is_refused_the_person_page_and_its_forms() {
    let app = spawn_app().await;
    let id = app.person("Ann Example", PHONE).await;
    let ui = app.signed_in("advisor", "ava").await;
    let (status, page) = ui.page(&format!("/ui/people/{id}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("You cannot use this page"));
    let resp = ui
        .post_form(
            &format!("/ui/people/{id}/enquiries"),
            &[("csrf_token", "x"), ("topic", "Anything")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(enquiries_of(&app, id).await.is_empty());
}

#[tokio::test]
async fn an_unknown_person_or_a_damaged_timeline_link_is_a_page_not_a_crash() {
    let app = spawn_app().await;
    let id = app.person("Ann Example", PHONE).await;
    let ui = app.signed_in("supervisor", "sue").await;
    let (status, page) = ui.page("/ui/people/999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("person not found"), "{page}");
    assert_eq!(ui.page("/ui/people/abc").await.0, StatusCode::NOT_FOUND);
    let (status, page) = ui.page(&format!("/ui/people/{id}?before=nonsense")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("This link is not right"));
}

#[tokio::test]
async fn older_timeline_entries_are_a_link_away() {
    let app = spawn_app().await;
    let id = app.person("Ann Example", PHONE).await;
    for i in 0..51 {
        app.screen(PHONE, &format!("older-{i}")).await;
    }
    let ui = app.signed_in("supervisor", "sue").await;
    let (_, page) = ui.page(&format!("/ui/people/{id}")).await;
    assert_eq!(page.matches("<li><time").count(), 50);
    let marker = format!(r#"href="/ui/people/{id}?before="#);
    let start = page.find(&marker).expect("an older-entries link") + r#"href=""#.len();
    let link = &page[start..][..page[start..].find('"').unwrap()];
    let (status, older) = ui.page(&link.replace("&amp;", "&")).await;
    assert_eq!(status, StatusCode::OK);
    // 51 calls and the flags they raised, less the 50 on the first page.
    assert!(older.matches("<li><time").count() >= 1, "{older}");
    assert!(older.contains("older-0") || older.contains("Phone</strong>"));
    assert!(!older.contains(&marker));
}

#[tokio::test]
async fn opening_an_enquiry_on_the_page_is_audited_under_the_users_name() {
    let app = spawn_app().await;
    let id = app.person("Ann Example", PHONE).await;
    advisor(&app, "Priya").await;
    let ui = app.signed_in("supervisor", "sue").await;
    let token = ui.token(&format!("/ui/people/{id}")).await;
    let resp = ui
        .post_form(
            &format!("/ui/people/{id}/enquiries"),
            &[
                ("csrf_token", &token),
                ("topic", "  Annual review  "),
                ("reference", "ENQ-7"),
                ("advisor", "priya"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), format!("/ui/people/{id}#enquiries"));
    let enquiries = enquiries_of(&app, id).await;
    assert_eq!(enquiries.len(), 1);
    assert_eq!(enquiries[0]["topic"], "Annual review");
    assert_eq!(enquiries[0]["reference"], "ENQ-7");
    assert_eq!(enquiries[0]["advisor"], "Priya");
    assert!(app
        .audit_actions()
        .await
        .contains(&("sue".into(), "enquiry.create".into())));
}

#[tokio::test]
async fn an_enquiry_without_a_topic_is_refused_next_to_the_field_keeping_what_was_typed() {
    let app = spawn_app().await;
    let id = app.person("Ann Example", PHONE).await;
    let ui = app.signed_in("supervisor", "sue").await;
    let token = ui.token(&format!("/ui/people/{id}")).await;
    let resp = ui
        .post_form(
            &format!("/ui/people/{id}/enquiries"),
            &[
                ("csrf_token", &token),
                ("topic", "  "),
                ("reference", "REF-9"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(r#"id="enquiry-topic-error""#), "{page}");
    assert!(page.contains(r##"href="#enquiry-topic""##), "{page}");
    assert!(page.contains(r#"aria-describedby="enquiry-topic-hint enquiry-topic-error""#));
    assert!(page.contains(r#"value="REF-9""#));
    assert!(enquiries_of(&app, id).await.is_empty());
    assert!(!app
        .audit_actions()
        .await
        .iter()
        .any(|(_, action)| action == "enquiry.create"));
}

#[tokio::test]
async fn a_reference_already_used_is_shown_next_to_the_reference_field() {
    let app = spawn_app().await;
    let id = app.person("Ann Example", PHONE).await;
    app.enquiry(id, "ENQ-1", "School transport").await;
    let ui = app.signed_in("supervisor", "sue").await;
    let token = ui.token(&format!("/ui/people/{id}")).await;
    let resp = ui
        .post_form(
            &format!("/ui/people/{id}/enquiries"),
            &[
                ("csrf_token", &token),
                ("topic", "Again"),
                ("reference", "ENQ-1"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(r#"id="enquiry-reference-error""#), "{page}");
    assert!(page.contains(r#"value="Again""#));
    assert_eq!(enquiries_of(&app, id).await.len(), 1);
}

#[tokio::test]
async fn an_enquiry_is_assigned_closed_and_reopened_from_the_page() {
    let app = spawn_app().await;
    let id = app.person("Ann Example", PHONE).await;
    let enquiry = app.enquiry(id, "ENQ-1", "School transport").await["id"].clone();
    advisor(&app, "Priya").await;
    let ui = app.signed_in("supervisor", "sue").await;
    let token = ui.token(&format!("/ui/people/{id}")).await;
    let path = |what: &str| format!("/ui/enquiries/{enquiry}/{what}");
    let resp = ui
        .post_form(
            &path("assign"),
            &[("csrf_token", &token), ("advisor", "Priya")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(enquiries_of(&app, id).await[0]["advisor"], "Priya");
    let resp = ui
        .post_form(&path("close"), &[("csrf_token", &token)])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let closed = &enquiries_of(&app, id).await[0];
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["advisor"], "Priya");
    let (_, page) = ui.page(&format!("/ui/people/{id}")).await;
    assert!(page.contains(&format!(r#"action="/ui/enquiries/{enquiry}/reopen""#)));
    assert!(!page.contains(&format!(r#"action="/ui/enquiries/{enquiry}/assign""#)));
    let resp = ui
        .post_form(&path("reopen"), &[("csrf_token", &token)])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(enquiries_of(&app, id).await[0]["status"], "open");
    let updates = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|e| *e == ("sue".to_owned(), "enquiry.update".to_owned()))
        .count();
    assert_eq!(updates, 3);
}

#[tokio::test]
async fn a_retired_advisor_is_not_assigned_and_the_enquiry_is_unchanged() {
    let app = spawn_app().await;
    let id = app.person("Ann Example", PHONE).await;
    let enquiry = app.enquiry(id, "ENQ-1", "School transport").await["id"].clone();
    let gone = advisor(&app, "Gone").await;
    let ui = app.signed_in("supervisor", "sue").await;
    let token = ui.token(&format!("/ui/people/{id}")).await;
    let (status, _) = app
        .post(
            &format!("/v1/advisors/{gone}/retire"),
            "supervisor",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let resp = ui
        .post_form(
            &format!("/ui/enquiries/{enquiry}/assign"),
            &[("csrf_token", &token), ("advisor", "Gone")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains(&format!(r#"id="advisor-{enquiry}-error""#)),
        "{page}"
    );
    assert!(page.contains("is retired"));
    assert_eq!(enquiries_of(&app, id).await[0]["advisor"], Value::Null);
}

#[tokio::test]
async fn enquiry_forms_without_the_csrf_token_change_nothing() {
    let app = spawn_app().await;
    let id = app.person("Ann Example", PHONE).await;
    let enquiry = app.enquiry(id, "ENQ-1", "School transport").await["id"].clone();
    let ui = app.signed_in("supervisor", "sue").await;
    let resp = ui
        .post_form(&format!("/ui/people/{id}/enquiries"), &[("topic", "New")])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = ui
        .post_form(
            &format!("/ui/enquiries/{enquiry}/close"),
            &[("csrf_token", "forged")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.text().await.unwrap().contains("This form has expired"));
    let enquiries = enquiries_of(&app, id).await;
    assert_eq!(enquiries.len(), 1);
    assert_eq!(enquiries[0]["status"], "open");
}

#[tokio::test]
async fn an_advisor_reads_the_directory_without_the_supervisors_forms() {
    let app = spawn_app().await;
    let priya = advisor(&app, "Priya").await;
    let ui = app.signed_in("advisor", "ava").await;
    let (status, page) = ui.page("/ui/advisors").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Priya"));
    assert!(!page.contains("Add an advisor"), "{page}");
    assert!(!page.contains("/retire"));
    let token = csrf_token(&page);
    let resp = ui
        .post_form(
            &format!("/ui/advisors/{priya}/retire"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = ui
        .post_form("/ui/advisors", &[("csrf_token", &token), ("name", "Sly")])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let (_, listed) = app.get("/v1/advisors?include_retired=true", "admin").await;
    assert_eq!(listed["advisors"].as_array().unwrap().len(), 1);
    assert_eq!(listed["advisors"][0]["retired_at"], Value::Null);
}

#[tokio::test]
async fn a_supervisor_adds_retires_and_reinstates_an_advisor_audited_under_their_name() {
    let app = spawn_app().await;
    let ui = app.signed_in("supervisor", "sue").await;
    let (_, page) = ui.page("/ui/advisors").await;
    let token = csrf_token(&page);
    let resp = ui
        .post_form(
            "/ui/advisors",
            &[
                ("csrf_token", &token),
                ("name", "Priya"),
                ("target", "PJSIP/201"),
            ],
        )
        .await;
    // A target with a slash is refused (not a name every PBX can use).
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(r#"id="advisor-target-error""#), "{page}");
    assert!(page.contains(r#"value="Priya""#));
    assert!(page.contains(r#"value="PJSIP/201""#));
    let resp = ui
        .post_form(
            "/ui/advisors",
            &[
                ("csrf_token", &token),
                ("name", "Priya"),
                ("target", "ext-201"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/ui/advisors");
    let (_, listed) = app.get("/v1/advisors", "admin").await;
    let id = listed["advisors"][0]["id"].as_i64().unwrap();
    assert_eq!(listed["advisors"][0]["target"], "ext-201");
    // The same name again is refused next to the name.
    let resp = ui
        .post_form("/ui/advisors", &[("csrf_token", &token), ("name", "priya")])
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains(r#"id="advisor-name-error""#));
    for what in ["retire", "reinstate"] {
        let resp = ui
            .post_form(
                &format!("/ui/advisors/{id}/{what}"),
                &[("csrf_token", &token)],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{what}");
    }
    let actions = app.audit_actions().await;
    for action in ["advisor.create", "advisor.retire", "advisor.reinstate"] {
        assert!(actions.contains(&("sue".into(), action.into())), "{action}");
    }
    let (_, listed) = app.get("/v1/advisors", "admin").await;
    assert_eq!(listed["advisors"].as_array().unwrap().len(), 1);
}
