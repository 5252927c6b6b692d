//! NAT gateways: CreateNatGateway, DescribeNatGateways, DeleteNatGateway.
//!
//! - `SubnetId` is required; the subnet must have IPv4 (an IPv6-only subnet
//!   has no address for the gateway; the fake answers `InvalidParameterValue`
//!   naming the subnet `[I]`). Every NAT gateway supports NAT64.
//! - `ConnectivityType` is `public` (default, needs `AllocationId`) or
//!   `private` (takes no `AllocationId`: `InvalidParameterCombination` `[I]`).
//! - The gateway's private IPv4 address is `PrivateIpAddress` or the lowest
//!   free address of the subnet.
//! - Quota: 5 NAT gateways per Availability Zone, counting pending, available
//!   and deleting ones (`NatGatewayLimitExceeded`).
//! - Like AWS, some problems do not fail the call: the gateway is created and
//!   then goes `failed` with the failure codes of the NatGateway model:
//!   `Resource.AlreadyAssociated` (the Elastic IP is in use),
//!   `InvalidAllocationID.NotFound` (the Elastic IP's network border group is
//!   not the subnet zone's [I: which failure code AWS uses here]),
//!   `Gateway.NotAttached` (a public gateway in a VPC without an internet
//!   gateway) and `InsufficientFreeAddressesInSubnet`.
//! - States: pending -> available (or failed), deleting -> deleted, following
//!   `settle_reads`. Deleted gateways stay visible in state `deleted`;
//!   deleting one that is deleting or deleted answers again without change `[I]`.
//! - Delete gives the Elastic IP and the private address back at once, and
//!   routes to the gateway show `blackhole`.
//! - Fault rules with `outcome` make a gateway fail (`InternalError` unless
//!   the rule names a code) or stay `pending` for good.
//! - `ClientToken`: the same token and subnet return the first gateway; the
//!   same token with another subnet is `IdempotentParameterMismatch`.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::describe::Describe;
use super::filters;
use super::paging::Limits;
use super::subnets::{RESERVED_HEAD, Subnet};
use super::tags::{self, Tags};
use super::{Ec2State, errors, idempotency, route_tables};
use crate::faults::Fate;
use crate::ids::Timestamp;
use crate::index::{By, Key, Keys, LIVE};
use crate::protocol::error::AwsResult;
use crate::protocol::xml::rename;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;

/// Quota "NAT gateways per Availability Zone" (default value).
pub const MAX_PER_ZONE: usize = 5;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NatGateway {
    pub nat_gateway_id: String,
    pub subnet_id: String,
    pub vpc_id: String,
    /// pending | failed | available | deleting | deleted
    pub state: String,
    /// public | private
    pub connectivity_type: String,
    pub allocation_id: Option<String>,
    pub network_interface_id: String,
    /// `0.0.0.0` when the gateway failed before it got an address.
    pub private_ip: Ipv4Addr,
    pub public_ip: Option<Ipv4Addr>,
    pub create_time: Timestamp,
    pub delete_time: Option<Timestamp>,
    /// Set at creation for a gateway that will fail; reported once `failed`.
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    pub client_token: Option<String>,
    pub tags: Tags,
    /// The Elastic IP association (`eipassoc-`) of a public gateway.
    pub association_id: Option<String>,
    #[serde(default, skip_serializing_if = "crate::bookkeeping::hidden_in_dump")]
    pub reads_left: u32,
    /// Never leaves `pending` (the `outcome: stuck` fault).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stuck: bool,
}

crate::registry::resource!(
    NatGateway: "nat", "natgateway", nat_gateway_id, Tags, |id| errors::nat_gateway_not_found(id);

    fn is_gone(&self) -> bool {
        self.state == "deleted"
    }
);

/// A NAT gateway is found by its VPC, its subnet, its interface and its
/// client token, and while it is live (what the zone quota counts) by
/// `State` `live`.
impl Keys for NatGateway {
    fn keys(&self, out: &mut Vec<Key>) {
        out.push((By::Vpc, self.vpc_id.clone()));
        out.push((By::Subnet, self.subnet_id.clone()));
        if !self.network_interface_id.is_empty() {
            out.push((By::Interface, self.network_interface_id.clone()));
        }
        if self.is_live() {
            out.push((By::State, LIVE.to_owned()));
        }
        if let Some(t) = &self.client_token {
            out.push((By::Token, t.clone()));
        }
    }
}

impl NatGateway {
    /// Counts against quotas and blocks deletes of its subnet and VPC.
    pub fn is_live(&self) -> bool {
        !matches!(self.state.as_str(), "deleted" | "failed")
    }

    /// Whether routes to it carry traffic.
    pub fn is_routable(&self) -> bool {
        matches!(self.state.as_str(), "pending" | "available")
    }

    fn is_public(&self) -> bool {
        self.connectivity_type == "public"
    }

    /// Moves transitional states on by one read (see `Config::settle_reads`).
    fn observe(&mut self) {
        let settled = match self.state.as_str() {
            "pending" if self.stuck => return,
            "pending" if self.failure_code.is_some() => "failed",
            "pending" => "available",
            "deleting" => "deleted",
            _ => return,
        };
        if self.reads_left > 0 {
            self.reads_left -= 1;
        } else {
            self.state = settled.to_owned();
        }
    }

    fn address_status(&self) -> &'static str {
        match (self.state.as_str(), self.is_public()) {
            ("pending", true) => "associating",
            ("pending", false) => "assigning",
            ("deleting", true) => "disassociating",
            ("deleting", false) => "unassigning",
            ("failed", _) => "failed",
            _ => "succeeded",
        }
    }

    pub fn to_xml(&self) -> Node {
        let failed = self.state == "failed";
        let address = Node::el("item")
            .opt_leaf("allocationId", self.allocation_id.as_ref())
            .leaf("networkInterfaceId", &self.network_interface_id)
            .opt_leaf(
                "privateIp",
                (!self.private_ip.is_unspecified()).then_some(self.private_ip),
            )
            .opt_leaf("publicIp", self.public_ip)
            .opt_leaf("associationId", self.association_id.as_ref())
            .leaf("isPrimary", true)
            .opt_leaf(
                "failureMessage",
                self.failure_message.as_ref().filter(|_| failed),
            )
            .leaf("status", self.address_status());
        Node::el("item")
            .leaf("createTime", self.create_time)
            .opt_leaf("deleteTime", self.delete_time)
            .opt_leaf("failureCode", self.failure_code.as_ref().filter(|_| failed))
            .opt_leaf(
                "failureMessage",
                self.failure_message.as_ref().filter(|_| failed),
            )
            .child(Node::set("natGatewayAddressSet", [address]))
            .leaf("natGatewayId", &self.nat_gateway_id)
            .leaf("state", &self.state)
            .leaf("subnetId", &self.subnet_id)
            .leaf("vpcId", &self.vpc_id)
            .opt_child(tags::tag_set(&self.tags))
            .leaf("connectivityType", &self.connectivity_type)
    }
}

filters::filterable!(NatGateway, |nat| [
    ("nat-gateway-id", filters::one(&nat.nat_gateway_id)),
    ("state", filters::one(&nat.state)),
    ("subnet-id", filters::one(&nat.subnet_id)),
    ("vpc-id", filters::one(&nat.vpc_id)),
]);

fn answer(nat: &NatGateway) -> Vec<Node> {
    let mut out = Vec::new();
    if let Some(t) = &nat.client_token {
        out.push(Node::text("clientToken", t));
    }
    out.push(rename(nat.to_xml(), "natGateway"));
    out
}

/// A `PrivateIpAddress` the subnet can give: inside its block, not reserved, free.
fn check_private_ip(subnet: &Subnet, text: &str) -> AwsResult<Ipv4Addr> {
    let ip: Ipv4Addr = text
        .parse()
        .map_err(|_| AwsError::invalid_value_for("PrivateIpAddress", text))?;
    let net = subnet
        .cidr_block
        .filter(|n| n.contains(&ip))
        .ok_or_else(|| {
            AwsError::invalid_parameter_value(format!(
                "Address {ip} does not fall within the subnet's address range"
            ))
        })?;
    let offset = u32::from(ip) - u32::from(net.network());
    if offset < RESERVED_HEAD || ip == net.broadcast() {
        return Err(AwsError::invalid_parameter_value(format!(
            "Address {ip} is reserved by AWS in the subnet {}",
            subnet.subnet_id
        )));
    }
    if subnet.used_ipv4.contains(&ip) {
        return Err(errors::private_ip_in_use(text));
    }
    Ok(ip)
}

/// Why a gateway that passed validation will fail: (failure code, message).
fn planned_failure(
    ec2: &Ec2State,
    zone_nbg: &str,
    subnet: &Subnet,
    allocation_id: Option<&str>,
    has_free_address: bool,
) -> Option<(String, String)> {
    if let Some(id) = allocation_id {
        let eip = ec2.addresses.get(id)?;
        if eip.is_in_use() {
            return Some((
                "Resource.AlreadyAssociated".to_owned(),
                format!("Elastic IP address [{id}] is already associated"),
            ));
        }
        if eip.network_border_group != zone_nbg {
            return Some((
                "InvalidAllocationID.NotFound".to_owned(),
                format!("Elastic IP address {id} could not be associated with this NAT gateway"),
            ));
        }
        let igw = ec2
            .internet_gateways
            .find(By::Vpc, &subnet.vpc_id)
            .any(|g| g.attached_vpc() == Some(subnet.vpc_id.as_str()));
        if !igw {
            return Some((
                "Gateway.NotAttached".to_owned(),
                format!("Network {} has no Internet gateway attached", subnet.vpc_id),
            ));
        }
    }
    if !has_free_address {
        return Some((
            "InsufficientFreeAddressesInSubnet".to_owned(),
            "Subnet has insufficient free addresses to create this NAT gateway".to_owned(),
        ));
    }
    None
}

pub fn create_nat_gateway(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let tags = tags::from_specs(p, "natgateway")?;
    let subnet_id = p.required("SubnetId")?.to_owned();
    let token = p.value("ClientToken").map(str::to_owned);
    let ec2 = &ctx.region.ec2;
    if let Some(existing) =
        idempotency::earlier_indexed(&ec2.nat_gateways, token.as_deref(), |g| {
            g.subnet_id == subnet_id
        })?
    {
        return Ok(answer(existing));
    }
    let connectivity = p.value("ConnectivityType").unwrap_or("public");
    if !["public", "private"].contains(&connectivity) {
        return Err(AwsError::invalid_value_for(
            "ConnectivityType",
            connectivity,
        ));
    }
    let allocation_id = p.value("AllocationId");
    match (connectivity, allocation_id) {
        ("public", None) => return Err(AwsError::missing_parameter("AllocationId")),
        ("private", Some(_)) => {
            return Err(AwsError::invalid_parameter_combination(
                "The parameter AllocationId cannot be used with a private NAT gateway.",
            ));
        }
        _ => {}
    }
    let subnet = ec2
        .subnets
        .get(&subnet_id)
        .ok_or_else(|| errors::subnet_not_found(&subnet_id))?;
    if subnet.cidr_block.is_none() {
        return Err(AwsError::invalid_parameter_value(format!(
            "The subnet '{subnet_id}' has no IPv4 CIDR block. A NAT gateway needs an IPv4 address in its subnet."
        )));
    }
    let eip = allocation_id
        .map(|id| {
            ec2.addresses
                .get(id)
                .ok_or_else(|| errors::allocation_not_found(id))
        })
        .transpose()?;
    let explicit_ip = p
        .value("PrivateIpAddress")
        .map(|t| check_private_ip(subnet, t))
        .transpose()?;
    let zone = subnet.availability_zone.clone();
    let in_zone = ec2
        .nat_gateways
        .find(By::State, LIVE)
        .filter(|n| ec2.subnets.get(&n.subnet_id).map(|s| &s.availability_zone) == Some(&zone))
        .count();
    if in_zone >= MAX_PER_ZONE {
        return Err(errors::nat_gateway_limit_exceeded(&zone, MAX_PER_ZONE));
    }
    let zone_nbg = ctx.region.zone(&zone).map_or_else(
        || ctx.region.name.clone(),
        |z| z.network_border_group.clone(),
    );
    let has_free = explicit_ip.is_some() || subnet.available_ip_address_count() > 0;
    let injected = match &ctx.fate {
        Some(Fate::Failed { code, message }) => Some((code.clone(), message.clone())),
        _ => None,
    };
    let failure = match &injected {
        // The message may name the interface, which has no id yet.
        Some((code, message)) => Some((
            code.clone().unwrap_or_else(|| "InternalError".to_owned()),
            message.clone().unwrap_or_default(),
        )),
        None => planned_failure(ec2, &zone_nbg, subnet, allocation_id, has_free),
    };
    let vpc_id = subnet.vpc_id.clone();
    let public_ip = eip.filter(|_| failure.is_none()).map(|a| a.public_ip);

    // Everything is checked: commit.
    let nat_id = ctx.next_id("nat");
    let eni_id = ctx.next_id("eni");
    let mut private_ip = Ipv4Addr::UNSPECIFIED;
    let mut association_id = None;
    if failure.is_none() {
        let subnet = ctx
            .ec2()
            .subnets
            .get_mut(&subnet_id)
            .expect("checked above");
        private_ip = match explicit_ip {
            Some(ip) => {
                subnet.used_ipv4.insert(ip);
                ip
            }
            None => subnet
                .allocate_ipv4()
                .expect("a free address was seen above"),
        };
        if let Some(id) = allocation_id {
            let assoc = ctx.next_id("eipassoc");
            let eip = ctx.ec2().addresses.get_mut(id).expect("checked above");
            eip.association_id = Some(assoc.clone());
            eip.nat_gateway_id = Some(nat_id.clone());
            eip.network_interface_id = Some(eni_id.clone());
            eip.private_ip_address = Some(private_ip);
            association_id = Some(assoc);
        }
    } else if let Some(ip) = explicit_ip {
        private_ip = ip;
    }
    let (failure_code, mut failure_message) = failure.unzip();
    if injected.as_ref().is_some_and(|(_, m)| m.is_none()) {
        failure_message = Some(format!(
            "Network interface {eni_id}, created and used internally by this NAT gateway is in an invalid state. Please try again."
        ));
    }
    let stuck = ctx.fate == Some(Fate::Stuck);
    let mut nat = NatGateway {
        nat_gateway_id: nat_id.clone(),
        subnet_id,
        vpc_id,
        state: "pending".to_owned(),
        connectivity_type: connectivity.to_owned(),
        allocation_id: allocation_id.map(str::to_owned),
        network_interface_id: eni_id,
        private_ip,
        public_ip,
        create_time: ctx.now,
        delete_time: None,
        failure_code,
        failure_message,
        client_token: token,
        tags,
        association_id,
        reads_left: ctx.region.settle_reads,
        stuck,
    };
    let out = answer(&nat);
    if ctx.region.settle_reads == 0 {
        nat.observe();
    }
    let ec2 = ctx.ec2();
    ec2.nat_gateways.insert(nat_id, nat);
    Ok(out)
}

pub fn describe_nat_gateways(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let describe = Describe {
        ids: "NatGatewayId",
        set: "natGatewaySet",
        limits: Limits::new(5, 1000),
        ids_set: Some("natGatewayIds"),
    };
    let ec2 = ctx.ec2();
    let req = describe.request(p, &ec2.nat_gateways)?;
    // Settle before filtering so `state` filters see what the answer shows.
    let selected: Vec<String> = ec2
        .nat_gateways
        .candidates(
            &req.ids,
            &req.filters,
            &[("vpc-id", By::Vpc), ("subnet-id", By::Subnet)],
        )
        .into_iter()
        .map(|n| n.nat_gateway_id.clone())
        .collect();
    filters::check::<NatGateway>(&req.filters)?;
    for id in &selected {
        ec2.nat_gateways
            .change(id)
            .expect("selected from the map")
            .observe();
    }
    let items = selected
        .iter()
        .map(|id| &ec2.nat_gateways[id])
        .filter(|n| filters::matches(*n, &req.filters))
        .map(NatGateway::to_xml)
        .collect();
    for id in &selected {
        route_tables::refresh_routes_to(ec2, id);
    }
    describe.answer(p, &req, items)
}

pub fn delete_nat_gateway(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("NatGatewayId")?.to_owned();
    let settle_reads = ctx.region.settle_reads;
    let now = ctx.now;
    let ec2 = ctx.ec2();
    let nat = ec2
        .nat_gateways
        .get(&id)
        .ok_or_else(|| errors::nat_gateway_not_found(&id))?;
    if matches!(nat.state.as_str(), "deleting" | "deleted") {
        return Ok(vec![Node::text("natGatewayId", &id)]);
    }
    let held_ip = (!nat.private_ip.is_unspecified() && nat.state != "failed")
        .then_some((nat.subnet_id.clone(), nat.private_ip));
    if let Some((subnet_id, ip)) = held_ip
        && let Some(s) = ec2.subnets.get_mut(&subnet_id)
    {
        s.release_ipv4(ip);
    }
    for a in ec2.addresses.values_mut() {
        if a.nat_gateway_id.as_deref() == Some(id.as_str()) {
            a.nat_gateway_id = None;
            a.association_id = None;
            a.network_interface_id = None;
            a.private_ip_address = None;
        }
    }
    let mut nat = ec2.nat_gateways.change(&id).expect("checked above");
    nat.state = "deleting".to_owned();
    nat.delete_time = Some(now);
    nat.reads_left = settle_reads;
    if settle_reads == 0 {
        nat.observe();
    }
    drop(nat);
    route_tables::refresh_routes_to(ec2, &id);
    Ok(vec![Node::text("natGatewayId", &id)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cidr;

    #[test]
    fn private_ip_rules() {
        let mut s = Subnet {
            subnet_id: "subnet-1".to_owned(),
            subnet_arn: String::new(),
            vpc_id: "vpc-1".to_owned(),
            owner_id: String::new(),
            state: "available".to_owned(),
            availability_zone: "us-east-1a".to_owned(),
            availability_zone_id: "use1-az1".to_owned(),
            cidr_block: cidr::parse_v4("10.0.0.0/24"),
            ipv6_cidr_block_associations: Vec::new(),
            ipv6_native: false,
            assign_ipv6_address_on_creation: false,
            map_public_ip_on_launch: false,
            enable_dns64: false,
            private_dns_hostname_type_on_launch: "ip-name".to_owned(),
            enable_resource_name_dns_a_record_on_launch: false,
            enable_resource_name_dns_aaaa_record_on_launch: false,
            default_for_az: false,
            tags: Tags::new(),
            used_ipv4: Default::default(),
            used_ipv6: Default::default(),
        };
        assert!(check_private_ip(&s, "10.0.0.10").is_ok());
        assert!(check_private_ip(&s, "10.0.0.3").is_err());
        assert!(check_private_ip(&s, "10.0.0.255").is_err());
        assert!(check_private_ip(&s, "10.0.1.10").is_err());
        assert!(check_private_ip(&s, "nonsense").is_err());
        s.used_ipv4.insert("10.0.0.10".parse().unwrap());
        assert_eq!(
            check_private_ip(&s, "10.0.0.10").unwrap_err().code,
            "InvalidIPAddress.InUse"
        );
    }
}
