//! The office's side of a scenario, as the desk talks to the server: sign in over HTTP
//! with a device of its own, call the `/v1/office/…` endpoints, and read the stock
//! answer's balances and catalog.

use onsite_core::ids::{LocationId, PartId};
use serde_json::{json, Value};

use crate::devices::PASSWORD;
use crate::TestServer;

/// An empty server with its first supervisor (liu.yang), made as `onsite-server init`
/// makes it, signed in at the desk: the server and the supervisor's token.
pub async fn first_run() -> anyhow::Result<(TestServer, String)> {
    let server = TestServer::start().await?;
    let db = crate::pg::open(server.data.path())?;
    onsite_server::office::people::init(
        &db.conn(),
        "liu.yang",
        "刘洋",
        PASSWORD,
        chrono::Utc::now(),
    )?;
    let boss = token(&server, "liu.yang").await?;
    Ok((server, boss))
}

/// The supervisor adds an account at the desk; its id.
pub async fn add_user(
    server: &TestServer,
    boss: &str,
    login: &str,
    name: &str,
    role: &str,
) -> anyhow::Result<String> {
    let (status, user) = post(
        server,
        boss,
        "/v1/office/users",
        json!({ "login": login, "name": name, "role": role, "password": PASSWORD }),
    )
    .await?;
    anyhow::ensure!(status == 200, "the supervisor adds {login}: {user}");
    Ok(user["id"].as_str().unwrap_or_default().to_string())
}

/// Signs in over HTTP with a device of its own and returns the token, as the desk does.
pub async fn token(server: &TestServer, login: &str) -> anyhow::Result<String> {
    let body: Value = reqwest::Client::new()
        .post(server.url("/v1/auth/login"))
        .json(&json!({
            "login": login,
            "password": PASSWORD,
            "device_id": uuid::Uuid::now_v7().to_string(),
            "device_name": format!("{login}'s desk"),
        }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(body["token"].as_str().unwrap_or_default().to_string())
}

/// A request to the office API: the status and the JSON body (null when there is none).
pub async fn call(
    server: &TestServer,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> anyhow::Result<(u16, Value)> {
    let mut request = reqwest::Client::new()
        .request(method, server.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)?
    };
    Ok((status, json))
}

/// [`call`] with `POST` and a JSON body.
pub async fn post(
    server: &TestServer,
    token: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<(u16, Value)> {
    call(server, token, reqwest::Method::POST, path, Some(body)).await
}

/// [`call`] with `GET`.
pub async fn get(server: &TestServer, token: &str, path: &str) -> anyhow::Result<(u16, Value)> {
    call(server, token, reqwest::Method::GET, path, None).await
}

/// What `/v1/office/stock` says `location` holds of `part` (0 when it has no line).
pub fn balance(stock: &Value, location: LocationId, part: PartId) -> i64 {
    stock["balances"]
        .as_array()
        .and_then(|lines| {
            lines
                .iter()
                .find(|l| l["location"] == location.to_string() && l["part"] == part.to_string())
        })
        .and_then(|l| l["quantity"].as_i64())
        .unwrap_or(0)
}

/// The id of the catalog part numbered `number`, from `/v1/office/stock`.
pub fn part_id(stock: &Value, number: &str) -> anyhow::Result<PartId> {
    let id = stock["parts"]
        .as_array()
        .and_then(|parts| parts.iter().find(|p| p["number"] == number))
        .and_then(|p| p["id"].as_str())
        .ok_or_else(|| anyhow::anyhow!("{number} is not in the catalog: {stock}"))?;
    Ok(id.parse()?)
}
