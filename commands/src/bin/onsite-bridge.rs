//! The development bridge: the app's commands over HTTP on loopback, so the web UI runs
//! in a plain browser against the real Rust (the Chromium tests do). `POST /invoke` with
//! `{command, args}` answers the command's JSON, or `{code, message, details}` with a
//! 4xx/5xx status; `POST /invoke/add_photo?id=…&caption=…` takes the photo's bytes as the
//! body. Never part of the shipped app: it binds 127.0.0.1 only and has no Tauri in it.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use clap::Parser;
use onsite_commands::{invoke::invoke, App, CommandError};
use serde::Deserialize;
use serde_json::Value;

#[derive(Parser)]
#[command(about = "Serves the Onsite app's commands to a browser on 127.0.0.1")]
struct Args {
    /// The device's data folder (its own store, as one app instance has).
    #[arg(long, env = "ONSITE_DATA_DIR")]
    data: PathBuf,
    /// Port on 127.0.0.1; 0 picks a free one (printed on the first line).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

#[derive(Deserialize)]
struct Call {
    command: String,
    #[serde(default)]
    args: Value,
}

fn answer(result: Result<Value, CommandError>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(err) => {
            let status = if err.code.starts_with("errors.storage") || err.code == "errors.internal"
            {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            (status, Json(err)).into_response()
        }
    }
}

async fn call(State(app): State<Arc<App>>, Json(call): Json<Call>) -> Response {
    answer(invoke(&app, &call.command, call.args, None).await)
}

async fn photo(
    State(app): State<Arc<App>>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let args = serde_json::json!({
        "id": query.get("id").cloned().unwrap_or_default(),
        "caption": query.get("caption").cloned().unwrap_or_default(),
    });
    answer(invoke(&app, "add_photo", args, Some(&body)).await)
}

/// The browser page is served from another loopback port (Vite), so answer its
/// preflight and allow it to read the answers. Loopback only, so no wider exposure.
async fn cors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut res = if req.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, OPTIONS"),
    );
    res
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let args = Args::parse();
    let app = match App::open(&args.data) {
        Ok(app) => Arc::new(app),
        Err(err) => {
            eprintln!("opening the device store in {}: {err}", args.data.display());
            return std::process::ExitCode::FAILURE;
        }
    };
    // The same background sync the app runs: long poll, nudged after each edit.
    tokio::spawn(onsite_commands::sync::run(
        app.store.clone(),
        app.sync.clone(),
    ));
    let router = Router::new()
        .route("/invoke", post(call))
        .route("/invoke/add_photo", post(photo))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
        .layer(axum::middleware::from_fn(cors))
        .with_state(app);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(err) => {
            eprintln!("binding {addr}: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(bound) => println!("onsite-bridge listening on http://{bound}"),
        Err(err) => {
            eprintln!("reading the bound address: {err}");
            return std::process::ExitCode::FAILURE;
        }
    }
    if let Err(err) = axum::serve(listener, router).await {
        eprintln!("serving: {err}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
