//! The SDK's floor: an apply and destroy whose answers are canned bytes.
//!
//! One sequential in-process apply and destroy is recorded (every answer's
//! status, headers and body, in order); then each measured run replays
//! those answers in the same order to a fresh set of clients, so the SDK
//! still serializes, signs and parses every call and the provisioner still
//! plans and reconciles, but no fake answers. Sequential only: a
//! concurrent apply's order of calls varies from run to run, and an answer
//! must meet the request it was recorded for (each is checked by action).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

/// One answer as the fake gave it.
#[derive(Debug, Clone)]
struct Answer {
    action: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Records the answers of the in-process transport it wraps.
#[derive(Debug, Clone)]
pub struct Recorder {
    inner: SharedHttpClient,
    answers: Arc<Mutex<Vec<Answer>>>,
}

/// Answers each request with the next recorded answer.
#[derive(Debug, Clone)]
pub struct Replay {
    answers: Arc<Vec<Answer>>,
    next: Arc<AtomicUsize>,
}

impl Recorder {
    pub fn new(fake: fake_ec2::Fake) -> Self {
        Recorder {
            inner: provisioner::target::in_process_http_client(fake),
            answers: Arc::default(),
        }
    }

    /// The recorded answers, to replay from the first.
    pub fn replay(&self) -> Replay {
        Replay {
            answers: Arc::new(self.answers.lock().expect("not poisoned").clone()),
            next: Arc::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.answers.lock().expect("not poisoned").len()
    }
}

impl Replay {
    /// The same answers from the first again, for the next run.
    pub fn again(&self) -> Replay {
        Replay {
            answers: self.answers.clone(),
            next: Arc::default(),
        }
    }

    /// Whether every recorded answer was given.
    pub fn used_up(&self) -> bool {
        self.next.load(Ordering::SeqCst) == self.answers.len()
    }
}

/// The action a request names: `Action=` of a query body, else the method
/// and path (EKS's REST calls).
fn action_of(request: &HttpRequest) -> String {
    let body = request.body().bytes().unwrap_or_default();
    let body = String::from_utf8_lossy(body);
    match body.strip_prefix("Action=") {
        Some(rest) => rest.split('&').next().unwrap_or_default().to_owned(),
        None => format!("{} {}", request.method(), request.uri()),
    }
}

fn response(a: &Answer) -> Result<HttpResponse, ConnectorError> {
    let status =
        StatusCode::try_from(a.status).map_err(|e| ConnectorError::other(Box::new(e), None))?;
    let mut r = HttpResponse::new(status, SdkBody::from(a.body.clone()));
    for (k, v) in &a.headers {
        r.headers_mut().insert(k.clone(), v.clone());
    }
    Ok(r)
}

#[derive(Debug)]
struct RecordingConnector {
    inner: SharedHttpConnector,
    answers: Arc<Mutex<Vec<Answer>>>,
}

impl HttpConnector for RecordingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let action = action_of(&request);
        let inner = self.inner.call(request);
        let answers = self.answers.clone();
        HttpConnectorFuture::new(async move {
            let r = inner.await?;
            let answer = Answer {
                action,
                status: r.status().as_u16(),
                headers: r
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
                body: r.body().bytes().expect("in-memory answer").to_vec(),
            };
            let out = response(&answer);
            answers.lock().expect("not poisoned").push(answer);
            out
        })
    }
}

impl HttpClient for Recorder {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(RecordingConnector {
            inner: self.inner.http_connector(settings, components),
            answers: self.answers.clone(),
        })
    }
}

impl HttpConnector for Replay {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let action = action_of(&request);
        let answer = match self.answers.get(n) {
            Some(a) if a.action == action => response(a),
            Some(a) => Err(ConnectorError::other(
                format!("call {n} is {action}, recorded as {}", a.action).into(),
                None,
            )),
            None => Err(ConnectorError::other(
                format!(
                    "call {n} ({action}) is past the {} recorded",
                    self.answers.len()
                )
                .into(),
                None,
            )),
        };
        HttpConnectorFuture::ready(answer)
    }
}

impl HttpClient for Replay {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}
