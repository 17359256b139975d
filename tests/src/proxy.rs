//! A TCP proxy on `127.0.0.1:0` that sits in front of a [`crate::TestServer`] and can cut
//! a connection at a chosen byte: a scenario arms one cut ("after 1,234 more bytes of
//! request" or "of response"), and the next bytes to flow in that direction, on whichever
//! connection carries them, count down to it. At zero the proxy forwards nothing more
//! and drops both sockets, so the client sees a request or response that stops mid-way,
//! exactly as when a phone loses its signal.
//!
//! The proxy speaks no HTTP: it only counts bytes. That keeps it honest (it cannot cut
//! "politely" between messages) and lets a cut land in headers, bodies or the gap
//! between two requests on a kept-alive connection alike.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// Which way the bytes flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Client to server: the request.
    Request,
    /// Server to client: the response.
    Response,
}

/// One planned cut: let `after` more bytes through in `direction`, then drop the
/// connection carrying them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    pub direction: Direction,
    pub after: u64,
}

#[derive(Debug, Default)]
struct State {
    /// The armed cut and the bytes it still lets through.
    armed: Option<(Direction, u64)>,
    /// Cuts that fired so far.
    fired: u64,
    /// Bytes forwarded so far: (request, response).
    bytes: (u64, u64),
}

/// What one pump may do with a chunk it read.
struct Allowance {
    forward: usize,
    cut: bool,
}

#[derive(Debug, Default)]
struct Shared(Mutex<State>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking pump cannot leave the counters half-written: take them as they are.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts `n` bytes read in `direction` against the armed cut, if any.
    fn allow(&self, direction: Direction, n: usize) -> Allowance {
        let mut state = self.lock();
        let (forward, cut) = match state.armed {
            Some((d, left)) if d == direction => {
                if n as u64 >= left {
                    state.armed = None;
                    state.fired += 1;
                    (left as usize, true)
                } else {
                    state.armed = Some((d, left - n as u64));
                    (n, false)
                }
            }
            _ => (n, false),
        };
        match direction {
            Direction::Request => state.bytes.0 += forward as u64,
            Direction::Response => state.bytes.1 += forward as u64,
        }
        Allowance { forward, cut }
    }
}

/// A running cutting proxy. Dropping it stops accepting; open connections end with
/// their peers.
pub struct Proxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Listens on `127.0.0.1:0` and forwards every connection to `upstream`.
    pub async fn start(upstream: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let accept = tokio::spawn(accept_loop(listener, upstream, shared.clone()));
        Ok(Self {
            addr,
            shared,
            accept,
        })
    }

    /// `http://<proxy>/<path>`, for a client that should go through the proxy.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Arms `cut`, replacing any cut that has not fired yet.
    pub fn arm(&self, cut: Cut) {
        self.shared.lock().armed = Some((cut.direction, cut.after));
    }

    /// Disarms the cut if it has not fired; returns it with the bytes it still had.
    pub fn disarm(&self) -> Option<Cut> {
        self.shared
            .lock()
            .armed
            .take()
            .map(|(direction, after)| Cut { direction, after })
    }

    /// How many cuts have fired since the proxy started.
    pub fn fired(&self) -> u64 {
        self.shared.lock().fired
    }

    /// Bytes forwarded since the proxy started: (request, response).
    pub fn bytes(&self) -> (u64, u64) {
        self.shared.lock().bytes
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, shared: Arc<Shared>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            // No upstream: the client sees its connection close, like a server that is down.
            if let Ok(server) = TcpStream::connect(upstream).await {
                relay(client, server, shared).await;
            }
        });
    }
}

/// How a pump ended.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// Its reader reached end of stream or failed: the other way may still be busy.
    Closed,
    /// The armed cut fired here: the whole connection must go.
    Cut,
}

async fn relay(client: TcpStream, server: TcpStream, shared: Arc<Shared>) {
    // Requests and responses are small; without this a response's last segment can sit
    // in Nagle's buffer and make byte offsets land later than the scenario meant.
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let mut up = tokio::spawn(pump(
        client_read,
        server_write,
        Direction::Request,
        shared.clone(),
    ));
    let mut down = tokio::spawn(pump(server_read, client_write, Direction::Response, shared));
    // A cut aborts the other pump too, which drops the last halves of both sockets: the
    // client and the server each see their connection end mid-message.
    tokio::select! {
        ended = &mut up => {
            if matches!(ended, Ok(Ended::Cut)) { down.abort() } else { let _ = down.await; }
        }
        ended = &mut down => {
            if matches!(ended, Ok(Ended::Cut)) { up.abort() } else { let _ = up.await; }
        }
    }
}

async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    direction: Direction,
    shared: Arc<Shared>,
) -> Ended {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => {
                // Pass a clean end of stream on, so keep-alive shutdowns stay clean.
                let _ = to.shutdown().await;
                return Ended::Closed;
            }
            Ok(n) => n,
        };
        let allowance = shared.allow(direction, n);
        if to.write_all(&buf[..allowance.forward]).await.is_err() {
            return Ended::Closed;
        }
        if allowance.cut {
            let _ = to.flush().await;
            return Ended::Cut;
        }
    }
}
