//! The admin pages: the audit log (`/ui/audit`) and staff accounts
//! (`/ui/users`): role refusals, CSRF, filters and paging, field errors
//! that keep what was typed and change nothing, and accounts made,
//! disabled and reset through the page.

use reqwest::StatusCode;

use crate::helpers::*;

/// Writes `count` audit entries by `actor` straight into the log (the
/// page only reads it; making 60 real changes would only slow the test).
fn audit_entries(app: &TestApp, actor: &str, count: usize) {
    let conn = rusqlite::Connection::open(&app.db).unwrap();
    for i in 0..count {
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, person_id, before, after)
             VALUES ('2026-03-01T09:00:00.000Z', ?1, 'test.change', 'thing', ?2, NULL,
                     '{\"n\":\"<b>old</b>\"}', '{\"n\":\"new\"}')",
            rusqlite::params![actor, i as i64],
        )
        .unwrap();
    }
}

#[tokio::test]
async fn an_advisor_and_a_supervisor_get_403_and_see_no_admin_links() {
    let app = spawn_app().await;
    for (role, name) in [("advisor", "ava"), ("supervisor", "sue")] {
        let ui = app.signed_in(role, name).await;
        let (status, home) = ui.page("/ui").await;
        assert_eq!(status, StatusCode::OK);
        assert!(!home.contains(r#"href="/ui/audit""#), "{role}: {home}");
        assert!(!home.contains(r#"href="/ui/users""#), "{role}: {home}");
        for path in ["/ui/audit", "/ui/users"] {
            let (status, _) = ui.page(path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} {path}");
        }
        let (status, _) = ui.page("/ui/audit?actor=cli").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn an_admin_sees_the_log_newest_first_with_before_and_after_escaped() {
    let app = spawn_app().await;
    let ui = app.signed_in("admin", "ada").await;
    audit_entries(&app, "script-key", 2);
    let (status, home) = ui.page("/ui").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains(r#"href="/ui/audit""#));
    assert!(home.contains(r#"href="/ui/users""#));
    let (status, page) = ui.page("/ui/audit").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // The newest (entity id 1) comes before the older (entity id 0).
    let newer = page.find("thing 1").expect("entry 1 shown");
    let older = page.find("thing 0").expect("entry 0 shown");
    assert!(newer < older, "newest first");
    assert!(page.contains("<details>"), "{page}");
    assert!(page.contains("&lt;b&gt;old&lt;/b&gt;"), "escaped: {page}");
    assert!(!page.contains("<b>old</b>"));
    // Pretty-printed: the key on its own indented line.
    assert!(
        page.contains("{\n  &quot;n&quot;") || page.contains("{\n  \"n\""),
        "{page}"
    );
    // The CLI's account creation is there too.
    assert!(page.contains("user.create"));
}

#[tokio::test]
async fn the_audit_filters_pick_entries_and_older_entries_pages_back() {
    let app = spawn_app().await;
    let ui = app.signed_in("admin", "ada").await;
    audit_entries(&app, "script-key", 60);
    audit_entries(&app, "other-key", 1);
    let (status, page) = ui.page("/ui/audit?actor=script-key").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("other-key</td>"), "filtered by actor");
    assert_eq!(page.matches("<td>script-key</td>").count(), 50, "one page");
    assert!(page.contains(r#"value="script-key""#), "the filter is kept");
    let start = page
        .find("href=\"/ui/audit?actor=script-key&amp;before_id=")
        .expect("an Older entries link keeping the filter");
    let link = &page[start + 6..];
    let link = link[..link.find('"').unwrap()].replace("&amp;", "&");
    assert!(page.contains("Older entries"));
    let (status, older) = ui.page(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(older.matches("<td>script-key</td>").count(), 10, "the rest");
    assert!(!older.contains("Older entries"), "no page after the last");
    assert!(older.contains("thing 0"));
    assert!(!older.contains("thing 59<"));
    // A person filter that matches nothing says so.
    let (status, none) = ui.page("/ui/audit?person_id=999").await;
    assert_eq!(status, StatusCode::OK);
    assert!(none.contains("No entries match"));
}

#[tokio::test]
async fn a_bad_audit_filter_is_422_next_to_the_field_keeping_what_was_typed() {
    let app = spawn_app().await;
    let ui = app.signed_in("admin", "ada").await;
    let (status, page) = ui.page("/ui/audit?person_id=forty-two&actor=sam").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains(r#"id="person_id-error""#), "{page}");
    assert!(page.contains("must be a whole number"));
    assert!(page.contains(r#"value="forty-two""#));
    assert!(page.contains(r#"value="sam""#));
    assert!(page.contains(r#"aria-describedby="person_id-hint person_id-error""#));
    let (status, page) = ui.page("/ui/audit?actor=a%07b").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains(r#"id="actor-error""#), "{page}");
}

#[tokio::test]
async fn the_audit_page_filters_by_action_record_and_days_and_pages_back_with_them() {
    let app = spawn_app().await;
    let ui = app.signed_in("admin", "ada").await;
    // 51 entries on 1 March 2026; ada's account and sign-in are today's.
    audit_entries(&app, "script-key", 51);
    let query = "action=test.change&from=2026-03-01&to=2026-03-01";
    let (status, page) = ui.page(&format!("/ui/audit?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page.matches("<td>script-key</td>").count(), 50, "one page");
    assert!(!page.contains("user.create"), "{page}");
    assert!(
        page.contains(r#"value="test.change""#),
        "the filter is kept"
    );
    assert!(page.contains(r#"value="2026-03-01""#), "the days are kept");
    assert!(
        page.contains(&format!(
            "href=\"/ui/audit?{}&amp;before_id=",
            query.replace('&', "&amp;")
        )),
        "Older entries keeps every filter: {page}"
    );

    let (_, before) = ui.page("/ui/audit?action=test.change&to=2026-02-28").await;
    assert!(before.contains("No entries match"), "{before}");
    let (status, users) = ui.page("/ui/audit?entity=user").await;
    assert_eq!(status, StatusCode::OK, "{users}");
    assert!(users.contains("user.create") && users.contains("user.sign_in"));
    assert!(!users.contains("test.change"), "{users}");
    assert!(
        users.contains(r#"<option value="user" selected>"#),
        "{users}"
    );

    // A measure's entries link to the measure's page.
    let ann = app.person("Ann", "07700 900310").await;
    let measure = app
        .measure(ann, serde_json::json!({"kind": "new_issues_only"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let (_, measures) = ui.page("/ui/audit?entity=measure").await;
    assert!(
        measures.contains(&format!(
            r#"<a href="/ui/measures/{measure}">measure {measure}</a>"#
        )),
        "{measures}"
    );

    for (query, field) in [
        ("entity_id=3", "entity_id"),
        ("from=2026-03-02&to=2026-03-01", "to"),
        ("from=March", "from"),
    ] {
        let (status, page) = ui.page(&format!("/ui/audit?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {page}");
        assert!(
            page.contains(&format!(r#"id="{field}-error""#)),
            "{query}: {page}"
        );
    }
}

#[tokio::test]
async fn a_users_post_without_the_csrf_token_is_refused_and_makes_nothing() {
    let app = spawn_app().await;
    let ui = app.signed_in("admin", "ada").await;
    let resp = ui
        .post_form(
            "/ui/users",
            &[
                ("name", "nina"),
                ("role", "advisor"),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let (_, page) = ui.page("/ui/users").await;
    assert!(!page.contains("nina"), "{page}");
    create_user(&app.db, "advisor", "ava", PASSWORD);
    let resp = ui.post_form("/ui/users/disable", &[("name", "ava")]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.ui().sign_in("ava", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_short_password_is_refused_keeping_the_name_and_creating_nothing() {
    let app = spawn_app().await;
    let ui = app.signed_in("admin", "ada").await;
    let before = app.audit_len().await;
    let token = ui.token("/ui/users").await;
    let resp = ui
        .post_form(
            "/ui/users",
            &[
                ("csrf_token", &token),
                ("name", "nina"),
                ("role", "supervisor"),
                ("password", "elevenchars"),
                ("password_again", "elevenchars"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(r#"id="password-error""#), "{page}");
    assert!(page.contains("at least 12 characters"));
    assert!(page.contains(r#"value="nina""#), "the name is kept");
    assert!(
        page.contains(r#"value="supervisor" selected"#),
        "the role is kept"
    );
    assert!(
        !page.contains("elevenchars"),
        "a password is never shown back"
    );
    assert!(!page.contains(">nina</th>"), "{page}");
    // Two passwords that differ are refused beside the second.
    let resp = ui
        .post_form(
            "/ui/users",
            &[
                ("csrf_token", &token),
                ("name", "nina"),
                ("role", "advisor"),
                ("password", PASSWORD),
                ("password_again", "correct horse battery!"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains(r#"id="password_again-error""#));
    assert_eq!(app.audit_len().await, before, "nothing audited");
    assert_eq!(
        app.ui().sign_in("nina", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_account_created_on_the_page_signs_in_and_is_audited_under_the_admin() {
    let app = spawn_app().await;
    let ui = app.signed_in("admin", "ada").await;
    let token = ui.token("/ui/users").await;
    let resp = ui
        .post_form(
            "/ui/users",
            &[
                ("csrf_token", &token),
                ("name", " nina "),
                ("role", "supervisor"),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/ui/users?done=created");
    let (_, page) = ui.page("/ui/users?done=created").await;
    assert!(page.contains(">nina</th>"), "{page}");
    assert!(page.contains("The account was created"));
    let nina = app.ui();
    assert_eq!(
        nina.sign_in("nina", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, home) = nina.page("/ui").await;
    assert!(home.contains("nina (supervisor)"), "{home}");
    let (_, log) = app.get("/v1/audit?actor=ada", "admin").await;
    let entry = &log["entries"][0];
    assert_eq!(entry["action"], "user.create", "{log}");
    assert_eq!(entry["after"]["name"], "nina");
    assert!(!entry.to_string().contains("argon2"), "no hash in the log");
    // The same name again is refused beside the name.
    let resp = ui
        .post_form(
            "/ui/users",
            &[
                ("csrf_token", &token),
                ("name", "nina"),
                ("role", "advisor"),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains(r#"id="name-error""#));
}

#[tokio::test]
async fn disabling_an_account_ends_its_session_and_an_admin_cannot_disable_themselves() {
    let app = spawn_app().await;
    let ava = app.signed_in("advisor", "ava").await;
    let ui = app.signed_in("admin", "ada").await;
    assert_eq!(ava.get("/ui").await.status(), StatusCode::OK);
    let token = ui.token("/ui/users").await;
    let resp = ui
        .post_form(
            "/ui/users/disable",
            &[("csrf_token", &token), ("name", "ada")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains("your own account"), "{page}");
    assert_eq!(
        ui.get("/ui/users").await.status(),
        StatusCode::OK,
        "still signed in"
    );
    let resp = ui
        .post_form(
            "/ui/users/disable",
            &[("csrf_token", &token), ("name", "ava")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/ui/users?done=disabled");
    let resp = ava.get("/ui").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "ava's session ended");
    assert_eq!(location(&resp), "/ui/sign-in");
    assert_ne!(
        app.ui().sign_in("ava", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, page) = ui.page("/ui/users").await;
    assert!(page.contains("disabled "), "{page}");
    let (_, log) = app.get("/v1/audit?actor=ada", "admin").await;
    assert_eq!(log["entries"][0]["action"], "user.disable", "{log}");
    // Disabling again: not an active account, said beside the list.
    let resp = ui
        .post_form(
            "/ui/users/disable",
            &[("csrf_token", &token), ("name", "ava")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_new_password_set_on_the_page_replaces_the_old_and_ends_sessions() {
    let app = spawn_app().await;
    let ava = app.signed_in("advisor", "ava").await;
    let ui = app.signed_in("admin", "ada").await;
    let token = ui.token("/ui/users").await;
    let new = "a brand new passphrase";
    let resp = ui
        .post_form(
            "/ui/users/password",
            &[
                ("csrf_token", &token),
                ("reset_name", "ava"),
                ("reset_password", "short"),
                ("reset_password_again", "short"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(r#"id="reset_password-error""#), "{page}");
    assert!(
        page.contains(r#"value="ava" selected"#),
        "the account chosen is kept"
    );
    assert_eq!(
        ava.get("/ui").await.status(),
        StatusCode::OK,
        "nothing changed"
    );
    let resp = ui
        .post_form(
            "/ui/users/password",
            &[
                ("csrf_token", &token),
                ("reset_name", "ava"),
                ("reset_password", new),
                ("reset_password_again", new),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        ava.get("/ui").await.status(),
        StatusCode::SEE_OTHER,
        "signed out"
    );
    assert_eq!(
        app.ui().sign_in("ava", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.ui().sign_in("ava", new).await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, log) = app.get("/v1/audit?actor=ada", "admin").await;
    assert_eq!(log["entries"][0]["action"], "user.password_reset", "{log}");
}
