//! A browser-like client for the pages under /ui: a cookie store, no
//! redirects followed (tests look at them), and the CSRF tokens read from
//! the pages' hidden fields.

use reqwest::{Response, StatusCode};

use super::{create_user, TestApp};

pub const PASSWORD: &str = "correct horse battery";

pub struct UiClient {
    pub client: reqwest::Client,
    pub base: String,
}

impl TestApp {
    /// A staff account made with the CLI (password [`PASSWORD`]) and a
    /// client signed in as it.
    pub async fn signed_in(&self, role: &str, name: &str) -> UiClient {
        create_user(&self.db, role, name, PASSWORD);
        let ui = self.ui();
        let resp = ui.sign_in(name, PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "sign-in as {name}");
        ui
    }

    /// A client with no session yet.
    pub fn ui(&self) -> UiClient {
        UiClient {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.base.clone(),
        }
    }
}

impl UiClient {
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let resp = self.get(path).await;
        (resp.status(), resp.text().await.unwrap())
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// The CSRF token of `page`'s forms (the page must answer 200).
    pub async fn token(&self, page: &str) -> String {
        let (status, html) = self.page(page).await;
        assert_eq!(status, StatusCode::OK, "{page}: {html}");
        csrf_token(&html)
    }

    /// Opens `page` (which must answer 200), then posts `fields` to `path`
    /// with that page's CSRF token, as a browser submits a form on it.
    pub async fn post_from(&self, page: &str, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.token(page).await;
        let mut with_token = vec![("csrf_token", token.as_str())];
        with_token.extend_from_slice(fields);
        self.post_form(path, &with_token).await
    }

    /// Posts `fields` and one file as `multipart/form-data`, as a browser
    /// sends a form with a file input (`file`: field name, file name,
    /// contents).
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
    ) -> Response {
        const BOUNDARY: &str = "----fairline-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        let (name, filename, contents) = file;
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(contents);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        self.client
            .post(format!("{}{path}", self.base))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Fetches the sign-in form and posts it with its token.
    pub async fn sign_in(&self, name: &str, password: &str) -> Response {
        let (status, form) = self.page("/ui/sign-in").await;
        assert_eq!(status, StatusCode::OK);
        let token = csrf_token(&form);
        self.post_form(
            "/ui/sign-in",
            &[
                ("csrf_token", &token),
                ("name", name),
                ("password", password),
            ],
        )
        .await
    }
}

/// The value of the first hidden `csrf_token` field in a page.
pub fn csrf_token(html: &str) -> String {
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker).expect("the page has a CSRF field") + marker.len();
    html[start..][..html[start..].find('"').unwrap()].to_owned()
}

/// Where a redirect points.
pub fn location(resp: &Response) -> &str {
    resp.headers()
        .get("location")
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}
