//! What `apply` and `destroy` share: the kinds of resource and what can
//! happen to one ([`Kind`], [`Action`], [`Change`]), the errors, and one
//! [`Kit`] that makes every AWS call with its kind, name and retry policy
//! ([`call`]), polls a resource until it settles, records the changes,
//! and runs independent steps together.

pub mod call;
pub mod resource;

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use aws_sdk_elasticloadbalancingv2 as elbv2;
use futures_util::future::try_join_all;
use serde::Serialize;

use crate::aws_error::AwsCallError;
use crate::plan::tags;
use crate::sdk::filter;

pub use call::Call;
pub use resource::{Resource, Tagged, existing_id, made_id};

/// The kinds of resource the provisioner makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Vpc,
    IpamPool,
    Subnet,
    InternetGateway,
    EgressOnlyInternetGateway,
    CarrierGateway,
    ElasticIp,
    NatGateway,
    RouteTable,
    VpcEndpoint,
    SecurityGroup,
    LoadBalancer,
    ClassicLoadBalancer,
    TargetGroup,
    Listener,
    Instance,
    Target,
    EksCluster,
    EksAddon,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vpc => "vpc",
            Kind::IpamPool => "ipam-pool",
            Kind::Subnet => "subnet",
            Kind::InternetGateway => "internet-gateway",
            Kind::EgressOnlyInternetGateway => "egress-only-internet-gateway",
            Kind::CarrierGateway => "carrier-gateway",
            Kind::ElasticIp => "elastic-ip",
            Kind::NatGateway => "nat-gateway",
            Kind::RouteTable => "route-table",
            Kind::VpcEndpoint => "vpc-endpoint",
            Kind::SecurityGroup => "security-group",
            Kind::LoadBalancer => "load-balancer",
            Kind::ClassicLoadBalancer => "classic-load-balancer",
            Kind::TargetGroup => "target-group",
            Kind::Listener => "listener",
            Kind::Instance => "instance",
            Kind::Target => "target",
            Kind::EksCluster => "eks-cluster",
            Kind::EksAddon => "eks-addon",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// What happened to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Create,
    Exists,
    Update,
    /// A dry run: it would be created.
    WouldCreate,
    /// A dry run: it would be changed.
    WouldUpdate,
    Delete,
    /// A dry run: it would be deleted (an apply that scales down).
    WouldDelete,
    /// A target registered with a target group.
    Register,
    /// A target taken out of a target group (a control-plane machine scaled away).
    Deregister,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Exists => "exists",
            Action::Update => "update",
            Action::WouldCreate => "would-create",
            Action::WouldUpdate => "would-update",
            Action::Delete => "delete",
            Action::WouldDelete => "would-delete",
            Action::Register => "register",
            Action::Deregister => "deregister",
        }
    }

    /// Creates, real or in a dry run.
    pub fn is_create(self) -> bool {
        matches!(self, Action::Create | Action::WouldCreate)
    }

    /// Deleted, or would be in a dry run.
    pub fn is_delete(self) -> bool {
        matches!(self, Action::Delete | Action::WouldDelete)
    }

    /// Updates, real or in a dry run.
    pub fn is_update(self) -> bool {
        matches!(self, Action::Update | Action::WouldUpdate)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// What happened to one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub action: Action,
    pub kind: Kind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A repair of drift that CAPA's reconcile would leave as it is (a
    /// missing route, a subnet attribute after creation, the load
    /// balancer's IP address type).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub capa_would_not_repair: bool,
}

/// What an apply or destroy is doing, as it happens.
#[derive(Debug, Clone, Copy)]
pub enum Event<'e> {
    /// A resource was created, changed, found or deleted.
    Change(&'e Change),
    /// Still waiting for `kind name`: `why` says its state; `elapsed` since
    /// the wait began.
    Waiting {
        kind: Kind,
        name: &'e str,
        why: &'e str,
        elapsed: Duration,
    },
    /// The wait for `kind name` is over, after `elapsed`.
    Ready {
        kind: Kind,
        name: &'e str,
        elapsed: Duration,
    },
}

/// Called with each [`Event`] as it happens (progress on a terminal, wait
/// lines elsewhere).
#[derive(Clone)]
pub struct Progress(pub Arc<dyn Fn(Event<'_>) + Send + Sync>);

/// A wait that ended: for what, and how long it took.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waited {
    pub kind: Kind,
    pub name: String,
    pub seconds: f64,
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Progress")
    }
}

/// Why an apply or destroy stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An AWS call failed for a resource.
    #[error("{kind} {name}: {source}")]
    Aws {
        kind: Kind,
        name: String,
        source: Box<AwsCallError>,
    },
    /// A resource did not reach the state it needs.
    #[error("{kind} {name}: {message}")]
    Stuck {
        kind: Kind,
        name: String,
        message: String,
    },
    /// AWS answered a call without a field the next step needs (an id).
    #[error("{kind} {name}: {action} answered without {field}")]
    Incomplete {
        kind: Kind,
        name: String,
        action: &'static str,
        field: &'static str,
    },
}

impl Error {
    /// The AWS error code, when AWS refused a call.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Aws { source, .. } => source.code.as_deref(),
            Error::Stuck { .. } | Error::Incomplete { .. } => None,
        }
    }

    pub fn stuck(kind: Kind, name: &str, message: impl Into<String>) -> Self {
        Error::Stuck {
            kind,
            name: name.to_owned(),
            message: message.into(),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// How often and how long to poll a resource that is settling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Polling {
    /// Time between polls.
    pub interval: Duration,
    /// Polls after the first before giving up.
    pub max_polls: u32,
}

impl Polling {
    /// None to speak of for a fake; minutes for AWS.
    pub fn for_target(fast: bool) -> Self {
        Self {
            interval: if fast {
                Duration::from_millis(2)
            } else {
                Duration::from_secs(5)
            },
            max_polls: if fast { 200 } else { 180 },
        }
    }
}

/// One poll's verdict.
pub enum Step<T> {
    Done(T),
    /// Not yet; what to say if it never settles.
    Wait(String),
}

impl Step<()> {
    /// Done when `done`, else waiting for the reason `why`.
    pub fn done_when(done: bool, why: &str) -> Self {
        if done {
            Step::Done(())
        } else {
            Step::Wait(why.to_owned())
        }
    }
}

/// Ids of resources a dry run has not created are placeholders.
const PENDING: &str = "pending:";

/// Whether an id is a real one (not a dry run's placeholder).
pub fn is_real(id: &str) -> bool {
    !id.starts_with(PENDING)
}

/// The placeholder id of what a dry run would create.
pub fn pending(name: &str) -> String {
    format!("{PENDING}{name}")
}

/// An id (or other field) AWS sent back, or the error that it did not: a
/// missing id is never sent on as "".
pub fn need(
    kind: Kind,
    name: &str,
    action: &'static str,
    field: &'static str,
    value: Option<&str>,
) -> Result<String> {
    value
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Error::Incomplete {
            kind,
            name: name.to_owned(),
            action,
            field,
        })
}

/// An apply's or destroy's clients, settings and record of changes.
pub struct Kit<'a> {
    pub ec2: &'a aws_sdk_ec2::Client,
    pub elb: &'a elbv2::Client,
    pub classic: &'a aws_sdk_elasticloadbalancing::Client,
    pub eks: &'a aws_sdk_eks::Client,
    pub cluster: &'a str,
    pub dry_run: bool,
    /// One call at a time, in a fixed order (scenario journals).
    pub sequential: bool,
    pub polling: Polling,
    progress: Option<Progress>,
    changes: Mutex<Vec<Change>>,
    waits: Mutex<Vec<Waited>>,
}

impl<'a> Kit<'a> {
    pub fn new(
        clients: &'a crate::target::Clients,
        cluster: &'a str,
        polling: Polling,
        sequential: bool,
        progress: Option<Progress>,
    ) -> Self {
        Self {
            ec2: &clients.ec2,
            elb: &clients.elb,
            classic: &clients.elb_classic,
            eks: &clients.eks,
            cluster,
            dry_run: false,
            sequential,
            polling,
            progress,
            changes: Mutex::new(Vec::new()),
            waits: Mutex::new(Vec::new()),
        }
    }

    /// A call about a resource: its kind and name go in any error.
    pub fn call(&self, kind: Kind, name: &str, action: &'static str) -> Call<'_> {
        Call::new(self, kind, name, action)
    }

    pub fn record(
        &self,
        action: Action,
        kind: Kind,
        name: &str,
        id: Option<&str>,
        detail: Option<String>,
    ) {
        let change = Change {
            action,
            kind,
            name: name.to_owned(),
            id: id.filter(|i| is_real(i)).map(str::to_owned),
            detail,
            capa_would_not_repair: false,
        };
        if let Some(p) = &self.progress {
            (p.0)(Event::Change(&change));
        }
        self.changes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(change);
    }

    pub fn created(&self, kind: Kind, name: &str, id: &str) {
        let action = if self.dry_run {
            Action::WouldCreate
        } else {
            Action::Create
        };
        self.record(action, kind, name, Some(id), None);
    }

    pub fn exists(&self, kind: Kind, name: &str, id: &str) {
        self.record(Action::Exists, kind, name, Some(id), None);
    }

    pub fn updated(&self, kind: Kind, name: &str, id: &str, detail: String) {
        let action = if self.dry_run {
            Action::WouldUpdate
        } else {
            Action::Update
        };
        self.record(action, kind, name, Some(id), Some(detail));
    }

    /// An update CAPA's reconcile would not make: the drift it repairs
    /// stays under CAPA.
    pub fn repaired_beyond_capa(&self, kind: Kind, name: &str, id: &str, detail: String) {
        self.updated(kind, name, id, detail);
        if let Some(last) = self
            .changes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last_mut()
        {
            last.capa_would_not_repair = true;
        }
    }

    pub fn deleted(&self, kind: Kind, name: &str, id: &str) {
        let action = if self.dry_run {
            Action::WouldDelete
        } else {
            Action::Delete
        };
        self.record(action, kind, name, Some(id), None);
    }

    /// Deletes `name` (`id`) by `action`, retried while something still
    /// depends on it and done when it is gone (see [`Call::delete`]), and
    /// records it as deleted.
    pub async fn remove<T, E, F, Fut>(
        &self,
        kind: Kind,
        (id, name): (&str, &str),
        action: &'static str,
        send: F,
    ) -> Result<()>
    where
        E: aws_sdk_ec2::error::ProvideErrorMetadata + std::error::Error + 'static,
        F: FnMut() -> Fut,
        Fut: Future<Output = call::SdkResult<T, E>>,
    {
        self.call(kind, name, action).delete(send).await?;
        self.deleted(kind, name, id);
        Ok(())
    }

    /// Every change so far, in the order they happened, and every wait
    /// that ended.
    pub fn into_parts(self) -> (Vec<Change>, Vec<Waited>) {
        (
            self.changes
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner),
            self.waits
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Resources that carry the cluster's tag, whatever its value.
    pub fn tagged(&self) -> aws_sdk_ec2::types::Filter {
        filter("tag-key", &[&tags::owned_key(self.cluster)])
    }

    /// Resources the cluster owns (`...cluster/<name>=owned`).
    pub fn owned(&self) -> aws_sdk_ec2::types::Filter {
        filter(
            &format!("tag:{}", tags::owned_key(self.cluster)),
            &["owned"],
        )
    }

    pub async fn sleep(&self) {
        tokio::time::sleep(self.polling.interval).await;
    }

    /// Polls until `check` says done, at most `max_polls` more times; the
    /// last `Wait` says why it gave up.
    pub async fn poll<T, F, Fut>(&self, kind: Kind, name: &str, mut check: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Step<T>>>,
    {
        let mut why = String::new();
        let started = Instant::now();
        for attempt in 0..=self.polling.max_polls {
            match check().await? {
                Step::Done(t) => {
                    if attempt > 0 {
                        let elapsed = started.elapsed();
                        if let Some(p) = &self.progress {
                            (p.0)(Event::Ready {
                                kind,
                                name,
                                elapsed,
                            });
                        }
                        self.waits
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(Waited {
                                kind,
                                name: name.to_owned(),
                                seconds: elapsed.as_secs_f64(),
                            });
                    }
                    return Ok(t);
                }
                Step::Wait(w) => why = w,
            }
            if let Some(p) = &self.progress {
                (p.0)(Event::Waiting {
                    kind,
                    name,
                    why: &why,
                    elapsed: started.elapsed(),
                });
            }
            if attempt < self.polling.max_polls {
                self.sleep().await;
            }
        }
        Err(Error::stuck(kind, name, why))
    }

    /// Runs independent steps together, or one after the other when
    /// `sequential`.
    ///
    /// The steps are collected before the returned future holds them, so
    /// that future names only the steps' own types, not the closure that
    /// made them: that keeps `apply`'s future `Send` for any caller's
    /// lifetimes (a `tokio::spawn`ed apply compiles).
    pub fn all<'f, T: 'f, F>(
        &self,
        work: impl IntoIterator<Item = F>,
    ) -> impl Future<Output = Result<Vec<T>>> + 'f
    where
        F: Future<Output = Result<T>> + 'f,
    {
        let work: Vec<F> = work.into_iter().collect();
        let sequential = self.sequential;
        async move {
            if sequential {
                let mut out = Vec::with_capacity(work.len());
                for f in work {
                    out.push(f.await?);
                }
                Ok(out)
            } else {
                try_join_all(work).await
            }
        }
    }

    /// Two independent steps, see [`both`].
    pub fn both<'f, A: 'f, B: 'f>(
        &self,
        a: impl Future<Output = Result<A>> + 'f,
        b: impl Future<Output = Result<B>> + 'f,
    ) -> impl Future<Output = Result<(A, B)>> + 'f {
        both(self.sequential, a, b)
    }
}

/// Runs two independent steps together, or the first then the second when
/// `sequential`; the first error ends both.
pub fn both<'a, A: 'a, B: 'a, E: 'a>(
    sequential: bool,
    a: impl Future<Output = std::result::Result<A, E>> + 'a,
    b: impl Future<Output = std::result::Result<B, E>> + 'a,
) -> impl Future<Output = std::result::Result<(A, B), E>> + 'a {
    // Boxed before the returned future holds them: the branches nest, and
    // their futures inline would outgrow a thread's stack in a debug build.
    let (a, b) = (Box::pin(a), Box::pin(b));
    async move {
        if sequential {
            let a = a.await?;
            Ok((a, b.await?))
        } else {
            futures_util::future::try_join(a, b).await
        }
    }
}

/// EC2 tags in a create call's TagSpecification.
pub fn ec2_tags(
    resource: aws_sdk_ec2::types::ResourceType,
    t: &std::collections::BTreeMap<String, String>,
) -> aws_sdk_ec2::types::TagSpecification {
    aws_sdk_ec2::types::TagSpecification::builder()
        .resource_type(resource)
        .set_tags(Some(
            t.iter()
                .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .build()
}

/// ELBv2 tags.
pub fn elb_tags(t: &std::collections::BTreeMap<String, String>) -> Vec<elbv2::types::Tag> {
    t.iter()
        .map(|(k, v)| elbv2::types::Tag::builder().key(k).value(v).build())
        .collect()
}

/// A resource's Name tag, else `fallback`.
pub fn name_of(t: &[aws_sdk_ec2::types::Tag], fallback: &str) -> String {
    crate::discover::tag_map(t)
        .get(tags::NAME)
        .cloned()
        .unwrap_or_else(|| fallback.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names are the ones reports, JSON and scenario snapshots have
    /// always printed.
    #[test]
    fn names_and_padding() {
        assert_eq!(
            Kind::EgressOnlyInternetGateway.to_string(),
            "egress-only-internet-gateway"
        );
        assert_eq!(
            serde_json::to_string(&Kind::EgressOnlyInternetGateway).unwrap(),
            "\"egress-only-internet-gateway\""
        );
        assert_eq!(
            serde_json::to_string(&Action::WouldCreate).unwrap(),
            "\"would-create\""
        );
        assert_eq!(format!("{:<8}|", Action::Create), "create  |");
    }

    #[test]
    fn a_missing_id_is_an_error() {
        let e = Error::Incomplete {
            kind: Kind::Vpc,
            name: "c-vpc".into(),
            action: "CreateVpc",
            field: "VpcId",
        };
        assert_eq!(e.to_string(), "vpc c-vpc: CreateVpc answered without VpcId");
    }
}
