//! AWS call failures as people want to read them: the action, AWS's error
//! code and message (or, when no answer came, the transport cause in a few
//! words: connection refused, timed out, no credentials), the request id,
//! and nothing of the SDK's internals unless asked for (`chain`).

use std::error::Error as StdError;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::operation::RequestId;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::display::DisplayErrorContext;

use crate::target::{Service, Target};

/// A failed AWS call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{action} failed: {}", match .code { Some(c) => format!("{c}: {}", .message), None => .message.clone() })]
pub struct AwsCallError {
    pub action: &'static str,
    pub service: Service,
    /// AWS's error code, when the service answered with one.
    pub code: Option<String>,
    /// AWS's message, or the transport cause when no answer came.
    pub message: String,
    /// The id AWS gave the request, when it answered.
    pub request_id: Option<String>,
    /// The whole error chain, for `-v`.
    pub chain: String,
}

impl AwsCallError {
    /// One line: the call, where it went, AWS's code and message or the
    /// transport cause, and the request id.
    pub fn line(&self, target: &Target) -> String {
        let mut s = format!(
            "{} to {} failed: ",
            self.action,
            target.endpoint_of(self.service)
        );
        if let Some(c) = &self.code {
            s.push_str(c);
            s.push_str(": ");
        }
        s.push_str(&self.message);
        if let Some(id) = &self.request_id {
            s.push_str(&format!(" (request id {id})"));
        }
        s
    }
}

/// The service whose SDK defined the operation error `E`.
fn service_of<E>() -> Service {
    // Classic ELB (`aws_sdk_elasticloadbalancing`) shares ELBv2's endpoint.
    let name = std::any::type_name::<E>();
    if name.starts_with("aws_sdk_elasticloadbalancing") {
        Service::Elbv2
    } else if name.starts_with("aws_sdk_eks") {
        Service::Eks
    } else if name.starts_with("aws_sdk_sts") {
        Service::Sts
    } else {
        Service::Ec2
    }
}

/// Every error in the chain, outermost first.
fn chain<'a>(
    e: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(e), |e: &&'a (dyn StdError + 'static)| (*e).source())
}

/// The innermost error's own words, on one line.
fn innermost(e: &(dyn StdError + 'static)) -> String {
    let text = chain(e).last().map(ToString::to_string).unwrap_or_default();
    text.lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches(':')
        .to_owned()
}

/// Why a call got no answer from AWS, in a few words.
fn transport_cause<E>(e: &SdkError<E, Response>) -> String
where
    E: StdError + 'static,
{
    let all: &(dyn StdError + 'static) = e;
    if chain(all).any(|c| c.downcast_ref::<CredentialsError>().is_some()) {
        return "no credentials found in the chain (environment variables, shared config and \
                credentials files, web identity token, container, instance metadata): set \
                AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            .to_owned();
    }
    if let Some(io) = chain(all).find_map(|c| c.downcast_ref::<std::io::Error>()) {
        use std::io::ErrorKind as K;
        let what = match io.kind() {
            K::ConnectionRefused => Some("connection refused"),
            K::ConnectionReset => Some("connection reset"),
            K::ConnectionAborted => Some("connection aborted"),
            K::TimedOut => Some("timed out"),
            K::NotConnected | K::BrokenPipe | K::UnexpectedEof => Some("the connection closed"),
            _ => None,
        };
        if let Some(what) = what {
            return what.to_owned();
        }
    }
    match e {
        SdkError::TimeoutError(_) => format!("timed out: {}", innermost(all)),
        SdkError::DispatchFailure(d) if d.is_timeout() => {
            format!("timed out connecting: {}", innermost(all))
        }
        SdkError::ResponseError(_) => format!("the answer could not be read: {}", innermost(all)),
        _ => innermost(all),
    }
}

pub fn aws_error<E>(action: &'static str, e: SdkError<E, Response>) -> AwsCallError
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    let request_id = e
        .request_id()
        .or_else(|| e.as_service_error().and_then(|s| s.meta().request_id()))
        .map(str::to_owned);
    let chain = DisplayErrorContext(&e).to_string();
    let service = service_of::<E>();
    match e.code() {
        Some(code) => AwsCallError {
            action,
            service,
            code: Some(code.to_owned()),
            message: e.message().unwrap_or_default().to_owned(),
            request_id,
            chain,
        },
        None => AwsCallError {
            action,
            service,
            code: None,
            message: transport_cause(&e),
            request_id,
            chain,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_comes_from_the_sdk_that_defined_the_error() {
        assert_eq!(
            service_of::<aws_sdk_ec2::operation::create_vpc::CreateVpcError>(),
            Service::Ec2
        );
        assert_eq!(
            service_of::<
                aws_sdk_elasticloadbalancingv2::operation::create_load_balancer::CreateLoadBalancerError,
            >(),
            Service::Elbv2
        );
        assert_eq!(
            service_of::<
                aws_sdk_elasticloadbalancing::operation::create_load_balancer::CreateLoadBalancerError,
            >(),
            Service::Elbv2
        );
        assert_eq!(
            service_of::<aws_sdk_eks::operation::create_cluster::CreateClusterError>(),
            Service::Eks
        );
    }

    /// A refused connection is one readable line naming the call and the
    /// endpoint; the SDK's chain is kept apart for `-v`.
    #[tokio::test]
    async fn a_refused_connection_reads_as_one_line() {
        // A port that was just free: nothing listens on it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}");
        let ec2 = crate::target::ec2_client(&url, "us-east-1");
        let e = ec2.describe_vpcs().send().await.unwrap_err();
        let e = aws_error("DescribeVpcs", e);
        assert_eq!(e.code, None);
        assert_eq!(e.message, "connection refused", "{e:?}");
        let target = Target::Embedded { url: url.clone() };
        assert_eq!(
            e.line(&target),
            format!("DescribeVpcs to {url} failed: connection refused")
        );
        assert!(e.chain.contains("dispatch failure"), "{}", e.chain);
    }

    /// An AWS refusal keeps AWS's code and message and adds the request id.
    #[tokio::test]
    async fn an_aws_refusal_carries_the_request_id() {
        let fake = fake_ec2::Fake::new();
        let server = fake.start().await.unwrap();
        let ec2 = crate::target::ec2_client(&server.url(), "us-east-1");
        let e = ec2
            .create_vpc()
            .cidr_block("10.0.0.0/8")
            .send()
            .await
            .unwrap_err();
        let e = aws_error("CreateVpc", e);
        assert_eq!(e.code.as_deref(), Some("InvalidVpc.Range"));
        let id = e.request_id.clone().expect("a request id");
        let line = e.line(&Target::Embedded { url: server.url() });
        assert!(
            line.starts_with(&format!(
                "CreateVpc to {} failed: InvalidVpc.Range: ",
                server.url()
            )),
            "{line}"
        );
        assert!(line.ends_with(&format!("(request id {id})")), "{line}");
    }
}
