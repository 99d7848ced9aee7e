//! The review queue, number rules and call history pages over HTTP: who
//! may use them, CSRF refusal, bad input refused with what was typed kept
//! and nothing changed, and changes audited under the user's name.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

async fn rules(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.get("/v1/number-rules", "supervisor").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["number_rules"].as_array().unwrap().clone()
}

async fn flags(app: &TestApp, status: &str) -> Vec<Value> {
    let (code, body) = app
        .get(&format!("/v1/flags?status={status}"), "supervisor")
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    body["flags"].as_array().unwrap().clone()
}

/// An urgent call from an unknown number: a flag in the queue. Its id.
async fn urgent_flag(app: &TestApp) -> i64 {
    app.screen_with(&[
        ("caller", "07700900123"),
        ("call_id", "urgent-1"),
        ("urgent", "1"),
    ])
    .await;
    let open = flags(app, "open").await;
    assert_eq!(open.len(), 1, "{open:?}");
    open[0]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn an_advisor_sees_call_history_but_not_the_review_queue_or_number_rules() {
    let app = spawn_app().await;
    app.screen("07700900123", "call-1").await;
    let ui = app.signed_in("advisor", "ava").await;
    let (status, page) = ui.page("/ui/calls").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("+447700900123"), "{page}");
    assert!(!page.contains("Block this number"), "{page}");
    assert!(!page.contains("/ui/review"), "{page}");
    assert!(!page.contains("/ui/rules"), "{page}");
    let token = csrf_token(&page);
    for path in [
        "/ui/review",
        "/ui/rules",
        "/ui/rules/export.csv",
        "/ui/rules/block/1",
    ] {
        let (status, page) = ui.page(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.contains("You cannot use this page"), "{path}");
    }
    let before = app.audit_len().await;
    let posts: [(&str, &[(&str, &str)]); 3] = [
        (
            "/ui/rules",
            &[
                ("number", "07700900999"),
                ("match", "exact"),
                ("action", "block"),
                ("reason", "r"),
            ],
        ),
        ("/ui/rules/block/1", &[("reason", "nuisance")]),
        (
            "/ui/rules/import",
            &[("csv", "number,match,action,reason,expires_at\n")],
        ),
    ];
    for (path, fields) in posts {
        let mut fields = fields.to_vec();
        fields.push(("csrf_token", &token));
        let resp = ui.post_form(path, &fields).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert!(rules(&app).await.is_empty());
    assert_eq!(app.audit_len().await, before);
}

#[tokio::test]
async fn the_home_page_links_the_queue_counts_to_the_review_queue() {
    let app = spawn_app().await;
    let ui = app.signed_in("supervisor", "sue").await;
    let (_, home) = ui.page("/ui").await;
    assert!(home.contains(r#"<a href="/ui/review">"#), "{home}");
}

#[tokio::test]
async fn a_supervisor_dismisses_a_flag_with_a_reason_audited_under_their_name() {
    let app = spawn_app().await;
    let flag = urgent_flag(&app).await;
    let ui = app.signed_in("supervisor", "sue").await;
    let (status, page) = ui.page("/ui/review").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Chose the urgent option"), "{page}");
    assert!(page.contains("urgent option chosen"), "evidence: {page}");
    assert!(page.contains(&format!(r#"action="/ui/review/flags/{flag}""#)));
    let resp = ui
        .post_form(
            &format!("/ui/review/flags/{flag}"),
            &[
                ("csrf_token", &csrf_token(&page)),
                ("reason", "Called back: pressed the option by mistake"),
                ("outcome", "dismiss"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/ui/review?done=dismissed");
    let dismissed = flags(&app, "dismissed").await;
    assert_eq!(dismissed.len(), 1);
    assert_eq!(dismissed[0]["settled_by"], "sue");
    assert!(app
        .audit_actions()
        .await
        .contains(&("sue".into(), "flag.dismiss".into())));
    let (_, page) = ui.page("/ui/review?done=dismissed").await;
    assert!(page.contains("The flag was dismissed."), "{page}");
    assert!(page.contains("Nothing is waiting for review."), "{page}");
}

#[tokio::test]
async fn a_flag_settled_with_a_bad_reason_is_refused_keeping_it_and_stays_open() {
    let app = spawn_app().await;
    let flag = urgent_flag(&app).await;
    let ui = app.signed_in("supervisor", "sue").await;
    let token = ui.token("/ui/review").await;
    let long = "too long ".repeat(120);
    for (reason, kept) in [("", None), (long.as_str(), Some(long.trim_end()))] {
        let resp = ui
            .post_form(
                &format!("/ui/review/flags/{flag}"),
                &[
                    ("csrf_token", &token),
                    ("reason", reason),
                    ("outcome", "resolve"),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = resp.text().await.unwrap();
        assert!(page.contains("There is a problem"), "{page}");
        assert!(
            page.contains(&format!(r#"id="reason-{flag}-error""#)),
            "{page}"
        );
        assert!(
            page.contains(&format!(r#"aria-describedby="reason-{flag}-error""#)),
            "{page}"
        );
        if let Some(kept) = kept {
            assert!(page.contains(kept), "what was typed is kept");
        }
    }
    assert_eq!(flags(&app, "open").await.len(), 1);
    assert!(!app
        .audit_actions()
        .await
        .iter()
        .any(|(_, action)| action.starts_with("flag.")));
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_on_every_form_and_changes_nothing() {
    let app = spawn_app().await;
    let flag = urgent_flag(&app).await;
    let (status, rule) = app
        .post(
            "/v1/number-rules",
            "supervisor",
            serde_json::json!({"number": "07700900555", "match": "exact",
                               "action": "block", "reason": "nuisance"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rule}");
    let ui = app.signed_in("supervisor", "sue").await;
    let before = app.audit_len().await;
    let paths = [
        format!("/ui/review/flags/{flag}"),
        "/ui/rules".into(),
        format!("/ui/rules/{}/remove", rule["id"]),
        "/ui/rules/import".into(),
        "/ui/rules/block/1".into(),
    ];
    for path in &paths {
        for token in [None, Some("forged")] {
            let mut fields = vec![
                ("reason", "a reason"),
                ("outcome", "dismiss"),
                ("number", "07700900999"),
                ("match", "exact"),
                ("action", "block"),
                (
                    "csv",
                    "number,match,action,reason,expires_at\n+447700900777,exact,block,r,\n",
                ),
            ];
            if let Some(token) = token {
                fields.push(("csrf_token", token));
            }
            let resp = ui.post_form(path, &fields).await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path}");
            assert!(resp.text().await.unwrap().contains("This form has expired"));
        }
    }
    assert_eq!(app.audit_len().await, before);
    assert_eq!(rules(&app).await.len(), 1);
    assert_eq!(flags(&app, "open").await.len(), 1);
}

#[tokio::test]
async fn a_supervisor_adds_and_removes_a_rule_audited_under_their_name() {
    let app = spawn_app().await;
    let ui = app.signed_in("supervisor", "sue").await;
    let token = ui.token("/ui/rules").await;
    let resp = ui
        .post_form(
            "/ui/rules",
            &[
                ("csrf_token", &token),
                ("number", "07700 900 666"),
                ("match", "exact"),
                ("action", "block"),
                ("reason", "Abusive calls to staff"),
                ("expires_at", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/ui/rules?done=added");
    let listed = rules(&app).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["number"], "+447700900666");
    let (_, page) = ui.page("/ui/rules?done=added").await;
    assert!(page.contains("The rule was added."), "{page}");
    assert!(page.contains("+447700900666"), "{page}");
    let id = listed[0]["id"].as_i64().unwrap();
    let resp = ui
        .post_form(&format!("/ui/rules/{id}/remove"), &[("csrf_token", &token)])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(rules(&app).await.is_empty());
    let audit = app.audit_actions().await;
    assert!(audit.contains(&("sue".into(), "number_rule.create".into())));
    assert!(audit.contains(&("sue".into(), "number_rule.delete".into())));
}

#[tokio::test]
async fn a_rule_with_a_bad_field_is_refused_naming_it_and_keeping_what_was_typed() {
    let app = spawn_app().await;
    let ui = app.signed_in("supervisor", "sue").await;
    let token = ui.token("/ui/rules").await;
    let before = app.audit_len().await;
    let cases = [
        (
            "not a number",
            "prefix",
            "block",
            "Nuisance range",
            "",
            "number",
        ),
        (
            "07700900666",
            "sideways",
            "block",
            "Nuisance range",
            "",
            "match",
        ),
        ("07700900666", "exact", "block", "", "", "reason"),
        (
            "07700900666",
            "exact",
            "allow",
            "Partner",
            "2001-01-01T00:00:00Z",
            "expires_at",
        ),
        (
            "07700900666",
            "exact",
            "allow",
            "Partner",
            "next week",
            "expires_at",
        ),
    ];
    for (number, match_kind, action, reason, expires_at, field) in cases {
        let resp = ui
            .post_form(
                "/ui/rules",
                &[
                    ("csrf_token", &token),
                    ("number", number),
                    ("match", match_kind),
                    ("action", action),
                    ("reason", reason),
                    ("expires_at", expires_at),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let page = resp.text().await.unwrap();
        assert!(
            page.contains(&format!(r#"id="{field}-error""#)),
            "{field}: {page}"
        );
        assert!(
            page.contains(&format!(r##"href="#{field}""##)),
            "{field}: {page}"
        );
        assert!(page.contains(&format!(r#"value="{number}""#)), "{page}");
        assert!(page.contains(reason), "{page}");
        assert!(page.contains(&format!(r#"value="{expires_at}""#)), "{page}");
    }
    assert!(rules(&app).await.is_empty());
    assert_eq!(app.audit_len().await, before);
}

#[tokio::test]
async fn a_csv_file_chosen_on_the_form_is_imported_or_refused_by_its_lines() {
    let app = spawn_app().await;
    let ui = app.signed_in("supervisor", "sue").await;
    let token = ui.token("/ui/rules").await;
    let page = ui.get("/ui/rules").await.text().await.unwrap();
    assert!(page.contains(r#"enctype="multipart/form-data""#), "{page}");
    assert!(page.contains(r#"type="file""#), "{page}");
    let bad = b"number,match,action,reason,expires_at\r\n\
                +447700900111,exact,block,Nuisance,\r\n\
                +447700900112,sideways,block,Nuisance,\r\n";
    let import = |file: &'static [u8], token: &str| {
        let fields = [("csrf_token", token.to_owned()), ("csv", String::new())];
        let ui = &ui;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            ui.post_multipart("/ui/rules/import", &fields, ("file", "rules.csv", file))
                .await
        }
    };

    let resp = import(bad, &token).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains("Line 3: match"), "{page}");
    assert!(rules(&app).await.is_empty());

    let resp = import(b"number,match\n\xff\xfe\n", &token).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("not a CSV file"));
    assert!(rules(&app).await.is_empty());

    let good: &'static [u8] = b"number,match,action,reason,expires_at\n\
                                +447700900111,exact,block,Nuisance,\n";
    let resp = import(good, "not the token").await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(rules(&app).await.is_empty());

    let resp = import(good, &token).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&resp),
        "/ui/rules?done=imported&created=1&updated=0&unchanged=0"
    );
    assert_eq!(rules(&app).await.len(), 1);
}

#[tokio::test]
async fn a_csv_import_with_bad_lines_reports_each_line_and_imports_nothing() {
    let app = spawn_app().await;
    let ui = app.signed_in("supervisor", "sue").await;
    let token = ui.token("/ui/rules").await;
    let bad = "number,match,action,reason,expires_at\n\
               +447700900111,exact,block,Nuisance,\n\
               +447700900112,sideways,block,Nuisance,\n\
               +447700900113,exact,block,,\n\
               +447700900114,exact,allow,Partner,\n";
    let resp = ui
        .post_form("/ui/rules/import", &[("csrf_token", &token), ("csv", bad)])
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains("Line 3: match"), "{page}");
    assert!(page.contains("Line 4: reason"), "{page}");
    assert!(!page.contains("Line 2"), "{page}");
    assert!(page.contains(r#"id="csv-error""#), "{page}");
    assert!(
        page.contains("+447700900112,sideways,block"),
        "kept: {page}"
    );
    assert!(rules(&app).await.is_empty());

    let good = bad
        .replace("sideways", "exact")
        .replace("block,,", "block,Nuisance,");
    let resp = ui
        .post_form(
            "/ui/rules/import",
            &[("csrf_token", &token), ("csv", &good)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&resp),
        "/ui/rules?done=imported&created=4&updated=0&unchanged=0"
    );
    assert_eq!(rules(&app).await.len(), 4);
    assert!(app
        .audit_actions()
        .await
        .contains(&("sue".into(), "number_rule.create".into())));
    let export = ui.get("/ui/rules/export.csv").await;
    assert_eq!(export.status(), StatusCode::OK);
    assert!(export.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = export.text().await.unwrap();
    assert!(
        text.starts_with("number,match,action,reason,expires_at"),
        "{text}"
    );
    assert!(
        text.contains("+447700900114,exact,allow,Partner,"),
        "{text}"
    );
}

#[tokio::test]
async fn call_history_filters_and_pages_by_the_api_cursor_and_offers_the_csv() {
    let app = spawn_app().await;
    for i in 0..51 {
        app.screen("07700900123", &format!("a-{i}")).await;
    }
    app.screen("07700900456", "b-1").await;
    let ui = app.signed_in("advisor", "ava").await;
    let (status, page) = ui.page("/ui/calls?phone=07700+900+123").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(!page.contains("+447700900456"), "filtered: {page}");
    assert_eq!(page.matches("<td>+447700900123</td>").count(), 50);
    assert!(
        page.contains(r#"href="/ui/calls.csv?phone=07700+900+123""#),
        "{page}"
    );
    let marker = r#"href="/ui/calls?phone=07700+900+123&amp;cursor="#;
    let start = page.find(marker).expect("an Older link") + r#"href=""#.len();
    let older = page[start..][..page[start..].find('"').unwrap()].replace("&amp;", "&");
    let (status, page) = ui.page(&older).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page.matches("<td>+447700900123</td>").count(), 1);
    assert!(!page.contains("Older calls"), "{page}");

    let csv = ui.get("/ui/calls.csv?phone=07700+900+123").await;
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("id,call_id,at,channel,identity"), "{text}");
    assert_eq!(text.lines().count(), 52, "header and 51 rows");
    assert!(!text.contains("+447700900456"));
}

#[tokio::test]
async fn a_bad_filter_is_refused_naming_the_field_and_keeping_what_was_typed() {
    let app = spawn_app().await;
    let ui = app.signed_in("advisor", "ava").await;
    let (status, page) = ui.page("/ui/calls?phone=not+a+phone&advisor=Bob").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains(r#"id="phone-error""#), "{page}");
    assert!(page.contains(r##"href="#phone""##), "{page}");
    assert!(page.contains(r#"value="not a phone""#), "{page}");
    assert!(page.contains(r#"value="Bob""#), "{page}");
    let (status, page) = ui.page("/ui/calls?channel=pigeon").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains(r#"id="channel-error""#), "{page}");
    let resp = ui.get("/ui/calls.csv?from=yesterday-ish").await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn block_this_number_from_a_history_row_adds_an_exact_block_rule() {
    let app = spawn_app().await;
    app.screen("07700900123", "nuisance-1").await;
    let ui = app.signed_in("supervisor", "sue").await;
    let (_, page) = ui.page("/ui/calls").await;
    let marker = r#"href="/ui/rules/block/"#;
    let start = page.find(marker).expect("a Block this number link") + r#"href=""#.len();
    let path = page[start..][..page[start..].find('"').unwrap()].to_owned();
    let (status, form) = ui.page(&path).await;
    assert_eq!(status, StatusCode::OK, "{form}");
    assert!(form.contains("+447700900123"), "{form}");
    let token = csrf_token(&form);
    let before = app.audit_len().await;
    let resp = ui
        .post_form(
            &path,
            &[
                ("csrf_token", &token),
                ("reason", ""),
                ("expires_at", "soon"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(r#"id="expires_at-error""#), "{page}");
    assert!(page.contains(r#"value="soon""#), "{page}");
    assert!(rules(&app).await.is_empty());
    assert_eq!(app.audit_len().await, before);
    let resp = ui
        .post_form(
            &path,
            &[("csrf_token", &token), ("reason", "Silent calls all night")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let listed = rules(&app).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (
            &listed[0]["number"],
            &listed[0]["match"],
            &listed[0]["action"]
        ),
        (&"+447700900123".into(), &"exact".into(), &"block".into())
    );
    assert!(app
        .audit_actions()
        .await
        .contains(&("sue".into(), "number_rule.create".into())));
    // The next call from it is blocked.
    assert_eq!(
        app.screen("07700900123", "nuisance-2").await["action"],
        "block"
    );
}
