//! The embedded fake without a socket: an HTTP client for the SDK that
//! hands each request straight to [`fake_ec2::Fake::handle`] and gives its
//! answer back as the HTTP server would (status, body, the headers of
//! [`fake_ec2::server::answer_headers`], a fault rule's latency). Requests
//! still go through the SDK's whole stack (serialization, signing,
//! retries, parsing); only the loopback hop is gone.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

/// The URL the in-process clients are built with. It is never resolved:
/// it only gives the SDK a base for the request's path and query.
pub const IN_PROCESS_URL: &str = "http://fake-ec2.in-process";

#[derive(Clone, Debug)]
struct InProcess {
    fake: fake_ec2::Fake,
}

/// An SDK HTTP client that serves every request from `fake`.
pub fn http_client(fake: fake_ec2::Fake) -> SharedHttpClient {
    SharedHttpClient::new(InProcess { fake })
}

impl HttpClient for InProcess {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for InProcess {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let fake = self.fake.clone();
        HttpConnectorFuture::new(async move {
            let (path, query) = split_uri(request.uri());
            let headers: Vec<(String, String)> = request
                .headers()
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            let pairs: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let authorization = pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                .map(|(_, v)| *v);
            let Some(body) = request.body().bytes() else {
                return Err(ConnectorError::other(
                    "the in-process transport takes only in-memory request bodies".into(),
                    None,
                ));
            };
            let answer = fake.handle(&fake_ec2::RawRequest {
                authorization,
                query,
                body,
                method: request.method(),
                path,
                headers: &pairs,
            });
            if answer.latency_ms > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(answer.latency_ms)).await;
            }
            let status = StatusCode::try_from(answer.status)
                .map_err(|e| ConnectorError::other(Box::new(e), None))?;
            let mut response = HttpResponse::new(status, SdkBody::from(answer.body));
            for (name, value) in fake_ec2::server::answer_headers(
                answer.status,
                &answer.request_id,
                answer.service,
                answer.error_code.as_deref(),
            ) {
                response.headers_mut().insert(name, value);
            }
            Ok(response)
        })
    }
}

/// `http://host/path?query` -> (`/path`, `Some("query")`).
fn split_uri(uri: &str) -> (&str, Option<&str>) {
    let after_scheme = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    let path_and_query = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    }
}

#[cfg(test)]
mod tests {
    use super::split_uri;

    #[test]
    fn uris_split_into_path_and_query() {
        assert_eq!(split_uri("http://fake-ec2.in-process/"), ("/", None));
        assert_eq!(split_uri("http://fake-ec2.in-process"), ("/", None));
        assert_eq!(
            split_uri("http://h/clusters/c1/updates?status=x"),
            ("/clusters/c1/updates", Some("status=x"))
        );
    }
}
