//! Which endpoint each service's calls go to: the options and the
//! environment resolved into a [`Target`] (see the module above for the
//! precedence). Pure: nothing here builds a client or opens a socket.

use std::fmt;

use super::{IN_PROCESS_URL, Service, Timeouts};

/// Every service at once.
const SHARED_ENV_VAR: &str = "AWS_ENDPOINT_URL";

/// What the user asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct TargetOptions {
    pub region: String,
    pub endpoint_url: Option<String>,
    /// Use real AWS (default credential chain, default endpoints).
    pub aws: bool,
    pub timeouts: Timeouts,
}

/// One service's endpoint, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    /// `--endpoint-url` or the variable's name.
    pub source: &'static str,
}

/// Where calls actually go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The embedded fake: in-process ([`IN_PROCESS_URL`]) or on a
    /// loopback port.
    Embedded { url: String },
    /// Endpoint URLs, per service; `None` for a service the command does
    /// not use and that no override names (its client refuses every call).
    Endpoint(Overrides),
    /// Real AWS, in this region.
    Aws { region: String },
}

impl Target {
    /// Fakes answer at once: poll them without waiting.
    pub fn is_fake_speed(&self) -> bool {
        !matches!(self, Target::Aws { .. })
    }

    pub fn is_embedded(&self) -> bool {
        matches!(self, Target::Embedded { .. })
    }

    /// Where a service's calls go, for messages.
    pub fn endpoint_of(&self, service: Service) -> String {
        match self {
            Target::Embedded { url } => url.clone(),
            Target::Endpoint(o) => o
                .of(service)
                .map_or_else(|| "no endpoint".to_owned(), |e| e.url.clone()),
            Target::Aws { region } => format!("https://{}.{region}.amazonaws.com", service.name()),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Embedded { url } if url == IN_PROCESS_URL => write!(
                f,
                "embedded fake-ec2, in-process (no socket, no AWS account, no network)"
            ),
            Target::Embedded { url } => {
                write!(f, "embedded fake-ec2 at {url} (no AWS account, no network)")
            }
            Target::Endpoint(o) => {
                let shown =
                    |s: &Service| !matches!(s, Service::Eks | Service::Sts) || o.of(*s).is_some();
                let services: Vec<Service> = Service::ALL.into_iter().filter(shown).collect();
                if let Some(first) = o.of(services[0])
                    && services.iter().all(|s| o.of(*s) == Some(first))
                {
                    let names: Vec<&str> = services.iter().map(|s| s.name()).collect();
                    let (last, rest) = names.split_last().expect("two services at least");
                    return write!(
                        f,
                        "endpoint {} (from {}) for {} and {last}",
                        first.url,
                        first.source,
                        rest.join(", ")
                    );
                }
                let mut sep = "endpoints ";
                for service in services {
                    let e = o.of(service);
                    f.write_str(sep)?;
                    match e {
                        Some(e) => write!(f, "{} {} (from {})", service.name(), e.url, e.source)?,
                        None => write!(f, "{} none (not used)", service.name())?,
                    }
                    sep = ", ";
                }
                Ok(())
            }
            Target::Aws { .. } => f.write_str("real AWS (default credential chain)"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// `--aws` together with an endpoint override.
    #[error("--aws targets real AWS and cannot be combined with an endpoint override ({0})")]
    Conflict(&'static str),
    /// Some services of the command have an override and another has none.
    #[error(
        "{set} points {set_service} at {url}, but nothing points {missing_service} anywhere but real AWS: \
         set {missing} too (or {SHARED_ENV_VAR} for every service), or pass --endpoint-url. \
         Without --aws no call goes to AWS."
    )]
    Partial {
        set: &'static str,
        set_service: &'static str,
        url: String,
        missing: &'static str,
        missing_service: &'static str,
    },
    /// An endpoint that is not an http(s) URL with a host.
    #[error(
        "{source_name}: '{value}' is not an endpoint URL ({why}); give one like http://127.0.0.1:4566"
    )]
    BadUrl {
        source_name: &'static str,
        value: String,
        why: String,
    },
    /// The embedded fake could not bind a loopback port.
    #[error("starting the embedded fake-ec2: {0}")]
    Embedded(#[from] std::io::Error),
}

/// The endpoints the options and environment ask for, per service; `None`
/// for a service the command does not use and that no override names (its
/// client refuses every call).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overrides {
    pub ec2: Option<Endpoint>,
    pub elb: Option<Endpoint>,
    pub eks: Option<Endpoint>,
    pub sts: Option<Endpoint>,
}

impl Overrides {
    pub fn of(&self, service: Service) -> Option<&Endpoint> {
        match service {
            Service::Ec2 => self.ec2.as_ref(),
            Service::Elbv2 => self.elb.as_ref(),
            Service::Eks => self.eks.as_ref(),
            Service::Sts => self.sts.as_ref(),
        }
    }

    fn any(&self) -> Option<&Endpoint> {
        Service::ALL.into_iter().find_map(|s| self.of(s))
    }

    pub(super) fn url(&self, service: Service) -> Option<&str> {
        self.of(service).map(|e| e.url.as_str())
    }
}

fn overrides(opts: &TargetOptions, env: &dyn Fn(&str) -> Option<String>) -> Overrides {
    let var = |name: &'static str| {
        env(name)
            .filter(|v| !v.is_empty())
            .map(|url| Endpoint { url, source: name })
    };
    let for_service = |service: Service| {
        if let Some(url) = &opts.endpoint_url {
            return Some(Endpoint {
                url: url.clone(),
                source: "--endpoint-url",
            });
        }
        if env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|v| v == "true") {
            return None;
        }
        var(service.env_var()).or_else(|| var(SHARED_ENV_VAR))
    };
    Overrides {
        ec2: for_service(Service::Ec2),
        elb: for_service(Service::Elbv2),
        eks: for_service(Service::Eks),
        sts: for_service(Service::Sts),
    }
}

fn check_url(e: &Endpoint) -> Result<(), TargetError> {
    let bad = |why: &str| TargetError::BadUrl {
        source_name: e.source,
        value: e.url.clone(),
        why: why.to_owned(),
    };
    let uri: http::Uri = e
        .url
        .parse()
        .map_err(|err: http::uri::InvalidUri| bad(&err.to_string()))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(other) => return Err(bad(&format!("scheme '{other}' is not http or https"))),
        None => return Err(bad("it has no http:// or https://")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    Ok(())
}

/// Where calls go for a command that uses `uses`, from the options and
/// the environment (`env` reads a variable). Pure: no client is built.
pub fn resolve(
    opts: &TargetOptions,
    env: &dyn Fn(&str) -> Option<String>,
    uses: &[Service],
) -> Result<Option<Target>, TargetError> {
    let o = overrides(opts, env);
    if opts.aws {
        return match o.any() {
            Some(e) => Err(TargetError::Conflict(e.source)),
            None => Ok(Some(Target::Aws {
                region: opts.region.clone(),
            })),
        };
    }
    let Some(set) = o.any().cloned() else {
        return Ok(None); // embedded: its URL is known once it listens
    };
    for e in Service::ALL.into_iter().filter_map(|s| o.of(s)) {
        check_url(e)?;
    }
    // STS is only asked which account this is: never required.
    for &service in uses.iter().filter(|s| **s != Service::Sts) {
        if o.of(service).is_none() {
            let set_service = Service::ALL
                .into_iter()
                .find(|s| o.of(*s).is_some())
                .unwrap_or(Service::Ec2);
            return Err(TargetError::Partial {
                set: set.source,
                set_service: set_service.name(),
                url: set.url,
                missing: service.env_var(),
                missing_service: service.name(),
            });
        }
    }
    Ok(Some(Target::Endpoint(o)))
}

/// The process environment, for [`resolve`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Whether the options and environment leave every call on the embedded fake.
pub fn is_embedded(opts: &TargetOptions) -> bool {
    !opts.aws && overrides(opts, &process_env).any().is_none()
}
