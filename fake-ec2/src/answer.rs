//! How an answer goes on the wire before and after the world: which
//! service a request is for (from what is known before its body), the
//! headers AWS sends with each service's answers, and the errors answered
//! before a request reaches the world. The HTTP server and the connection
//! layer share it; an in-process transport uses [`answer_headers`].

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::dispatch;
use crate::elbv2;
use crate::fake::Fake;
use crate::journal::Service;
use crate::protocol::AwsError;

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

/// An answer in the service's content type; EKS's errors name their code
/// in `x-amzn-ErrorType`.
pub(crate) fn xml_response(
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
