//! Elastic IP addresses: AllocateAddress, DescribeAddresses, ReleaseAddress,
//! AssociateAddress, DisassociateAddress.
//!
//! - Only `Domain=vpc` exists (EC2-Classic is retired) and only the Amazon
//!   pool (`PublicIpv4Pool=amazon`).
//! - `NetworkBorderGroup` defaults to the region; it must be the region or
//!   the border group of a zone the account may use (opted in).
//! - Public addresses are deterministic: each border group owns a /16 of
//!   3.0.0.0/8 (Amazon space, so addresses look real). The second octet comes
//!   from a small table for the catalog regions and from a hash of the group
//!   name otherwise; the last two octets count allocations in the group.
//!   Released addresses are not handed out again.
//! - ReleaseAddress of an associated address (NAT gateway, load balancer,
//!   instance) is `InvalidIPAddress.InUse`, the code the ReleaseAddress
//!   reference documents. (Real AWS has also been seen answering
//!   `AuthFailure` for addresses that a NAT gateway holds.)
//! - Releasing by `PublicIp` alone is refused as AWS does for VPC addresses
//!   (NixOS/nixops#852).
//! - AssociateAddress maps an address to an instance's primary interface
//!   (`InstanceId`) or to an instance's interface (`NetworkInterfaceId`,
//!   optionally `PrivateIpAddress`, which must be the interface's). The VPC
//!   must have an internet gateway (`Gateway.NotAttached`); an associated
//!   address moves only with `AllowReassociation=true`, and never away from
//!   a NAT gateway or load balancer (`Resource.AlreadyAssociated`). The
//!   Elastic IP replaces the interface's auto-assigned public address;
//!   DisassociateAddress gives such an interface a new one, as AWS does.
//!   Terminating an instance disassociates its addresses.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::describe::Describe;
use super::errors;
use super::filters;
use super::paging::Limits;
use super::tags::{self, Tags};
use crate::index::By;
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;
use crate::region::Region;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Address {
    pub allocation_id: String,
    pub public_ip: Ipv4Addr,
    pub domain: String,
    pub network_border_group: String,
    pub public_ipv4_pool: String,
    pub association_id: Option<String>,
    pub network_interface_id: Option<String>,
    pub private_ip_address: Option<Ipv4Addr>,
    pub instance_id: Option<String>,
    /// The NAT gateway holding this address, if any.
    pub nat_gateway_id: Option<String>,
    pub tags: Tags,
}

crate::registry::resource!(
    Address: "eipalloc", "elastic-ip", allocation_id, Tags, |id| errors::allocation_not_found(id);

    fn elbv2_not_found(id: &str) -> Option<AwsError> {
        Some(crate::elbv2::errors::allocation_id_not_found(id))
    }
);

impl Address {
    /// Held by a NAT gateway, a load balancer or an instance.
    pub fn is_in_use(&self) -> bool {
        self.association_id.is_some() || self.nat_gateway_id.is_some() || self.instance_id.is_some()
    }

    pub fn to_xml(&self, owner: &str) -> Node {
        Node::el("item")
            .leaf("publicIp", self.public_ip)
            .leaf("allocationId", &self.allocation_id)
            .leaf("domain", &self.domain)
            .opt_leaf("associationId", self.association_id.as_ref())
            .opt_leaf("instanceId", self.instance_id.as_ref())
            .opt_leaf("networkInterfaceId", self.network_interface_id.as_ref())
            .opt_leaf(
                "networkInterfaceOwnerId",
                self.network_interface_id.as_ref().map(|_| owner),
            )
            .opt_leaf("privateIpAddress", self.private_ip_address)
            .leaf("publicIpv4Pool", &self.public_ipv4_pool)
            .leaf("networkBorderGroup", &self.network_border_group)
            .opt_child(tags::tag_set(&self.tags))
    }
}

filters::filterable!(Address, |address| [
    ("allocation-id", filters::one(&address.allocation_id)),
    (
        "association-id",
        filters::opt(address.association_id.as_ref())
    ),
    ("domain", filters::one(&address.domain)),
    ("instance-id", filters::opt(address.instance_id.as_ref())),
    (
        "network-border-group",
        filters::one(&address.network_border_group)
    ),
    (
        "network-interface-id",
        filters::opt(address.network_interface_id.as_ref())
    ),
    (
        "private-ip-address",
        filters::opt(address.private_ip_address)
    ),
    ("public-ip", filters::one(address.public_ip)),
]);

/// The VPC an associated address is mapped into, if any.
pub fn associated_vpc(region: &Region, a: &Address) -> Option<String> {
    if let Some(nat) = &a.nat_gateway_id {
        return region.ec2.nat_gateways.get(nat).map(|n| n.vpc_id.clone());
    }
    if let Some(i) = &a.instance_id {
        return region.ec2.instances.get(i).map(|i| i.vpc_id.clone());
    }
    a.association_id.as_ref()?;
    region
        .elbv2
        .load_balancers
        .values()
        .find(|lb| {
            lb.availability_zones
                .iter()
                .any(|z| z.address.allocation_id.as_deref() == Some(a.allocation_id.as_str()))
        })
        .map(|lb| lb.vpc_id.clone())
}

/// The `n`th public address of a network border group (n counts from 1).
pub fn public_ip(network_border_group: &str, n: u64) -> Ipv4Addr {
    let second: u8 = match network_border_group {
        "us-east-1" => 208,
        "us-east-2" => 128,
        "us-west-1" => 101,
        "us-west-2" => 216,
        "eu-west-1" => 248,
        "eu-central-1" => 120,
        "ap-northeast-1" => 112,
        other => {
            let h = other.bytes().fold(0x811c_9dc5u32, |h, b| {
                (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
            });
            h.to_be_bytes()[3]
        }
    };
    // Skip .0.0: counting wraps within the group's /16.
    let host = u16::try_from(n % 0xffff).unwrap_or(0).max(1);
    let [third, fourth] = host.to_be_bytes();
    Ipv4Addr::new(3, second, third, fourth)
}

/// The `n`th public address AWS hands out at launch in a network border
/// group (`MapPublicIpOnLaunch`): the same spread as [`public_ip`], in
/// `44.0.0.0/8`, so it never meets an Elastic IP.
pub fn auto_assigned_ip(network_border_group: &str, n: u64) -> Ipv4Addr {
    let [_, second, third, fourth] = public_ip(network_border_group, n).octets();
    Ipv4Addr::new(44, second, third, fourth)
}

/// The region itself, or the border group of a zone the account may use.
fn check_network_border_group(region: &Region, nbg: &str) -> AwsResult<()> {
    let usable = nbg == region.name
        || region
            .zones
            .iter()
            .any(|z| z.network_border_group == nbg && z.is_usable());
    if usable {
        Ok(())
    } else {
        Err(AwsError::invalid_value_for("NetworkBorderGroup", nbg))
    }
}

pub fn allocate_address(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let tags = tags::from_specs(p, "elastic-ip")?;
    let domain = p.value("Domain").unwrap_or("vpc");
    if domain != "vpc" {
        return Err(AwsError::invalid_value_for("Domain", domain));
    }
    let pool = p.value("PublicIpv4Pool").unwrap_or("amazon");
    if pool != "amazon" {
        return Err(AwsError::invalid_value_for("PublicIpv4Pool", pool));
    }
    let nbg = p
        .value("NetworkBorderGroup")
        .map_or_else(|| ctx.region.name.clone(), str::to_owned);
    check_network_border_group(ctx.region, &nbg)?;
    let n = ctx.region.ids.bump(&format!("eip/{nbg}"));
    let address = Address {
        allocation_id: ctx.next_id("eipalloc"),
        public_ip: public_ip(&nbg, n),
        domain: domain.to_owned(),
        network_border_group: nbg,
        public_ipv4_pool: pool.to_owned(),
        association_id: None,
        network_interface_id: None,
        private_ip_address: None,
        instance_id: None,
        nat_gateway_id: None,
        tags,
    };
    let out = vec![
        Node::text("publicIp", address.public_ip),
        Node::text("allocationId", &address.allocation_id),
        Node::text("publicIpv4Pool", &address.public_ipv4_pool),
        Node::text("networkBorderGroup", &address.network_border_group),
        Node::text("domain", &address.domain),
    ];
    ctx.ec2()
        .addresses
        .insert(address.allocation_id.clone(), address);
    Ok(out)
}

/// DescribeAddresses' ids and list; its limits go unused: the API has no
/// paging.
const DESCRIBE: Describe = Describe {
    ids: "AllocationId",
    set: "addressesSet",
    limits: Limits::new(1, 1),
    ids_set: None,
};

/// Every address, by `AllocationId.N`, `PublicIp.N` and filters; no paging
/// (the API has none).
pub fn describe_addresses(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let ec2 = &ctx.region.ec2;
    let req = DESCRIBE.request(p, &ec2.addresses)?;
    let ips = p.list("PublicIp");
    for ip in &ips {
        if !ec2
            .addresses
            .values()
            .any(|a| a.public_ip.to_string() == *ip)
        {
            return Err(errors::address_not_found(ip));
        }
    }
    let owner = ctx.region.account.as_str();
    let items: Vec<Node> = filters::select(req.candidates(&ec2.addresses), &req.filters)?
        .into_iter()
        .filter(|a| ips.is_empty() || ips.contains(&a.public_ip.to_string()))
        .map(|a| a.to_xml(owner))
        .collect();
    Ok(vec![Node::set(DESCRIBE.set, items)])
}

pub fn release_address(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let Some(id) = p.value("AllocationId").map(str::to_owned) else {
        if p.value("PublicIp").is_some() {
            return Err(AwsError::invalid_parameter_value(
                "You must specify an allocation id when releasing a VPC elastic IP address",
            ));
        }
        return Err(AwsError::missing_parameter("AllocationId"));
    };
    let ec2 = ctx.ec2();
    let address = ec2
        .addresses
        .get(&id)
        .ok_or_else(|| errors::allocation_not_found(&id))?;
    if address.is_in_use() {
        return Err(errors::address_in_use(&id));
    }
    ec2.addresses.remove(&id);
    Ok(vec![Node::text("return", true)])
}

/// Where AssociateAddress maps an address: an instance's interface.
struct Target {
    instance_id: String,
    network_interface_id: String,
    private_ip: Option<Ipv4Addr>,
}

fn association_target(ctx: &Ctx<'_>, p: &Params) -> AwsResult<Target> {
    let ec2 = &ctx.region.ec2;
    let usable = |i: &super::instances::Instance| {
        if matches!(i.state.as_str(), "shutting-down" | "terminated") {
            Err(errors::incorrect_instance_state(&i.instance_id, &i.state))
        } else {
            Ok(())
        }
    };
    let (instance, nic) = if let Some(eni) = p.value("NetworkInterfaceId") {
        let found = ec2.instances.values().find_map(|i| {
            i.network_interfaces
                .iter()
                .find(|n| n.network_interface_id == eni)
                .map(|n| (i, n))
        });
        match found {
            Some((i, n)) if !i.is_terminated() => (i, n),
            _ if ec2.network_interfaces.contains_key(eni) => {
                return Err(AwsError::invalid_parameter_value(format!(
                    "The network interface '{eni}' is managed by another service and cannot take an Elastic IP address."
                )));
            }
            _ => return Err(errors::network_interface_not_found(eni)),
        }
    } else if let Some(id) = p.value("InstanceId") {
        let i = ec2
            .instances
            .get(id)
            .filter(|i| !i.is_terminated())
            .ok_or_else(|| errors::instance_not_found(id))?;
        if i.network_interfaces.len() > 1 {
            return Err(AwsError::invalid_parameter_value(format!(
                "There are multiple interfaces attached to instance '{id}'. Please specify an interface ID for the operation instead."
            )));
        }
        let n = i
            .primary_interface()
            .ok_or_else(|| errors::instance_not_found(id))?;
        (i, n)
    } else {
        return Err(AwsError::missing_parameter_msg(
            "Either instance ID or network interface ID must be specified",
        ));
    };
    usable(instance)?;
    let private_ip = match p.value("PrivateIpAddress") {
        None => nic.private_ip_address,
        Some(text) => {
            let ip: Option<Ipv4Addr> = text.parse().ok();
            if ip.is_none() || ip != nic.private_ip_address {
                return Err(AwsError::invalid_parameter_value(format!(
                    "The private IP address {text} is not assigned to network interface {}.",
                    nic.network_interface_id
                )));
            }
            ip
        }
    };
    let has_gateway = ec2
        .internet_gateways
        .find(By::Vpc, &nic.vpc_id)
        .any(|g| g.attached_vpc() == Some(nic.vpc_id.as_str()));
    if !has_gateway {
        return Err(errors::network_not_attached_to_gateway(&nic.vpc_id));
    }
    Ok(Target {
        instance_id: instance.instance_id.clone(),
        network_interface_id: nic.network_interface_id.clone(),
        private_ip,
    })
}

/// Takes the address off the interface it is mapped to: the interface
/// gets a new auto-assigned address if it had one at launch.
fn unmap(ctx: &mut Ctx<'_>, allocation_id: &str) {
    let Some(a) = ctx.region.ec2.addresses.get_mut(allocation_id) else {
        return;
    };
    let (Some(instance_id), Some(eni)) = (a.instance_id.take(), a.network_interface_id.take())
    else {
        a.association_id = None;
        a.private_ip_address = None;
        return;
    };
    a.association_id = None;
    a.private_ip_address = None;
    let zone = ctx
        .region
        .ec2
        .instances
        .get(&instance_id)
        .map(|i| i.availability_zone.clone())
        .unwrap_or_default();
    let border_group = ctx.region.zone(&zone).map_or_else(
        || ctx.region.name.clone(),
        |z| z.network_border_group.clone(),
    );
    let needs_new = ctx
        .region
        .ec2
        .instances
        .get(&instance_id)
        .and_then(|i| {
            i.network_interfaces
                .iter()
                .find(|n| n.network_interface_id == eni)
        })
        .is_some_and(|n| n.auto_public_ip && n.device_index == 0);
    let fresh = needs_new.then(|| {
        let n = ctx.region.ids.bump(&format!("public-ipv4/{border_group}"));
        auto_assigned_ip(&border_group, n)
    });
    if let Some(n) = ctx
        .region
        .ec2
        .instances
        .get_mut(&instance_id)
        .and_then(|i| {
            i.network_interfaces
                .iter_mut()
                .find(|n| n.network_interface_id == eni)
        })
    {
        n.public_ip = fresh;
    }
}

/// `AssociateAddress` (VPC addresses: by `AllocationId`).
pub fn associate_address(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let Some(id) = p.value("AllocationId").map(str::to_owned) else {
        if let Some(ip) = p.value("PublicIp") {
            // A VPC address is named by its allocation id.
            let found = ctx
                .region
                .ec2
                .addresses
                .values()
                .any(|a| a.public_ip.to_string() == ip);
            return Err(if found {
                AwsError::invalid_parameter_value(
                    "You must specify an allocation id when mapping an address to a VPC instance",
                )
            } else {
                errors::address_not_found(ip)
            });
        }
        return Err(AwsError::missing_parameter_msg(
            "Either public IP or allocation id must be specified",
        ));
    };
    let reassociate = p.bool("AllowReassociation")?.unwrap_or(false);
    let address = ctx
        .region
        .ec2
        .addresses
        .get(&id)
        .ok_or_else(|| errors::allocation_not_found(&id))?
        .clone();
    let target = association_target(ctx, p)?;
    let held_by_service = address.nat_gateway_id.is_some()
        || (address.association_id.is_some() && address.instance_id.is_none());
    if let Some(current) = &address.association_id
        && (held_by_service || !reassociate)
    {
        return Err(errors::address_already_associated(&id, current));
    }
    if address.nat_gateway_id.is_some() {
        return Err(errors::address_in_use(&id));
    }
    let vpc_border = ctx
        .region
        .ec2
        .instances
        .get(&target.instance_id)
        .and_then(|i| ctx.region.zone(&i.availability_zone))
        .map_or_else(
            || ctx.region.name.clone(),
            |z| z.network_border_group.clone(),
        );
    if vpc_border != address.network_border_group {
        return Err(AwsError::invalid_parameter_combination(format!(
            "The address {} is in network border group {} and cannot be associated with an instance in network border group {vpc_border}.",
            address.public_ip, address.network_border_group
        )));
    }
    unmap(ctx, &id);
    // Another Elastic IP on the same interface is displaced.
    let displaced: Vec<String> = ctx
        .region
        .ec2
        .addresses
        .values()
        .filter(|a| a.network_interface_id.as_deref() == Some(target.network_interface_id.as_str()))
        .map(|a| a.allocation_id.clone())
        .collect();
    for other in displaced {
        unmap(ctx, &other);
    }
    let association_id = ctx.next_id("eipassoc");
    let ec2 = ctx.ec2();
    if let Some(n) = ec2.instances.get_mut(&target.instance_id).and_then(|i| {
        i.network_interfaces
            .iter_mut()
            .find(|n| n.network_interface_id == target.network_interface_id)
    }) {
        n.public_ip = Some(address.public_ip);
    }
    let a = ec2.addresses.get_mut(&id).expect("looked up above");
    a.association_id = Some(association_id.clone());
    a.instance_id = Some(target.instance_id);
    a.network_interface_id = Some(target.network_interface_id);
    a.private_ip_address = target.private_ip;
    Ok(vec![
        Node::text("return", true),
        Node::text("associationId", association_id),
    ])
}

/// `DisassociateAddress` (VPC addresses: by `AssociationId`). An address a
/// NAT gateway or load balancer holds is theirs to let go.
pub fn disassociate_address(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let Some(association) = p.value("AssociationId").map(str::to_owned) else {
        if p.value("PublicIp").is_some() {
            return Err(AwsError::invalid_parameter_value(
                "You must specify an association id when unmapping an address from a VPC instance",
            ));
        }
        return Err(AwsError::missing_parameter("AssociationId"));
    };
    let address = ctx
        .region
        .ec2
        .addresses
        .values()
        .find(|a| a.association_id.as_deref() == Some(association.as_str()))
        .cloned()
        .ok_or_else(|| errors::address_association_not_found(&association))?;
    if address.instance_id.is_none() {
        return Err(AwsError::coded(
            crate::protocol::error::QueryCode::AuthFailure,
            format!(
                "You do not have permission to access the specified resource: the address {} is in use by another service.",
                address.allocation_id
            ),
        ));
    }
    unmap(ctx, &address.allocation_id);
    Ok(vec![Node::text("return", true)])
}

/// TerminateInstances: the instances' addresses stay allocated, unmapped.
pub fn release_from_instances(ec2: &mut super::Ec2State, ids: &[String]) {
    for a in ec2.addresses.values_mut() {
        if a.instance_id.as_ref().is_some_and(|i| ids.contains(i)) {
            a.association_id = None;
            a.instance_id = None;
            a.network_interface_id = None;
            a.private_ip_address = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_ips_are_per_group_and_distinct() {
        assert_eq!(public_ip("us-east-1", 1).to_string(), "3.208.0.1");
        assert_eq!(public_ip("us-east-1", 256).to_string(), "3.208.1.0");
        assert_ne!(public_ip("us-east-1", 1), public_ip("us-west-2", 1));
        assert_eq!(public_ip("us-east-1-nyc-1", 1).octets()[0], 3);
    }
}
