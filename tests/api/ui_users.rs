//! The users page's account actions: enabling a disabled account, changing
//! a role (audited with before and after; the account's sessions end), the
//! guards that keep an enabled admin, CSRF and role refusals, unknown
//! names, and each account's last sign-in.

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

/// Posts a row action from the users page as `ui`.
async fn act(ui: &UiClient, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    ui.post_from("/ui/users", &format!("/ui/users/{action}"), fields)
        .await
}

/// The newest audit entry made by `actor`.
async fn last_entry_by(app: &TestApp, actor: &str) -> Value {
    let (status, log) = app.get(&format!("/v1/audit?actor={actor}"), "admin").await;
    assert_eq!(status, StatusCode::OK, "{log}");
    log["entries"][0].clone()
}

/// The row of account `name` on the users page.
fn row<'a>(page: &'a str, name: &str) -> &'a str {
    let start = page
        .find(&format!(">{name}</th>"))
        .unwrap_or_else(|| panic!("no row for {name}: {page}"));
    let end = page[start..].find("</tr>").unwrap() + start;
    &page[start..end]
}

#[tokio::test]
async fn an_admin_enables_a_disabled_account_which_signs_in_again_without_its_old_lock() {
    let app = spawn_app_with(&[("FAIRLINE_UI_SIGN_IN_FAILURES", "2")]).await;
    let ui = app.signed_in("admin", "ada").await;
    create_user(&app.db, "advisor", "ava", PASSWORD);
    for _ in 0..2 {
        app.ui().sign_in("ava", "not the password").await;
    }
    assert!(cli(&app.db, &["users", "disable", "ava"]).status.success());
    let (_, page) = ui.page("/ui/users").await;
    assert!(
        row(&page, "ava").contains(r#"action="/ui/users/enable""#),
        "{page}"
    );
    assert!(!row(&page, "ava").contains(r#"action="/ui/users/disable""#));

    let resp = act(&ui, "enable", &[("name", "ava")]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/ui/users?done=enabled");
    let (_, page) = ui.page("/ui/users?done=enabled").await;
    assert!(page.contains("The account was enabled"), "{page}");
    assert!(row(&page, "ava").contains("<td>active</td>"), "{page}");
    // Enabled and unlocked: the right password signs in at once.
    assert_eq!(
        app.ui().sign_in("ava", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let entry = last_entry_by(&app, "ada").await;
    assert_eq!(entry["action"], "user.enable", "{entry}");
    assert_eq!(entry["after"]["name"], "ava");
    // Enabling it again: refused beside its row, nothing audited.
    let before = app.audit_len().await;
    let resp = act(&ui, "enable", &[("name", "ava")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(row(&page, "ava").contains("is not disabled"), "{page}");
    assert!(page.contains("There is a problem"));
    assert_eq!(app.audit_len().await, before);
}

#[tokio::test]
async fn a_role_changed_on_the_page_is_audited_before_and_after_and_ends_that_users_session() {
    let app = spawn_app().await;
    let ava = app.signed_in("advisor", "ava").await;
    let ui = app.signed_in("admin", "ada").await;
    let (_, page) = ui.page("/ui/users").await;
    let ava_row = row(&page, "ava");
    assert!(
        ava_row.contains(r#"<label class="visually-hidden" for="role-1">Role of ava</label>"#),
        "the role control is labelled: {ava_row}"
    );
    assert!(ava_row.contains(r#"<option value="advisor" selected>"#));
    assert!(
        row(&page, "ada").contains("admin (you)"),
        "no control of one's own"
    );
    assert!(!row(&page, "ada").contains("<select"));

    let resp = act(&ui, "role", &[("name", "ava"), ("role", "supervisor")]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/ui/users?done=role");
    let resp = ava.get("/ui").await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "ava's old cookie is done"
    );
    assert_eq!(location(&resp), "/ui/sign-in");
    let entry = last_entry_by(&app, "ada").await;
    assert_eq!(entry["action"], "user.role_change", "{entry}");
    assert_eq!(entry["before"]["name"], "ava");
    assert_eq!(entry["before"]["role"], "advisor");
    assert_eq!(entry["after"]["role"], "supervisor");
    let ava = app.ui();
    assert_eq!(
        ava.sign_in("ava", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, home) = ava.page("/ui").await;
    assert!(home.contains("ava (supervisor)"), "{home}");
    // The same role again changes nothing and says so.
    let before = app.audit_len().await;
    let resp = act(&ui, "role", &[("name", "ava"), ("role", "supervisor")]).await;
    assert_eq!(location(&resp), "/ui/users?done=role-unchanged");
    assert_eq!(app.audit_len().await, before);
    assert_eq!(
        ava.get("/ui").await.status(),
        StatusCode::OK,
        "still signed in"
    );
}

#[tokio::test]
async fn a_role_that_is_not_a_staff_role_is_refused_beside_the_row() {
    let app = spawn_app().await;
    let ui = app.signed_in("admin", "ada").await;
    create_user(&app.db, "advisor", "ava", PASSWORD);
    let before = app.audit_len().await;
    for role in ["pbx", "boss"] {
        let resp = act(&ui, "role", &[("name", "ava"), ("role", role)]).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{role}");
        let page = resp.text().await.unwrap();
        let ava_row = row(&page, "ava");
        assert!(ava_row.contains(r#"id="role-1-error""#), "{role}: {page}");
        assert!(ava_row.contains(r#"aria-describedby="role-1-error""#));
        assert!(
            page.contains(r##"href="#role-1""##),
            "the summary links to it"
        );
        assert!(ava_row.contains(r#"<option value="advisor" selected>"#));
    }
    assert_eq!(app.audit_len().await, before, "nothing changed");
}

#[tokio::test]
async fn an_admin_may_neither_change_their_own_role_nor_disable_themselves() {
    let app = spawn_app().await;
    let ui = app.signed_in("admin", "ada").await;
    let before = app.audit_len().await;
    let resp = act(&ui, "role", &[("name", "ada"), ("role", "advisor")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(
        row(&page, "ada").contains("You cannot change your own role"),
        "{page}"
    );
    assert!(page.contains(r##"href="#account-0""##), "{page}");
    let resp = act(&ui, "disable", &[("name", "ada")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(
        row(&page, "ada").contains("You cannot disable your own account"),
        "{page}"
    );
    assert_eq!(app.audit_len().await, before, "nothing changed");
    let (status, home) = ui.page("/ui").await;
    assert_eq!(status, StatusCode::OK, "still signed in");
    assert!(home.contains("ada (admin)"), "{home}");
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = spawn_app().await;
    let ada = app.signed_in("admin", "ada").await;
    let abe = app.signed_in("admin", "abe").await;
    // Each has the page open; the posts race. Whichever the writer takes
    // second finds its target the last enabled admin (or finds its own
    // session ended): it never leaves the helpline without one.
    let token = |page: String| csrf_token(&page);
    let ada_token = token(ada.page("/ui/users").await.1);
    let abe_token = token(abe.page("/ui/users").await.1);
    let by_ada_fields = [
        ("csrf_token", ada_token.as_str()),
        ("name", "abe"),
        ("role", "advisor"),
    ];
    let by_abe_fields = [
        ("csrf_token", abe_token.as_str()),
        ("name", "ada"),
        ("role", "advisor"),
    ];
    let (by_ada, by_abe) = tokio::join!(
        ada.post_form("/ui/users/role", &by_ada_fields),
        abe.post_form("/ui/users/role", &by_abe_fields),
    );
    let changed = [&by_ada, &by_abe]
        .iter()
        .filter(|r| location(r) == "/ui/users?done=role")
        .count();
    assert_eq!(changed, 1, "{by_ada:?} {by_abe:?}");
    for resp in [by_ada, by_abe] {
        let status = resp.status();
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            let page = resp.text().await.unwrap();
            assert!(page.contains("The last enabled admin account"), "{page}");
        } else {
            assert_eq!(status, StatusCode::SEE_OTHER);
        }
    }
    let listed = String::from_utf8(cli(&app.db, &["users", "list"]).stdout).unwrap();
    assert_eq!(listed.matches("\tadmin\t").count(), 1, "{listed}");
}

#[tokio::test]
async fn an_unknown_name_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    let ui = app.signed_in("admin", "ada").await;
    let before = app.audit_len().await;
    for (action, fields) in [
        ("enable", &[("name", "nobody")][..]),
        ("role", &[("name", "nobody"), ("role", "admin")][..]),
        ("disable", &[("name", "nobody")][..]),
    ] {
        let resp = act(&ui, action, fields).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{action}");
        let page = resp.text().await.unwrap();
        assert!(page.contains(r#"id="accounts-error""#), "{action}: {page}");
        assert!(page.contains("There is no account with this name"));
    }
    assert_eq!(app.audit_len().await, before);
}

#[tokio::test]
async fn account_actions_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let ui = app.signed_in("admin", "ada").await;
    let ava = app.signed_in("advisor", "ava").await;
    assert!(cli(&app.db, &["users", "disable", "ava"]).status.success());
    create_user(&app.db, "advisor", "bob", PASSWORD);
    let before = app.audit_len().await;
    let resp = ui.post_form("/ui/users/enable", &[("name", "ava")]).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = ui
        .post_form(
            "/ui/users/role",
            &[("csrf_token", "forged"), ("name", "bob"), ("role", "admin")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.audit_len().await, before);
    assert_eq!(
        ava.sign_in("ava", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED,
        "still disabled"
    );
    let listed = String::from_utf8(cli(&app.db, &["users", "list"]).stdout).unwrap();
    assert!(listed.contains("bob\tadvisor\t"), "{listed}");
}

#[tokio::test]
async fn a_supervisor_or_an_advisor_gets_403_for_account_actions() {
    let app = spawn_app().await;
    create_user(&app.db, "advisor", "bob", PASSWORD);
    assert!(cli(&app.db, &["users", "disable", "bob"]).status.success());
    for (role, name) in [("supervisor", "sue"), ("advisor", "ava")] {
        let ui = app.signed_in(role, name).await;
        // Their own valid token, from a page they may see.
        for (path, fields) in [
            ("/ui/users/enable", &[("name", "bob")][..]),
            ("/ui/users/role", &[("name", name), ("role", "admin")][..]),
            ("/ui/users/disable", &[("name", "bob")][..]),
        ] {
            let resp = ui.post_from("/ui", path, fields).await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{role} {path}");
        }
        let (_, home) = ui.page("/ui").await;
        assert!(home.contains(&format!("{name} ({role})")), "{home}");
    }
    let listed = String::from_utf8(cli(&app.db, &["users", "list"]).stdout).unwrap();
    assert!(listed.contains("bob\tadvisor\t"), "{listed}");
    assert!(listed.contains("disabled"), "{listed}");
}

#[tokio::test]
async fn the_last_sign_in_is_shown_in_the_service_timezone_or_never() {
    let app = spawn_app_with(&[("FAIRLINE_TIMEZONE", "Pacific/Auckland")]).await;
    let ui = app.signed_in("admin", "ada").await;
    create_user(&app.db, "advisor", "ava", PASSWORD);
    let (_, page) = ui.page("/ui/users").await;
    assert!(row(&page, "ava").contains("<td>never</td>"), "{page}");
    let local = |at: chrono::DateTime<Utc>| {
        at.with_timezone(&chrono_tz::Pacific::Auckland)
            .format("<td>%-d %b %Y %H:%M</td>")
            .to_string()
    };
    let early = local(Utc::now());
    assert_eq!(
        app.ui().sign_in("ava", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let late = local(Utc::now());
    let (_, page) = ui.page("/ui/users").await;
    let ava_row = row(&page, "ava");
    // Name, then role, created, password set, last sign-in.
    let last_sign_in = ava_row
        .split("<td>")
        .nth(4)
        .and_then(|cell| cell.split("</td>").next())
        .map(|cell| format!("<td>{cell}</td>"))
        .unwrap_or_default();
    assert!(
        last_sign_in == early || last_sign_in == late,
        "{early} or {late}, not {last_sign_in} in {ava_row}"
    );
}
