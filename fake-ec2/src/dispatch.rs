//! One request, start to finish: decode parameters, route to EC2 or ELBv2
//! by the SigV4 scope (falling back on `Version`), pick account and region,
//! apply fault rules, run the action (on a scratch copy for `DryRun`), record
//! the journal entry and build the envelope.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::ec2::{self, Ctx};
use crate::elbv2;
use crate::ids::request_id;
use crate::journal::{JournalEntry, Service, is_mutating, redacted_params};
use crate::protocol::envelope;
use crate::protocol::error::AwsResult;
use crate::protocol::sigv4::{self, CredentialScope};
use crate::protocol::{AwsError, Node, Params};
use crate::world::World;

/// A request as it came off the wire.
#[derive(Debug, Clone, Default)]
pub struct RawRequest<'a> {
    /// The `Authorization` header, if any.
    pub authorization: Option<&'a str>,
    /// The URL query string, without `?`.
    pub query: Option<&'a str>,
    /// The body (form-encoded for both protocols).
    pub body: &'a [u8],
}

/// The answer to send back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    pub status: u16,
    pub service: Service,
    pub request_id: String,
    pub body: String,
    /// Milliseconds a fault rule asked to delay the answer by.
    pub latency_ms: u64,
}

/// Which service a request is for: the SigV4 scope decides, then `Version`.
fn route(scope: Option<&CredentialScope>, params: &Params) -> Service {
    match scope.map(|s| s.service.as_str()) {
        Some("ec2") => Service::Ec2,
        Some("elasticloadbalancing") => Service::Elbv2,
        _ if params.get("Version") == Some(elbv2::API_VERSION) => Service::Elbv2,
        _ => Service::Ec2,
    }
}

pub fn process(world: &mut World, req: &RawRequest<'_>) -> RawResponse {
    let mut params = Params::default();
    if let Some(q) = req.query {
        params.extend_from(q.as_bytes());
    }
    params.extend_from(req.body);
    let scope = req
        .authorization
        .and_then(sigv4::parse_authorization)
        .or_else(|| {
            params
                .get("X-Amz-Credential")
                .and_then(sigv4::parse_credential)
        });
    let service = route(scope.as_ref(), &params);
    let account = scope
        .as_ref()
        .map(|s| s.access_key_id.as_str())
        .filter(|k| k.len() == 12 && k.bytes().all(|b| b.is_ascii_digit()))
        .map_or_else(|| world.config.default_account.clone(), str::to_owned);
    let region = scope
        .as_ref()
        .map_or_else(|| world.config.default_region.clone(), |s| s.region.clone());

    let seq = world.next_request();
    let rid = request_id(seq);
    let action = params.value("Action").unwrap_or_default().to_owned();
    let dry_run = service == Service::Ec2
        && params
            .get("DryRun")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));

    let fault = world.faults.evaluate(service, &action);
    let injected = fault.error.is_some();
    let result = match fault.error {
        Some(e) => Err(e),
        None => run(world, service, &account, &region, &action, &params, dry_run),
    };

    let (status, body) = match &result {
        Ok(children) => (
            200,
            match service {
                Service::Ec2 => envelope::ec2_success(&action, ec2::XMLNS, &rid, children),
                Service::Elbv2 => envelope::query_success(&action, elbv2::XMLNS, &rid, children),
            },
        ),
        Err(e) => (
            e.status,
            match service {
                Service::Ec2 => envelope::ec2_error(e, &rid),
                Service::Elbv2 => envelope::query_error(e, elbv2::XMLNS, &rid),
            },
        ),
    };
    let error_code = result.as_ref().err().map(|e| e.code.to_string());
    tracing::info!(
        seq,
        service = service.as_str(),
        %region,
        action = %action,
        status,
        error = error_code.as_deref().unwrap_or(""),
        "request"
    );
    world.record(JournalEntry {
        seq,
        service,
        account,
        region,
        mutating: is_mutating(&action),
        action,
        params: redacted_params(params.iter()),
        status,
        error_code,
        dry_run,
        injected,
    });
    RawResponse {
        status,
        service,
        request_id: rid,
        body,
        latency_ms: fault.latency_ms,
    }
}

fn run(
    world: &mut World,
    service: Service,
    account: &str,
    region: &str,
    action: &str,
    params: &Params,
    dry_run: bool,
) -> AwsResult<Vec<Node>> {
    if action.is_empty() {
        return Err(AwsError::missing_action());
    }
    let handler = match service {
        Service::Ec2 => ec2::handler(action),
        Service::Elbv2 => elbv2::handler(action),
    }
    .ok_or_else(|| AwsError::invalid_action(action))?;
    if service == Service::Ec2 {
        params.bool("DryRun")?;
    }
    let now = world.now();
    let state = world.region(account, region);
    if dry_run {
        // Validate against a scratch copy; the real state never changes.
        let mut scratch = state.clone();
        let mut ctx = Ctx {
            region: &mut scratch,
            now,
        };
        guarded(action, || handler(&mut ctx, params)).and(Err(AwsError::dry_run_operation()))
    } else {
        let mut ctx = Ctx { region: state, now };
        guarded(action, || handler(&mut ctx, params))
    }
}

/// A panic in a handler is a bug in the fake; the client still gets an AWS-shaped 500.
fn guarded(action: &str, f: impl FnOnce() -> AwsResult<Vec<Node>>) -> AwsResult<Vec<Node>> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(action, panic = %what, "handler panicked");
        Err(AwsError::internal_error())
    })
}
