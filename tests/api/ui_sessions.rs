//! Sessions of the pages: the cookie, CSRF refusal, sign-out that ends the
//! session on the server, idle and absolute expiry, roles, and the
//! security headers on every page.

use reqwest::StatusCode;

use crate::helpers::*;

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

#[tokio::test]
async fn a_page_without_a_session_sends_the_browser_to_sign_in() {
    let app = spawn_app().await;
    let resp = app.ui().get("/ui").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/ui/sign-in");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_strict() {
    let app = spawn_app().await;
    create_user(&app.db, "advisor", "sam", PASSWORD);
    let resp = app.ui().sign_in("sam", PASSWORD).await;
    assert_eq!(location(&resp), "/ui");
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("fairline_session="))
        .expect("a session cookie")
        .to_owned();
    assert!(cookie.contains("; HttpOnly"), "{cookie}");
    assert!(cookie.contains("; SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("; Path=/"), "{cookie}");
    // Plain HTTP from a client that is not a trusted proxy: not Secure.
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn the_session_cookie_is_secure_behind_a_trusted_tls_proxy_only() {
    let app = spawn_app_with(&[("FAIRLINE_TRUSTED_PROXIES", r#"["127.0.0.1/32"]"#)]).await;
    let resp = app
        .client
        .get(format!("{}/ui/sign-in", app.base))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    let untrusted = spawn_app().await;
    let resp = untrusted
        .client
        .get(format!("{}/ui/sign-in", untrusted.base))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap();
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let ui = app.signed_in("advisor", "sam").await;
    let before = app.audit_len().await;
    for fields in [vec![], vec![("csrf_token", "forged")]] {
        let resp = ui.post_form("/ui/sign-out", &fields).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        let page = resp.text().await.unwrap();
        assert!(page.contains("This form has expired"), "{page}");
    }
    // Still signed in, and nothing audited.
    assert_eq!(ui.get("/ui").await.status(), StatusCode::OK);
    assert_eq!(app.audit_len().await, before);
}

#[tokio::test]
async fn a_sign_in_post_without_its_token_is_refused() {
    let app = spawn_app().await;
    create_user(&app.db, "advisor", "sam", PASSWORD);
    let resp = app
        .ui()
        .post_form("/ui/sign-in", &[("name", "sam"), ("password", PASSWORD)])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn a_signed_out_cookie_no_longer_works() {
    let app = spawn_app().await;
    create_user(&app.db, "advisor", "sam", PASSWORD);
    let resp = app.ui().sign_in("sam", PASSWORD).await;
    let cookie = resp.headers()["set-cookie"].to_str().unwrap();
    let pair = cookie.split(';').next().unwrap().to_owned();
    let token = pair.split_once('=').unwrap().1.to_owned();
    let with_copy = || {
        app.client
            .get(format!("{}/ui", app.base))
            .header("cookie", &pair)
            .send()
    };
    assert_eq!(with_copy().await.unwrap().status(), StatusCode::OK);
    // Sign out with the token from the page, on the same cookie.
    let home = with_copy().await.unwrap().text().await.unwrap();
    let resp = app
        .client
        .post(format!("{}/ui/sign-out", app.base))
        .header("cookie", &pair)
        .form(&[("csrf_token", csrf_token(&home))])
        .send()
        .await
        .unwrap();
    // reqwest follows the redirect to the sign-in page.
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.url().path().ends_with("/ui/sign-in"));
    let replayed = app
        .ui()
        .client
        .get(format!("{}/ui", app.base))
        .header("cookie", format!("fairline_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&replayed), "/ui/sign-in");
}

/// Moves the one session's timestamps into the past, as time passing would.
fn age_sessions(app: &TestApp, column: &str, minutes: i64) {
    let conn = rusqlite::Connection::open(&app.db).unwrap();
    let at = fairline::store::timestamp(chrono::Utc::now() - chrono::Duration::minutes(minutes));
    let sql = format!("UPDATE sessions SET {column} = ?1");
    assert_eq!(conn.execute(&sql, [at]).unwrap(), 1);
}

#[tokio::test]
async fn a_session_idle_longer_than_the_setting_ends() {
    let app = spawn_app_with(&[("FAIRLINE_UI_SESSION_IDLE_MINUTES", "10")]).await;
    let ui = app.signed_in("advisor", "sam").await;
    age_sessions(&app, "last_seen_at", 9);
    assert_eq!(ui.get("/ui").await.status(), StatusCode::OK);
    age_sessions(&app, "last_seen_at", 11);
    assert_eq!(ui.get("/ui").await.status(), StatusCode::SEE_OTHER);
    // Ended on the server, not just refused.
    let conn = rusqlite::Connection::open(&app.db).unwrap();
    let left: i64 = conn
        .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_session_past_its_absolute_expiry_ends_however_busy() {
    let app = spawn_app().await;
    let ui = app.signed_in("advisor", "sam").await;
    age_sessions(&app, "expires_at", 1);
    assert_eq!(ui.get("/ui").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_advisor_gets_403_for_a_supervisor_page_and_is_not_shown_its_link() {
    let app = spawn_app().await;
    let advisor = app.signed_in("advisor", "ava").await;
    let (status, home) = advisor.page("/ui").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!home.contains("/ui/people"), "{home}");
    assert!(!home.contains("open flags"), "{home}");
    let (status, page) = advisor.page("/ui/people?q=a").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("You cannot use this page"), "{page}");
    let supervisor = app.signed_in("supervisor", "sue").await;
    let (_, home) = supervisor.page("/ui").await;
    assert!(home.contains(r#"href="/ui/people""#), "{home}");
    assert!(home.contains("open flags"), "{home}");
    assert_eq!(
        supervisor.get("/ui/people?q=a").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn every_page_carries_a_strict_content_security_policy() {
    let app = spawn_app().await;
    let advisor = app.signed_in("advisor", "ava").await;
    for path in ["/ui", "/ui/people", "/ui/sign-in"] {
        let resp = advisor.get(path).await;
        let csp = resp.headers()["content-security-policy"].to_str().unwrap();
        assert_eq!(csp, CSP, "{path}");
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    }
    let resp = app.ui().get("/ui/sign-in").await;
    assert_eq!(resp.headers()["content-security-policy"], CSP);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let css = app.ui().get("/ui/static/fairline.css").await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
}

#[tokio::test]
async fn the_home_page_counts_todays_calls_by_action() {
    let app = spawn_app().await;
    app.screen("+441632960001", "home-1").await;
    app.screen("+441632960002", "home-2").await;
    let ui = app.signed_in("advisor", "ava").await;
    let (_, home) = ui.page("/ui").await;
    assert!(
        home.contains(r#"<th scope="row">Put through</th><td class="number">2</td>"#),
        "{home}"
    );
}
