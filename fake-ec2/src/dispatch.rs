//! One request, start to finish: decode parameters, check the signature
//! (with `verify_sigv4`), route to EC2, ELBv2, classic ELB or EKS by the
//! SigV4 scope and `Version` (EKS, a REST service: by its scope `eks`, or,
//! unsigned, by its paths), pick account and region, apply fault rules, run
//! the action (on a scratch copy for `DryRun`), record the journal entry and
//! build the envelope (XML, or JSON for EKS).

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::consistency;
use crate::ec2;
use crate::ec2::errors::Ec2Code;
use crate::eks;
use crate::elb;
use crate::elbv2;
use crate::elbv2::errors::ElbCode;
use crate::faults::FaultOutcome;
use crate::ids::request_id;
use crate::journal::{
    JournalEntry, MAX_VALUE_BYTES, Service, is_mutating, redacted_params, truncated,
};
use crate::protocol::envelope;
use crate::protocol::error::{AwsResult, QueryCode};
use crate::protocol::sigv4::{self, AuthError, CredentialScope, SignedRequest};
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;
use crate::sts;
use crate::world::{Undo, World};

/// A request as it came off the wire.
#[derive(Debug, Clone, Default)]
pub struct RawRequest<'a> {
    /// The `Authorization` header, if any.
    pub authorization: Option<&'a str>,
    /// The URL query string, without `?`.
    pub query: Option<&'a str>,
    /// The body (form-encoded for the query protocols, JSON for EKS).
    pub body: &'a [u8],
    /// The HTTP method (`POST` when empty); signature checks and EKS's
    /// routing read it.
    pub method: &'a str,
    /// The path as sent (`/` when empty); signature checks and EKS's
    /// routing read it.
    pub path: &'a str,
    /// Every header as (name, value), `Authorization` included; only
    /// signature checks read them.
    pub headers: &'a [(&'a str, &'a str)],
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
    /// Whether the action changes state (so a state file is saved after it).
    pub mutating: bool,
    /// The error code of an error answer (EKS sends it as `x-amzn-ErrorType`).
    pub error_code: Option<String>,
}

/// What a handler answered: XML children (the query protocols) or a JSON
/// document (EKS).
enum Answer {
    Xml(Vec<Node>),
    Json(serde_json::Value),
}

/// Which service a request is for: the SigV4 scope decides, then `Version`.
/// Classic ELB and ELBv2 sign with the same service name,
/// `elasticloadbalancing`: `Version=2012-06-01` picks classic ELB.
fn route(scope: Option<&CredentialScope>, params: &Params) -> Service {
    let version = params.get("Version");
    match scope.map(|s| s.service.as_str()) {
        Some("ec2") => Service::Ec2,
        Some(sts::SIGNING_NAME) => Service::Sts,
        Some("elasticloadbalancing") if version == Some(elb::API_VERSION) => Service::Elb,
        Some("elasticloadbalancing") => Service::Elbv2,
        _ if version == Some(elbv2::API_VERSION) => Service::Elbv2,
        _ if version == Some(elb::API_VERSION) => Service::Elb,
        _ if version == Some(sts::API_VERSION) => Service::Sts,
        _ => Service::Ec2,
    }
}

/// The action table: EC2's or ELBv2's handler for an action.
type Lookup = fn(Service, &str) -> Option<ec2::Handler>;

fn lookup(service: Service, action: &str) -> Option<ec2::Handler> {
    match service {
        Service::Ec2 => ec2::handler(action),
        Service::Elbv2 => elbv2::handler(action),
        Service::Elb => elb::handler(action),
        Service::Sts => sts::handler(action),
        Service::Eks => None,
    }
}

pub fn process(world: &mut World, req: &RawRequest<'_>) -> RawResponse {
    process_with(world, req, lookup, false).0
}

/// [`process`], plus what undoes the request's change to the world when it
/// was a mutating call that reached its handler (so a fake whose state file
/// cannot be saved can take it back; see [`World::undo`]).
pub fn process_undoable(world: &mut World, req: &RawRequest<'_>) -> (RawResponse, Option<Undo>) {
    process_with(world, req, lookup, true)
}

fn process_with(
    world: &mut World,
    req: &RawRequest<'_>,
    lookup: Lookup,
    undoable: bool,
) -> (RawResponse, Option<Undo>) {
    let mut params = Params::default();
    if let Some(q) = req.query {
        params.extend_from(q.as_bytes());
    }
    let verified = world.credentials.as_ref().map(|keys| {
        let signed = SignedRequest {
            method: req.method,
            path: if req.path.is_empty() { "/" } else { req.path },
            query: req.query.unwrap_or(""),
            headers: req.headers,
            body: req.body,
        };
        sigv4::verify(&signed, keys)
    });
    let signed_scope = |params: &Params| match &verified {
        Some(Ok(scope)) => Some(scope.clone()),
        _ => req
            .authorization
            .and_then(sigv4::parse_authorization)
            .or_else(|| {
                params
                    .get("X-Amz-Credential")
                    .and_then(sigv4::parse_credential)
            }),
    };
    let early = signed_scope(&params);
    // EKS is REST: its body is JSON, not parameters.
    let is_eks = match &early {
        Some(s) => s.service == eks::SIGNING_NAME,
        None => eks::is_eks_path(req.path),
    };
    let scope = if is_eks {
        early
    } else {
        params.extend_from(req.body);
        early.or_else(|| signed_scope(&params))
    };
    let service = if is_eks {
        Service::Eks
    } else {
        route(scope.as_ref(), &params)
    };
    let eks_req = is_eks.then(|| eks::Request::parse(req.method, req.path, req.query, req.body));
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
    let action = if is_eks {
        eks::route(req.method, req.path)
            .map_or("", |(a, _)| a)
            .to_owned()
    } else {
        params.value("Action").unwrap_or_default().to_owned()
    };
    let journal_params = match &eks_req {
        Some(Ok(r)) => redacted_params(
            r.journal_params()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        ),
        Some(Err(_)) => BTreeMap::new(),
        None => redacted_params(params.iter()),
    };
    let dry_run = service == Service::Ec2
        && params
            .get("DryRun")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));

    let refused = matches!(verified, Some(Err(_)));
    let undo = (undoable && !refused && is_mutating(&action))
        .then(|| world.checkpoint(&account, &region, seq));
    let (fault, mut result, injected) = match verified {
        Some(Err(e)) => (FaultOutcome::default(), Err(auth_error(service, &e)), false),
        _ => {
            let mut fault = world.faults.evaluate(service, &action);
            match fault.error.take() {
                Some(e) => (fault, Err(e), true),
                None if is_eks => {
                    let call = EksCall {
                        account: &account,
                        region: &region,
                        action: &action,
                        request: eks_req.as_ref().expect("an EKS request"),
                    };
                    let fate = fault.fate.take();
                    let result = run_eks(world, &call, fate);
                    (fault, result, false)
                }
                None => {
                    let call = Call {
                        lookup,
                        service,
                        account: &account,
                        region: &region,
                        action: &action,
                        params: &params,
                        dry_run,
                    };
                    let (result, injected) = run(world, &call, &mut fault);
                    (fault, result.map(Answer::Xml), injected)
                }
            }
        }
    };

    if let Err(e) = &mut result {
        shorten_echoes(e, &params);
    }
    let (status, body) = match &result {
        Ok(Answer::Json(doc)) => (200, doc.to_string()),
        Ok(Answer::Xml(children)) => (
            200,
            match service {
                Service::Ec2 => envelope::ec2_success(&action, ec2::XMLNS, &rid, children),
                Service::Elbv2 => envelope::query_success(&action, elbv2::XMLNS, &rid, children),
                Service::Elb | Service::Eks => {
                    envelope::query_success(&action, elb::XMLNS, &rid, children)
                }
                Service::Sts => envelope::query_success(&action, sts::XMLNS, &rid, children),
            },
        ),
        Err(e) => (e.status, error_body(service, e, &rid)),
    };
    let error_code = result.as_ref().err().map(|e| e.code.to_string());
    let (action, account, region) = (
        truncated(&action).into_owned(),
        truncated(&account).into_owned(),
        truncated(&region).into_owned(),
    );
    tracing::debug!(
        seq,
        service = service.as_str(),
        %region,
        action = %action,
        status,
        error = error_code.as_deref().unwrap_or(""),
        "request"
    );
    let mutating = is_mutating(&action);
    // A request refused for its signature is not journaled: its parameters
    // are anyone's, and it changed nothing.
    if !refused {
        world.record(JournalEntry {
            seq,
            service,
            account,
            region,
            mutating,
            action,
            params: journal_params,
            status,
            error_code: error_code.clone(),
            dry_run,
            injected,
        });
    }
    let answer = RawResponse {
        status,
        service,
        request_id: rid,
        body,
        latency_ms: fault.latency_ms,
        mutating,
        error_code,
    };
    (answer, undo)
}

/// Error messages quote parameters (`Value (x) for parameter y is
/// invalid.`); a long one is [`truncated`] there as in the journal, as AWS
/// shortens what it echoes. Anything still too long is cut.
fn shorten_echoes(e: &mut AwsError, params: &Params) {
    const MAX_MESSAGE: usize = 4 * MAX_VALUE_BYTES;
    if e.message.len() <= MAX_VALUE_BYTES {
        return;
    }
    for (k, v) in params.iter() {
        for text in [k, v] {
            if text.len() > MAX_VALUE_BYTES && e.message.contains(text) {
                e.message = e.message.replace(text, &truncated(text));
            }
        }
    }
    if e.message.len() > MAX_MESSAGE {
        let cut = e.message.floor_char_boundary(MAX_MESSAGE);
        let full = e.message.len();
        e.message.truncate(cut);
        e.message.push_str(&format!("…(truncated, {full} bytes)"));
    }
}

/// The answer to a mutating request whose change could not be saved (and
/// was undone): a 500 in the service's words, with the request's own id,
/// and its journal entry says so too.
pub fn not_saved(world: &mut World, answer: &RawResponse, seq: u64, why: &str) -> RawResponse {
    let mut e = match answer.service {
        Service::Ec2 => AwsError::internal_error(),
        Service::Elbv2 | Service::Elb | Service::Sts => AwsError::internal_failure(),
        Service::Eks => AwsError::coded(eks::errors::EksCode::ServerException, ""),
    };
    e.message = format!(
        "The change was not made because the fake could not save it: {why}. Retry once the state file can be written."
    );
    if let Some(entry) = world.journal_entry_mut(seq) {
        entry.status = e.status;
        entry.error_code = Some(e.code.to_string());
        entry.injected = false;
    }
    RawResponse {
        status: e.status,
        service: answer.service,
        body: error_body(answer.service, &e, &answer.request_id),
        request_id: answer.request_id.clone(),
        latency_ms: answer.latency_ms,
        mutating: answer.mutating,
        error_code: Some(e.code.to_string()),
    }
}

/// An error envelope of the service.
pub fn error_body(service: Service, e: &AwsError, request_id: &str) -> String {
    match service {
        Service::Ec2 => envelope::ec2_error(e, request_id),
        Service::Elbv2 => envelope::query_error(e, elbv2::XMLNS, request_id),
        Service::Elb => envelope::query_error(e, elb::XMLNS, request_id),
        Service::Sts => envelope::query_error(e, sts::XMLNS, request_id),
        // The code travels in `x-amzn-ErrorType`; the body has the message.
        Service::Eks => serde_json::json!({ "message": e.message }).to_string(),
    }
}

/// The refusal of a request whose signature did not check out, in the
/// words of the service it was for.
fn auth_error(service: Service, e: &AuthError) -> AwsError {
    use eks::errors::EksCode;
    match (e, service) {
        (AuthError::Missing, Service::Eks) => AwsError::coded(
            EksCode::MissingAuthenticationTokenException,
            "Missing Authentication Token",
        ),
        (AuthError::Incomplete(why), Service::Eks) => {
            AwsError::coded(EksCode::IncompleteSignatureException, why.clone())
        }
        (AuthError::UnknownAccessKey, Service::Eks) => AwsError::coded(
            EksCode::UnrecognizedClientException,
            "The security token included in the request is invalid.",
        ),
        (AuthError::Mismatch, Service::Eks) => AwsError::coded(
            EksCode::InvalidSignatureException,
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ),
        (AuthError::Missing, Service::Ec2) => AwsError::coded(
            Ec2Code::MissingAuthenticationToken,
            "The request must contain either a valid (registered) AWS access key ID or X.509 certificate.",
        ),
        (AuthError::Missing, Service::Elbv2 | Service::Elb | Service::Sts) => AwsError::coded(
            ElbCode::MissingAuthenticationToken,
            "Request is missing Authentication Token",
        ),
        (AuthError::Incomplete(why), _) => {
            AwsError::coded(QueryCode::IncompleteSignature, why.clone())
        }
        (AuthError::UnknownAccessKey, Service::Ec2) => AwsError::coded(
            QueryCode::AuthFailure,
            "AWS was not able to validate the provided access credentials",
        ),
        (AuthError::UnknownAccessKey, Service::Elbv2 | Service::Elb | Service::Sts) => {
            AwsError::coded(
                ElbCode::InvalidClientTokenId,
                "The security token included in the request is invalid.",
            )
        }
        (AuthError::Mismatch, _) => AwsError::coded(
            QueryCode::SignatureDoesNotMatch,
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ),
    }
}

/// One call, routed.
struct Call<'a> {
    lookup: Lookup,
    service: Service,
    account: &'a str,
    region: &'a str,
    action: &'a str,
    params: &'a Params,
    dry_run: bool,
}

/// One EKS call, routed.
struct EksCall<'a> {
    account: &'a str,
    region: &'a str,
    action: &'a str,
    request: &'a AwsResult<eks::Request>,
}

/// Runs an EKS operation (DryRun and hidden resources do not apply).
fn run_eks(
    world: &mut World,
    call: &EksCall<'_>,
    fate: Option<crate::faults::Fate>,
) -> AwsResult<Answer> {
    let request = call.request.as_ref().map_err(Clone::clone)?;
    let handler =
        eks::handler(call.action).ok_or_else(|| eks::errors::unknown_operation(call.action, ""))?;
    let now = world.now();
    let state = world.region(call.account, call.region);
    let mut ctx = Ctx {
        region: state,
        now,
        fate,
    };
    let server = || {
        AwsError::coded(
            eks::errors::EksCode::ServerException,
            "An internal error occurred.",
        )
    };
    let answer = guarded(call.action, server, || handler(&mut ctx, request)).map(Answer::Json);
    check_indexes(call.action, ctx.region);
    answer
}

/// Debug builds: a handler that left an index stale is a bug in the fake
/// (see [`crate::index`]); the test that made the call fails here.
fn check_indexes(action: &str, region: &crate::region::Region) {
    if cfg!(debug_assertions)
        && let Err(e) = crate::integrity::check_indexes(region)
    {
        panic!("{action} left an index stale: {e}");
    }
}

/// Runs the action; the flag says whether a fault (a hidden resource) decided the answer.
fn run(
    world: &mut World,
    call: &Call<'_>,
    fault: &mut FaultOutcome,
) -> (AwsResult<Vec<Node>>, bool) {
    let (action, params) = (call.action, call.params);
    if action.is_empty() {
        return (Err(AwsError::missing_action()), false);
    }
    let Some(handler) = (call.lookup)(call.service, action) else {
        return (Err(AwsError::invalid_action(action)), false);
    };
    if call.service == Service::Ec2
        && let Err(e) = params.bool("DryRun")
    {
        return (Err(e), false);
    }
    let now = world.now();
    let state = world.region(call.account, call.region);
    if let Some(e) = consistency::check_unseen(state, call.service, params) {
        return (Err(e), true);
    }
    let fate = fault.fate.take();
    if call.dry_run {
        // Validate against a scratch copy; the real state never changes.
        let mut scratch = state.clone();
        let mut ctx = Ctx {
            region: &mut scratch,
            now,
            fate,
        };
        let result = guarded(action, AwsError::internal_error, || {
            handler(&mut ctx, params)
        })
        .and(Err(AwsError::dry_run_operation()));
        return (result, false);
    }
    let before = fault
        .not_found_reads
        .map(|_| consistency::resource_ids(state));
    let mut ctx = Ctx {
        region: state,
        now,
        fate,
    };
    let result = guarded(action, AwsError::internal_error, || {
        handler(&mut ctx, params)
    });
    check_indexes(action, state);
    if let (Ok(answer), Some(before), Some(reads)) = (&result, &before, fault.not_found_reads) {
        consistency::hide_created(state, before, answer, reads);
    }
    (result, false)
}

/// A panic in a handler is a bug in the fake; the client still gets an AWS-shaped 500.
fn guarded<T>(
    action: &str,
    internal: impl FnOnce() -> AwsError,
    f: impl FnOnce() -> AwsResult<T>,
) -> AwsResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(action, panic = %what, "handler panicked");
        Err(internal())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buggy(service: Service, action: &str) -> Option<ec2::Handler> {
        match action {
            "CreateVpc" => Some(|_, _| panic!("a bug in a handler")),
            _ => lookup(service, action),
        }
    }

    /// A handler that panics is answered with AWS's InternalError (500) in
    /// the service's envelope, it is journaled, and the world keeps serving.
    #[test]
    fn handler_panic_guard_holds() {
        let mut world = World::default();
        let req = |body: &'static [u8]| RawRequest {
            body,
            ..RawRequest::default()
        };
        let (answer, _) = process_with(
            &mut world,
            &req(b"Action=CreateVpc&CidrBlock=10.0.0.0/16"),
            buggy,
            false,
        );
        assert_eq!(answer.status, 500);
        assert!(
            answer.body.contains("<Code>InternalError</Code>"),
            "{}",
            answer.body
        );
        let why = crate::fuzzing::check_answer(&answer).unwrap_err();
        assert!(why.contains("a handler panicked"), "{why}");
        assert_eq!(
            world.journal()[0].error_code.as_deref(),
            Some("InternalError")
        );
        let next = process(&mut world, &req(b"Action=CreateVpc&CidrBlock=10.0.0.0/16"));
        assert_eq!(next.status, 200, "{}", next.body);
        crate::fuzzing::check_answer(&next).unwrap();
    }
}
