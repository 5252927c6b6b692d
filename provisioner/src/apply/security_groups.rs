//! Security groups: found by name in the VPC among the cluster's, else
//! created; then their ingress rules made what the plan says: the rules a
//! group lacks are authorized, and those of the cluster's groups that the
//! plan no longer has (a CNI rule taken out of the spec) are revoked, as
//! CAPA's reconcile does.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, ResourceType, SecurityGroup, UserIdGroupPair,
};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::plan::{Peer, Plan, SecurityGroupPlan};
use crate::reconcile::call::Policy;
use crate::reconcile::{Kind, Kit, Result, ec2_tags, existing_id, is_real, need};
use crate::sdk::filter;

const KIND: Kind = Kind::SecurityGroup;

/// Group ids by role.
pub(super) type Groups = BTreeMap<String, String>;

/// The ids of the groups a plan names by role (or by id: a group the
/// user gave); a role not made (a dry run) is left out.
pub(super) fn group_ids_of(roles: &[String], groups: &Groups) -> Vec<String> {
    roles
        .iter()
        .filter_map(|r| {
            groups
                .get(r)
                .cloned()
                .or_else(|| r.starts_with("sg-").then(|| r.clone()))
        })
        .collect()
}

/// The VPC's blocks, which rules may name.
#[derive(Clone, Copy)]
pub(super) struct VpcBlocks {
    pub ipv4: Option<Ipv4Net>,
    pub ipv6: Option<Ipv6Net>,
}

pub(super) async fn ensure(
    k: &Kit<'_>,
    plan: &Plan,
    vpc_id: &str,
    blocks: VpcBlocks,
    nat_ips: &[String],
) -> Result<Groups> {
    let mut existing = Vec::new();
    if is_real(vpc_id) {
        let out = k
            .call(KIND, vpc_id, "DescribeSecurityGroups")
            .once(
                k.ec2
                    .describe_security_groups()
                    .filters(filter("vpc-id", &[vpc_id]))
                    .filters(k.tagged())
                    .send(),
            )
            .await?;
        existing.extend(out.security_groups().iter().cloned());
    }
    let create = plan.security_groups.iter().map(|g| {
        let found = existing
            .iter()
            .find(|e| e.group_name() == Some(g.name.as_str()))
            .cloned();
        async move {
            if let Some(e) = found {
                let id = existing_id(&g.name, &e)?;
                k.exists(KIND, &g.name, &id);
                return Ok((g.role.clone(), id, Some(e)));
            }
            Ok((g.role.clone(), create(k, plan, g, vpc_id).await?, None))
        }
    });
    let made = k.all(create).await?;
    let groups: Groups = made
        .iter()
        .map(|(r, id, _)| (r.clone(), id.clone()))
        .collect();
    let rules = plan
        .security_groups
        .iter()
        .zip(made.iter())
        .map(|(g, (_, id, current))| {
            let peers_of = PeerValues {
                groups: &groups,
                vpc_v4: blocks.ipv4,
                vpc_v6: blocks.ipv6,
                nat_ips,
            };
            async move { authorize(k, g, id, current.as_ref(), &peers_of).await }
        });
    k.all(rules).await?;
    Ok(groups)
}

async fn create(k: &Kit<'_>, plan: &Plan, g: &SecurityGroupPlan, vpc_id: &str) -> Result<String> {
    let req = k
        .ec2
        .create_security_group()
        .group_name(&g.name)
        .description(format!("Kubernetes cluster {}: {}", plan.cluster, g.role))
        .vpc_id(vpc_id)
        .tag_specifications(ec2_tags(ResourceType::SecurityGroup, &g.tags));
    if k.dry_run {
        let ask = (is_real(vpc_id)).then(|| req.dry_run(true).send());
        return k
            .would_create(KIND, &g.name, "CreateSecurityGroup", ask)
            .await;
    }
    let out = k
        .call(KIND, &g.name, "CreateSecurityGroup")
        .after_create(|| req.clone().send())
        .await?;
    let id = need(
        KIND,
        &g.name,
        "CreateSecurityGroup",
        "GroupId",
        out.group_id(),
    )?;
    k.created(KIND, &g.name, &id);
    Ok(id)
}

/// One ingress permission in EC2's terms, for comparing and authorizing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Perm {
    protocol: String,
    from: Option<i32>,
    to: Option<i32>,
    kind: PeerKind,
    peer: String,
    description: String,
}

impl Perm {
    /// The same rule: protocol, ports and peer (descriptions aside).
    fn same_rule(&self, other: &Perm) -> bool {
        self.protocol == other.protocol
            && self.kind == other.kind
            && self.peer == other.peer
            && self.from == other.from
            && self.to == other.to
    }
}

/// Which list of an `IpPermission` a peer goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PeerKind {
    Ipv4,
    Ipv6,
    Group,
}

fn ec2_protocol(p: &str) -> String {
    match p {
        "-1" | "all" => "-1".into(),
        "58" | "icmpv6" => "icmpv6".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        other => other.to_ascii_lowercase(),
    }
}

fn existing_perms(sg: &SecurityGroup) -> Vec<Perm> {
    let mut out = Vec::new();
    for p in sg.ip_permissions() {
        let proto = ec2_protocol(p.ip_protocol().unwrap_or("-1"));
        let (from, to) = if proto == "-1" {
            (None, None)
        } else {
            (p.from_port(), p.to_port())
        };
        let mk = |kind: PeerKind, peer: &str| Perm {
            protocol: proto.clone(),
            from,
            to,
            kind,
            peer: peer.to_owned(),
            description: String::new(),
        };
        out.extend(
            p.ip_ranges()
                .iter()
                .filter_map(|r| r.cidr_ip().map(|c| mk(PeerKind::Ipv4, c))),
        );
        out.extend(
            p.ipv6_ranges()
                .iter()
                .filter_map(|r| r.cidr_ipv6().map(|c| mk(PeerKind::Ipv6, c))),
        );
        out.extend(
            p.user_id_group_pairs()
                .iter()
                .filter_map(|g| g.group_id().map(|c| mk(PeerKind::Group, c))),
        );
    }
    out
}

/// What rule peers resolve to: group ids by role, the VPC's blocks, the
/// NAT gateways' public addresses.
struct PeerValues<'a> {
    groups: &'a Groups,
    vpc_v4: Option<Ipv4Net>,
    vpc_v6: Option<Ipv6Net>,
    nat_ips: &'a [String],
}

async fn authorize(
    k: &Kit<'_>,
    g: &SecurityGroupPlan,
    id: &str,
    current: Option<&SecurityGroup>,
    peers_of: &PeerValues<'_>,
) -> Result<()> {
    let have = current.map(existing_perms).unwrap_or_default();
    // Every rule the plan asks for; `want` is those the group lacks.
    let mut desired: Vec<Perm> = Vec::new();
    for r in &g.ingress {
        let peers: Vec<(PeerKind, String)> = match &r.peer {
            Peer::Cidr(IpNet::V4(n)) => vec![(PeerKind::Ipv4, n.to_string())],
            Peer::Cidr(IpNet::V6(n)) => vec![(PeerKind::Ipv6, n.to_string())],
            Peer::Ipv4Text(t) => vec![(PeerKind::Ipv4, t.clone())],
            Peer::Ipv6Text(t) => vec![(PeerKind::Ipv6, t.clone())],
            Peer::VpcIpv4 => peers_of
                .vpc_v4
                .map(|n| (PeerKind::Ipv4, n.to_string()))
                .into_iter()
                .collect(),
            Peer::VpcIpv6 => peers_of
                .vpc_v6
                .map(|n| (PeerKind::Ipv6, n.to_string()))
                .into_iter()
                .collect(),
            Peer::Group(role) => peers_of
                .groups
                .get(role)
                .map(|id| (PeerKind::Group, id.clone()))
                .into_iter()
                .collect(),
            Peer::GroupId(id) => vec![(PeerKind::Group, id.clone())],
            Peer::NatGatewayIps => peers_of
                .nat_ips
                .iter()
                .map(|ip| (PeerKind::Ipv4, format!("{ip}/32")))
                .collect(),
        };
        let protocol = ec2_protocol(&r.protocol);
        let ports = !matches!(protocol.as_str(), "-1" | "4");
        for (kind, peer) in peers {
            let p = Perm {
                from: ports.then_some(r.from_port as i32),
                to: ports.then_some(r.to_port as i32),
                protocol: protocol.clone(),
                kind,
                peer,
                description: r.description.clone(),
            };
            if !desired.iter().any(|d| d.same_rule(&p)) {
                desired.push(p);
            }
        }
    }
    let want: Vec<&Perm> = desired
        .iter()
        .filter(|p| !have.iter().any(|h| h.same_rule(p)))
        .collect();
    // Rules of the group that the plan no longer has (a CNI rule taken out
    // of the spec): revoked once the wanted ones are in, as CAPA does.
    let stale: Vec<&Perm> = have
        .iter()
        .filter(|h| !desired.iter().any(|d| d.same_rule(h)))
        .collect();
    if !want.is_empty() {
        add_ingress(k, g, id, current.is_some(), &want).await?;
    }
    if !stale.is_empty() {
        revoke_ingress(k, g, id, &stale).await?;
    }
    Ok(())
}

/// EC2's form of permissions, one peer each.
fn ip_permissions(perms: &[&Perm], with_description: bool) -> Vec<IpPermission> {
    perms
        .iter()
        .map(|p| {
            let description = with_description.then(|| p.description.clone());
            let b = IpPermission::builder()
                .ip_protocol(&p.protocol)
                .set_from_port(p.from)
                .set_to_port(p.to);
            if p.kind == PeerKind::Group {
                b.user_id_group_pairs(
                    UserIdGroupPair::builder()
                        .group_id(&p.peer)
                        .set_description(description)
                        .build(),
                )
            } else if p.kind == PeerKind::Ipv6 {
                b.ipv6_ranges(
                    Ipv6Range::builder()
                        .cidr_ipv6(&p.peer)
                        .set_description(description)
                        .build(),
                )
            } else {
                b.ip_ranges(
                    IpRange::builder()
                        .cidr_ip(&p.peer)
                        .set_description(description)
                        .build(),
                )
            }
            .build()
        })
        .collect()
}

async fn add_ingress(
    k: &Kit<'_>,
    g: &SecurityGroupPlan,
    id: &str,
    existed: bool,
    want: &[&Perm],
) -> Result<()> {
    if k.dry_run && (!is_real(id) || want.iter().any(|p| !is_real(&p.peer))) {
        return Ok(());
    }
    let req = k
        .ec2
        .authorize_security_group_ingress()
        .group_id(id)
        .set_ip_permissions(Some(ip_permissions(want, true)))
        .set_dry_run(k.dry_run.then_some(true));
    k.call(KIND, &g.name, "AuthorizeSecurityGroupIngress")
        .run(Policy::AFTER_CREATE_OR_DRY_RUN, || req.clone().send())
        .await?;
    if existed {
        k.updated(
            KIND,
            &g.name,
            id,
            format!("{} ingress rule(s) added", want.len()),
        );
    }
    Ok(())
}

async fn revoke_ingress(
    k: &Kit<'_>,
    g: &SecurityGroupPlan,
    id: &str,
    stale: &[&Perm],
) -> Result<()> {
    let req = k
        .ec2
        .revoke_security_group_ingress()
        .group_id(id)
        .set_ip_permissions(Some(ip_permissions(stale, false)))
        .set_dry_run(k.dry_run.then_some(true));
    k.call(KIND, &g.name, "RevokeSecurityGroupIngress")
        .dry_run(req.send())
        .await?;
    k.updated(
        KIND,
        &g.name,
        id,
        format!("{} ingress rule(s) removed", stale.len()),
    );
    Ok(())
}
