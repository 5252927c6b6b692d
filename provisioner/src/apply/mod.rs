//! Reconciles the planned network: every resource is looked up by the
//! cluster's tags (or its name, for load balancers) before it is created,
//! so a second apply changes nothing and an interrupted one picks up where
//! it stopped. Order follows CAPA: VPC, subnets, internet gateway,
//! egress-only gateway, NAT gateways, route tables, security groups, load
//! balancer, machines, targets; independent resources go concurrently.
//! One file per resource family, over the kit in [`crate::reconcile`].
//!
//! With `dry_run`, EC2 creates are sent with `DryRun=true` where every id
//! they need already exists; the rest is reported as "would create".

mod classic_elb;
mod eks;
mod gateways;
mod load_balancer;
mod machines;
mod nat;
mod routes;
mod security_groups;
mod subnets;
mod vpc;
mod vpc_endpoints;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::facts::Facts;
use crate::model::ClusterModel;
use crate::plan::{EgressOnlyPlan, Peer, Plan, PlanOptions};
use crate::reconcile::{Action, Kit, Polling, Result, is_real};
pub use crate::reconcile::{Change, Error as ApplyError, Progress};
use crate::target::Clients;

pub(crate) use eks::{delete_addon as delete_eks_addon, describe as describe_eks_cluster};
pub use routes::SUBNET_KEY_TAG;

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub dry_run: bool,
    /// One call at a time, in plan order: ids then come out the same on
    /// every run (scenario snapshots). Otherwise independent calls overlap.
    pub sequential: bool,
    pub progress: Option<Progress>,
    pub polling: Polling,
    pub plan: PlanOptions,
}

impl ApplyOptions {
    /// Polling suited to the target: none to speak of for a fake.
    pub fn for_target(fast: bool) -> Self {
        Self {
            dry_run: false,
            sequential: false,
            progress: None,
            polling: Polling::for_target(fast),
            plan: PlanOptions::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ApplyReport {
    pub changes: Vec<Change>,
    /// The waits that ended (NAT gateways, load balancers, machines, EKS),
    /// for the summary of the slowest; their times vary, so output as data
    /// leaves them out.
    #[serde(skip)]
    pub waits: Vec<crate::reconcile::Waited>,
    /// The VPC's IPv6 block, once known.
    pub vpc_ipv6_block: Option<String>,
    /// The API endpoint (load balancer DNS name and port), if any.
    pub endpoint: Option<String>,
}

impl ApplyReport {
    pub fn created(&self) -> usize {
        self.count(Action::Create)
    }

    pub fn updated(&self) -> usize {
        self.count(Action::Update)
    }

    fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }
}

/// The idempotency token of a create call, from what identifies it: the
/// cluster, the resource and the ids of what it is made in. A retried call
/// sends the same token, so EC2 answers with what the first call made; a
/// resource made again after a destroy sits in new parents, so its token is
/// new and EC2 neither hands back the old resource nor answers
/// `IdempotentParameterMismatch`. 32 hex characters (EC2 allows 64).
fn client_token(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn on() -> aws_sdk_ec2::types::AttributeBooleanValue {
    aws_sdk_ec2::types::AttributeBooleanValue::builder()
        .value(true)
        .build()
}

/// Runs the whole apply of `plan` (the one validation checked). Once the
/// VPC exists, only the subnet layout is redone, with the VPC's real blocks
/// (an IPAM-allocated IPv4 block, say); everything else is the plan as given.
pub async fn apply(
    clients: &Clients,
    model: &ClusterModel,
    facts: &Facts,
    plan: &Plan,
    opts: &ApplyOptions,
) -> Result<(ApplyReport, Plan)> {
    let mut kit = Kit::new(
        clients,
        &model.name,
        opts.polling,
        opts.sequential,
        opts.progress.clone(),
    );
    kit.dry_run = opts.dry_run;
    let k = &kit;
    let vpc = vpc::ensure(k, plan).await?;
    let plan = &if is_real(&vpc.id) {
        plan.with_vpc_blocks(model, facts, &vpc.id, vpc.ipv4, vpc.ipv6)
    } else {
        plan.clone() // a dry run: the VPC is not made, its blocks are not known
    };
    let (vpc_id, vpc_v4, vpc_v6) = (&vpc.id, vpc.ipv4, vpc.ipv6);

    // Three branches once the VPC exists: its subnets and gateways; then
    // the NAT gateways and route tables (the network) beside the security
    // groups, load balancer and machines (the compute), which need no route.
    // With `sequential`, the same steps run one after another in this order.
    let gateways = k.both(
        async {
            // CAPA: the internet gateway, then the carrier gateway.
            let igw = match plan.internet_gateway {
                true => Some(gateways::internet(k, plan, vpc_id).await?),
                false => None,
            };
            let cagw = match plan.carrier_gateway {
                true => Some(gateways::carrier(k, plan, vpc_id).await?),
                false => None,
            };
            Ok((igw, cagw))
        },
        async {
            match &plan.egress_only_internet_gateway {
                None => Ok(None),
                Some(EgressOnlyPlan::Existing(id)) => Ok(Some(id.clone())),
                Some(EgressOnlyPlan::Create) => {
                    Ok(Some(gateways::egress_only(k, plan, vpc_id).await?))
                }
            }
        },
    );
    let (subnet_ids, ((igw, cagw), eigw)) = k
        .both(subnets::ensure(k, plan, vpc_id, vpc_v6), gateways)
        .await?;
    let routes = |nats: BTreeMap<String, String>| {
        let subnet_ids = &subnet_ids;
        let gateways = routes::Gateways {
            internet: igw.as_deref(),
            egress_only: eigw.as_deref(),
            carrier: cagw.as_deref(),
        };
        async move {
            let tables = routes::ensure(k, plan, vpc_id, subnet_ids, gateways, &nats).await?;
            // CAPA: the VPC endpoints follow the route tables they route.
            vpc_endpoints::ensure(k, plan, vpc_id, &tables).await
        }
    };
    let compute = |nat_ips: Vec<String>| {
        let subnet_ids = &subnet_ids;
        async move {
            let blocks = security_groups::VpcBlocks {
                ipv4: vpc_v4,
                ipv6: vpc_v6,
            };
            let groups = security_groups::ensure(k, plan, vpc_id, blocks, &nat_ips).await?;
            // CAPA's `ReconcileLoadbalancers`: the primary and the secondary
            // are made side by side, each waited for on its own.
            let load_balancers = k.both(
                load_balancer::ensure_if(
                    k,
                    plan.load_balancer.as_ref(),
                    vpc_id,
                    subnet_ids,
                    &groups,
                ),
                load_balancer::ensure_if(
                    k,
                    plan.secondary_load_balancer.as_ref(),
                    vpc_id,
                    subnet_ids,
                    &groups,
                ),
            );
            let classic = async {
                match &plan.classic_load_balancer {
                    Some(lb) => classic_elb::ensure(k, lb, vpc_id, subnet_ids, &groups)
                        .await
                        .map(Some),
                    None => Ok(None),
                }
            };
            let (((lb, secondary), classic), instances) = k
                .both(
                    k.both(load_balancers, classic),
                    machines::ensure(k, plan, subnet_ids, &groups),
                )
                .await?;
            let control_plane: Vec<String> = plan
                .machines
                .iter()
                .zip(&instances)
                .filter(|(m, _)| m.role == "control-plane")
                .map(|(_, id)| id.clone())
                .collect();
            for made in lb.iter().chain(&secondary) {
                for tg_arn in &made.target_group_arns {
                    machines::register_targets(k, tg_arn, &control_plane).await?;
                }
            }
            if let (Some(plan_lb), Some(made)) = (&plan.classic_load_balancer, &classic) {
                classic_elb::register(k, plan_lb, made, &control_plane).await?;
            }
            // CAPA's EKS reconcile follows the network's and the groups'.
            let eks_endpoint = match &plan.eks {
                Some(e) => {
                    let net = eks::Network {
                        region: &clients.region,
                        vpc_id,
                        subnet_ids,
                        groups: &groups,
                    };
                    eks::ensure(k, e, &net).await?
                }
                None => None,
            };
            Ok(lb
                .and_then(|lb| lb.endpoint)
                .or_else(|| classic.and_then(|c| c.endpoint))
                .or(eks_endpoint))
        }
    };
    let needs_nat_ips = plan
        .security_groups
        .iter()
        .any(|g| g.ingress.iter().any(|r| r.peer == Peer::NatGatewayIps));
    let endpoint = if needs_nat_ips {
        // The security groups name the NAT gateways' addresses: the compute
        // branch starts once the NAT gateways are up.
        let nats = nat::ensure(k, plan, vpc_id, &subnet_ids).await?;
        let compute = async {
            let ips = nat::public_ips(k, &nats).await?;
            compute(ips).await
        };
        k.both(routes(nats.clone()), compute).await?.1
    } else {
        let network = async {
            let nats = nat::ensure(k, plan, vpc_id, &subnet_ids).await?;
            routes(nats).await
        };
        k.both(network, compute(Vec::new())).await?.1
    };
    let plan = plan.clone();
    let (changes, waits) = kit.into_parts();
    Ok((
        ApplyReport {
            changes,
            waits,
            vpc_ipv6_block: vpc_v6.map(|b| b.to_string()),
            endpoint,
        },
        plan,
    ))
}

#[cfg(test)]
mod tests {
    use super::client_token;

    #[test]
    fn client_tokens_follow_the_parents_and_fit_ec2s_limit() {
        let nat = client_token(&["demo", "nat", "us-east-1a", "subnet-1", "eipalloc-1"]);
        assert_eq!(
            nat,
            client_token(&["demo", "nat", "us-east-1a", "subnet-1", "eipalloc-1"])
        );
        // Made again in a new subnet, or with a new address: a new token.
        assert_ne!(
            nat,
            client_token(&["demo", "nat", "us-east-1a", "subnet-2", "eipalloc-1"])
        );
        assert_ne!(
            nat,
            client_token(&["demo", "nat", "us-east-1a", "subnet-1", "eipalloc-2"])
        );
        // Parts are kept apart: moving a character across a boundary changes it.
        assert_ne!(client_token(&["ab", "c"]), client_token(&["a", "bc"]));
        let long = "x".repeat(200);
        let t = client_token(&[&long, &long]);
        assert_eq!(t.len(), 32);
        assert!(t.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
