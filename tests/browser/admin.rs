//! The admin pages in a real browser: the users page (an account created
//! after a field error, another disabled and enabled again, a role
//! changed) and the audit log that records it, each checked with axe-core.

use fantoccini::Locator;

use crate::rig::{rig, PASSWORD};
use crate::server::create_user;

#[tokio::test]
async fn an_admin_creates_an_account_after_a_field_error_and_sees_it_in_the_audit_log() {
    let rig = rig().await;
    create_user(&rig.db, "admin", "ada", PASSWORD);
    create_user(&rig.db, "advisor", "ava", PASSWORD);
    rig.sign_in("ada", PASSWORD).await;
    rig.click(r#"nav a[href="/ui/users"]"#).await;
    assert_eq!(rig.path().await, "/ui/users");
    assert!(rig.text().await.contains("ava"));
    rig.assert_accessible("users").await;
    rig.screenshot("users").await;

    let create = r#"form[action="/ui/users"]"#;
    let form = rig.browser.form(Locator::Css(create)).await.unwrap();
    form.set_by_name("name", "nina").await.unwrap();
    form.set_by_name("password", "too short").await.unwrap();
    form.set_by_name("password_again", "too short")
        .await
        .unwrap();
    rig.loading(async { form.submit().await.unwrap() }).await;
    let text = rig.text().await;
    assert!(text.contains("There is a problem"), "{text}");
    assert!(text.contains("at least 12 characters"), "{text}");
    let kept = rig
        .browser
        .find(Locator::Id("name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("nina"));
    rig.assert_accessible("users with an error").await;
    rig.screenshot("users-error").await;

    let form = rig.browser.form(Locator::Css(create)).await.unwrap();
    form.set_by_name("password", PASSWORD).await.unwrap();
    form.set_by_name("password_again", PASSWORD).await.unwrap();
    rig.loading(async { form.submit().await.unwrap() }).await;
    let text = rig.text().await;
    assert!(text.contains("The account was created"), "{text}");
    assert!(text.contains("nina"), "{text}");

    rig.click(r#"form[action="/ui/users/disable"]:has(input[value="ava"]) button"#)
        .await;
    assert!(rig.text().await.contains("The account was disabled"));
    rig.assert_accessible("users with a disabled account").await;
    rig.screenshot("users-disabled").await;
    rig.click(r#"form[action="/ui/users/enable"]:has(input[value="ava"]) button"#)
        .await;
    assert!(rig.text().await.contains("The account was enabled"));
    let role = r#"form[action="/ui/users/role"]:has(input[value="nina"])"#;
    let form = rig.browser.form(Locator::Css(role)).await.unwrap();
    form.set_by_name("role", "admin").await.unwrap();
    rig.loading(async { form.submit().await.unwrap() }).await;
    assert!(rig.text().await.contains("The role was changed"));
    let chosen = rig
        .browser
        .find(Locator::Css(&format!("{role} select")))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(chosen.as_deref(), Some("admin"));

    rig.click(r#"nav a[href="/ui/audit"]"#).await;
    assert_eq!(rig.path().await, "/ui/audit");
    let text = rig.text().await;
    assert!(text.contains("user.create"), "{text}");
    assert!(text.contains("user.enable"), "{text}");
    assert!(text.contains("user.role_change"), "{text}");
    assert!(text.contains("ada"), "{text}");
    // Opened, so axe checks the before and after too.
    rig.browser
        .find(Locator::Css("main details summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    rig.assert_accessible("audit").await;
    rig.screenshot("audit").await;
    rig.close().await;
}
