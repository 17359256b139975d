//! A real server on loopback: health, signing in to enroll a device, using and revoking
//! its token, rate-limited sign-in, metrics and the OpenAPI document.

use onsite_core::role::Role;
use onsite_tests::TestServer;
use serde_json::{json, Value};

fn login_body(login: &str, password: &str, device: &str) -> Value {
    json!({ "login": login, "password": password, "device_id": device, "device_name": "test phone" })
}

#[tokio::test]
async fn a_fresh_server_reports_healthy_from_its_own_database() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let response = reqwest::get(server.url("/health")).await?;
    assert_eq!(response.status(), 200);
    let health: Value = response.json().await?;
    assert_eq!(health["status"], "ok");
    // In the configured place: the data folder's file, or the database its URL names.
    let sqlite_file = server.data.path().join("server.db").exists();
    match onsite_tests::pg::database_for(server.data.path())? {
        None => assert!(sqlite_file, "data lives in the configured folder"),
        Some(url) => {
            assert!(
                !sqlite_file,
                "no SQLite file beside the PostgreSQL database"
            );
            assert_eq!(
                server.db.engine(),
                onsite_server::db::EngineKind::Postgres,
                "{url}"
            );
        }
    }
    server.stop().await
}

#[tokio::test]
async fn signing_in_enrolls_the_device_and_its_token_works_until_revoked() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let tech = server.add_user("li.wei", "李伟", Role::Technician, "correct horse")?;
    let http = reqwest::Client::new();
    let device = uuid::Uuid::now_v7().to_string();

    let login: Value = http
        .post(server.url("/v1/auth/login"))
        .json(&login_body("li.wei", "correct horse", &device))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = login["token"].as_str().unwrap_or_default().to_string();
    assert!(
        token.starts_with("ost_"),
        "a device token was issued: {login}"
    );
    assert_eq!(login["account"]["role"], "technician");

    let me: Value = http
        .get(server.url("/v1/me"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(me["id"], tech.id.as_str());
    assert_eq!(me["name"], "李伟");

    let revoke = http
        .post(server.url(&format!("/v1/devices/{device}/revoke")))
        .bearer_auth(&token)
        .send()
        .await?;
    assert_eq!(revoke.status(), 204, "a user may revoke their own device");

    let after = http
        .get(server.url("/v1/me"))
        .bearer_auth(&token)
        .send()
        .await?;
    assert_eq!(after.status(), 401, "a revoked token is refused");
    let body: Value = after.json().await?;
    assert_eq!(body["code"], "errors.auth.unauthorized");
    server.stop().await
}

#[tokio::test]
async fn requests_without_a_valid_token_get_a_clear_401() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let http = reqwest::Client::new();
    for request in [
        http.get(server.url("/v1/me")),
        http.get(server.url("/v1/me"))
            .bearer_auth("ost_not-a-real-token"),
        http.get(server.url("/v1/devices"))
            .header("authorization", "Basic abc"),
    ] {
        let response = request.send().await?;
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await?;
        assert_eq!(body["code"], "errors.auth.unauthorized");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    server.stop().await
}

#[tokio::test]
async fn malformed_sign_in_requests_get_a_4xx_not_a_crash() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let http = reqwest::Client::new();
    let truncated = http
        .post(server.url("/v1/auth/login"))
        .header("content-type", "application/json")
        .body(r#"{"login": "li.wei", "passw"#)
        .send()
        .await?;
    assert_eq!(truncated.status(), 400);
    let body: Value = truncated.json().await?;
    assert_eq!(
        body["code"], "errors.request.bad_json",
        "a JSON error body, not plain text"
    );
    let missing = http
        .post(server.url("/v1/auth/login"))
        .json(&json!({"login": "x"}))
        .send()
        .await?;
    assert_eq!(missing.status(), 422);
    let body: Value = missing.json().await?;
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("password")),
        "the message names the missing field: {body}"
    );
    server.add_user("li.wei", "李伟", Role::Technician, "correct horse")?;
    let bad_device = http
        .post(server.url("/v1/auth/login"))
        .json(&login_body("li.wei", "correct horse", "not-a-uuid"))
        .send()
        .await?;
    assert_eq!(bad_device.status(), 400);
    let body: Value = bad_device.json().await?;
    assert_eq!(body["code"], "errors.device.bad_id");
    server.stop().await
}

#[tokio::test]
async fn guessing_passwords_is_rate_limited() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    server.add_user("li.wei", "李伟", Role::Technician, "correct horse")?;
    let http = reqwest::Client::new();
    let device = uuid::Uuid::now_v7().to_string();
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let response = http
            .post(server.url("/v1/auth/login"))
            .json(&login_body("li.wei", "wrong guess", &device))
            .send()
            .await?;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(&statuses[..5], &[401; 5], "the first attempts are checked");
    assert!(
        statuses[5..].iter().all(|s| *s == 429),
        "then refused: {statuses:?}"
    );
    let right = http
        .post(server.url("/v1/auth/login"))
        .json(&login_body("li.wei", "correct horse", &device))
        .send()
        .await?;
    assert_eq!(
        right.status(),
        429,
        "even the right password waits out the limit"
    );

    let metrics = reqwest::get(server.url("/metrics")).await?.text().await?;
    assert!(
        metrics.contains("onsite_login_rate_limited_total"),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"route="/v1/auth/login""#),
        "requests are counted by route"
    );
    server.stop().await
}

#[tokio::test]
async fn the_openapi_document_covers_every_endpoint() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let doc: Value = reqwest::get(server.url("/openapi.json"))
        .await?
        .json()
        .await?;
    let paths = doc["paths"]
        .as_object()
        .map(|p| p.keys().cloned().collect::<Vec<_>>());
    let mut paths = paths.unwrap_or_default();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/health",
            "/v1/actors",
            "/v1/auth/login",
            "/v1/blobs/{hash}",
            "/v1/calendar",
            "/v1/calendar/import",
            "/v1/calendar/week",
            "/v1/calendar/{year}",
            "/v1/devices",
            "/v1/devices/{id}/reinstate",
            "/v1/devices/{id}/revoke",
            "/v1/me",
            "/v1/office/catalog",
            "/v1/office/catalog/import",
            "/v1/office/catalog/{id}",
            "/v1/office/counts",
            "/v1/office/counts/{id}",
            "/v1/office/counts/{id}/approve",
            "/v1/office/counts/{id}/entries",
            "/v1/office/devices/{id}/revoke",
            "/v1/office/kpi",
            "/v1/office/people",
            "/v1/office/requisitions",
            "/v1/office/requisitions/{id}",
            "/v1/office/stock",
            "/v1/office/stock/levels",
            "/v1/office/stock/minimums",
            "/v1/office/stock/movements",
            "/v1/office/stock/over-use",
            "/v1/office/stock/receipts",
            "/v1/office/stock/transfers",
            "/v1/office/users",
            "/v1/office/users/{id}/disable",
            "/v1/office/users/{id}/enable",
            "/v1/office/users/{id}/password",
            "/v1/office/users/{id}/role",
            "/v1/office/warehouses",
            "/v1/quarantine",
            "/v1/quarantine/{id}/discard",
            "/v1/quarantine/{id}/release",
            "/v1/reference",
            "/v1/settings",
            "/v1/sync",
            "/v1/sync/wait"
        ]
    );
    assert!(doc["components"]["securitySchemes"]["device_token"].is_object());
    server.stop().await
}
