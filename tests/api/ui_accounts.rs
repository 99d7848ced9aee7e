//! Staff accounts: made, listed, disabled and reset with the CLI; signing
//! in to the pages, failures and the account lockout, all audited.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

async fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    let (status, body) = app.get("/v1/audit?limit=1000", "admin").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e: &Value| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn users_create_reads_the_password_from_standard_input_and_lists_the_account() {
    let app = spawn_app().await;
    create_user(&app.db, "supervisor", "sam", PASSWORD);
    let out = cli(&app.db, &["users", "list"]);
    let listed = String::from_utf8(out.stdout).unwrap();
    assert!(listed.starts_with("sam\tsupervisor\tcreated "), "{listed}");
    assert!(listed.trim_end().ends_with("active"), "{listed}");
    let resp = app.ui().sign_in("sam", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(audit_actions(&app)
        .await
        .contains(&("cli".into(), "user.create".into())));
}

#[tokio::test]
async fn a_password_shorter_than_twelve_characters_makes_no_account() {
    let app = spawn_app().await;
    let out = cli_with_input(
        &app.db,
        &["users", "create", "--role", "advisor", "--name", "sam"],
        "elevenchars",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"));
    let listed = cli(&app.db, &["users", "list"]).stdout;
    assert!(listed.is_empty(), "{}", String::from_utf8_lossy(&listed));
}

#[tokio::test]
async fn the_pbx_role_is_not_a_staff_account() {
    let app = spawn_app().await;
    let out = cli_with_input(
        &app.db,
        &["users", "create", "--role", "pbx", "--name", "phones"],
        PASSWORD,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--role"));
}

#[tokio::test]
async fn a_user_name_may_not_be_an_api_key_name_nor_the_other_way() {
    let app = spawn_app().await;
    // spawn_app made a key named advisor-key.
    let out = cli_with_input(
        &app.db,
        &[
            "users",
            "create",
            "--role",
            "advisor",
            "--name",
            "advisor-key",
        ],
        PASSWORD,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("taken"));
    create_user(&app.db, "advisor", "sam", PASSWORD);
    let out = cli(
        &app.db,
        &["keys", "create", "--role", "admin", "--name", "sam"],
    );
    assert!(!out.status.success(), "a key named like a user was made");
}

#[tokio::test]
async fn a_wrong_password_shows_an_error_and_keeps_the_user_name() {
    let app = spawn_app().await;
    create_user(&app.db, "advisor", "sam", PASSWORD);
    let ui = app.ui();
    let resp = ui.sign_in("sam", "not the password").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("The user name or password is not right"),
        "{page}"
    );
    assert!(page.contains(r#"value="sam""#), "{page}");
    assert!(!page.contains("not the password"));
    // Still signed out.
    assert_eq!(ui.get("/ui").await.status(), StatusCode::SEE_OTHER);
    assert!(audit_actions(&app)
        .await
        .contains(&("sam".into(), "user.sign_in_failed".into())));
}

#[tokio::test]
async fn an_empty_field_is_named_next_to_it() {
    let app = spawn_app().await;
    let resp = app.ui().sign_in("sam", "").await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(r#"id="password-error""#), "{page}");
    assert!(page.contains("Enter your password"));
}

#[tokio::test]
async fn an_unknown_user_gets_the_same_answer_as_a_wrong_password() {
    let app = spawn_app().await;
    let resp = app.ui().sign_in("nobody", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("The user name or password is not right"));
}

#[tokio::test]
async fn repeated_failures_lock_the_account_but_not_the_pbx_or_api_keys() {
    let app = spawn_app_with(&[("FAIRLINE_UI_SIGN_IN_FAILURES", "3")]).await;
    create_user(&app.db, "advisor", "sam", PASSWORD);
    let ui = app.ui();
    for _ in 0..3 {
        let resp = ui.sign_in("sam", "not the password").await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right password is refused, and says why.
    let resp = ui.sign_in("sam", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.text().await.unwrap().contains("locked until"));
    // The PBX screens and staff keys work from the same address.
    app.screen("+441632960001", "locked-1").await;
    let (status, body) = app.get("/v1/people?q=x", "supervisor").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A new password lifts the lock.
    let out = cli_with_input(
        &app.db,
        &["users", "reset-password", "sam"],
        "a brand new password",
    );
    assert!(out.status.success());
    let resp = ui.sign_in("sam", "a brand new password").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let actions = audit_actions(&app).await;
    assert!(actions.contains(&("sam".into(), "user.sign_in_refused".into())));
    assert!(actions.contains(&("cli".into(), "user.password_reset".into())));
    assert!(actions.contains(&("sam".into(), "user.sign_in".into())));
}

#[tokio::test]
async fn disabling_an_account_ends_its_session_and_its_sign_ins() {
    let app = spawn_app().await;
    let ui = app.signed_in("advisor", "sam").await;
    assert_eq!(ui.get("/ui").await.status(), StatusCode::OK);
    let out = cli(&app.db, &["users", "disable", "sam"]);
    assert!(out.status.success());
    assert_eq!(ui.get("/ui").await.status(), StatusCode::SEE_OTHER);
    let resp = app.ui().sign_in("sam", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let listed = String::from_utf8(cli(&app.db, &["users", "list"]).stdout).unwrap();
    assert!(listed.contains("disabled"), "{listed}");
    assert!(audit_actions(&app)
        .await
        .contains(&("cli".into(), "user.disable".into())));
}

#[tokio::test]
async fn a_password_reset_signs_out_whoever_held_the_old_one() {
    let app = spawn_app().await;
    let ui = app.signed_in("advisor", "sam").await;
    let out = cli_with_input(
        &app.db,
        &["users", "reset-password", "sam"],
        "a brand new password",
    );
    assert!(out.status.success());
    assert_eq!(ui.get("/ui").await.status(), StatusCode::SEE_OTHER);
    let resp = app.ui().sign_in("sam", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}
