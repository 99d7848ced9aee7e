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
        for path in ["/ui/audit"] {
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
