//! Every API call a set of clients made, in the order they started: the
//! service, the operation, the HTTP status of the last attempt, AWS's error
//! code, how many attempts and how long. An SDK interceptor records them,
//! so the list is the same for the embedded fake, an endpoint and AWS;
//! `apply --report` shows it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use serde::Serialize;

/// One call as the clients saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRecord {
    /// When it started, from when the clients were made.
    pub started_ms: f64,
    pub service: String,
    pub operation: String,
    /// The last attempt's HTTP status; `None` when no answer came.
    pub status: Option<u16>,
    /// AWS's error code, when it refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    pub attempts: u32,
    pub duration_ms: f64,
}

/// The calls of one set of clients (cheap to clone: one shared list).
#[derive(Debug, Clone)]
pub struct CallLog {
    inner: Arc<Mutex<Vec<CallRecord>>>,
    epoch: Instant,
}

impl Default for CallLog {
    fn default() -> Self {
        Self {
            inner: Arc::default(),
            epoch: Instant::now(),
        }
    }
}

impl CallLog {
    /// The calls so far, in the order they started.
    pub fn calls(&self) -> Vec<CallRecord> {
        let mut calls = self.lock().clone();
        calls.sort_by(|a, b| a.started_ms.total_cmp(&b.started_ms));
        calls
    }

    /// How many calls have finished.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<CallRecord>> {
        // A panic elsewhere while recording leaves a list that is still whole.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The interceptor that records into this log.
    pub(crate) fn recorder(&self) -> Recorder {
        Recorder(self.clone())
    }
}

/// Where a call is while it runs (kept in the call's config bag).
#[derive(Debug, Clone)]
struct InFlight {
    started: Instant,
    attempts: u32,
}

impl Storable for InFlight {
    type Storer = StoreReplace<Self>;
}

#[derive(Debug)]
pub(crate) struct Recorder(CallLog);

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "CallLog"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(InFlight {
            started: Instant::now(),
            attempts: 0,
        });
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(mut f) = cfg.load::<InFlight>().cloned() {
            f.attempts += 1;
            cfg.interceptor_state().store_put(f);
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let now = Instant::now();
        let (started, attempts) = cfg
            .load::<InFlight>()
            .map_or((now, 0), |f| (f.started, f.attempts));
        let (service, operation) = cfg
            .load::<Metadata>()
            .map_or(("?".to_owned(), "?".to_owned()), |m| {
                (m.service().to_owned(), m.name().to_owned())
            });
        let response = context.response();
        let status = response.map(|r| r.status().as_u16());
        let failed = matches!(context.output_or_error(), Some(Err(_)));
        let error_code = if failed {
            response.and_then(|r| {
                r.headers()
                    .get("x-amzn-errortype")
                    .map(|t| t.split(':').next().unwrap_or(t).to_owned())
                    .or_else(|| r.body().bytes().and_then(xml_error_code))
            })
        } else {
            None
        };
        let log = &self.0;
        log.lock().push(CallRecord {
            started_ms: millis(started.saturating_duration_since(log.epoch)),
            service,
            operation,
            status,
            error_code,
            attempts: attempts.max(1),
            duration_ms: millis(now.saturating_duration_since(started)),
        });
        Ok(())
    }
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// The `<Code>` of an EC2 or ELB error answer.
fn xml_error_code(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find("<Code>")? + "<Code>".len();
    let len = text[start..].find("</Code>")?;
    Some(text[start..start + len].to_owned())
}

#[cfg(test)]
mod tests {
    use super::xml_error_code;

    #[test]
    fn reads_the_code_of_an_error_answer() {
        assert_eq!(
            xml_error_code(b"<Response><Errors><Error><Code>InvalidSubnet</Code><Message>m</Message></Error></Errors></Response>")
                .as_deref(),
            Some("InvalidSubnet")
        );
        assert_eq!(xml_error_code(b"<DescribeVpcsResponse/>"), None);
    }
}
