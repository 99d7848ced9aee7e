//! Signing in and out, refusals (CSRF, a stale cookie, a role), and the
//! first pages, each checked with axe-core.

use fantoccini::Locator;

use crate::rig::{rig, PASSWORD};
use crate::server::create_user;

#[tokio::test]
async fn a_supervisor_signs_in_and_every_page_passes_axe() {
    let rig = rig().await;
    create_user(&rig.db, "supervisor", "sue", PASSWORD);
    rig.open("/ui/sign-in").await;
    rig.assert_accessible("sign-in").await;
    rig.screenshot("sign-in").await;
    rig.sign_in("sue", PASSWORD).await;
    assert_eq!(rig.path().await, "/ui");
    let text = rig.text().await;
    assert!(text.contains("sue (supervisor)"), "{text}");
    assert!(text.contains("open flags"), "{text}");
    rig.assert_accessible("home").await;
    rig.screenshot("home").await;
    rig.open("/ui/people?q=nobody").await;
    assert!(rig.text().await.contains("No one matches"));
    rig.assert_accessible("people").await;
    rig.screenshot("people").await;
    rig.close().await;
}

#[tokio::test]
async fn a_wrong_password_shows_an_error_that_passes_axe() {
    let rig = rig().await;
    create_user(&rig.db, "advisor", "ava", PASSWORD);
    rig.sign_in("ava", "not the password").await;
    assert_eq!(rig.path().await, "/ui/sign-in");
    let text = rig.text().await;
    assert!(
        text.contains("The user name or password is not right"),
        "{text}"
    );
    let kept = rig
        .browser
        .find(Locator::Id("name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("ava"));
    rig.assert_accessible("sign-in with an error").await;
    rig.screenshot("sign-in-error").await;
    rig.close().await;
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused() {
    let rig = rig().await;
    create_user(&rig.db, "advisor", "ava", PASSWORD);
    rig.sign_in("ava", PASSWORD).await;
    // Blank the sign-out form's token, as a forged form would lack it.
    rig.browser
        .execute(
            "document.querySelector('input[name=csrf_token]').value = '';",
            vec![],
        )
        .await
        .unwrap();
    rig.click(".account button").await;
    assert!(rig.text().await.contains("This form has expired"));
    rig.assert_accessible("403 form expired").await;
    rig.screenshot("csrf-refused").await;
    // Still signed in.
    rig.open("/ui").await;
    assert_eq!(rig.path().await, "/ui");
    rig.close().await;
}

#[tokio::test]
async fn a_signed_out_cookie_no_longer_works() {
    let rig = rig().await;
    create_user(&rig.db, "advisor", "ava", PASSWORD);
    rig.sign_in("ava", PASSWORD).await;
    let cookie = rig
        .browser
        .get_named_cookie("fairline_session")
        .await
        .unwrap();
    rig.click(".account button").await;
    assert_eq!(rig.path().await, "/ui/sign-in");
    // Put the old cookie back, as someone who copied it would.
    rig.browser.add_cookie(cookie.clone()).await.unwrap();
    assert!(rig
        .browser
        .get_named_cookie("fairline_session")
        .await
        .is_ok());
    rig.open("/ui").await;
    assert_eq!(rig.path().await, "/ui/sign-in");
    rig.close().await;
}

#[tokio::test]
async fn an_advisor_does_not_see_supervisor_actions() {
    let rig = rig().await;
    create_user(&rig.db, "advisor", "ava", PASSWORD);
    rig.sign_in("ava", PASSWORD).await;
    let text = rig.text().await;
    assert!(text.contains("ava (advisor)"), "{text}");
    assert!(!text.contains("Find a person"), "{text}");
    assert!(!text.contains("open flags"), "{text}");
    rig.assert_accessible("home (advisor)").await;
    rig.screenshot("home-advisor").await;
    rig.open("/ui/people").await;
    assert!(rig.text().await.contains("You cannot use this page"));
    rig.assert_accessible("403 role").await;
    rig.close().await;
}
