//! Number rules as CSV: the export, the all-or-nothing import with the
//! line and field of a bad row, the round trip, and the formula guard.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const HEADER: &str = "number,match,action,reason,expires_at";

/// Posts `body` to the import as `role` with `content_type`.
async fn import(
    app: &TestApp,
    role: &str,
    content_type: Option<&str>,
    body: &str,
) -> (StatusCode, Value) {
    let mut request = app
        .client
        .post(format!("{}/v1/number-rules/import", app.base))
        .bearer_auth(&app.keys[role])
        .body(body.to_owned());
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    let resp = request.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn import_csv(app: &TestApp, body: &str) -> (StatusCode, Value) {
    import(app, "supervisor", Some("text/csv"), body).await
}

/// The rules as CSV, asked for with `Accept: text/csv`.
async fn export(app: &TestApp) -> String {
    let resp = app
        .client
        .get(format!("{}/v1/number-rules", app.base))
        .bearer_auth(&app.keys["supervisor"])
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        resp.headers()["content-disposition"],
        "attachment; filename=\"number-rules.csv\""
    );
    resp.text().await.unwrap()
}

async fn rules(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.get("/v1/number-rules", "supervisor").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["number_rules"].as_array().unwrap().clone()
}

async fn audit_entries(app: &TestApp, action: &str) -> Vec<Value> {
    let (_, audit) = app.get("/v1/audit?limit=1000", "admin").await;
    audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

async fn create_rule(app: &TestApp, body: Value) -> Value {
    let (status, rule) = app.post("/v1/number-rules", "supervisor", body).await;
    assert_eq!(status, StatusCode::CREATED, "{rule}");
    rule
}

#[tokio::test]
async fn an_imported_file_creates_every_rule_each_audited_like_a_created_one() {
    let app = spawn_app().await;
    let body = format!(
        "{HEADER}\n\
         07700 900123,exact,block,abusive calls on 1 Dec,\n\
         +44 (0)7700 901,prefix,allow,\"partner agency, Hampshire\",2099-01-01T00:00:00Z\n"
    );
    let (status, answer) = import_csv(&app, &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, json!({"created": 2, "updated": 0, "unchanged": 0}));

    let rules = rules(&app).await;
    let numbers: Vec<_> = rules
        .iter()
        .map(|r| (r["number"].as_str().unwrap(), r["match"].as_str().unwrap()))
        .collect();
    assert_eq!(
        numbers,
        [("+447700900123", "exact"), ("+447700901", "prefix")]
    );
    assert_eq!(rules[1]["reason"], "partner agency, Hampshire");
    assert_eq!(rules[1]["expires_at"], "2099-01-01T00:00:00Z");
    let created = audit_entries(&app, "number_rule.create").await;
    let mut lines: Vec<i64> = created
        .iter()
        .map(|e| e["after"]["imported_from_line"].as_i64().unwrap())
        .collect();
    lines.sort();
    assert_eq!(lines, [2, 3]);
    assert!(created.iter().all(|e| e["actor"] == "supervisor-key"));

    let call = app.screen("07700 900123", "csv-1").await;
    assert_eq!(
        (&call["action"], &call["reason"]),
        (&json!("block"), &json!("block_rule"))
    );
}

#[tokio::test]
async fn one_bad_row_refuses_the_whole_file_naming_its_line_and_field() {
    let app = spawn_app().await;
    create_rule(
        &app,
        json!({"number": "+44 7700 900999", "match": "exact", "action": "block", "reason": "on record"}),
    )
    .await;
    let before = (rules(&app).await, app.audit_len().await);
    let good = "07700 900123,exact,block,r,\n07700 900124,exact,block,r,\n";
    for (last_row, line, field) in [
        ("07700 90012x,exact,block,r,", 4, "number"),
        ("07700 900125,whole,block,r,", 4, "match"),
        ("07700 900125,exact,maybe,r,", 4, "action"),
        ("07700 900125,exact,block,  ,", 4, "reason"),
        ("07700 900125,exact,block,r,2001-01-01T00:00:00Z", 4, "expires_at"),
        ("07700 900125,exact,block,r,next week", 4, "expires_at"),
        ("07700 900125,exact,block,r", 4, "body"),
        ("07700900123,exact,allow,again,", 4, "number"),
        ("+44,prefix,block,the whole country,", 4, "number"),
        ("07,prefix,block,every mobile,", 4, "number"),
        ("\"07700 900125\",exact,block,\"a reason\nover two lines\",\n07700 9001,prefix,block,r,x", 6, "expires_at"),
    ] {
        let (status, error) = import_csv(&app, &format!("{HEADER}\n{good}{last_row}\n")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{last_row}: {error}");
        assert_eq!(
            (
                &error["error"]["code"],
                &error["error"]["line"],
                &error["error"]["field"]
            ),
            (&json!("invalid_field"), &json!(line), &json!(field)),
            "{last_row}: {error}"
        );
        assert!(error["error"]["message"].is_string());
        assert_eq!((rules(&app).await, app.audit_len().await), before, "{last_row}");
    }
    for (header, line) in [
        ("number,match,action,reason", 1),
        ("number,match,action,reason,expires_at,colour", 1),
        ("number,number,action,reason,expires_at", 1),
        ("", 1),
    ] {
        let (status, error) = import_csv(&app, &format!("{header}\n{good}")).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{header}: {error}"
        );
        assert_eq!(
            (&error["error"]["line"], &error["error"]["field"]),
            (&json!(line), &json!("header")),
            "{header}: {error}"
        );
    }
    assert_eq!((rules(&app).await, app.audit_len().await), before);
}

#[tokio::test]
async fn an_import_that_is_not_csv_is_415_and_too_large_is_413() {
    let app = spawn_app_with(&[("FAIRLINE_BODY_LIMIT_BYTES", "200")]).await;
    let body = format!("{HEADER}\n07700 900123,exact,block,r,\n");
    for content_type in [
        Some("application/json"),
        Some("text/csvx"),
        Some("text/plain"),
        None,
    ] {
        let (status, error) = import(&app, "supervisor", content_type, &body).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}: {error}"
        );
    }
    let (status, _) = import(&app, "supervisor", Some("Text/CSV; charset=utf-8"), &body).await;
    assert_eq!(status, StatusCode::OK);
    let long = format!("{HEADER}\n07700 900124,exact,block,{},\n", "r".repeat(300));
    let (status, _) = import_csv(&app, &long).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(rules(&app).await.len(), 1);
}

#[tokio::test]
async fn only_supervisors_and_admins_import_or_export() {
    let app = spawn_app().await;
    let body = format!("{HEADER}\n07700 900123,exact,block,r,\n");
    for role in ["pbx", "advisor"] {
        let (status, _) = import(&app, role, Some("text/csv"), &body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
        let (status, _) = app.get("/v1/number-rules?format=csv", role).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
    assert!(rules(&app).await.is_empty());
    let (status, _) = import(&app, "admin", Some("text/csv"), &body).await;
    assert_eq!(status, StatusCode::OK);
}

/// Rules whose reasons need quoting, a line break, a formula and an
/// expiry, as a supervisor might make them.
async fn awkward_rules(app: &TestApp) {
    for body in [
        json!({"number": "07700 900123", "match": "exact", "action": "block",
               "reason": "said \"stop\", kept calling\nagreed with the manager"}),
        json!({"number": "+44 7700 901", "match": "prefix", "action": "allow",
               "reason": "partner agency", "expires_at": "2099-06-30T12:00:00Z"}),
        json!({"number": "07700 900124", "match": "exact", "action": "block",
               "reason": "=HYPERLINK(\"http://example.org\",\"click\")"}),
        json!({"number": "+44", "match": "prefix", "action": "block",
               "reason": "-- no calls from abroad pretending to be UK", "broad": true}),
    ] {
        create_rule(app, body).await;
    }
}

#[tokio::test]
async fn the_export_imports_again_into_an_empty_service_and_into_itself_unchanged() {
    let app = spawn_app().await;
    awkward_rules(&app).await;
    let exported = export(&app).await;

    // Into itself: every row is the rule on record, so nothing changes.
    let audit = app.audit_len().await;
    let (status, answer) = import_csv(&app, &exported).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, json!({"created": 0, "updated": 0, "unchanged": 4}));
    assert_eq!(app.audit_len().await, audit);

    // Into a new service: the same rules, except the broad one, which is
    // never made by import.
    let other = spawn_app().await;
    let (status, error) = import_csv(&other, &exported).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["field"], "number");
    let without_broad: String = exported
        .split_inclusive('\n')
        .filter(|line| !line.starts_with("'+44,prefix"))
        .collect();
    assert_eq!(without_broad.lines().count(), exported.lines().count() - 1);
    let (status, answer) = import_csv(&other, &without_broad).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["created"], 3);
    assert_eq!(export(&other).await, without_broad);
}

#[tokio::test]
async fn a_row_for_a_number_on_record_updates_its_rule_and_the_change_is_audited() {
    let app = spawn_app().await;
    let rule = create_rule(
        &app,
        json!({"number": "07700 900123", "match": "exact", "action": "block", "reason": "nuisance"}),
    )
    .await;
    let body = format!("{HEADER}\n+447700900123,exact,allow,it was the social worker,\n");
    let (status, answer) = import_csv(&app, &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, json!({"created": 0, "updated": 1, "unchanged": 0}));
    let rules = rules(&app).await;
    assert_eq!(rules.len(), 1);
    assert_eq!(
        (&rules[0]["id"], &rules[0]["action"], &rules[0]["reason"]),
        (
            &rule["id"],
            &json!("allow"),
            &json!("it was the social worker")
        )
    );
    let updates = audit_entries(&app, "number_rule.update").await;
    assert_eq!(updates.len(), 1);
    assert_eq!(
        (
            &updates[0]["before"]["action"],
            &updates[0]["after"]["action"]
        ),
        (&json!("block"), &json!("allow"))
    );
}

#[tokio::test]
async fn the_export_defuses_cells_a_spreadsheet_would_run_as_formulas() {
    let app = spawn_app().await;
    awkward_rules(&app).await;
    let exported = export(&app).await;
    let mut reader = csv::Reader::from_reader(exported.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        HEADER.split(',').collect::<Vec<_>>()
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} in {exported}"
            );
        }
    }
    let formula = rows
        .iter()
        .find(|r| &r[0] == "'+447700900124")
        .expect("the rule with a formula for a reason");
    assert_eq!(&formula[3], "'=HYPERLINK(\"http://example.org\",\"click\")");
    let broad = rows.iter().find(|r| &r[0] == "'+44").unwrap();
    assert_eq!(&broad[3], "'-- no calls from abroad pretending to be UK");
    let (_, json_rules) = app.get("/v1/number-rules", "supervisor").await;
    assert!(
        json_rules.to_string().contains("\"=HYPERLINK("),
        "JSON is not guarded"
    );
}
