//! Where AWS calls go: the embedded fake, an endpoint URL, or real AWS.
//!
//! Precedence for each service's endpoint follows the AWS SDKs:
//! `--endpoint-url` (every service), then the service's own variable
//! (`AWS_ENDPOINT_URL_EC2`, `AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2`,
//! `AWS_ENDPOINT_URL_EKS`, `AWS_ENDPOINT_URL_STS`),
//! then `AWS_ENDPOINT_URL`; `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`
//! ignores the variables. The SDK never resolves an endpoint by itself
//! here: the provisioner resolves one per service and sets it on each
//! client, so without `--aws` no call can leave for an AWS host. An
//! override that covers some of the services a command uses and not the
//! others is refused, naming the variable that is missing; a service the
//! command does not use gets a client that refuses every call.
//! Real AWS needs the explicit `--aws` flag so nobody spends money by
//! accident, and refuses any endpoint override.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_config::identity::IdentityCache;
use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_ec2::config::retry::{RetryPartition, TokenBucket};
use aws_sdk_ec2::config::{Credentials, Region, SharedHttpClient};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// An AWS service the provisioner calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    Ec2,
    Elbv2,
    Eks,
    /// Only asked which account the credentials are (GetCallerIdentity):
    /// no command needs it, so no override is required for it.
    Sts,
}

impl Service {
    pub const ALL: [Service; 4] = [Service::Ec2, Service::Elbv2, Service::Eks, Service::Sts];

    /// The name in SigV4 scopes and AWS hostnames.
    pub fn name(self) -> &'static str {
        match self {
            Service::Ec2 => "ec2",
            Service::Elbv2 => "elasticloadbalancing",
            Service::Eks => "eks",
            Service::Sts => "sts",
        }
    }

    /// The variable that points this service alone at an endpoint.
    pub fn env_var(self) -> &'static str {
        match self {
            Service::Ec2 => "AWS_ENDPOINT_URL_EC2",
            Service::Elbv2 => "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
            Service::Eks => "AWS_ENDPOINT_URL_EKS",
            Service::Sts => "AWS_ENDPOINT_URL_STS",
        }
    }
}

/// How long an AWS call may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To open a connection.
    pub connect: Duration,
    /// One call, retries included.
    pub call: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            call: Duration::from_secs(60),
        }
    }
}

impl Timeouts {
    fn config(self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .operation_attempt_timeout(self.call)
            .operation_timeout(self.call)
            .build()
    }
}

/// Connected clients, plus the embedded fake when that is the target.
pub struct Clients {
    pub target: Target,
    pub region: String,
    pub ec2: aws_sdk_ec2::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    /// Classic ELB (API 2012-06-01): the same service and endpoint as ELBv2.
    pub elb_classic: aws_sdk_elasticloadbalancing::Client,
    pub eks: aws_sdk_eks::Client,
    /// Asked only which account the credentials are.
    pub sts: aws_sdk_sts::Client,
    /// The embedded fake's handle (journal, state) and, when it answers on
    /// a loopback port rather than in-process, its server.
    pub fake: Option<(fake_ec2::Fake, Option<fake_ec2::Server>)>,
    /// Every call these clients made.
    pub calls: CallLog,
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

/// The HTTP client of a service that no endpoint was given for: every call
/// fails before anything is sent, so nothing reaches AWS by default.
#[derive(Debug, Clone, Copy)]
struct NoEndpoint(Service);

impl HttpConnector for NoEndpoint {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        let message = format!(
            "no endpoint is configured for {} (set {} or pass --endpoint-url); nothing was sent",
            self.0.name(),
            self.0.env_var()
        );
        HttpConnectorFuture::ready(Err(ConnectorError::user(message.into())))
    }
}

impl HttpClient for NoEndpoint {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(*self)
    }
}

/// A retry partition of its own, with its own retry quota (token bucket).
/// By default every client of a service in the process shares one quota,
/// so the fault-injecting fakes of one test drain another's retries.
fn own_retry_partition(service: Service) -> RetryPartition {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    RetryPartition::custom(format!("{}-{n}", service.name()))
        .token_bucket(TokenBucket::default())
        .build()
}

/// `fn $name(conf, endpoint) -> $sdk::Client`: a client of `conf` sent to
/// `endpoint` with a retry quota of its own, or, without one, a client
/// whose every call fails before anything is sent ([`NoEndpoint`]).
macro_rules! client_from {
    ($($name:ident: $sdk:ident, $service:expr;)*) => {$(
        fn $name(conf: &SdkConfig, endpoint: Option<&str>, calls: Option<&CallLog>) -> $sdk::Client {
            let mut b = $sdk::config::Builder::from(conf);
            if let Some(log) = calls {
                b = b.interceptor(log.recorder());
            }
            if conf.credentials_provider().is_none() {
                // Only `SdkLayers { signing: false, .. }` leaves it out.
                b = b.allow_no_auth();
            }
            let b = match endpoint {
                Some(url) => b
                    .retry_partition(own_retry_partition($service))
                    .endpoint_url(url),
                None => b.http_client(SharedHttpClient::new(NoEndpoint($service))),
            };
            $sdk::Client::from_conf(b.build())
        }
    )*};
}

client_from! {
    ec2_from: aws_sdk_ec2, Service::Ec2;
    elb_from: aws_sdk_elasticloadbalancingv2, Service::Elbv2;
    // Classic ELB is ELBv2's service and endpoint.
    classic_from: aws_sdk_elasticloadbalancing, Service::Elbv2;
    eks_from: aws_sdk_eks, Service::Eks;
    sts_from: aws_sdk_sts, Service::Sts;
}

/// The SDK's default HTTPS client (hyper 1, rustls with aws-lc, the
/// proxy the environment names), made once for a set of clients: each
/// SDK client left to make its own reads the system's root certificates
/// again (about 6% of the cross product's CPU when five clients did it
/// for every run). One per set rather than one per process: a pooled
/// connection belongs to the tokio runtime that opened it, and tests run
/// one runtime each.
pub fn https_client() -> SharedHttpClient {
    use aws_smithy_http_client::{Builder, ConnectorBuilder, proxy::ProxyConfig, tls};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut b = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        b.set_connector_settings(settings.cloned());
        if let Some(c) = components {
            b.set_sleep_impl(c.sleep_impl());
        }
        b.set_proxy_config(Some(ProxyConfig::from_env()));
        b.build()
    })
}

/// Settings shared by every client of a fake (embedded or by URL), sent
/// through `http` ([`https_client`], or the in-process one).
fn fake_config(region: &str, timeouts: Timeouts, http: SharedHttpClient) -> SdkConfig {
    layered_config(region, timeouts, http, SdkLayers::ALL)
}

/// What the SDK does on every call beside serializing the request and
/// parsing the answer. Each can be turned off to measure what it costs
/// (the apply bench's floor section). Clients of real AWS and of an
/// endpoint keep them all on ([`SdkLayers::ALL`]); the in-process clients
/// of the embedded default turn stalled-stream protection off
/// ([`SdkLayers::IN_PROCESS`]). EC2, ELB, EKS and STS take no request
/// checksums, so there is no checksum layer to turn off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdkLayers {
    /// SigV4 signing with the placeholder credentials; off, requests go
    /// unsigned, and the fake, which reads the account, region and service
    /// from the signature's scope, answers them in its default region.
    pub signing: bool,
    /// The standard retry strategy and its token bucket; off, one attempt.
    pub retries: bool,
    /// The stalled-stream check on every request and answer body.
    pub stalled_stream_protection: bool,
    /// The identity cache in front of the credentials provider; off, the
    /// provider is asked on every call.
    pub identity_cache: bool,
}

impl SdkLayers {
    /// Every layer on: clients of real AWS and of an endpoint.
    pub const ALL: SdkLayers = SdkLayers {
        signing: true,
        retries: true,
        stalled_stream_protection: true,
        identity_cache: true,
    };

    /// The in-process clients of the embedded default. Stalled-stream
    /// protection watches a body's throughput with timers so a network
    /// transfer that stops is cut off; an in-process body is one buffer
    /// already in memory and cannot stall, and the watch cost a fifth of
    /// an in-process apply (docs/benchmarks.md, "The SDK's floor").
    /// Signing stays (the fake reads the account, region and service from
    /// the signature's scope, and can check the signature), and so do
    /// retries (fault rules inject throttling and
    /// 500s the provisioner must ride out); the identity cache costs
    /// nothing measurable.
    pub const IN_PROCESS: SdkLayers = SdkLayers {
        stalled_stream_protection: false,
        ..SdkLayers::ALL
    };
}

fn layered_config(
    region: &str,
    timeouts: Timeouts,
    http: SharedHttpClient,
    layers: SdkLayers,
) -> SdkConfig {
    let mut b = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(http)
        .region(Region::new(region.to_owned()))
        .timeout_config(timeouts.config());
    if layers.signing {
        b = b.credentials_provider(aws_sdk_ec2::config::SharedCredentialsProvider::new(
            placeholder_credentials(),
        ));
    }
    b = b.retry_config(if layers.retries {
        retry_config(true)
    } else {
        RetryConfig::disabled()
    });
    if !layers.stalled_stream_protection {
        b = b.stalled_stream_protection(StalledStreamProtectionConfig::disabled());
    }
    if !layers.identity_cache {
        b = b.identity_cache(IdentityCache::no_cache());
    }
    b.build()
}

/// Connects to where `opts` and the environment point, for a command that
/// calls the services in `uses`.
pub async fn connect(opts: &TargetOptions, uses: &[Service]) -> Result<Clients, TargetError> {
    let region = Region::new(opts.region.clone());
    match resolve(opts, &process_env, uses)? {
        Some(target @ Target::Aws { .. }) => {
            let conf = aws_config::defaults(BehaviorVersion::latest())
                .region(region)
                .http_client(https_client())
                .retry_config(retry_config(false))
                .timeout_config(opts.timeouts.config())
                .load()
                .await;
            let calls = CallLog::default();
            Ok(Clients {
                target,
                region: opts.region.clone(),
                ec2: aws_sdk_ec2::Client::from_conf(
                    aws_sdk_ec2::config::Builder::from(&conf)
                        .interceptor(calls.recorder())
                        .build(),
                ),
                elb: aws_sdk_elasticloadbalancingv2::Client::from_conf(
                    aws_sdk_elasticloadbalancingv2::config::Builder::from(&conf)
                        .interceptor(calls.recorder())
                        .build(),
                ),
                elb_classic: aws_sdk_elasticloadbalancing::Client::from_conf(
                    aws_sdk_elasticloadbalancing::config::Builder::from(&conf)
                        .interceptor(calls.recorder())
                        .build(),
                ),
                eks: aws_sdk_eks::Client::from_conf(
                    aws_sdk_eks::config::Builder::from(&conf)
                        .interceptor(calls.recorder())
                        .build(),
                ),
                sts: aws_sdk_sts::Client::from_conf(
                    aws_sdk_sts::config::Builder::from(&conf)
                        .interceptor(calls.recorder())
                        .build(),
                ),
                fake: None,
                calls,
            })
        }
        Some(Target::Endpoint(o)) => {
            let mut loader = aws_config::defaults(BehaviorVersion::latest())
                .region(region)
                .http_client(https_client())
                .retry_config(retry_config(true))
                .timeout_config(opts.timeouts.config());
            if std::env::var_os("AWS_ACCESS_KEY_ID").is_none()
                && std::env::var_os("AWS_PROFILE").is_none()
            {
                loader = loader.credentials_provider(placeholder_credentials());
            }
            let conf = loader.load().await;
            let calls = CallLog::default();
            Ok(Clients {
                ec2: ec2_from(&conf, o.url(Service::Ec2), Some(&calls)),
                elb: elb_from(&conf, o.url(Service::Elbv2), Some(&calls)),
                elb_classic: classic_from(&conf, o.url(Service::Elbv2), Some(&calls)),
                eks: eks_from(&conf, o.url(Service::Eks), Some(&calls)),
                sts: sts_from(&conf, o.url(Service::Sts), Some(&calls)),
                target: Target::Endpoint(o),
                region: opts.region.clone(),
                fake: None,
                calls,
            })
        }
        Some(Target::Embedded { .. }) | None => {
            let fake = embedded_fake(fake_ec2::Seed::default(), &opts.region)
                .expect("the embedded account's world is valid (a unit test loads it)");
            Ok(Clients::in_process(fake, &opts.region, opts.timeouts))
        }
    }
}

/// An EC2 client for a fake endpoint: fixed credentials, no environment.
pub fn ec2_client(url: &str, region: &str) -> aws_sdk_ec2::Client {
    ec2_from(
        &fake_config(region, Timeouts::default(), https_client()),
        Some(url),
        None,
    )
}

/// An ELBv2 client for a fake endpoint, set up like [`ec2_client`].
pub fn elb_client(url: &str, region: &str) -> aws_sdk_elasticloadbalancingv2::Client {
    elb_from(
        &fake_config(region, Timeouts::default(), https_client()),
        Some(url),
        None,
    )
}

/// An EKS client for a fake endpoint, set up like [`ec2_client`].
pub fn eks_client(url: &str, region: &str) -> aws_sdk_eks::Client {
    eks_from(
        &fake_config(region, Timeouts::default(), https_client()),
        Some(url),
        None,
    )
}

/// An STS client for a fake endpoint, set up like [`ec2_client`].
pub fn sts_client(url: &str, region: &str) -> aws_sdk_sts::Client {
    sts_from(
        &fake_config(region, Timeouts::default(), https_client()),
        Some(url),
        None,
    )
}

/// A classic ELB client for a fake endpoint, set up like [`ec2_client`].
pub fn classic_elb_client(url: &str, region: &str) -> aws_sdk_elasticloadbalancing::Client {
    classic_from(
        &fake_config(region, Timeouts::default(), https_client()),
        Some(url),
        None,
    )
}

impl Clients {
    /// Clients for a fake that the caller already runs (tests, scenarios).
    pub fn for_fake(fake: fake_ec2::Fake, server: fake_ec2::Server, region: &str) -> Self {
        let url = server.url();
        let conf = fake_config(region, Timeouts::default(), https_client());
        let calls = CallLog::default();
        Clients {
            ec2: ec2_from(&conf, Some(&url), Some(&calls)),
            elb: elb_from(&conf, Some(&url), Some(&calls)),
            elb_classic: classic_from(&conf, Some(&url), Some(&calls)),
            eks: eks_from(&conf, Some(&url), Some(&calls)),
            sts: sts_from(&conf, Some(&url), Some(&calls)),
            target: Target::Embedded { url },
            region: region.to_owned(),
            fake: Some((fake, Some(server))),
            calls,
        }
    }

    /// Clients that hand every request to `fake` in-process: no socket,
    /// no port (see `in_process`). What the embedded default uses.
    pub fn in_process(fake: fake_ec2::Fake, region: &str, timeouts: Timeouts) -> Self {
        let http = in_process::http_client(fake.clone());
        Self::over(http, fake, region, timeouts, SdkLayers::IN_PROCESS)
    }

    /// Clients of the embedded `fake` whose requests go through `http`
    /// with the SDK layers `layers` (the apply bench: canned answers, and
    /// what each layer costs). [`Clients::in_process`] is this with the
    /// in-process transport and [`SdkLayers::IN_PROCESS`].
    pub fn over(
        http: SharedHttpClient,
        fake: fake_ec2::Fake,
        region: &str,
        timeouts: Timeouts,
        layers: SdkLayers,
    ) -> Self {
        let conf = layered_config(region, timeouts, http, layers);
        let url = Some(IN_PROCESS_URL);
        let calls = CallLog::default();
        Clients {
            ec2: ec2_from(&conf, url, Some(&calls)),
            elb: elb_from(&conf, url, Some(&calls)),
            elb_classic: classic_from(&conf, url, Some(&calls)),
            eks: eks_from(&conf, url, Some(&calls)),
            sts: sts_from(&conf, url, Some(&calls)),
            target: Target::Embedded {
                url: IN_PROCESS_URL.to_owned(),
            },
            region: region.to_owned(),
            fake: Some((fake, None)),
            calls,
        }
    }

    /// Clients for a fake at `url` that someone else runs (benches).
    pub fn for_endpoint(url: &str, source: &'static str, region: &str) -> Self {
        let e = Endpoint {
            url: url.to_owned(),
            source,
        };
        let conf = fake_config(region, Timeouts::default(), https_client());
        let calls = CallLog::default();
        Clients {
            ec2: ec2_from(&conf, Some(url), Some(&calls)),
            elb: elb_from(&conf, Some(url), Some(&calls)),
            elb_classic: classic_from(&conf, Some(url), Some(&calls)),
            eks: eks_from(&conf, Some(url), Some(&calls)),
            sts: sts_from(&conf, Some(url), Some(&calls)),
            target: Target::Endpoint(Overrides {
                ec2: Some(e.clone()),
                elb: Some(e.clone()),
                eks: Some(e.clone()),
                sts: Some(e),
            }),
            region: region.to_owned(),
            fake: None,
            calls,
        }
    }
}

/// The public half of the key pair the embedded account holds as
/// `default` (the project's own ED25519 key; nobody has its private half).
pub const EMBEDDED_DEFAULT_PUBLIC_KEY: &str = "ssh-ed25519 \
    AAAAC3NzaC1lZDI1NTE5AAAAIAn8wsVb4yA5ra9pHViFe1Ewq7uZuAi7pHsa7S+lgqLS capa-ipv6-net-default";

/// The world of the embedded fake: a real account's (`world` as given,
/// with its default VPCs), set up as CAPA's quick start asks: `region`
/// holds a key pair named `default`, the one CAPA launches machines with
/// when no `sshKeyName` is set. A world that lists `key_pairs` for the
/// region (even `[]`) keeps its own list.
pub fn embedded_world(mut world: fake_ec2::Seed, region: &str) -> fake_ec2::Seed {
    let rs = world.regions.entry(region.to_owned()).or_default();
    rs.key_pairs.get_or_insert_with(|| {
        vec![fake_ec2::seed::KeyPairSeed {
            key_name: crate::model::DEFAULT_SSH_KEY_NAME.to_owned(),
            public_key: EMBEDDED_DEFAULT_PUBLIC_KEY.to_owned(),
            key_pair_id: None,
            tags: Default::default(),
        }]
    });
    world
}

/// An embedded fake with [`embedded_world`].
pub fn embedded_fake(world: fake_ec2::Seed, region: &str) -> Result<fake_ec2::Fake, String> {
    fake_ec2::Fake::from_seed(embedded_world(world, region)).map_err(|e| format!("world: {e}"))
}

impl Clients {
    /// The account the credentials are, as STS's GetCallerIdentity names
    /// it; or why it is not known (no STS endpoint, or the call failed).
    /// Nothing depends on it: it is shown, so a user sees where changes go.
    pub async fn account(&self) -> Result<String, String> {
        if let Target::Endpoint(o) = &self.target
            && o.sts.is_none()
        {
            return Err(format!(
                "no STS endpoint (set {} to see it)",
                Service::Sts.env_var()
            ));
        }
        match self.sts.get_caller_identity().send().await {
            Ok(out) => out
                .account()
                .map(str::to_owned)
                .ok_or_else(|| "GetCallerIdentity answered without Account".to_owned()),
            Err(e) => Err(crate::aws_error::aws_error("GetCallerIdentity", e).to_string()),
        }
    }
}

mod calls;
mod endpoint;
mod in_process;

pub use calls::{CallLog, CallRecord};
pub use endpoint::{
    Endpoint, Overrides, Target, TargetError, TargetOptions, is_embedded, process_env, resolve,
};
pub use in_process::{IN_PROCESS_URL, http_client as in_process_http_client};

#[cfg(test)]
mod tests;
