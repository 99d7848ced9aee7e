//! The rig every browser test runs in: a fairline on a free port, a
//! chromedriver and a headless Chromium session, with the steps tests share
//! (sign in, read the page, screenshot, axe-core's check).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::server::spawn_server;

pub const PASSWORD: &str = "correct horse battery";

/// A fairline, a chromedriver and a Chromium session; all ended on drop.
pub struct Rig {
    pub base: String,
    pub db: PathBuf,
    pub browser: Client,
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

/// The browser window's width and height (a laptop's).
const WINDOW: (u32, u32) = (1024, 900);

pub async fn rig() -> Rig {
    rig_with(&[]).await
}

/// A rig whose fairline has these settings (`FAIRLINE_*` variables).
pub async fn rig_with(envs: &[(&str, &str)]) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fairline.db");
    let (fairline, base, _) = spawn_server(&db, envs);
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
                "--disable-sync", "--no-first-run",
                format!("--window-size={},{}", WINDOW.0, WINDOW.1),
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
    pub async fn open(&self, path: &str) {
        self.browser
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    pub async fn sign_in(&self, name: &str, password: &str) {
        self.open("/ui/sign-in").await;
        let form = self.browser.form(Locator::Css("main form")).await.unwrap();
        form.set_by_name("name", name).await.unwrap();
        form.set_by_name("password", password).await.unwrap();
        self.loading(async { form.submit().await.unwrap() }).await;
    }

    /// Clicks the element `css` selects, which loads a page, and waits for
    /// it.
    pub async fn click(&self, css: &str) {
        let element = self.browser.find(Locator::Css(css)).await.unwrap();
        self.loading(async { element.click().await.unwrap() }).await;
    }

    /// Runs `act`, a click or a submit that loads a page, and returns once
    /// the page it left is gone and the new one has loaded. WebDriver may
    /// answer a click before the navigation it starts: without this, what
    /// a test reads next could be the old page, or a page half torn down.
    pub async fn loading(&self, act: impl std::future::Future<Output = ()>) {
        let old = self.browser.find(Locator::Css("html")).await.unwrap();
        act.await;
        let deadline = Instant::now() + Duration::from_secs(30);
        while old.tag_name().await.is_ok() {
            assert!(Instant::now() < deadline, "the page did not change");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.loaded().await;
    }

    /// Waits until the current document has finished loading.
    async fn loaded(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let state = self
                .browser
                .execute("return document.readyState;", vec![])
                .await;
            if matches!(&state, Ok(Value::String(s)) if s == "complete") {
                return;
            }
            assert!(Instant::now() < deadline, "the page did not load");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn text(&self) -> String {
        self.loaded().await;
        self.browser
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn path(&self) -> String {
        self.browser.current_url().await.unwrap().path().to_owned()
    }

    /// Saves a screenshot of the whole page, not only what the window
    /// shows, to target/screenshots/NAME.png. WebDriver captures the
    /// viewport, so the window is made as tall as the page for the shot.
    pub async fn screenshot(&self, name: &str) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        // The window's own frame takes part of its height: add it.
        let height = self
            .browser
            .execute(
                "return document.documentElement.scrollHeight \
                 + window.outerHeight - window.innerHeight;",
                vec![],
            )
            .await
            .unwrap()
            .as_u64()
            .expect("the page's height");
        let tall = u32::try_from(height).unwrap_or(WINDOW.1).max(WINDOW.1);
        self.browser.set_window_size(WINDOW.0, tall).await.unwrap();
        let png = self.browser.screenshot().await;
        self.browser
            .set_window_size(WINDOW.0, WINDOW.1)
            .await
            .unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png.unwrap()).unwrap();
    }

    /// Runs axe-core on the page and fails on any serious or critical
    /// violation. The page's CSP forbids scripts, but WebDriver's injected
    /// script is the browser's own and is not subject to it.
    pub async fn assert_accessible(&self, page: &str) {
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

    pub async fn close(self) {
        self.browser.clone().close().await.unwrap();
    }
}
