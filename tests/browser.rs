//! The pages in a real headless Chromium, driven over WebDriver
//! (fantoccini and Debian's chromedriver): sign in, refusals, roles, and
//! axe-core's accessibility check on each page, with screenshots kept in
//! target/screenshots/. Needs `chromium`, `chromium-driver` and axe-core
//! (`FAIRLINE_AXE_JS`: the path of `axe.min.js`); `.ci/run` installs them.
//! Run with `cargo test --features browser-tests --test browser`.

#[allow(dead_code)] // the CLI helpers the API suite uses
#[path = "common/server.rs"]
mod server;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use server::{create_user, spawn_server};

const PASSWORD: &str = "correct horse battery";

/// A fairline, a chromedriver and a Chromium session; all ended on drop.
struct Rig {
    base: String,
    db: PathBuf,
    browser: Client,
    fairline: Child,
    driver: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = self.fairline.kill();
        let _ = self.fairline.wait();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fairline.db");
    let (fairline, base, _) = spawn_server(&db, &[]);
    let port = free_port();
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (Debian package chromium-driver)");
    let mut driver = driver;
    // chromedriver prints a line once it listens: wait for it, no sleep.
    {
        use std::io::{BufRead, BufReader};
        let out = driver.stdout.take().unwrap();
        let mut lines = BufReader::new(out).lines();
        for line in lines.by_ref() {
            if line.unwrap().contains("started successfully") {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
    }
    let profile = dir.path().join("chromium-profile");
    std::fs::create_dir_all(&profile).unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1024,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let browser = ClientBuilder::rustls()
        .expect("rustls")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session");
    Rig {
        base,
        db,
        browser,
        fairline,
        driver,
        _dir: dir,
    }
}

impl Rig {
    async fn open(&self, path: &str) {
        self.browser
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    async fn sign_in(&self, name: &str, password: &str) {
        self.open("/ui/sign-in").await;
        let form = self.browser.form(Locator::Css("main form")).await.unwrap();
        form.set_by_name("name", name).await.unwrap();
        form.set_by_name("password", password).await.unwrap();
        form.submit().await.unwrap();
    }

    async fn text(&self) -> String {
        self.browser
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn path(&self) -> String {
        self.browser.current_url().await.unwrap().path().to_owned()
    }

    /// Saves a screenshot to target/screenshots/NAME.png.
    async fn screenshot(&self, name: &str) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.browser.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Runs axe-core on the page and fails on any serious or critical
    /// violation. The page's CSP forbids scripts, but WebDriver's injected
    /// script is the browser's own and is not subject to it.
    async fn assert_accessible(&self, page: &str) {
        let path = std::env::var("FAIRLINE_AXE_JS")
            .expect("FAIRLINE_AXE_JS: the path of axe-core's axe.min.js");
        let axe = std::fs::read_to_string(&path).expect("axe.min.js");
        self.browser.execute(&axe, vec![]).await.unwrap();
        let result = self
            .browser
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document).then(r => done(r.violations.map(v => ({
                     id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length}))));",
                vec![],
            )
            .await
            .unwrap();
        let violations = result.as_array().cloned().unwrap_or_default();
        let bad: Vec<&Value> = violations
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        println!(
            "axe-core {page}: {} violations, {} serious or critical {:?}",
            violations.len(),
            bad.len(),
            violations
                .iter()
                .map(|v| format!("{}({})", v["id"], v["impact"]))
                .collect::<Vec<_>>()
        );
        assert!(bad.is_empty(), "{page}: {bad:#?}");
    }

    async fn close(self) {
        self.browser.clone().close().await.unwrap();
    }
}

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
    rig.browser
        .find(Locator::Css(".account button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
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
    rig.browser
        .find(Locator::Css(".account button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
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
