//! Where AWS calls go: the embedded fake, an endpoint URL, or real AWS.
//!
//! Precedence for the endpoint follows the AWS SDKs: `--endpoint-url` (both
//! services), then the per-service variables `AWS_ENDPOINT_URL_EC2` and
//! `AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2`, then `AWS_ENDPOINT_URL`.
//! Real AWS needs the explicit `--aws` flag so nobody spends money by
//! accident, and refuses any endpoint override.

use std::fmt;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_sdk_ec2::config::{BehaviorVersion, Credentials, Region};

/// What the user asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct TargetOptions {
    pub region: String,
    pub endpoint_url: Option<String>,
    /// Use real AWS (default credential chain, default endpoints).
    pub aws: bool,
}

/// Where calls actually go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The in-process fake on a loopback port.
    Embedded { url: String },
    /// An endpoint URL, and where it came from.
    Endpoint { url: String, source: &'static str },
    /// Real AWS.
    Aws,
}

impl Target {
    /// Fakes answer at once: poll them without waiting.
    pub fn is_fake_speed(&self) -> bool {
        !matches!(self, Target::Aws)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Embedded { url } => {
                write!(f, "embedded fake-ec2 at {url} (no AWS account, no network)")
            }
            Target::Endpoint { url, source } => write!(f, "endpoint {url} (from {source})"),
            Target::Aws => f.write_str("real AWS (default credential chain)"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// `--aws` together with an endpoint override.
    #[error("--aws targets real AWS and cannot be combined with an endpoint override ({0})")]
    Conflict(&'static str),
    /// The embedded fake could not bind a loopback port.
    #[error("starting the embedded fake-ec2: {0}")]
    Embedded(#[from] std::io::Error),
}

/// Connected clients, plus the embedded fake when that is the target.
pub struct Clients {
    pub target: Target,
    pub region: String,
    pub ec2: aws_sdk_ec2::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    /// The embedded fake's handle (journal, state) and server, when embedded.
    pub fake: Option<(fake_ec2::Fake, fake_ec2::Server)>,
}

const ENV_VARS: [&str; 3] = [
    "AWS_ENDPOINT_URL_EC2",
    "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
    "AWS_ENDPOINT_URL",
];

/// The endpoint override the options and environment ask for, if any.
fn endpoint_override(opts: &TargetOptions) -> Option<(String, &'static str)> {
    if let Some(url) = &opts.endpoint_url {
        return Some((url.clone(), "--endpoint-url"));
    }
    if std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_ok_and(|v| v == "true") {
        return None;
    }
    ENV_VARS.into_iter().find_map(|var| {
        std::env::var(var)
            .ok()
            .filter(|url| !url.is_empty())
            .map(|url| (url, var))
    })
}

/// Credentials for a fake endpoint: any non-empty keys do.
fn placeholder_credentials() -> Credentials {
    Credentials::new(
        "AKIDPROVISIONER",
        "fake-endpoint-secret",
        None,
        None,
        "provisioner",
    )
}

/// Retries for throttling and 5xx: the SDK's standard mode, quick against a fake.
fn retry_config(fast: bool) -> RetryConfig {
    let r = RetryConfig::standard().with_max_attempts(8);
    if fast {
        r.with_initial_backoff(Duration::from_millis(5))
            .with_max_backoff(Duration::from_millis(200))
    } else {
        r.with_initial_backoff(Duration::from_secs(1))
            .with_max_backoff(Duration::from_secs(20))
    }
}

pub async fn connect(opts: &TargetOptions) -> Result<Clients, TargetError> {
    let region = Region::new(opts.region.clone());
    match (endpoint_override(opts), opts.aws) {
        (Some((_, source)), true) => Err(TargetError::Conflict(source)),
        (None, true) => {
            let conf = aws_config::defaults(BehaviorVersion::latest())
                .region(region)
                .retry_config(retry_config(false))
                .load()
                .await;
            Ok(Clients {
                target: Target::Aws,
                region: opts.region.clone(),
                ec2: aws_sdk_ec2::Client::new(&conf),
                elb: aws_sdk_elasticloadbalancingv2::Client::new(&conf),
                fake: None,
            })
        }
        (Some((url, source)), false) => {
            let mut loader = aws_config::defaults(BehaviorVersion::latest())
                .region(region)
                .retry_config(retry_config(true));
            // From the command line it applies to both services; the variables
            // are resolved by the SDK itself, per service.
            if source == "--endpoint-url" {
                loader = loader.endpoint_url(&url);
            }
            if std::env::var_os("AWS_ACCESS_KEY_ID").is_none()
                && std::env::var_os("AWS_PROFILE").is_none()
            {
                loader = loader.credentials_provider(placeholder_credentials());
            }
            let conf = loader.load().await;
            Ok(Clients {
                target: Target::Endpoint { url, source },
                region: opts.region.clone(),
                ec2: aws_sdk_ec2::Client::new(&conf),
                elb: aws_sdk_elasticloadbalancingv2::Client::new(&conf),
                fake: None,
            })
        }
        (None, false) => {
            let fake = fake_ec2::Fake::new();
            let server = fake.start().await?;
            let url = server.url();
            Ok(Clients {
                ec2: ec2_client(&url, &opts.region),
                elb: elb_client(&url, &opts.region),
                target: Target::Embedded { url },
                region: opts.region.clone(),
                fake: Some((fake, server)),
            })
        }
    }
}

/// An EC2 client for a fake endpoint: fixed credentials, no environment.
pub fn ec2_client(url: &str, region: &str) -> aws_sdk_ec2::Client {
    let conf = aws_sdk_ec2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(placeholder_credentials())
        .retry_config(retry_config(true))
        .endpoint_url(url)
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

/// An ELBv2 client for a fake endpoint, set up like [`ec2_client`].
pub fn elb_client(url: &str, region: &str) -> aws_sdk_elasticloadbalancingv2::Client {
    let conf = aws_sdk_elasticloadbalancingv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(placeholder_credentials())
        .retry_config(retry_config(true))
        .endpoint_url(url)
        .build();
    aws_sdk_elasticloadbalancingv2::Client::from_conf(conf)
}

impl Clients {
    /// Clients for a fake that the caller already runs (tests, scenarios).
    pub fn for_fake(fake: fake_ec2::Fake, server: fake_ec2::Server, region: &str) -> Self {
        let url = server.url();
        Clients {
            ec2: ec2_client(&url, region),
            elb: elb_client(&url, region),
            target: Target::Embedded { url },
            region: region.to_owned(),
            fake: Some((fake, server)),
        }
    }
}
