//! A scenario's world built through AWS's API, for a target that is not
//! the embedded fake (a standalone fake, or a real account by endpoint
//! override): the zone groups opted into, key pairs, IPAM pools, and
//! bring-your-own VPCs with their subnets, gateways, NAT gateways and route
//! tables. AWS gives the made resources their own ids and Amazon-provided
//! IPv6 blocks, so the world's ids and IPv6 blocks are replaced by the made
//! ones in the scenario's manifests before its steps run; [`remove`] takes
//! everything made away again, last made first.
//!
//! What the API cannot make is named by [`unbuildable`], and such a
//! scenario is skipped, saying why: BYOIP pools (the address range must be
//! proven to AWS), fault rules and the fake's other own settings, zones and
//! instance types of one's own, and a world that would need the account's
//! own resources deleted (its default VPC, its key pairs).

use std::collections::BTreeSet;
use std::net::Ipv6Addr;

use aws_sdk_ec2::types::{
    AddressFamily, AttributeBooleanValue, DomainType, IpamPoolAwsService, IpamScopeType,
    ResourceType, TagSpecification,
};
use ipnet::Ipv6Net;

use super::Scenario;
use crate::aws_error::aws_error;
use crate::reconcile::ec2_tags;
use crate::sdk::filter;
use crate::target::Clients;

/// What was made, to take away again.
#[derive(Debug)]
enum Made {
    OptIn(String),
    KeyPair(String),
    Ipam(String),
    Vpc(String),
    Subnet(String),
    InternetGateway { id: String, vpc: String },
    EgressOnlyGateway(String),
    Address(String),
    NatGateway(String),
    RouteTable(String),
}

/// A world made through the API: what replaces the world's ids and blocks
/// in the manifests, and what to remove.
#[derive(Debug, Default)]
pub struct World {
    /// `(the world's text, the made one's)`, longest first.
    pub substitutions: Vec<(String, String)>,
    made: Vec<Made>,
}

impl World {
    /// The scenario with the world's ids and IPv6 blocks replaced in its
    /// manifests (and in each step's new manifests).
    pub fn apply_to(&self, scenario: &Scenario) -> Scenario {
        let mut out = scenario.clone();
        out.text = self.substitute(&out.text);
        for step in &mut out.doc.steps {
            if let Some(m) = &step.manifests {
                step.manifests = Some(self.substitute(m));
            }
        }
        out
    }

    /// Replaces each whole id or block: not a part of a longer one
    /// (`igw-1` is not replaced inside `eigw-1` or `igw-10`).
    fn substitute(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (from, to) in &self.substitutions {
            out = replace_whole(&out, from, to);
        }
        out
    }

    fn swap(&mut self, from: Option<&str>, to: &str) {
        if let Some(from) = from.filter(|f| !f.is_empty() && *f != to) {
            self.substitutions.push((from.to_owned(), to.to_owned()));
        }
    }
}

/// `text` with every whole occurrence of `from` replaced by `to`.
fn replace_whole(text: &str, from: &str, to: &str) -> String {
    let id_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.' | '_');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let before = if at > 0 {
            rest[..at].chars().last()
        } else {
            out.chars().last()
        };
        let after = rest[at + from.len()..].chars().next();
        out.push_str(&rest[..at]);
        let whole =
            !before.is_some_and(id_char) && !after.is_some_and(|c| c.is_ascii_alphanumeric());
        out.push_str(if whole { to } else { from });
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

/// Why the scenario's world cannot be made through AWS's API, if it cannot.
pub fn unbuildable(scenario: &Scenario) -> Option<String> {
    if let Some(why) = &scenario.doc.embedded_only {
        return Some(format!("it runs only on the embedded fake: {why}"));
    }
    let w = &scenario.doc.world;
    if !w.faults.is_empty() || w.fault_seed != 0 {
        return Some("its fault rules are the fake's own: only a fake injects faults".into());
    }
    if w.settle_reads != 0 || w.account_id.is_some() || w.verify_sigv4 || !w.credentials.is_empty()
    {
        return Some("it sets the fake's own behaviour (settle_reads, account, signatures)".into());
    }
    if w.default_vpc == Some(false) {
        return Some(
            "it needs a region without a default VPC (the account's would be deleted)".into(),
        );
    }
    for (name, rs) in &w.regions {
        if name != &scenario.doc.region {
            return Some(format!(
                "it has a world in {name}, not the scenario's region"
            ));
        }
        if !rs.ipv6_pools.is_empty() {
            return Some(
                "it has BYOIP IPv6 pools, which AWS's API cannot make (the range must be proven \
                    to AWS and provisioned by it)"
                    .into(),
            );
        }
        if !rs.zones.is_empty() || !rs.instance_types.is_empty() {
            return Some("it adds zones or instance types of its own to the catalog".into());
        }
        if rs.default_vpc == Some(false) {
            return Some(
                "it needs a region without a default VPC (the account's would be deleted)".into(),
            );
        }
    }
    None
}

fn err<E>(action: &'static str) -> impl FnOnce(aws_sdk_ec2::error::SdkError<E>) -> String
where
    E: aws_sdk_ec2::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |e| aws_error(action, e).to_string()
}

/// The tags as a TagSpecification, or none when there are no tags.
fn tag_spec(
    kind: ResourceType,
    tags: &std::collections::BTreeMap<String, String>,
) -> Option<TagSpecification> {
    (!tags.is_empty()).then(|| ec2_tags(kind, tags))
}

fn on(v: bool) -> AttributeBooleanValue {
    AttributeBooleanValue::builder().value(v).build()
}

/// Builds the scenario's world through `clients`. On failure, what was
/// made so far is removed and the error says which call failed.
pub async fn build(clients: &Clients, scenario: &Scenario) -> Result<World, String> {
    let mut world = World::default();
    match build_into(clients, scenario, &mut world).await {
        Ok(()) => {
            world
                .substitutions
                .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
            Ok(world)
        }
        Err(e) => {
            let left = remove(clients, world).await;
            Err(if left.is_empty() {
                e
            } else {
                format!("{e} (and removing what was made: {})", left.join("; "))
            })
        }
    }
}

async fn build_into(
    clients: &Clients,
    scenario: &Scenario,
    world: &mut World,
) -> Result<(), String> {
    let ec2 = &clients.ec2;
    let rs = scenario
        .doc
        .world
        .regions
        .get(&scenario.doc.region)
        .cloned()
        .unwrap_or_default();
    for group in &rs.opt_in {
        ec2.modify_availability_zone_group()
            .group_name(group)
            .opt_in_status(aws_sdk_ec2::types::ModifyAvailabilityZoneOptInStatus::OptedIn)
            .send()
            .await
            .map_err(err("ModifyAvailabilityZoneGroup"))?;
        world.made.push(Made::OptIn(group.clone()));
    }
    key_pairs(clients, &rs, world).await?;
    if !rs.ipam_pools.is_empty() {
        ipam_pools(clients, &rs.ipam_pools, world).await?;
    }
    for vpc in &rs.vpcs {
        build_vpc(clients, vpc, world).await?;
    }
    Ok(())
}

/// The world's key pairs; without a list, the `default` key CAPA launches
/// with, as the embedded fake's world has it.
async fn key_pairs(
    clients: &Clients,
    rs: &fake_ec2::seed::RegionSeed,
    world: &mut World,
) -> Result<(), String> {
    let ec2 = &clients.ec2;
    let have: BTreeSet<String> = ec2
        .describe_key_pairs()
        .send()
        .await
        .map_err(err("DescribeKeyPairs"))?
        .key_pairs()
        .iter()
        .filter_map(|k| k.key_name().map(str::to_owned))
        .collect();
    let wanted: Vec<(String, String)> = match &rs.key_pairs {
        None => vec![(
            crate::model::DEFAULT_SSH_KEY_NAME.to_owned(),
            crate::target::EMBEDDED_DEFAULT_PUBLIC_KEY.to_owned(),
        )],
        Some(list) => {
            if let Some(extra) = have
                .iter()
                .find(|k| !list.iter().any(|s| &s.key_name == *k))
            {
                return Err(format!(
                    "the world has only its listed key pairs, and the account has {extra:?} \
                        (deleting the account's key pairs is not done)"
                ));
            }
            list.iter()
                .map(|k| (k.key_name.clone(), k.public_key.clone()))
                .collect()
        }
    };
    for (name, key) in wanted {
        if have.contains(&name) {
            continue;
        }
        ec2.import_key_pair()
            .key_name(&name)
            .public_key_material(aws_sdk_ec2::primitives::Blob::new(key.into_bytes()))
            .send()
            .await
            .map_err(err("ImportKeyPair"))?;
        world.made.push(Made::KeyPair(name));
    }
    Ok(())
}

/// One IPAM for the world's pools, each in its private scope, with the
/// world's blocks provisioned (IPv6 ones as private GUA or ULA ranges).
async fn ipam_pools(
    clients: &Clients,
    pools: &[fake_ec2::seed::IpamPoolSeed],
    world: &mut World,
) -> Result<(), String> {
    let ec2 = &clients.ec2;
    let ipam = ec2
        .create_ipam()
        .operating_regions(
            aws_sdk_ec2::types::AddIpamOperatingRegion::builder()
                .region_name(&clients.region)
                .build(),
        )
        .enable_private_gua(true)
        .send()
        .await
        .map_err(err("CreateIpam"))?
        .ipam
        .ok_or("CreateIpam answered without an IPAM")?;
    let ipam_id = ipam
        .ipam_id()
        .ok_or("CreateIpam answered without IpamId")?
        .to_owned();
    world.made.push(Made::Ipam(ipam_id.clone()));
    let scope = match ipam.private_default_scope_id() {
        Some(s) => s.to_owned(),
        None => ec2
            .describe_ipam_scopes()
            .filters(filter("ipam-id", &[&ipam_id]))
            .send()
            .await
            .map_err(err("DescribeIpamScopes"))?
            .ipam_scopes()
            .iter()
            .find(|s| s.ipam_scope_type() == Some(&IpamScopeType::Private))
            .and_then(|s| s.ipam_scope_id())
            .ok_or("the IPAM has no private scope")?
            .to_owned(),
    };
    for seed in pools {
        let family = match seed.address_family {
            fake_ec2::seed::AddressFamily::Ipv4 => AddressFamily::Ipv4,
            fake_ec2::seed::AddressFamily::Ipv6 => AddressFamily::Ipv6,
        };
        let mut req = ec2
            .create_ipam_pool()
            .ipam_scope_id(&scope)
            .address_family(family.clone())
            .locale(
                seed.locale
                    .clone()
                    .unwrap_or_else(|| clients.region.clone()),
            )
            .set_allocation_min_netmask_length(seed.allocation_min_netmask_length.map(i32::from))
            .set_allocation_max_netmask_length(seed.allocation_max_netmask_length.map(i32::from))
            .set_allocation_default_netmask_length(
                seed.allocation_default_netmask_length.map(i32::from),
            )
            .set_description(seed.description.clone())
            .set_tag_specifications(tag_spec(ResourceType::IpamPool, &seed.tags).map(|t| vec![t]));
        if family == AddressFamily::Ipv6 {
            req = req.aws_service(IpamPoolAwsService::Ec2);
        }
        let made = req
            .send()
            .await
            .map_err(err("CreateIpamPool"))?
            .ipam_pool
            .and_then(|p| p.ipam_pool_id)
            .ok_or("CreateIpamPool answered without IpamPoolId")?;
        world.swap(seed.ipam_pool_id.as_deref(), &made);
        for cidr in &seed.cidrs {
            ec2.provision_ipam_pool_cidr()
                .ipam_pool_id(&made)
                .cidr(cidr.to_string())
                .send()
                .await
                .map_err(err("ProvisionIpamPoolCidr"))?;
        }
    }
    Ok(())
}

/// The address at the same offset in `to` as `addr` has in `from`.
fn moved(addr: Ipv6Net, from: Ipv6Net, to: Ipv6Net) -> Option<Ipv6Net> {
    if !from.contains(&addr) {
        return None;
    }
    let offset = u128::from(addr.network()) - u128::from(from.network());
    Ipv6Net::new(
        Ipv6Addr::from(u128::from(to.network()) + offset),
        addr.prefix_len(),
    )
    .ok()
}

async fn build_vpc(
    clients: &Clients,
    seed: &fake_ec2::seed::VpcSeed,
    world: &mut World,
) -> Result<(), String> {
    let ec2 = &clients.ec2;
    let wants_v6 = seed.amazon_ipv6 || !seed.ipv6_cidr_blocks.is_empty();
    let vpc_id = ec2
        .create_vpc()
        .cidr_block(&seed.cidr_block)
        .amazon_provided_ipv6_cidr_block(wants_v6)
        .set_tag_specifications(tag_spec(ResourceType::Vpc, &seed.tags).map(|t| vec![t]))
        .send()
        .await
        .map_err(err("CreateVpc"))?
        .vpc
        .and_then(|v| v.vpc_id)
        .ok_or("CreateVpc answered without VpcId")?;
    world.made.push(Made::Vpc(vpc_id.clone()));
    world.swap(seed.vpc_id.as_deref(), &vpc_id);
    if seed.enable_dns_hostnames {
        ec2.modify_vpc_attribute()
            .vpc_id(&vpc_id)
            .enable_dns_hostnames(on(true))
            .send()
            .await
            .map_err(err("ModifyVpcAttribute"))?;
    }
    // The Amazon-provided block stands for the world's, once associated.
    let mut block: Option<Ipv6Net> = None;
    if wants_v6 {
        for _ in 0..60 {
            let out = ec2
                .describe_vpcs()
                .vpc_ids(&vpc_id)
                .send()
                .await
                .map_err(err("DescribeVpcs"))?;
            block = out
                .vpcs()
                .first()
                .into_iter()
                .flat_map(crate::sdk::vpc_ipv6_associations)
                .next()
                .and_then(|a| a.ipv6_cidr_block())
                .and_then(|c| c.parse().ok());
            if block.is_some() {
                break;
            }
            tokio::time::sleep(poll_interval(clients)).await;
        }
        let made = block.ok_or("the VPC's Amazon-provided IPv6 block was never associated")?;
        if let Some(first) = seed.ipv6_cidr_blocks.first() {
            world.swap(Some(&first.to_string()), &made.to_string());
        }
    }
    let world_block = seed.ipv6_cidr_blocks.first().copied();
    for s in &seed.subnets {
        let v6 = match (&s.ipv6_cidr_block, world_block, block) {
            (Some(text), Some(from), Some(to)) => {
                let net: Ipv6Net = text
                    .parse()
                    .map_err(|_| format!("subnet IPv6 block {text:?} does not parse"))?;
                let new = moved(net, from, to).ok_or_else(|| {
                    format!("subnet IPv6 block {text} is outside the VPC's {from}")
                })?;
                world.swap(Some(text), &new.to_string());
                Some(new.to_string())
            }
            (Some(text), _, _) => Some(text.clone()),
            _ => None,
        };
        let id = ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .availability_zone(&s.availability_zone)
            .set_cidr_block(s.cidr_block.clone())
            .set_ipv6_cidr_block(v6)
            .set_ipv6_native(s.ipv6_native.then_some(true))
            .set_tag_specifications(tag_spec(ResourceType::Subnet, &s.tags).map(|t| vec![t]))
            .send()
            .await
            .map_err(err("CreateSubnet"))?
            .subnet
            .and_then(|x| x.subnet_id)
            .ok_or("CreateSubnet answered without SubnetId")?;
        world.made.push(Made::Subnet(id.clone()));
        world.swap(s.subnet_id.as_deref(), &id);
        let attrs = [
            (s.map_public_ip_on_launch, "map-public-ip-on-launch"),
            (
                s.assign_ipv6_address_on_creation,
                "assign-ipv6-address-on-creation",
            ),
            (s.enable_dns64, "enable-dns64"),
        ];
        for (set, which) in attrs {
            if !set {
                continue;
            }
            let req = ec2.modify_subnet_attribute().subnet_id(&id);
            let req = match which {
                "map-public-ip-on-launch" => req.map_public_ip_on_launch(on(true)),
                "assign-ipv6-address-on-creation" => req.assign_ipv6_address_on_creation(on(true)),
                _ => req.enable_dns64(on(true)),
            };
            req.send().await.map_err(err("ModifySubnetAttribute"))?;
        }
    }
    if let Some(g) = &seed.internet_gateway {
        let id = ec2
            .create_internet_gateway()
            .set_tag_specifications(
                tag_spec(ResourceType::InternetGateway, &g.tags).map(|t| vec![t]),
            )
            .send()
            .await
            .map_err(err("CreateInternetGateway"))?
            .internet_gateway
            .and_then(|x| x.internet_gateway_id)
            .ok_or("CreateInternetGateway answered without an id")?;
        ec2.attach_internet_gateway()
            .internet_gateway_id(&id)
            .vpc_id(&vpc_id)
            .send()
            .await
            .map_err(err("AttachInternetGateway"))?;
        world.made.push(Made::InternetGateway {
            id: id.clone(),
            vpc: vpc_id.clone(),
        });
        world.swap(g.id.as_deref(), &id);
    }
    if let Some(g) = &seed.egress_only_internet_gateway {
        let id = ec2
            .create_egress_only_internet_gateway()
            .vpc_id(&vpc_id)
            .set_tag_specifications(
                tag_spec(ResourceType::EgressOnlyInternetGateway, &g.tags).map(|t| vec![t]),
            )
            .send()
            .await
            .map_err(err("CreateEgressOnlyInternetGateway"))?
            .egress_only_internet_gateway
            .and_then(|x| x.egress_only_internet_gateway_id)
            .ok_or("CreateEgressOnlyInternetGateway answered without an id")?;
        world.made.push(Made::EgressOnlyGateway(id.clone()));
        world.swap(g.id.as_deref(), &id);
    }
    for n in &seed.nat_gateways {
        let subnet = world.substitute(&n.subnet_id);
        let alloc = ec2
            .allocate_address()
            .domain(DomainType::Vpc)
            .send()
            .await
            .map_err(err("AllocateAddress"))?
            .allocation_id
            .ok_or("AllocateAddress answered without AllocationId")?;
        world.made.push(Made::Address(alloc.clone()));
        let id = ec2
            .create_nat_gateway()
            .subnet_id(&subnet)
            .allocation_id(&alloc)
            .set_tag_specifications(tag_spec(ResourceType::Natgateway, &n.tags).map(|t| vec![t]))
            .send()
            .await
            .map_err(err("CreateNatGateway"))?
            .nat_gateway
            .and_then(|x| x.nat_gateway_id)
            .ok_or("CreateNatGateway answered without an id")?;
        world.made.push(Made::NatGateway(id.clone()));
        world.swap(n.nat_gateway_id.as_deref(), &id);
        wait_nat(clients, &id, "available").await?;
    }
    for rt in &seed.route_tables {
        let id = if rt.main {
            ec2.describe_route_tables()
                .filters(filter("vpc-id", &[&vpc_id]))
                .filters(filter("association.main", &["true"]))
                .send()
                .await
                .map_err(err("DescribeRouteTables"))?
                .route_tables()
                .first()
                .and_then(|t| t.route_table_id())
                .ok_or("the VPC has no main route table")?
                .to_owned()
        } else {
            let id = ec2
                .create_route_table()
                .vpc_id(&vpc_id)
                .set_tag_specifications(
                    tag_spec(ResourceType::RouteTable, &rt.tags).map(|t| vec![t]),
                )
                .send()
                .await
                .map_err(err("CreateRouteTable"))?
                .route_table
                .and_then(|x| x.route_table_id)
                .ok_or("CreateRouteTable answered without an id")?;
            world.made.push(Made::RouteTable(id.clone()));
            id
        };
        world.swap(rt.route_table_id.as_deref(), &id);
        for r in &rt.routes {
            let target = world.substitute(&r.target);
            let mut req = ec2.create_route().route_table_id(&id);
            req = if r.destination.contains(':') {
                req.destination_ipv6_cidr_block(&r.destination)
            } else {
                req.destination_cidr_block(&r.destination)
            };
            req = match target.split('-').next() {
                Some("igw") => req.gateway_id(&target),
                Some("nat") => req.nat_gateway_id(&target),
                Some("eigw") => req.egress_only_internet_gateway_id(&target),
                _ => return Err(format!("route target {target} is not one the world makes")),
            };
            req.send().await.map_err(err("CreateRoute"))?;
        }
        for s in &rt.subnets {
            ec2.associate_route_table()
                .route_table_id(&id)
                .subnet_id(world.substitute(s))
                .send()
                .await
                .map_err(err("AssociateRouteTable"))?;
        }
    }
    Ok(())
}

fn poll_interval(clients: &Clients) -> std::time::Duration {
    if clients.target.is_fake_speed() {
        std::time::Duration::from_millis(10)
    } else {
        std::time::Duration::from_secs(5)
    }
}

async fn wait_nat(clients: &Clients, id: &str, state: &str) -> Result<(), String> {
    for _ in 0..120 {
        let out = clients
            .ec2
            .describe_nat_gateways()
            .nat_gateway_ids(id)
            .send()
            .await
            .map_err(err("DescribeNatGateways"))?;
        let now = out
            .nat_gateways()
            .first()
            .and_then(|n| n.state())
            .map(|s| s.as_str().to_owned());
        match now.as_deref() {
            Some(s) if s == state => return Ok(()),
            Some("failed") => return Err(format!("NAT gateway {id} failed")),
            None if state == "deleted" => return Ok(()),
            _ => tokio::time::sleep(poll_interval(clients)).await,
        }
    }
    Err(format!("NAT gateway {id} did not become {state}"))
}

mod remove;

pub use remove::remove;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_move_to_the_same_offset() {
        let from: Ipv6Net = "2001:1234:ff00::/56".parse().unwrap();
        let to: Ipv6Net = "2600:1f18:aa00:4500::/56".parse().unwrap();
        let sub: Ipv6Net = "2001:1234:ff00:2::/64".parse().unwrap();
        assert_eq!(
            moved(sub, from, to).unwrap().to_string(),
            "2600:1f18:aa00:4502::/64"
        );
        let outside: Ipv6Net = "2001:1234:ff01::/64".parse().unwrap();
        assert_eq!(moved(outside, from, to), None);
    }

    #[test]
    fn substitutions_replace_longer_texts_first() {
        let mut w = World::default();
        w.swap(Some("subnet-1"), "subnet-aaa");
        w.swap(Some("subnet-10"), "subnet-bbb");
        w.substitutions
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        assert_eq!(w.substitute("subnet-10 subnet-1"), "subnet-bbb subnet-aaa");
        let mut w = World::default();
        w.swap(Some("igw-0b64"), "igw-0001");
        w.swap(Some("eigw-0b64"), "eigw-0002");
        assert_eq!(
            w.substitute("target: igw-0b64, eigw-0b64, [igw-0b64]"),
            "target: igw-0001, eigw-0002, [igw-0001]"
        );
        assert_eq!(w.substitute("igw-0b64a"), "igw-0b64a");
    }
}
