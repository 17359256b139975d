//! A load balancer in front of several replicas, for the scenarios that must also pass
//! with two `onsite-server` processes on one PostgreSQL database: every HTTP request
//! (not every connection, so a device's pooled keep-alive connection does not pin it to
//! one replica) goes to a replica picked at random, as nginx's `random` balancing would.
//! Bodies are passed through as bytes, compressed or not; hop-by-hop headers are not.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// Headers that belong to one connection, or that the next hop sets for itself (the
/// host it is sent to, the length of the body as it is sent).
const HOP_BY_HOP: [&str; 6] = [
    "connection",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

struct Upstreams {
    addrs: Vec<SocketAddr>,
    rng: Mutex<fastrand::Rng>,
    http: reqwest::Client,
}

/// A running balancer; stopped with [`Balancer::stop`].
pub struct Balancer {
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Balancer {
    /// Listens on `listen`, sending each request to one of `upstreams` chosen with a
    /// generator seeded by `seed` (so a failing run names which replicas it used).
    pub async fn start(
        listen: SocketAddr,
        upstreams: Vec<SocketAddr>,
        seed: u64,
    ) -> anyhow::Result<Self> {
        let state = Arc::new(Upstreams {
            addrs: upstreams,
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            // The device's own Accept-Encoding is passed on; the body comes back as sent.
            http: reqwest::Client::builder().no_gzip().build()?,
        });
        let app = axum::Router::new().fallback(forward).with_state(state);
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Self { addr, stop, task })
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        Ok(self.task.await??)
    }
}

fn pass_on(from: &HeaderMap, to: &mut HeaderMap) {
    for (name, value) in from {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            to.append(name.clone(), value.clone());
        }
    }
}

async fn forward(State(up): State<Arc<Upstreams>>, request: Request) -> Response {
    let target = {
        let mut rng = up.rng.lock().unwrap_or_else(|p| p.into_inner());
        up.addrs[rng.usize(..up.addrs.len())]
    };
    match relay(&up.http, target, request).await {
        Ok(response) => response,
        Err(e) => Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Body::from(format!("balancer: replica {target}: {e:#}")))
            .unwrap_or_default(),
    }
}

async fn relay(
    http: &reqwest::Client,
    target: SocketAddr,
    request: Request,
) -> anyhow::Result<Response> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let body = axum::body::to_bytes(body, usize::MAX).await?;
    let mut headers = HeaderMap::new();
    pass_on(&parts.headers, &mut headers);
    let answer = http
        .request(parts.method, format!("http://{target}{path}"))
        .headers(headers)
        .body(body)
        .send()
        .await?;
    let status = answer.status();
    let mut headers = HeaderMap::new();
    pass_on(answer.headers(), &mut headers);
    let body = answer.bytes().await?;
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}
