//! The pages in a real headless Chromium, driven over WebDriver
//! (fantoccini and Debian's chromedriver): sign in, refusals, roles, and
//! axe-core's accessibility check on each page, with screenshots kept in
//! target/screenshots/. Needs `chromium`, `chromium-driver` and axe-core
//! (`FAIRLINE_AXE_JS`: the path of `axe.min.js`); `.ci/run` installs them.
//! Run with `cargo test --features browser-tests --test browser`.
//!
//! One module per area of the pages; `rig` holds what they share.

#[allow(dead_code)] // the CLI helpers the API suite uses
#[path = "../common/server.rs"]
mod server;

mod accounts;
mod admin;
mod measures;
mod person;
mod reports_calls;
mod review_rules_history;
mod rig;
