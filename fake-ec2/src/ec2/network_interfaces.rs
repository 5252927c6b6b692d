//! Network interfaces. Stand-alone ones are stored here: one's own
//! (CreateNetworkInterface), the cross-account ENIs EKS puts in a cluster's
//! subnets (see [`crate::eks`]) and the requester-managed ENIs of interface
//! VPC endpoints (type `vpc_endpoint`, see [`super::vpc_endpoints`]); they
//! keep their subnet, security groups and VPC from deletion
//! (`DependencyViolation`) until they are deleted. An instance's
//! interfaces live inside the instance and a NAT gateway's inside the
//! gateway; DescribeNetworkInterfaces shows all of them as one list, and
//! the attribute and IPv6 actions change an instance's interface where it
//! lives.
//!
//! - DescribeNetworkInterfaces takes `NetworkInterfaceId.N` (an unknown id
//!   is `InvalidNetworkInterfaceID.NotFound`), `Filter.N` and
//!   `MaxResults`/`NextToken` (5-1000).
//! - Choices where AWS's behaviour is not documented `[I]`: an interface
//!   an AWS service manages (a NAT gateway's, an endpoint's) refuses
//!   changes with `OperationNotPermitted`; a NAT gateway's MAC address is
//!   derived from its interface id; the primary IPv6 address cannot be
//!   unassigned.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::describe::Describe;
use super::filters;
use super::instances::{
    Instance, InstanceIpv6Address, InstanceNetworkInterface, check_interface_groups, check_ipv4,
    check_ipv6,
};
use super::nat_gateways::NatGateway;
use super::paging::Limits;
use super::tags::{self, Tags};
use super::{Ec2State, errors, idempotency};
use crate::index::{By, Key, Keys, StableKeys};
use crate::protocol::error::AwsResult;
use crate::protocol::xml::rename;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;
use crate::registry;

/// The AWS account EKS's control plane attaches its interfaces from (the
/// `attachment.instanceOwnerId` a user sees) `[I]`.
pub const EKS_SERVICE_ACCOUNT: &str = "602401143452";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NetworkInterface {
    pub network_interface_id: String,
    pub subnet_id: String,
    pub vpc_id: String,
    pub availability_zone: String,
    pub description: String,
    pub owner_id: String,
    /// The account whose service attached it (EKS's); empty while detached.
    pub instance_owner_id: String,
    /// Empty for an interface of one's own that is not attached.
    pub attachment_id: String,
    pub private_ip_address: Option<Ipv4Addr>,
    pub ipv6_addresses: Vec<Ipv6Addr>,
    pub security_group_ids: Vec<String>,
    pub mac_address: String,
    /// `interface`, `vpc_endpoint`, `nat_gateway`.
    #[serde(default = "default_interface_type")]
    pub interface_type: String,
    /// Managed by an AWS service on the account's behalf (VPC endpoints).
    #[serde(default)]
    pub requester_managed: bool,
    /// ModifyNetworkInterfaceAttribute `SourceDestCheck`.
    #[serde(default = "yes")]
    pub source_dest_check: bool,
    /// The instance it is attached to (in views of an instance's interfaces).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(default = "one")]
    pub device_index: u32,
    #[serde(default)]
    pub delete_on_termination: bool,
    /// The address `isPrimaryIpv6` marks (an instance's `EnablePrimaryIpv6`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_ipv6: Option<Ipv6Addr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<Ipv4Addr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
    pub tags: Tags,
}

fn default_interface_type() -> String {
    "interface".to_owned()
}

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

/// The MAC address of the `n`th interface the region made: `0e:` and five
/// bytes of `n`, so no two interfaces share one.
pub fn mac_address(n: u64) -> String {
    format!(
        "0e:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        (n >> 32) & 0xff,
        (n >> 24) & 0xff,
        (n >> 16) & 0xff,
        (n >> 8) & 0xff,
        n & 0xff
    )
}

/// A MAC address derived from an interface id, for interfaces whose owner
/// keeps no MAC of its own (a NAT gateway's): `02:` and five bytes of an
/// FNV-1a hash of the id `[I]`.
fn mac_of_id(id: &str) -> String {
    let h = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut mac = mac_address(h & 0xff_ffff_ffff);
    mac.replace_range(0..2, "02");
    mac
}

crate::registry::resource!(
    NetworkInterface: "eni", "network-interface", network_interface_id, Tags,
    |id| errors::network_interface_not_found(id)
);

/// A stand-alone interface is found by its VPC, its subnet, the instance
/// it is attached to and its client token.
impl Keys for NetworkInterface {
    fn keys(&self, out: &mut Vec<Key>) {
        out.push((By::Vpc, self.vpc_id.clone()));
        out.push((By::Subnet, self.subnet_id.clone()));
        if let Some(i) = &self.instance_id {
            out.push((By::Instance, i.clone()));
        }
        if let Some(t) = &self.client_token {
            out.push((By::Token, t.clone()));
        }
    }
}

/// Attach and detach are not modelled: none of them changes.
impl StableKeys for NetworkInterface {}

impl NetworkInterface {
    /// A new interface of `owner` in a subnet, with EC2's defaults: no
    /// addresses, groups or description yet, not attached, type
    /// `interface`, not requester-managed, source/dest check on, device
    /// index 1, no public address, no tags. `n` numbers its MAC address.
    pub fn new(
        id: String,
        subnet_id: String,
        vpc_id: String,
        availability_zone: String,
        owner: String,
        n: u64,
    ) -> Self {
        Self {
            network_interface_id: id,
            subnet_id,
            vpc_id,
            availability_zone,
            description: String::new(),
            owner_id: owner,
            instance_owner_id: String::new(),
            attachment_id: String::new(),
            private_ip_address: None,
            ipv6_addresses: Vec::new(),
            security_group_ids: Vec::new(),
            mac_address: mac_address(n),
            interface_type: "interface".to_owned(),
            requester_managed: false,
            source_dest_check: true,
            instance_id: None,
            device_index: 1,
            delete_on_termination: false,
            primary_ipv6: None,
            public_ip: None,
            client_token: None,
            tags: Tags::new(),
        }
    }

    /// [`NetworkInterface::new`] in `subnet` (its VPC and zone).
    pub fn in_subnet(id: String, subnet: &super::subnets::Subnet, owner: String, n: u64) -> Self {
        Self::new(
            id,
            subnet.subnet_id.clone(),
            subnet.vpc_id.clone(),
            subnet.availability_zone.clone(),
            owner,
            n,
        )
    }

    /// `in-use` while attached, `available` once detached.
    pub fn status(&self) -> &'static str {
        if self.attachment_id.is_empty() {
            "available"
        } else {
            "in-use"
        }
    }

    fn is_attached(&self) -> bool {
        !self.attachment_id.is_empty()
    }

    fn attachment_status(&self) -> &'static str {
        if self.attachment_id.is_empty() {
            ""
        } else {
            "attached"
        }
    }

    fn to_xml(&self, ec2: &Ec2State) -> Node {
        let groups = group_set(ec2, &self.security_group_ids);
        let dns = self
            .private_ip_address
            .map(|a| format!("ip-{}.ec2.internal", a.to_string().replace('.', "-")));
        let association = self.public_ip.map(|ip| {
            let elastic = ec2.addresses.values().any(|a| {
                a.network_interface_id.as_deref() == Some(self.network_interface_id.as_str())
            });
            Node::el("association")
                .leaf("publicIp", ip)
                .leaf("ipOwnerId", if elastic { &self.owner_id } else { "amazon" })
        });
        let private = self.private_ip_address.map(|a| {
            Node::el("item")
                .leaf("privateIpAddress", a)
                .opt_leaf("privateDnsName", dns.as_deref())
                .leaf("primary", true)
                .opt_child(association.clone())
        });
        let attachment = (!self.attachment_id.is_empty()).then(|| {
            Node::el("attachment")
                .leaf("attachmentId", &self.attachment_id)
                .opt_leaf("instanceId", self.instance_id.as_deref())
                .leaf("instanceOwnerId", &self.instance_owner_id)
                .leaf("deviceIndex", self.device_index)
                .leaf("status", self.attachment_status())
                .leaf("deleteOnTermination", self.delete_on_termination)
                .leaf("networkCardIndex", 0)
        });
        Node::el("item")
            .leaf("networkInterfaceId", &self.network_interface_id)
            .leaf("subnetId", &self.subnet_id)
            .leaf("vpcId", &self.vpc_id)
            .leaf("availabilityZone", &self.availability_zone)
            .leaf("description", &self.description)
            .leaf("ownerId", &self.owner_id)
            .leaf("requesterManaged", self.requester_managed)
            .leaf("status", self.status())
            .leaf("macAddress", &self.mac_address)
            .opt_leaf("privateIpAddress", self.private_ip_address)
            .opt_leaf("privateDnsName", dns.as_deref())
            .leaf("sourceDestCheck", self.source_dest_check)
            .child(groups)
            .opt_child(attachment)
            .opt_child(association)
            .child(Node::set("privateIpAddressesSet", private))
            .child(Node::set(
                "ipv6AddressesSet",
                self.ipv6_addresses.iter().map(|a| {
                    Node::el("item")
                        .leaf("ipv6Address", a)
                        .leaf("isPrimaryIpv6", self.primary_ipv6 == Some(*a))
                }),
            ))
            .leaf("interfaceType", &self.interface_type)
            .opt_child(tags::tag_set(&self.tags))
    }
}

fn group_set(ec2: &Ec2State, ids: &[String]) -> Node {
    Node::set(
        "groupSet",
        ids.iter().map(|g| {
            let name = ec2
                .security_groups
                .get(g)
                .map(|s| s.group_name.clone())
                .unwrap_or_default();
            Node::el("item").leaf("groupId", g).leaf("groupName", name)
        }),
    )
}

filters::filterable!(NetworkInterface, |eni| [
    (
        "network-interface-id",
        filters::one(&eni.network_interface_id)
    ),
    ("vpc-id", filters::one(&eni.vpc_id)),
    ("subnet-id", filters::one(&eni.subnet_id)),
    ("availability-zone", filters::one(&eni.availability_zone)),
    ("group-id", eni.security_group_ids.clone()),
    ("description", filters::one(&eni.description)),
    ("status", filters::one(eni.status())),
    ("interface-type", filters::one(&eni.interface_type)),
    ("owner-id", filters::one(&eni.owner_id)),
    (
        "requester-managed",
        filters::bool_value(eni.requester_managed)
    ),
    ("mac-address", filters::one(&eni.mac_address)),
    (
        "source-dest-check",
        filters::bool_value(eni.source_dest_check)
    ),
    ("private-ip-address", filters::opt(eni.private_ip_address)),
    (
        "private-dns-name",
        eni.private_ip_address
            .map(|a| format!("ip-{}.ec2.internal", a.to_string().replace('.', "-")))
            .into_iter()
            .collect()
    ),
    (
        "ipv6-addresses.ipv6-address",
        eni.ipv6_addresses.iter().map(ToString::to_string).collect()
    ),
    ("association.public-ip", filters::opt(eni.public_ip)),
    (
        "attachment.attachment-id",
        filters::when(eni.is_attached(), || filters::one(&eni.attachment_id))
    ),
    (
        "attachment.instance-id",
        eni.instance_id.iter().cloned().collect()
    ),
    (
        "attachment.instance-owner-id",
        filters::when(eni.is_attached(), || filters::one(&eni.instance_owner_id))
    ),
    (
        "attachment.device-index",
        filters::when(eni.is_attached(), || filters::one(
            eni.device_index.to_string()
        ))
    ),
    (
        "attachment.status",
        filters::when(eni.is_attached(), || filters::one(eni.attachment_status()))
    ),
    (
        "attachment.delete-on-termination",
        filters::when(eni.is_attached(), || filters::bool_value(
            eni.delete_on_termination
        ))
    ),
]);

impl Ec2State {
    /// Whether a stand-alone interface is in the subnet.
    pub fn interface_in_subnet(&self, subnet_id: &str) -> bool {
        self.network_interfaces.any(By::Subnet, subnet_id)
    }

    /// Whether a stand-alone interface uses the security group.
    pub fn interface_uses_group(&self, group_id: &str) -> bool {
        self.network_interfaces
            .values()
            .any(|n| n.security_group_ids.iter().any(|g| g == group_id))
    }

    /// Whether a stand-alone interface is in the VPC.
    pub fn interface_in_vpc(&self, vpc_id: &str) -> bool {
        self.network_interfaces.any(By::Vpc, vpc_id)
    }

    /// Removes a stand-alone interface and gives its addresses back to its
    /// subnet.
    pub fn remove_interface(&mut self, id: &str) -> Option<NetworkInterface> {
        let eni = self.network_interfaces.remove(id)?;
        if let Some(subnet) = self.subnets.get_mut(&eni.subnet_id) {
            if let Some(a) = eni.private_ip_address {
                subnet.release_ipv4(a);
            }
            for a in &eni.ipv6_addresses {
                subnet.release_ipv6(*a);
            }
        }
        Some(eni)
    }

    /// Every interface EC2 shows: the stand-alone ones, each live
    /// instance's and each NAT gateway's (which their owners keep).
    pub fn all_interfaces(&self) -> BTreeMap<String, NetworkInterface> {
        let mut out: BTreeMap<String, NetworkInterface> = self
            .network_interfaces
            .iter()
            .map(|(id, n)| (id.clone(), n.clone()))
            .collect();
        for i in self.instances.values() {
            out.extend(instance_views(self, i));
        }
        for g in self.nat_gateways.values() {
            out.extend(nat_view(self, g).map(|v| (v.network_interface_id.clone(), v)));
        }
        out
    }

    /// The interfaces a key finds (`By::Vpc`, `By::Subnet` or
    /// `By::Instance`), from the indexes of the three families that own
    /// interfaces: a superset of those in the VPC, subnet or instance.
    fn interfaces_found(&self, by: By, value: &str) -> BTreeMap<String, NetworkInterface> {
        let mut out: BTreeMap<String, NetworkInterface> = self
            .network_interfaces
            .find(by, value)
            .map(|n| (n.network_interface_id.clone(), n.clone()))
            .collect();
        let instances: Vec<&Instance> = match by {
            By::Instance => self.instances.get(value).into_iter().collect(),
            _ => self.instances.find(by, value).collect(),
        };
        for i in instances {
            out.extend(instance_views(self, i));
        }
        if by != By::Instance {
            for g in self.nat_gateways.find(by, value) {
                out.extend(nat_view(self, g).map(|v| (v.network_interface_id.clone(), v)));
            }
        }
        out
    }
}

/// A live instance's interfaces as DescribeNetworkInterfaces shows them
/// (none once it is terminated).
fn instance_views<'a>(
    ec2: &'a Ec2State,
    i: &'a Instance,
) -> impl Iterator<Item = (String, NetworkInterface)> + 'a {
    let live = !i.is_terminated();
    i.network_interfaces
        .iter()
        .filter(move |_| live)
        .map(move |n| (n.network_interface_id.clone(), instance_view(ec2, i, n)))
}

fn instance_view(ec2: &Ec2State, i: &Instance, n: &InstanceNetworkInterface) -> NetworkInterface {
    let owner = ec2
        .subnets
        .get(&n.subnet_id)
        .map_or_else(String::new, |s| s.owner_id.clone());
    NetworkInterface {
        network_interface_id: n.network_interface_id.clone(),
        subnet_id: n.subnet_id.clone(),
        vpc_id: n.vpc_id.clone(),
        availability_zone: i.availability_zone.clone(),
        description: n.description.clone(),
        owner_id: owner.clone(),
        instance_owner_id: owner,
        attachment_id: n.attachment_id.clone(),
        private_ip_address: n.private_ip_address,
        ipv6_addresses: n.ipv6_addresses.iter().map(|a| a.address).collect(),
        security_group_ids: n.security_group_ids.clone(),
        mac_address: n.mac_address.clone(),
        interface_type: "interface".to_owned(),
        requester_managed: false,
        source_dest_check: n.source_dest_check,
        instance_id: Some(i.instance_id.clone()),
        device_index: n.device_index,
        delete_on_termination: n.delete_on_termination,
        primary_ipv6: n
            .ipv6_addresses
            .iter()
            .find(|a| a.is_primary)
            .map(|a| a.address),
        public_ip: n.public_ip,
        client_token: None,
        tags: Tags::new(),
    }
}

/// A NAT gateway's interface, while the gateway has one (not once it
/// failed or is deleted).
fn nat_view(ec2: &Ec2State, g: &NatGateway) -> Option<NetworkInterface> {
    if g.network_interface_id.is_empty() || matches!(g.state.as_str(), "failed" | "deleted") {
        return None;
    }
    let subnet = ec2.subnets.get(&g.subnet_id)?;
    Some(NetworkInterface {
        network_interface_id: g.network_interface_id.clone(),
        subnet_id: g.subnet_id.clone(),
        vpc_id: g.vpc_id.clone(),
        availability_zone: subnet.availability_zone.clone(),
        description: format!("Interface for NAT Gateway {}", g.nat_gateway_id),
        owner_id: subnet.owner_id.clone(),
        instance_owner_id: "amazon-aws".to_owned(),
        attachment_id: format!(
            "ela-attach-{}",
            g.network_interface_id.trim_start_matches("eni-")
        ),
        private_ip_address: Some(g.private_ip),
        ipv6_addresses: Vec::new(),
        security_group_ids: Vec::new(),
        mac_address: mac_of_id(&g.network_interface_id),
        interface_type: "nat_gateway".to_owned(),
        requester_managed: true,
        source_dest_check: false,
        instance_id: None,
        device_index: 1,
        delete_on_termination: false,
        primary_ipv6: None,
        public_ip: g.public_ip,
        client_token: None,
        tags: Tags::new(),
    })
}

pub fn describe_network_interfaces(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let describe = Describe {
        ids: "NetworkInterfaceId",
        set: "networkInterfaceSet",
        limits: Limits::new(5, 1000),
        ids_set: Some("networkInterfaceIds"),
    };
    let ec2 = &ctx.region.ec2;
    let ids = p.list(describe.ids);
    let filters = p.filters()?;
    // The candidates: the named interfaces, else those an exact `vpc-id`,
    // `subnet-id` or `attachment.instance-id` filter finds through the
    // indexes, else every one.
    let candidates: BTreeMap<String, NetworkInterface> = if !ids.is_empty() {
        ids.iter()
            .map(|id| locate(ec2, id).map(|(_, n)| (id.clone(), n)))
            .collect::<AwsResult<_>>()?
    } else {
        let exact = filters.iter().find_map(|f| {
            let by = match f.name.as_str() {
                "vpc-id" => By::Vpc,
                "subnet-id" => By::Subnet,
                "attachment.instance-id" => By::Instance,
                _ => return None,
            };
            filters::is_exact(f).then_some((by, &f.values))
        });
        match exact {
            Some((by, values)) => values
                .iter()
                .flat_map(|v| ec2.interfaces_found(by, v))
                .collect(),
            None => ec2.all_interfaces(),
        }
    };
    describe.run(p, &candidates, |n| n.to_xml(ec2))
}

/// Where an interface lives: its own entry, or inside the instance or NAT
/// gateway that owns it.
enum Slot {
    Standalone,
    Instance { instance_id: String, index: usize },
    NatGateway,
}

/// Where an interface lives, and the interface as DescribeNetworkInterfaces
/// shows it.
fn locate(ec2: &Ec2State, id: &str) -> AwsResult<(Slot, NetworkInterface)> {
    if let Some(n) = ec2.network_interfaces.get(id) {
        return Ok((Slot::Standalone, n.clone()));
    }
    let owner = ec2.instances.find(By::Interface, id);
    for i in owner.filter(|i| !i.is_terminated()) {
        if let Some(index) = i
            .network_interfaces
            .iter()
            .position(|n| n.network_interface_id == id)
        {
            let view = instance_view(ec2, i, &i.network_interfaces[index]);
            let slot = Slot::Instance {
                instance_id: i.instance_id.clone(),
                index,
            };
            return Ok((slot, view));
        }
    }
    ec2.nat_gateways
        .find(By::Interface, id)
        .find_map(|g| nat_view(ec2, g))
        .map(|view| (Slot::NatGateway, view))
        .ok_or_else(|| errors::network_interface_not_found(id))
}

/// Interfaces an AWS service manages cannot be changed by the account.
fn refuse_managed(n: &NetworkInterface) -> AwsResult<()> {
    if n.requester_managed {
        return Err(AwsError::coded(
            errors::Ec2Code::OperationNotPermitted,
            format!(
                "You do not have permission to access the specified resource: the network interface '{}' is managed by an AWS service.",
                n.network_interface_id
            ),
        ));
    }
    Ok(())
}

/// `Ipv6AddressCount` together with named IPv6 addresses.
fn count_and_addresses() -> AwsError {
    AwsError::invalid_parameter_combination(
        "The parameter 'ipv6AddressCount' may not be used in combination with 'ipv6Addresses'",
    )
}

fn parse_ipv6(text: &str, param: &str) -> AwsResult<Ipv6Addr> {
    text.parse()
        .map_err(|_| AwsError::invalid_value_for(param, text))
}

fn interface_answer(ec2: &Ec2State, n: &NetworkInterface) -> Vec<Node> {
    let mut out = vec![rename(n.to_xml(ec2), "networkInterface")];
    if let Some(t) = &n.client_token {
        out.push(Node::text("clientToken", t));
    }
    out
}

/// CreateNetworkInterface: `SubnetId`, `SecurityGroupId.N` (the VPC's
/// default group when none), `Description`, `PrivateIpAddress`,
/// `Ipv6AddressCount` or `Ipv6Address.N`, `EnablePrimaryIpv6`,
/// `InterfaceType` (`interface` only), `TagSpecification.N`, `ClientToken`.
pub fn create_network_interface(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let tags = tags::from_specs(p, "network-interface")?;
    let subnet_id = p.required("SubnetId")?.to_owned();
    let token = p.value("ClientToken").map(str::to_owned);
    let description = p.value("Description").unwrap_or_default().to_owned();
    let ec2 = &ctx.region.ec2;
    if let Some(existing) =
        idempotency::earlier_indexed(&ec2.network_interfaces, token.as_deref(), |n| {
            n.subnet_id == subnet_id && n.description == description
        })?
    {
        return Ok(interface_answer(ec2, existing));
    }
    if let Some(kind) = p.value("InterfaceType").filter(|t| *t != "interface") {
        return Err(AwsError::unsupported_operation(format!(
            "The interface type '{kind}' is not modelled by this endpoint: only 'interface' is."
        )));
    }
    if p.number::<u32>("Ipv4PrefixCount")?.is_some()
        || p.number::<u32>("Ipv6PrefixCount")?.is_some()
        || !p.list("Ipv4Prefix").is_empty()
        || !p.list("Ipv6Prefix").is_empty()
    {
        return Err(AwsError::unsupported_operation(
            "Prefix delegation on network interfaces is not modelled by this endpoint.",
        ));
    }
    let subnet = registry::find(&ec2.subnets, &subnet_id)?;
    let mut groups = p.list("SecurityGroupId");
    if groups.is_empty() {
        // The VPC's default group, as RunInstances takes it.
        let vpc = registry::find(&ec2.vpcs, &subnet.vpc_id)?;
        groups.push(vpc.default_security_group_id.clone());
    }
    check_interface_groups(ec2, &groups, &subnet.vpc_id, &subnet_id)?;
    let private_ip: Option<Ipv4Addr> = p
        .value("PrivateIpAddress")
        .map(|t| {
            t.parse()
                .map_err(|_| AwsError::invalid_value_for("PrivateIpAddress", t))
        })
        .transpose()?;
    let count = p.number::<u32>("Ipv6AddressCount")?;
    let named: Vec<Ipv6Addr> = p
        .structs("Ipv6Addresses")
        .iter()
        .filter_map(|s| s.value("Ipv6Address").map(str::to_owned))
        .chain(p.list("Ipv6Address"))
        .map(|t| parse_ipv6(&t, "Ipv6Address"))
        .collect::<AwsResult<_>>()?;
    if count.is_some() && !named.is_empty() {
        return Err(count_and_addresses());
    }
    let asked = count.unwrap_or_else(|| {
        if named.is_empty() {
            u32::from(subnet.assign_ipv6_address_on_creation || subnet.ipv6_native)
        } else {
            0
        }
    });
    let asked = if subnet.ipv6_native && named.is_empty() {
        asked.max(1)
    } else {
        asked
    };
    if (asked > 0 || !named.is_empty()) && !subnet.has_ipv6() {
        return Err(errors::subnet_has_no_ipv6(&subnet_id));
    }
    if private_ip.is_some() && subnet.cidr_block.is_none() {
        return Err(errors::ipv6_only_subnet_private_ip(&subnet_id));
    }
    let primary = p.bool("EnablePrimaryIpv6")?.unwrap_or(false);
    if primary && asked == 0 && named.is_empty() {
        return Err(AwsError::invalid_parameter_combination(
            "A primary IPv6 address needs an IPv6 address on the network interface.",
        ));
    }
    if let Some(ip) = private_ip {
        check_ipv4(subnet, ip)?;
    }
    for ip in &named {
        check_ipv6(subnet, *ip)?;
    }
    let (vpc_id, zone, owner) = (
        subnet.vpc_id.clone(),
        subnet.availability_zone.clone(),
        subnet.owner_id.clone(),
    );
    // Every check is done: take the addresses, all or none.
    let subnet = ctx
        .region
        .ec2
        .subnets
        .get_mut(&subnet_id)
        .ok_or_else(|| errors::subnet_not_found(&subnet_id))?;
    let mut v6 = Vec::new();
    let v4 = match (private_ip, subnet.cidr_block.is_some()) {
        (Some(ip), _) => {
            subnet.used_ipv4.insert(ip);
            Some(ip)
        }
        (None, true) => Some(
            subnet
                .allocate_ipv4()
                .ok_or_else(|| errors::insufficient_free_addresses(&subnet_id))?,
        ),
        (None, false) => None,
    };
    for ip in &named {
        subnet.claim_ipv6(*ip);
        v6.push(*ip);
    }
    for _ in 0..asked {
        match subnet.allocate_ipv6() {
            Some(ip) => v6.push(ip),
            None => {
                if let Some(ip) = v4 {
                    subnet.release_ipv4(ip);
                }
                for ip in &v6 {
                    subnet.release_ipv6(*ip);
                }
                return Err(errors::insufficient_free_addresses(&subnet_id));
            }
        }
    }
    let id = ctx.next_id("eni");
    let n = ctx.region.ids.bump("eni-mac");
    let eni = NetworkInterface {
        description,
        private_ip_address: v4,
        primary_ipv6: primary.then(|| v6.first().copied()).flatten(),
        ipv6_addresses: v6,
        security_group_ids: groups,
        client_token: token,
        tags,
        ..NetworkInterface::new(id.clone(), subnet_id, vpc_id, zone, owner, n)
    };
    let out = interface_answer(&ctx.region.ec2, &eni);
    ctx.ec2().network_interfaces.insert(id, eni);
    Ok(out)
}

/// DeleteNetworkInterface: only an interface of one's own that is not
/// attached (an instance's, a NAT gateway's, a service's are in use).
pub fn delete_network_interface(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("NetworkInterfaceId")?.to_owned();
    let ec2 = ctx.ec2();
    let (_, n) = locate(ec2, &id)?;
    if !n.attachment_id.is_empty() {
        return Err(AwsError::coded(
            errors::Ec2Code::InvalidNetworkInterfaceInUse,
            format!("Interface: [{id}] in use."),
        ));
    }
    ec2.remove_interface(&id);
    Ok(vec![Node::text("return", "true")])
}

/// AssignIpv6Addresses: `Ipv6AddressCount` or `Ipv6Addresses.N` from the
/// interface's subnet block; an instance's interface at most as many as
/// its type allows per interface.
pub fn assign_ipv6_addresses(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("NetworkInterfaceId")?.to_owned();
    let count = p.number::<u32>("Ipv6AddressCount")?;
    let named: Vec<Ipv6Addr> = p
        .list("Ipv6Addresses")
        .iter()
        .map(|t| parse_ipv6(t, "Ipv6Addresses"))
        .collect::<AwsResult<_>>()?;
    if p.number::<u32>("Ipv6PrefixCount")?.is_some() || !p.list("Ipv6Prefixes").is_empty() {
        return Err(AwsError::unsupported_operation(
            "IPv6 prefixes on network interfaces are not modelled by this endpoint.",
        ));
    }
    match (count, named.is_empty()) {
        (Some(_), false) => {
            return Err(count_and_addresses());
        }
        (None, true) | (Some(0), true) => {
            return Err(AwsError::missing_parameter_msg(
                "Either 'ipv6AddressCount' or 'ipv6Addresses' must be specified.",
            ));
        }
        _ => {}
    }
    let ec2 = &ctx.region.ec2;
    let (slot, n) = locate(ec2, &id)?;
    refuse_managed(&n)?;
    let subnet = registry::find(&ec2.subnets, &n.subnet_id)?;
    if !subnet.has_ipv6() {
        return Err(errors::subnet_has_no_ipv6(&n.subnet_id));
    }
    let adding = count.map_or(named.len(), |c| c as usize);
    if let Slot::Instance { instance_id, .. } = &slot {
        let itype = ec2
            .instances
            .get(instance_id)
            .map(|i| i.instance_type.clone())
            .unwrap_or_default();
        let limit = ctx
            .region
            .instance_type(&itype)
            .map_or(u32::MAX, |t| t.ipv6_addresses_per_interface) as usize;
        if n.ipv6_addresses.len() + adding > limit {
            return Err(AwsError::invalid_parameter_value(format!(
                "The number of IPv6 addresses ({}) exceeds the limit of {limit} per network interface for instance type '{itype}'.",
                n.ipv6_addresses.len() + adding
            )));
        }
    }
    for ip in &named {
        check_ipv6(subnet, *ip)?;
    }
    let subnet_id = n.subnet_id.clone();
    let subnet = ctx
        .region
        .ec2
        .subnets
        .get_mut(&subnet_id)
        .ok_or_else(|| errors::subnet_not_found(&subnet_id))?;
    let mut got = named.clone();
    for ip in &named {
        subnet.claim_ipv6(*ip);
    }
    for _ in 0..count.unwrap_or(0) {
        match subnet.allocate_ipv6() {
            Some(ip) => got.push(ip),
            None => {
                for ip in &got {
                    subnet.release_ipv6(*ip);
                }
                return Err(errors::insufficient_free_addresses(&subnet_id));
            }
        }
    }
    let ec2 = ctx.ec2();
    match slot {
        Slot::Standalone => {
            if let Some(eni) = ec2.network_interfaces.get_mut(&id) {
                eni.ipv6_addresses.extend(&got);
            }
        }
        Slot::Instance { instance_id, index } => {
            if let Some(nic) = ec2
                .instances
                .get_mut(&instance_id)
                .and_then(|i| i.network_interfaces.get_mut(index))
            {
                nic.ipv6_addresses
                    .extend(got.iter().map(|a| InstanceIpv6Address {
                        address: *a,
                        is_primary: false,
                    }));
            }
        }
        Slot::NatGateway => unreachable!("refused as requester-managed"),
    }
    Ok(vec![
        Node::set(
            "assignedIpv6Addresses",
            got.iter().map(|a| Node::text("item", a.to_string())),
        ),
        Node::text("networkInterfaceId", &id),
    ])
}

/// UnassignIpv6Addresses: `Ipv6Addresses.N`, each on the interface and
/// not its primary IPv6 address; they go back to the subnet.
pub fn unassign_ipv6_addresses(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("NetworkInterfaceId")?.to_owned();
    let named: Vec<Ipv6Addr> = p
        .list("Ipv6Addresses")
        .iter()
        .map(|t| parse_ipv6(t, "Ipv6Addresses"))
        .collect::<AwsResult<_>>()?;
    if named.is_empty() {
        return Err(AwsError::missing_parameter("Ipv6Addresses"));
    }
    let ec2 = &ctx.region.ec2;
    let (slot, n) = locate(ec2, &id)?;
    refuse_managed(&n)?;
    if let Some(missing) = named.iter().find(|a| !n.ipv6_addresses.contains(a)) {
        return Err(AwsError::invalid_parameter_value(format!(
            "Some of the specified addresses are not assigned to interface {id}: {missing}"
        )));
    }
    if let Some(primary) = n.primary_ipv6.filter(|a| named.contains(a)) {
        return Err(AwsError::invalid_parameter_value(format!(
            "The primary IPv6 address {primary} of interface {id} cannot be unassigned."
        )));
    }
    let ec2 = ctx.ec2();
    match slot {
        Slot::Standalone => {
            if let Some(eni) = ec2.network_interfaces.get_mut(&id) {
                eni.ipv6_addresses.retain(|a| !named.contains(a));
            }
        }
        Slot::Instance { instance_id, index } => {
            if let Some(nic) = ec2
                .instances
                .get_mut(&instance_id)
                .and_then(|i| i.network_interfaces.get_mut(index))
            {
                nic.ipv6_addresses.retain(|a| !named.contains(&a.address));
            }
        }
        Slot::NatGateway => unreachable!("refused as requester-managed"),
    }
    if let Some(subnet) = ec2.subnets.get_mut(&n.subnet_id) {
        for a in &named {
            subnet.release_ipv6(*a);
        }
    }
    Ok(vec![
        Node::text("networkInterfaceId", &id),
        Node::string_set("unassignedIpv6Addresses", &named),
    ])
}

/// One attribute ModifyNetworkInterfaceAttribute changes.
enum Change {
    Description(String),
    SourceDestCheck(bool),
    Groups(Vec<String>),
    DeleteOnTermination { attachment_id: String, on: bool },
}

/// ModifyNetworkInterfaceAttribute: exactly one of `Description.Value`,
/// `SourceDestCheck.Value`, `SecurityGroupId.N`, `Attachment.*`.
pub fn modify_network_interface_attribute(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("NetworkInterfaceId")?.to_owned();
    let mut changes = Vec::new();
    if let Some(d) = p.value("Description.Value") {
        changes.push(Change::Description(d.to_owned()));
    }
    if let Some(on) = p.bool("SourceDestCheck.Value")? {
        changes.push(Change::SourceDestCheck(on));
    }
    let groups = p.list("SecurityGroupId");
    if !groups.is_empty() {
        changes.push(Change::Groups(groups));
    }
    if p.value("Attachment.AttachmentId").is_some()
        || p.value("Attachment.DeleteOnTermination").is_some()
    {
        let attachment_id = p.required("Attachment.AttachmentId")?.to_owned();
        let on = p
            .bool("Attachment.DeleteOnTermination")?
            .ok_or_else(|| AwsError::missing_parameter("Attachment.DeleteOnTermination"))?;
        changes.push(Change::DeleteOnTermination { attachment_id, on });
    }
    if p.value("EnaSrdSpecification.EnaSrdEnabled").is_some()
        || p.value("ConnectionTrackingSpecification.TcpEstablishedTimeout")
            .is_some()
        || p.value("AssociatePublicIpAddress").is_some()
        || p.value("EnablePrimaryIpv6").is_some()
    {
        return Err(AwsError::unsupported_operation(
            "Only Description, SourceDestCheck, SecurityGroupId and Attachment.DeleteOnTermination are modelled by this endpoint.",
        ));
    }
    let change = match changes.len() {
        0 => {
            return Err(AwsError::invalid_parameter_combination(
                "No attributes specified.",
            ));
        }
        1 => changes.remove(0),
        _ => {
            return Err(AwsError::invalid_parameter_combination(
                "Fields for multiple attribute types specified: only one attribute can be modified per request.",
            ));
        }
    };
    let ec2 = &ctx.region.ec2;
    let (slot, n) = locate(ec2, &id)?;
    refuse_managed(&n)?;
    match &change {
        Change::Groups(g) => check_interface_groups(ec2, g, &n.vpc_id, &n.subnet_id)?,
        Change::DeleteOnTermination { attachment_id, .. } if *attachment_id != n.attachment_id => {
            return Err(AwsError::coded(
                errors::Ec2Code::InvalidAttachmentIdNotFound,
                format!("The attachment ID '{attachment_id}' does not exist"),
            ));
        }
        _ => {}
    }
    let ec2 = ctx.ec2();
    match slot {
        Slot::Standalone => {
            if let Some(eni) = ec2.network_interfaces.get_mut(&id) {
                match change {
                    Change::Description(d) => eni.description = d,
                    Change::SourceDestCheck(on) => eni.source_dest_check = on,
                    Change::Groups(g) => eni.security_group_ids = g,
                    Change::DeleteOnTermination { on, .. } => eni.delete_on_termination = on,
                }
            }
        }
        Slot::Instance { instance_id, index } => {
            if let Some(nic) = ec2
                .instances
                .get_mut(&instance_id)
                .and_then(|i| i.network_interfaces.get_mut(index))
            {
                match change {
                    Change::Description(d) => nic.description = d,
                    Change::SourceDestCheck(on) => nic.source_dest_check = on,
                    Change::Groups(g) => nic.security_group_ids = g,
                    Change::DeleteOnTermination { on, .. } => nic.delete_on_termination = on,
                }
            }
        }
        Slot::NatGateway => unreachable!("refused as requester-managed"),
    }
    Ok(vec![Node::text("return", "true")])
}

/// DescribeNetworkInterfaceAttribute: one `Attribute` of `description`,
/// `groupSet`, `sourceDestCheck`, `attachment`, `associatePublicIpAddress`.
pub fn describe_network_interface_attribute(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("NetworkInterfaceId")?.to_owned();
    let attribute = p.required("Attribute")?.to_owned();
    let ec2 = &ctx.region.ec2;
    let (_, n) = locate(ec2, &id)?;
    let value = match attribute.as_str() {
        "description" => Node::el("description").child(Node::text("value", &n.description)),
        "groupSet" => group_set(ec2, &n.security_group_ids),
        "sourceDestCheck" => {
            Node::el("sourceDestCheck").child(Node::text("value", n.source_dest_check.to_string()))
        }
        "attachment" => {
            let mut a = Node::el("attachment");
            if !n.attachment_id.is_empty() {
                a = a
                    .leaf("attachmentId", &n.attachment_id)
                    .opt_leaf("instanceId", n.instance_id.as_deref())
                    .leaf("instanceOwnerId", &n.instance_owner_id)
                    .leaf("deviceIndex", n.device_index)
                    .leaf("status", n.attachment_status())
                    .leaf("deleteOnTermination", n.delete_on_termination);
            }
            a
        }
        "associatePublicIpAddress" => Node::text(
            "associatePublicIpAddress",
            n.public_ip.is_some().to_string(),
        ),
        other => return Err(AwsError::invalid_value_for("Attribute", other)),
    };
    Ok(vec![Node::text("networkInterfaceId", &id), value])
}
