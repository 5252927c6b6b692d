//! The HTTP side: one axum router serving both services on any path, plus
//! the fake's own endpoints under `/_fake/` (a path AWS never uses).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use crate::conn::{BodyDeadline, OVERFLOW_CONNECTIONS, ServeOptions};

use crate::dispatch::{self, RawRequest, RawResponse};
use crate::faults::FaultRule;
use crate::journal::{JournalEntry, Service};
use crate::persist::{JournalWriter, StateFile, StateFileError, StateLock};
use crate::protocol::AwsError;
use crate::protocol::error::QueryCode;
use crate::protocol::sigv4::Credentials;
use crate::seed::{Seed, SeedError};
use crate::state::StateDump;
use crate::world::{Undo, World};
use crate::{conn, ec2, elbv2};

/// Largest request body accepted; larger ones get an AWS-shaped error.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// Why a change to the fake through its controls did not happen.
#[derive(Debug, thiserror::Error)]
pub enum FakeError {
    /// A fault rule AWS could never answer; says which and why.
    #[error("invalid fault rules: {0}")]
    InvalidFaults(String),
    /// The change could not be saved to the state file, so it was not made.
    #[error("not changed, because the state file could not be saved: {0}")]
    NotSaved(#[from] StateFileError),
}

/// A handle to one fake: cheap to clone, shared by the server and tests.
#[derive(Clone, Debug, Default)]
pub struct Fake {
    world: Arc<Mutex<World>>,
    persist: Option<Arc<Persistence>>,
    /// Counts the changes made other than by a request ([`Fake::generation`]).
    generation: Arc<AtomicU64>,
}

/// A fake kept in a state file: the file, its lock (held for the fake's
/// life) and the journal file's writer.
#[derive(Debug)]
struct Persistence {
    file: StateFile,
    _lock: StateLock,
    journal: Mutex<JournalWriter>,
}

impl Persistence {
    /// Saves the world; on failure takes `undo` back (when given) and logs
    /// where the save failed.
    fn save_or_undo(&self, world: &mut World, undo: Option<Undo>) -> Result<(), StateFileError> {
        let result = self.file.save(world);
        if let Err(e) = &result {
            tracing::error!(error = %e, "state file not saved; the change is taken back");
            if let Some(undo) = undo {
                world.undo(undo);
            }
        }
        result
    }

    fn journal(&self) -> MutexGuard<'_, JournalWriter> {
        self.journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Fake {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_seed(seed: Seed) -> Result<Self, SeedError> {
        Ok(Self {
            world: Arc::new(Mutex::new(World::new(seed)?)),
            persist: None,
            generation: Arc::default(),
        })
    }

    /// A fake whose world lives in a state file: read from it when it
    /// exists (the seed then only gives the SigV4 settings), else built from
    /// the seed and saved. The file's lock is taken first and held for the
    /// fake's life: a second fake on the same file is refused
    /// ([`StateFileError::Locked`]). Every mutating request, reset and fault
    /// change saves the world before the answer goes out; one whose save
    /// fails is taken back and answered 500. The journal is appended to
    /// `FILE.journal` ([`StateFile::journal_path`]).
    pub fn with_state_file(seed: Seed, file: StateFile) -> Result<Self, StateFileError> {
        let lock = file.lock()?;
        let credentials = seed
            .verify_sigv4
            .then(|| Credentials::new(seed.credentials.clone()));
        let world = match file.load(credentials)? {
            Some(world) => world,
            None => {
                let world = World::new(seed)?;
                file.save(&world)?;
                world
            }
        };
        let journal = JournalWriter::start(&file, &world)?;
        Ok(Self {
            world: Arc::new(Mutex::new(world)),
            persist: Some(Arc::new(Persistence {
                file,
                _lock: lock,
                journal: Mutex::new(journal),
            })),
            generation: Arc::default(),
        })
    }

    /// Saves the state file now (the binary does at shutdown, so reads that
    /// settled states since the last mutating request are kept too).
    pub fn save_state(&self) -> Result<(), StateFileError> {
        match &self.persist {
            Some(p) => p.file.save(&self.lock()),
            None => Ok(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A handler panic is caught inside the lock; the state stays usable.
        self.world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` with exclusive access to the world (which counts as a
    /// change: [`Fake::generation`]).
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let mut world = self.lock();
        self.changed();
        f(&mut world)
    }

    /// How many changes were made to the fake other than by a request:
    /// resets, fault rule changes, journal clears and [`Fake::with_world`]
    /// calls. With the journal's newest `seq`, what `GET /_fake/ui/version`
    /// answers, so the live page reloads when either moves.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Counts a change; called with the world's lock held, so a reader
    /// under the lock sees the count and the change together.
    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Answers one request in-process (no socket, no latency). With a state
    /// file, a mutating request is saved before the answer; when the save
    /// fails its change is taken back and the answer is a 500
    /// (`InternalError` for EC2, `InternalFailure` for ELBv2) naming the
    /// file and the failure.
    pub fn handle(&self, req: &RawRequest<'_>) -> RawResponse {
        let mut world = self.lock();
        let Some(p) = &self.persist else {
            return dispatch::process(&mut world, req);
        };
        let (mut answer, undo) = dispatch::process_undoable(&mut world, req);
        if let Some(undo) = undo {
            let seq = undo.seq();
            if let Err(e) = p.save_or_undo(&mut world, Some(undo)) {
                answer = dispatch::not_saved(&mut world, &answer, seq, &e.to_string());
            }
        }
        p.journal().append(&p.file, &world);
        answer
    }

    /// A request id for an answer the fake gives before a request reaches
    /// [`Fake::handle`] (a body that never arrived, ...): requests are
    /// numbered all the same, but such answers are not journaled.
    pub fn next_request_id(&self) -> String {
        crate::ids::request_id(self.lock().next_request())
    }

    pub fn journal(&self) -> Vec<JournalEntry> {
        self.lock().journal().to_vec()
    }

    /// Empties the journal (and the journal file: a failure to rewrite it
    /// is logged).
    pub fn clear_journal(&self) {
        let mut world = self.lock();
        world.clear_journal();
        self.changed();
        if let Some(p) = &self.persist
            && let Err(e) = p.journal().rewrite(&p.file, &world)
        {
            tracing::error!(error = %e, "journal file not cleared");
        }
    }

    /// The whole state, deterministic (sorted by account, region and id).
    pub fn dump(&self) -> StateDump {
        StateDump::of(&self.lock())
    }

    /// Reads the state through a [`crate::view::View`] (under the lock:
    /// requests wait until `f` returns).
    pub fn view<R>(&self, f: impl FnOnce(&crate::view::View<'_>) -> R) -> R {
        f(&crate::view::View::new(&self.lock()))
    }

    /// Back to the seeded state, journal and counters included. Panics when
    /// the state file cannot be saved ([`Fake::try_reset`] says why).
    pub fn reset(&self) {
        if let Err(e) = self.try_reset() {
            panic!("reset: {e}");
        }
    }

    /// Back to the seeded state, or, when the state file cannot be saved,
    /// nothing changes and the error says why.
    pub fn try_reset(&self) -> Result<(), FakeError> {
        let mut world = self.lock();
        let Some(p) = &self.persist else {
            world.reset();
            self.changed();
            return Ok(());
        };
        let mut fresh = World::new(world.seed().clone())
            .map_err(|e| FakeError::NotSaved(StateFileError::Seed(e)))?;
        fresh.set_credentials(world.credentials.clone());
        let old = world.replace(fresh);
        if let Err(e) = p.file.save(&world) {
            tracing::error!(error = %e, "state file not saved; the reset is taken back");
            world.replace(old);
            return Err(e.into());
        }
        self.changed();
        if let Err(e) = p.journal().rewrite(&p.file, &world) {
            tracing::error!(error = %e, "journal file not cleared");
        }
        Ok(())
    }

    /// Replaces the fault rules. Panics on a rule [`FaultRule::check`]
    /// refuses (a status outside 400-599, a probability outside 0-1, ...) or
    /// when the state file cannot be saved; [`Fake::try_set_faults`] returns
    /// the reason instead.
    pub fn set_faults(&self, rules: Vec<FaultRule>, seed: u64) {
        if let Err(e) = self.try_set_faults(rules, seed) {
            panic!("set_faults: {e}");
        }
    }

    /// Replaces the fault rules, or says why not (nothing changes then).
    pub fn try_set_faults(&self, rules: Vec<FaultRule>, seed: u64) -> Result<(), FakeError> {
        crate::faults::check_rules("rules", &rules).map_err(FakeError::InvalidFaults)?;
        let mut world = self.lock();
        let old = std::mem::replace(&mut world.faults, crate::faults::Faults::new(rules, seed));
        if let Some(p) = &self.persist
            && let Err(e) = p.file.save(&world)
        {
            tracing::error!(error = %e, "state file not saved; the fault rules are taken back");
            world.faults = old;
            return Err(e.into());
        }
        self.changed();
        Ok(())
    }

    /// Turns SigV4 verification on with these keys, or off with `None`.
    pub fn set_credentials(&self, credentials: Option<Credentials>) {
        self.lock().set_credentials(credentials);
    }

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

/// The service a request is for, from what is known before its body: the
/// SigV4 scope of its `Authorization` header or presigned query, else a
/// `Version` in the query; EC2 by default.
pub(crate) fn service_of(headers: &HeaderMap, path: &str, query: Option<&str>) -> Service {
    let pairs = || form_urlencoded::parse(query.unwrap_or("").as_bytes());
    let scope = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::protocol::sigv4::parse_authorization)
        .or_else(|| {
            pairs()
                .find(|(k, _)| k == "X-Amz-Credential")
                .and_then(|(_, v)| crate::protocol::sigv4::parse_credential(&v))
        });
    let classic = || pairs().any(|(k, v)| k == "Version" && v == crate::elb::API_VERSION);
    match scope.as_ref().map(|s| s.service.as_str()) {
        Some(crate::eks::SIGNING_NAME) => Service::Eks,
        None if crate::eks::is_eks_path(path) => Service::Eks,
        Some("elasticloadbalancing") if classic() => Service::Elb,
        Some("elasticloadbalancing") => Service::Elbv2,
        Some("ec2") => Service::Ec2,
        Some(crate::sts::SIGNING_NAME) => Service::Sts,
        _ if pairs().any(|(k, v)| k == "Version" && v == elbv2::API_VERSION) => Service::Elbv2,
        _ if classic() => Service::Elb,
        _ if pairs().any(|(k, v)| k == "Version" && v == crate::sts::API_VERSION) => Service::Sts,
        _ => Service::Ec2,
    }
}

/// An AWS error answered before the request reached the world: it gets a
/// request id of its own and no journal entry.
pub(crate) fn aws_error_response(fake: &Fake, service: Service, err: &AwsError) -> Response {
    let rid = fake.next_request_id();
    xml_response(
        err.status,
        &rid,
        dispatch::error_body(service, err, &rid),
        service,
        Some(&err.code),
    )
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

/// An answer in the service's content type; EKS's errors name their code
/// in `x-amzn-ErrorType`.
fn xml_response(
    status: u16,
    request_id: &str,
    body: String,
    service: Service,
    error_code: Option<&str>,
) -> Response {
    let headers = answer_headers(status, request_id, service, error_code);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    resp
}

/// The headers AWS sends with an answer of `service`: its content type,
/// the request id, EKS's error code in `x-amzn-ErrorType`, EC2's `Server`.
/// The HTTP server sends them, and so does any in-process transport that
/// hands requests to [`Fake::handle`] without a socket.
pub fn answer_headers(
    status: u16,
    request_id: &str,
    service: Service,
    error_code: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut out = Vec::with_capacity(4);
    if service == Service::Eks {
        out.push(("content-type", "application/json".to_owned()));
        if let Some(code) = error_code.filter(|_| status >= 300) {
            out.push(("x-amzn-ErrorType", code.to_owned()));
        }
    } else {
        out.push(("content-type", "text/xml;charset=UTF-8".to_owned()));
    }
    out.push(("x-amzn-RequestId", request_id.to_owned()));
    if service == Service::Ec2 {
        out.push(("server", "AmazonEC2".to_owned()));
    }
    out
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
