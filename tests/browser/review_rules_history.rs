//! The review queue, number rules and call history in the browser: a flag
//! raised by screened calls is dismissed, a CSV with a bad line is
//! refused naming it, the call history is searched and a number blocked
//! from it; axe-core on each page.

use fantoccini::Locator;
use serde_json::{json, Value};

use crate::rig::{rig, rig_with, Rig, PASSWORD};
use crate::server::{create_key, create_user};

/// The API as the PBX and a supervisor's script use it, beside the pages.
struct Api {
    client: reqwest::Client,
    base: String,
    pbx: String,
    supervisor: String,
}

impl Api {
    fn of(rig: &Rig) -> Api {
        Api {
            client: reqwest::Client::new(),
            base: rig.base.clone(),
            pbx: create_key(&rig.db, "pbx", "phones"),
            supervisor: create_key(&rig.db, "supervisor", "script"),
        }
    }

    async fn screen(&self, caller: &str, call_id: &str) -> Value {
        let resp = self
            .client
            .get(format!("{}/v1/screen", self.base))
            .query(&[("caller", caller), ("call_id", call_id), ("dialed", "0800")])
            .bearer_auth(&self.pbx)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success());
        resp.json().await.unwrap()
    }

    async fn person(&self, name: &str, phone: &str) {
        let resp = self
            .client
            .post(format!("{}/v1/people", self.base))
            .json(&json!({"name": name, "phones": [phone]}))
            .bearer_auth(&self.supervisor)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success());
    }
}

async fn fill(rig: &Rig, id: &str, text: &str) {
    let field = rig.browser.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Clicks a link or a form's button and waits for the page it leads to:
/// the page is marked before the click, and the next one is unmarked (a
/// click can return before the navigation it starts has finished).
async fn click(rig: &Rig, css: &str) {
    rig.browser
        .execute(
            "document.documentElement.setAttribute('data-left', '')",
            vec![],
        )
        .await
        .unwrap();
    rig.browser
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    rig.browser
        .wait()
        .for_element(Locator::Css("html:not([data-left]) main h1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_supervisor_dismisses_a_flag_raised_by_screened_calls() {
    let rig = rig_with(&[("FAIRLINE_FLAG_DAILY_CONTACTS", "2")]).await;
    let api = Api::of(&rig);
    api.person("Ann Example", "07700 900123").await;
    api.screen("07700900123", "ann-1").await;
    api.screen("07700900123", "ann-2").await;
    create_user(&rig.db, "supervisor", "sue", PASSWORD);
    rig.sign_in("sue", PASSWORD).await;
    // From the home page's counts.
    click(&rig, ".cards a[href='/ui/review']").await;
    assert_eq!(rig.path().await, "/ui/review");
    let text = rig.text().await;
    assert!(text.contains("Ann Example"), "{text}");
    assert!(text.contains("Very frequent contact today"), "{text}");
    rig.assert_accessible("review queue").await;
    rig.screenshot("review-queue").await;
    // No reason first: refused, the flag still there.
    click(&rig, ".queue-item button[value=dismiss]").await;
    let text = rig.text().await;
    assert!(text.contains("There is a problem"), "{text}");
    assert!(text.contains("Very frequent contact today"), "{text}");
    rig.assert_accessible("review queue with an error").await;
    rig.screenshot("review-queue-error").await;
    let reason = rig
        .browser
        .find(Locator::Css(".queue-item textarea"))
        .await
        .unwrap();
    reason
        .send_keys("Spoke to Ann: two calls about one letter, nothing to act on")
        .await
        .unwrap();
    click(&rig, ".queue-item button[value=dismiss]").await;
    assert_eq!(rig.path().await, "/ui/review");
    let text = rig.text().await;
    assert!(text.contains("The flag was dismissed."), "{text}");
    assert!(text.contains("Nothing is waiting for review."), "{text}");
    rig.assert_accessible("review queue emptied").await;
    rig.close().await;
}

#[tokio::test]
async fn a_csv_with_a_bad_line_is_refused_naming_it_and_a_good_one_imported() {
    let rig = rig().await;
    create_user(&rig.db, "supervisor", "sue", PASSWORD);
    rig.sign_in("sue", PASSWORD).await;
    click(&rig, "nav a[href='/ui/rules']").await;
    assert!(rig.text().await.contains("There are no number rules."));
    rig.assert_accessible("number rules").await;
    // A field error on the add form first.
    fill(&rig, "number", "not a number").await;
    fill(&rig, "reason", "Nuisance calls").await;
    click(&rig, "form[action='/ui/rules'] button").await;
    let text = rig.text().await;
    assert!(text.contains("There is a problem"), "{text}");
    rig.assert_accessible("number rules with a field error")
        .await;
    rig.screenshot("rules-field-error").await;
    let csv = "number,match,action,reason,expires_at\n\
               +447700900111,exact,block,Nuisance calls,\n\
               +447700900112,sideways,block,Nuisance calls,\n\
               01632 960,prefix,allow,Partner agency,\n";
    fill(&rig, "csv", csv).await;
    click(&rig, "form[action='/ui/rules/import'] button").await;
    let text = rig.text().await;
    assert!(text.contains("Line 3: match"), "{text}");
    assert!(text.contains("There are no number rules."), "{text}");
    rig.assert_accessible("number rules import refused").await;
    rig.screenshot("rules-import-error").await;
    fill(&rig, "csv", &csv.replace("sideways", "exact")).await;
    click(&rig, "form[action='/ui/rules/import'] button").await;
    let text = rig.text().await;
    assert!(
        text.contains("Imported: 3 new, 0 changed, 0 unchanged."),
        "{text}"
    );
    assert!(text.contains("+447700900112"), "{text}");
    assert!(rig
        .browser
        .find(Locator::Css("a[href='/ui/rules/export.csv']"))
        .await
        .is_ok());
    rig.assert_accessible("number rules listed").await;
    rig.screenshot("rules").await;
    rig.close().await;
}

#[tokio::test]
async fn call_history_is_searched_and_a_number_blocked_from_it() {
    let rig = rig().await;
    let api = Api::of(&rig);
    api.screen("07700900123", "a-1").await;
    api.screen("07700900456", "b-1").await;
    create_user(&rig.db, "supervisor", "sue", PASSWORD);
    rig.sign_in("sue", PASSWORD).await;
    click(&rig, "nav a[href='/ui/calls']").await;
    fill(&rig, "phone", "07700 900456").await;
    click(&rig, "form.filters button").await;
    let text = rig.text().await;
    assert!(text.contains("+447700900456"), "{text}");
    assert!(!text.contains("+447700900123"), "{text}");
    let csv = rig
        .browser
        .find(Locator::Css("a[href^='/ui/calls.csv']"))
        .await
        .unwrap();
    let href = csv.attr("href").await.unwrap().unwrap();
    assert!(href.contains("phone=07700+900456"), "{href}");
    rig.assert_accessible("call history").await;
    rig.screenshot("call-history").await;
    click(&rig, "a[href^='/ui/rules/block/']").await;
    assert!(rig.text().await.contains("+447700900456"));
    rig.assert_accessible("block this number").await;
    rig.screenshot("block-number").await;
    fill(&rig, "reason", "Silent calls through the night").await;
    click(&rig, "main form button").await;
    assert_eq!(rig.path().await, "/ui/rules");
    let text = rig.text().await;
    assert!(text.contains("The rule was added."), "{text}");
    assert!(text.contains("Silent calls through the night"), "{text}");
    assert_eq!(api.screen("07700900456", "b-2").await["action"], "block");
    rig.close().await;
}
