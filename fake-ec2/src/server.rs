//! The HTTP side: one axum router serving every service on any path, plus
//! the fake's own endpoints under `/_fake/` (a path AWS never uses); the
//! [`Fake`] it serves is `fake`'s, the wire framing of answers `answer`'s,
//! the connections `conn`'s.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use crate::answer::answer_headers;
pub use crate::conn::{BodyDeadline, OVERFLOW_CONNECTIONS, ServeOptions};
pub use crate::fake::{Fake, FakeError};

use crate::answer::{aws_error_response, service_of, xml_response};
use crate::dispatch::RawRequest;
use crate::faults::FaultRule;
use crate::protocol::AwsError;
use crate::protocol::error::QueryCode;
use crate::{conn, ec2, elbv2};

/// Largest request body accepted; larger ones get an AWS-shaped error.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

impl Fake {
    pub fn router(&self) -> Router {
        Router::new()
            .route("/_fake/health", get(health))
            .route("/_fake/state", get(state))
            .route("/_fake/journal", get(journal))
            .route("/_fake/reset", post(reset))
            .route("/_fake/faults", get(get_faults).put(put_faults))
            .route("/_fake/ui", get(ui_page))
            .route("/_fake/ui/version", get(ui_version))
            .fallback(aws)
            .with_state(self.clone())
    }

    /// Serves on an already bound listener until the returned server is
    /// shut down or dropped, with [`ServeOptions::default`]'s limits.
    pub fn serve(&self, listener: TcpListener) -> std::io::Result<Server> {
        self.serve_with(listener, ServeOptions::default())
    }

    /// Serves on an already bound listener with these limits (timeouts,
    /// connections, the `Host` check).
    pub fn serve_with(
        &self,
        listener: TcpListener,
        options: ServeOptions,
    ) -> std::io::Result<Server> {
        let addr = listener.local_addr()?;
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(conn::accept_loop(listener, self.clone(), options, rx));
        Ok(Server {
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Binds `127.0.0.1:0` and serves there.
    pub async fn start(&self) -> std::io::Result<Server> {
        self.start_with(ServeOptions::default()).await
    }

    /// Binds `127.0.0.1:0` and serves there with these limits.
    pub async fn start_with(&self, options: ServeOptions) -> std::io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        self.serve_with(listener, options)
    }
}

/// A running endpoint. Dropping it stops the server.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    shutdown: Option<watch::Sender<bool>>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, for `--endpoint-url` and SDK `endpoint_url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, lets requests in flight finish (idle
    /// connections close at once) and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Why a request body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyError {
    /// More than [`MAX_BODY`] bytes (declared or sent).
    TooLarge,
    /// The client stopped before the body's end (less than its
    /// `Content-Length`, a broken chunk).
    Incomplete,
    /// Not all there within the body timeout.
    TimedOut(Duration),
}

/// The whole body, within [`MAX_BODY`] and the request's [`BodyDeadline`].
async fn read_body(
    body: Body,
    headers: &HeaderMap,
    deadline: Option<BodyDeadline>,
) -> Result<Bytes, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(BodyError::TooLarge);
    }
    let collect = async move {
        let mut body = body;
        let mut buf = bytes::BytesMut::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| BodyError::Incomplete)?;
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > MAX_BODY {
                    return Err(BodyError::TooLarge);
                }
                buf.extend_from_slice(&data);
            }
        }
        Ok(buf.freeze())
    };
    match deadline {
        Some(d) => tokio::time::timeout_at(d.at, collect)
            .await
            .unwrap_or(Err(BodyError::TimedOut(d.timeout))),
        None => collect.await,
    }
}

/// The AWS error for a body that could not be read.
fn body_error(e: BodyError) -> AwsError {
    match e {
        BodyError::TooLarge => AwsError::coded(
            QueryCode::RequestEntityTooLarge,
            format!("The request body exceeds the maximum size of {MAX_BODY} bytes."),
        ),
        BodyError::Incomplete => AwsError::coded(
            QueryCode::MalformedQueryString,
            "The request body is incomplete: the connection ended before the body did.",
        ),
        BodyError::TimedOut(t) => AwsError::coded(
            QueryCode::RequestTimeout,
            format!(
                "Your socket connection to the server was not read from or written to within the timeout period: the request body did not arrive within {} ms.",
                t.as_millis()
            ),
        ),
    }
}

async fn aws(State(fake): State<Fake>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let deadline = parts.extensions.get::<BodyDeadline>().copied();
    let bytes = match read_body(body, &parts.headers, deadline).await {
        Ok(b) => b,
        Err(e) => {
            let service = service_of(&parts.headers, parts.uri.path(), parts.uri.query());
            tracing::debug!(error = ?e, "request body not read");
            return aws_error_response(&fake, service, &body_error(e));
        }
    };
    let headers = &parts.headers;
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let all: Vec<(&str, &str)> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
        .collect();
    let req = RawRequest {
        authorization,
        query: parts.uri.query(),
        body: &bytes,
        method: parts.method.as_str(),
        path: parts.uri.path(),
        headers: &all,
    };
    let answer = fake.handle(&req);
    if answer.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(answer.latency_ms)).await;
    }
    xml_response(
        answer.status,
        &answer.request_id,
        answer.body,
        answer.service,
        answer.error_code.as_deref(),
    )
}

fn json(value: &impl serde::Serialize) -> Response {
    match serde_json::to_string_pretty(value) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn health() -> Response {
    json(&serde_json::json!({
        "status": "ok",
        "services": {"ec2": ec2::API_VERSION, "elasticloadbalancing": elbv2::API_VERSION, "elb": crate::elb::API_VERSION, "eks": crate::eks::API_VERSION, "sts": crate::sts::API_VERSION},
    }))
}

async fn state(State(fake): State<Fake>) -> Response {
    json(&fake.dump())
}

async fn journal(State(fake): State<Fake>) -> Response {
    json(&fake.journal())
}

async fn reset(State(fake): State<Fake>) -> Response {
    match fake.try_reset() {
        Ok(()) => json(&serde_json::json!({"reset": true})),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

async fn get_faults(State(fake): State<Fake>) -> Response {
    json(&fake.view(|v| v.fault_rules()))
}

async fn ui_page(State(fake): State<Fake>, RawQuery(query): RawQuery) -> Response {
    let filter = crate::ui::JournalFilter::from_query(query.as_deref());
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        crate::ui::page(&fake, &filter),
    )
        .into_response()
}

async fn ui_version(State(fake): State<Fake>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        crate::ui::version(&fake),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsBody {
    #[serde(default)]
    rules: Vec<FaultRule>,
    #[serde(default)]
    seed: u64,
}

async fn put_faults(State(fake): State<Fake>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let deadline = parts.extensions.get::<BodyDeadline>().copied();
    let body = match read_body(body, &parts.headers, deadline).await {
        Ok(b) => b,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("invalid fault rules: {}\n", body_error(e).message),
            )
                .into_response();
        }
    };
    match serde_json::from_slice::<FaultsBody>(&body) {
        Ok(f) => {
            let n = f.rules.len();
            match fake.try_set_faults(f.rules, f.seed) {
                Ok(()) => json(&serde_json::json!({"rules": n})),
                Err(e @ FakeError::InvalidFaults(_)) => {
                    (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response()
                }
                Err(e @ FakeError::NotSaved(_)) => {
                    (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response()
                }
            }
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            format!("invalid fault rules: {e}\n"),
        )
            .into_response(),
    }
}
