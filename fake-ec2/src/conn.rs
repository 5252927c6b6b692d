//! The accept loop and its connections: HTTP/1.1 through hyper, with the
//! limits axum's own server lacks. Each connection has a watchdog that
//! closes it when a request head takes longer than the header timeout
//! (counted from its first byte: a slowloris client), or when it has been
//! idle, between requests, for the idle timeout; a request body must arrive
//! within the body timeout (the handlers read it against a deadline, see
//! [`BodyDeadline`]). At most `max_connections` connections are served at
//! once; beyond that [`OVERFLOW_CONNECTIONS`] more are accepted for one
//! request each, which gets `/_fake/health` or a 503, so the fake never
//! locks everyone out; beyond those, new connections wait in the listen
//! backlog until a slot frees.

use std::convert::Infallible;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::answer::{aws_error_response, service_of};
use crate::elbv2::errors::ElbCode;
use crate::fake::Fake;
use crate::journal::truncated;
use crate::protocol::AwsError;
use crate::protocol::error::QueryCode;

/// Connections accepted beyond `max_connections`, each for one request:
/// `/_fake/health` is answered, anything else gets a 503.
pub const OVERFLOW_CONNECTIONS: usize = 16;

/// How long shutdown waits for requests in flight before it drops them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Limits of a served fake. The defaults suit a test endpoint on loopback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// A request head (request line and headers) must be complete this long
    /// after its first byte.
    pub header_timeout: Duration,
    /// A request body must be complete this long after its head.
    pub body_timeout: Duration,
    /// A connection with no request in flight and no byte in or out for
    /// this long is closed. Longer than the 90 s for which the AWS SDKs keep
    /// idle connections, so clients let go first.
    pub idle_timeout: Duration,
    /// Connections served at once (more wait, see [`OVERFLOW_CONNECTIONS`]).
    pub max_connections: usize,
    /// Serve any `Host`. Off: only requests whose `Host` is a loopback name
    /// or address (`localhost`, `127.0.0.0/8`, `[::1]`) are answered, so a
    /// web page cannot reach the fake through DNS rebinding.
    pub allow_remote: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(120),
            max_connections: 512,
            allow_remote: false,
        }
    }
}

/// When the body of the request being answered must have arrived by, and
/// the timeout it comes from (a request extension set per request).
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline {
    pub at: Instant,
    pub timeout: Duration,
}

/// What a connection's watchdog watches.
#[derive(Debug)]
struct Clock {
    /// Requests whose answer is being made.
    in_flight: usize,
    /// The last byte read or written.
    last: Instant,
    /// The first byte of a request head still being read.
    head: Option<Instant>,
}

#[derive(Debug)]
struct ConnState {
    clock: Mutex<Clock>,
    changed: Notify,
}

impl ConnState {
    fn new() -> Self {
        Self {
            clock: Mutex::new(Clock {
                in_flight: 0,
                last: Instant::now(),
                head: None,
            }),
            changed: Notify::new(),
        }
    }

    fn clock(&self) -> MutexGuard<'_, Clock> {
        self.clock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn read(&self, n: usize) {
        if n == 0 {
            return;
        }
        let started = {
            let mut c = self.clock();
            c.last = Instant::now();
            let started = c.in_flight == 0 && c.head.is_none();
            if started {
                c.head = Some(c.last);
            }
            started
        };
        // The header deadline may come before the idle one the watchdog sleeps to.
        if started {
            self.changed.notify_one();
        }
    }

    fn wrote(&self) {
        self.clock().last = Instant::now();
    }

    fn begin(self: &Arc<Self>) -> InFlight {
        {
            let mut c = self.clock();
            c.in_flight += 1;
            c.head = None;
        }
        self.changed.notify_one();
        InFlight(self.clone())
    }
}

/// A request being answered; dropped when its answer is made.
struct InFlight(Arc<ConnState>);

impl Drop for InFlight {
    fn drop(&mut self) {
        {
            let mut c = self.0.clock();
            c.in_flight -= 1;
            c.last = Instant::now();
        }
        self.0.changed.notify_one();
    }
}

/// Why a watchdog closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expiry {
    Header,
    Idle,
}

/// Resolves when the connection has had a request head open for longer
/// than `header`, or nothing to do for longer than `idle`.
async fn watchdog(state: &ConnState, header: Duration, idle: Duration) -> Expiry {
    loop {
        let next = {
            let c = state.clock();
            if c.in_flight > 0 {
                None
            } else if let Some(head) = c.head {
                Some((head + header, Expiry::Header))
            } else {
                Some((c.last + idle, Expiry::Idle))
            }
        };
        match next {
            None => state.changed.notified().await,
            Some((at, why)) => {
                if Instant::now() >= at {
                    return why;
                }
                tokio::select! {
                    () = tokio::time::sleep_until(at) => {}
                    () = state.changed.notified() => {}
                }
            }
        }
    }
}

/// The socket, telling the watchdog about every byte.
struct Watched {
    stream: TcpStream,
    state: Arc<ConnState>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.stream).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &result {
            this.state.read(buf.filled().len() - before);
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &result
            && *n > 0
        {
            this.state.wrote();
        }
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = &result
            && *n > 0
        {
            this.state.wrote();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// What every connection of one server shares.
#[derive(Clone)]
struct App {
    fake: Fake,
    router: Router,
    options: Arc<ServeOptions>,
}

/// Accepts and serves connections until `stop` turns true (or its sender
/// goes), then lets requests in flight finish (for up to [`SHUTDOWN_GRACE`]).
pub(crate) async fn accept_loop(
    listener: TcpListener,
    fake: Fake,
    options: ServeOptions,
    mut stop: watch::Receiver<bool>,
) {
    let main = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let spare = Arc::new(Semaphore::new(OVERFLOW_CONNECTIONS));
    let app = App {
        router: fake.router(),
        fake,
        options: Arc::new(options),
    };
    let mut connections = JoinSet::new();
    let mut accept_errors = 0u64;
    loop {
        while connections.try_join_next().is_some() {}
        let (mut permit, mut overflow) = tokio::select! {
            biased;
            _ = stop.changed() => break,
            slot = slot(&main, &spare) => slot,
        };
        let stream = tokio::select! {
            biased;
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, most likely: wait, never spin.
                    accept_errors += 1;
                    if accept_errors.is_power_of_two() {
                        tracing::warn!(error = %e, count = accept_errors, "accept error");
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        // A slot may have freed while this one waited for the connection.
        if overflow && let Ok(p) = main.clone().try_acquire_owned() {
            (permit, overflow) = (p, false);
        }
        connections.spawn(serve_connection(
            stream,
            permit,
            overflow,
            app.clone(),
            stop.clone(),
        ));
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        connections.abort_all();
    }
}

/// A connection slot: a main one, or else an overflow one (`true`).
async fn slot(main: &Arc<Semaphore>, spare: &Arc<Semaphore>) -> (OwnedSemaphorePermit, bool) {
    if let Ok(p) = main.clone().try_acquire_owned() {
        return (p, false);
    }
    if let Ok(p) = spare.clone().try_acquire_owned() {
        return (p, true);
    }
    // Neither semaphore is ever closed.
    tokio::select! {
        Ok(p) = main.clone().acquire_owned() => (p, false),
        Ok(p) = spare.clone().acquire_owned() => (p, true),
    }
}

async fn serve_connection(
    stream: TcpStream,
    permit: OwnedSemaphorePermit,
    overflow: bool,
    app: App,
    mut stop: watch::Receiver<bool>,
) {
    let _permit = permit;
    let _ = stream.set_nodelay(true);
    let state = Arc::new(ConnState::new());
    let header = app.options.header_timeout;
    // An overflow connection gets one request and no time to idle.
    let idle = if overflow {
        header.min(app.options.idle_timeout)
    } else {
        app.options.idle_timeout
    };
    let io = TokioIo::new(Watched {
        stream,
        state: state.clone(),
    });
    let conn_state = state.clone();
    let service = hyper::service::service_fn(move |req| {
        answer(app.clone(), conn_state.clone(), overflow, req)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.keep_alive(!overflow).header_read_timeout(None);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended");
            }
            return;
        }
        why = watchdog(&state, header, idle) => {
            tracing::debug!(?why, "connection closed by its watchdog");
            return;
        }
        _ = stop.wait_for(|s| *s) => {}
    }
    // Shutting down: the request in flight is answered, then the connection closes.
    conn.as_mut().graceful_shutdown();
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = watchdog(&state, header, idle) => {}
    }
}

async fn answer(
    app: App,
    state: Arc<ConnState>,
    overflow: bool,
    mut req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let _in_flight = state.begin();
    if !app.options.allow_remote
        && let Err(host) = loopback_host(&req)
    {
        return Ok(refuse_host(&app.fake, &req, &host));
    }
    if overflow && req.uri().path() != "/_fake/health" {
        return Ok(overloaded(&app.fake, &req, app.options.max_connections));
    }
    let timeout = app.options.body_timeout;
    req.extensions_mut().insert(BodyDeadline {
        at: Instant::now() + timeout,
        timeout,
    });
    let mut router = app.router.clone();
    match tower_service::Service::call(&mut router, req.map(Body::new)).await {
        Ok(response) => Ok(response),
        Err(never) => match never {},
    }
}

/// `Ok` when the request's `Host` is a loopback name or address; else the
/// host it names (`""` without one).
fn loopback_host<B>(req: &Request<B>) -> Result<(), String> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(http::uri::Authority::as_str))
        .unwrap_or("");
    if is_loopback_host(host) {
        Ok(())
    } else {
        Err(host.to_owned())
    }
}

/// `localhost` (and names under `.localhost`, RFC 6761), `127.0.0.0/8`,
/// `[::1]` (and `[::ffff:127.x.y.z]`), with or without a port.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((ip, "")) => ip,
            Some((ip, port)) if port.strip_prefix(':').is_some_and(is_port) => ip,
            _ => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if is_port(port) => name,
            Some(_) => return false,
            None => host,
        }
    };
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.eq_ignore_ascii_case("localhost")
        || name
            .to_ascii_lowercase()
            .strip_suffix(".localhost")
            .is_some_and(|s| !s.is_empty())
    {
        return true;
    }
    match name.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

fn is_port(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && text.parse::<u16>().is_ok()
}

/// 403 for a request to another host than loopback: plain text for the
/// fake's own endpoints, the service's error envelope for AWS requests.
fn refuse_host<B>(fake: &Fake, req: &Request<B>, host: &str) -> Response<Body> {
    let shown = truncated(host);
    let why = format!(
        "fake-ec2 answers only requests for a loopback host (localhost, 127.0.0.0/8, [::1]), and this one is for '{shown}'; start it with --allow-remote to serve other hosts"
    );
    tracing::warn!(host = %shown, "request for a host that is not loopback refused");
    if req.uri().path().starts_with("/_fake/") {
        return (StatusCode::FORBIDDEN, format!("{why}\n")).into_response();
    }
    let service = service_of(req.headers(), req.uri().path(), req.uri().query());
    let err = match service {
        crate::Service::Ec2 => AwsError::coded(QueryCode::UnauthorizedOperation, why),
        crate::Service::Elbv2 | crate::Service::Elb | crate::Service::Sts => {
            AwsError::coded(ElbCode::AccessDenied, why)
        }
        crate::Service::Eks => {
            AwsError::coded(crate::eks::errors::EksCode::AccessDeniedException, why)
        }
    };
    aws_error_response(fake, service, &err)
}

/// 503 for an AWS request on an overflow connection, in the service's words.
fn overloaded<B>(fake: &Fake, req: &Request<B>, max: usize) -> Response<Body> {
    let service = service_of(req.headers(), req.uri().path(), req.uri().query());
    let mut err = match service {
        crate::Service::Ec2 => AwsError::unavailable(),
        crate::Service::Elbv2 | crate::Service::Elb | crate::Service::Sts => {
            AwsError::service_unavailable()
        }
        crate::Service::Eks => {
            AwsError::coded(crate::eks::errors::EksCode::ServiceUnavailableException, "")
        }
    };
    err.message = format!(
        "The server is overloaded and can't handle the request: fake-ec2 serves {max} connections at once (--max-connections). Retry later."
    );
    aws_error_response(fake, service, &err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "LOCALHOST:4566",
            "localhost.",
            "fake.localhost:80",
            "127.0.0.1",
            "127.0.0.1:4566",
            "127.1.2.3:1",
            "[::1]",
            "[::1]:4566",
            "[::ffff:127.0.0.1]:4566",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "evil.example",
            "evil.example:4566",
            "localhost.evil.example",
            ".localhost",
            "10.0.0.1:4566",
            "0.0.0.0",
            "[::]:4566",
            "::1",
            "127.0.0.1:port",
            "127.0.0.1:4566:1",
            "[::1]x",
            "[::1]4566",
            "localhost:",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
