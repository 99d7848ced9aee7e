//! Staff accounts: made, listed, disabled and reset with the CLI; signing
//! in to the pages, failures and the account lockout, all audited.

use reqwest::StatusCode;

use crate::helpers::*;

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
    assert!(app
        .audit_actions()
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
    assert!(app
        .audit_actions()
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
    let actions = app.audit_actions().await;
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
    assert!(app
        .audit_actions()
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

#[tokio::test]
async fn users_enable_lets_a_disabled_account_sign_in_again_and_is_audited() {
    let app = spawn_app().await;
    create_user(&app.db, "advisor", "sam", PASSWORD);
    assert!(cli(&app.db, &["users", "disable", "sam"]).status.success());
    assert_eq!(
        app.ui().sign_in("sam", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let out = cli(&app.db, &["users", "enable", "sam"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        app.ui().sign_in("sam", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let listed = String::from_utf8(cli(&app.db, &["users", "list"]).stdout).unwrap();
    assert!(listed.trim_end().ends_with("active"), "{listed}");
    assert!(app
        .audit_actions()
        .await
        .contains(&("cli".into(), "user.enable".into())));
    // Enabling an account that is not disabled says so and fails.
    let out = cli(&app.db, &["users", "enable", "sam"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not disabled"));
}

#[tokio::test]
async fn users_set_role_changes_the_role_ends_sessions_and_audits_before_and_after() {
    let app = spawn_app().await;
    let sam = app.signed_in("advisor", "sam").await;
    assert_eq!(sam.get("/ui").await.status(), StatusCode::OK);
    let out = cli(&app.db, &["users", "set-role", "sam", "supervisor"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("was advisor"));
    assert_eq!(sam.get("/ui").await.status(), StatusCode::SEE_OTHER);
    let listed = String::from_utf8(cli(&app.db, &["users", "list"]).stdout).unwrap();
    assert!(listed.starts_with("sam\tsupervisor\t"), "{listed}");
    let (_, log) = app.get("/v1/audit?actor=cli", "admin").await;
    let entry = &log["entries"][0];
    assert_eq!(entry["action"], "user.role_change", "{log}");
    assert_eq!(entry["before"]["role"], "advisor");
    assert_eq!(entry["after"]["role"], "supervisor");
    assert_eq!(entry["after"]["name"], "sam");
    // Not a role for a person.
    let out = cli(&app.db, &["users", "set-role", "sam", "pbx"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--role"));
}

#[tokio::test]
async fn the_last_enabled_admin_cannot_be_disabled_or_demoted_from_the_cli() {
    let app = spawn_app().await;
    create_user(&app.db, "admin", "ada", PASSWORD);
    let before = app.audit_len().await;
    for args in [
        &["users", "disable", "ada"][..],
        &["users", "set-role", "ada", "supervisor"][..],
    ] {
        let out = cli(&app.db, args);
        assert!(!out.status.success(), "{args:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("last enabled admin"), "{said}");
    }
    assert_eq!(app.audit_len().await, before, "nothing audited");
    let listed = String::from_utf8(cli(&app.db, &["users", "list"]).stdout).unwrap();
    assert!(listed.starts_with("ada\tadmin\t"), "{listed}");
    assert!(listed.trim_end().ends_with("active"), "{listed}");
    // With a second admin, the first may step down.
    create_user(&app.db, "admin", "abe", PASSWORD);
    let out = cli(&app.db, &["users", "set-role", "ada", "supervisor"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn enabling_or_changing_the_role_of_an_unknown_name_fails_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.audit_len().await;
    for args in [
        &["users", "enable", "nobody"][..],
        &["users", "set-role", "nobody", "admin"][..],
    ] {
        let out = cli(&app.db, args);
        assert!(!out.status.success(), "{args:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains(r#"no staff account is named "nobody""#),
            "{said}"
        );
    }
    assert_eq!(app.audit_len().await, before);
    assert!(cli(&app.db, &["users", "list"]).stdout.is_empty());
}

#[tokio::test]
async fn users_list_shows_the_last_sign_in() {
    let app = spawn_app().await;
    create_user(&app.db, "advisor", "sam", PASSWORD);
    let listed = String::from_utf8(cli(&app.db, &["users", "list"]).stdout).unwrap();
    assert!(listed.contains("\tlast sign-in never\t"), "{listed}");
    app.ui().sign_in("sam", PASSWORD).await;
    let listed = String::from_utf8(cli(&app.db, &["users", "list"]).stdout).unwrap();
    assert!(!listed.contains("never"), "{listed}");
    assert!(listed.contains("\tlast sign-in 20"), "{listed}");
}
