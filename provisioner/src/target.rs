//! Where AWS calls go: the embedded fake, an endpoint URL, or real AWS.
//!
//! Precedence for the endpoint follows the AWS SDKs: `--endpoint-url`, then
//! `AWS_ENDPOINT_URL_EC2`, then `AWS_ENDPOINT_URL`. Real AWS needs the
//! explicit `--aws` flag so nobody spends money by accident.

use std::fmt;

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
    /// The embedded fake's handle (journal, state) and server, when embedded.
    pub fake: Option<(fake_ec2::Fake, fake_ec2::Server)>,
}

/// The endpoint override the options and environment ask for, if any.
fn endpoint_override(opts: &TargetOptions) -> Option<(String, &'static str)> {
    if let Some(url) = &opts.endpoint_url {
        return Some((url.clone(), "--endpoint-url"));
    }
    for var in ["AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL"] {
        if let Ok(url) = std::env::var(var)
            && !url.is_empty()
        {
            let source = if var == "AWS_ENDPOINT_URL_EC2" {
                "AWS_ENDPOINT_URL_EC2"
            } else {
                "AWS_ENDPOINT_URL"
            };
            return Some((url, source));
        }
    }
    None
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

pub async fn connect(opts: &TargetOptions) -> Result<Clients, TargetError> {
    let region = Region::new(opts.region.clone());
    match (endpoint_override(opts), opts.aws) {
        (Some((_, source)), true) => Err(TargetError::Conflict(source)),
        (None, true) => {
            let conf = aws_config::defaults(BehaviorVersion::latest())
                .region(region)
                .load()
                .await;
            Ok(Clients {
                target: Target::Aws,
                region: opts.region.clone(),
                ec2: aws_sdk_ec2::Client::new(&conf),
                fake: None,
            })
        }
        (Some((url, source)), false) => {
            let mut loader = aws_config::defaults(BehaviorVersion::latest())
                .region(region)
                .endpoint_url(&url);
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
                fake: None,
            })
        }
        (None, false) => {
            let fake = fake_ec2::Fake::new();
            let server = fake.start().await?;
            let url = server.url();
            let conf = aws_sdk_ec2::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(region)
                .credentials_provider(placeholder_credentials())
                .endpoint_url(&url)
                .build();
            Ok(Clients {
                target: Target::Embedded { url },
                region: opts.region.clone(),
                ec2: aws_sdk_ec2::Client::from_conf(conf),
                fake: Some((fake, server)),
            })
        }
    }
}
