//! Instances: RunInstances, DescribeInstances, TerminateInstances.
//! IPv6 addresses come from the subnet's IPv6 block; an IPv6-only subnet
//! takes only Nitro instance types and gives them no IPv4 address.
//!
//! Choices where AWS's behaviour is not documented (`[I]` in aws-rules):
//! - No subnet and no network interface: the default VPC's subnet (see
//!   `default_vpc.rs`); `VPCIdNotSpecified` without a default VPC.
//! - A Xen type in an IPv6-only subnet: `InvalidParameterCombination`,
//!   naming the type and asking for a Nitro-based one.
//! - IPv6 asked of a subnet without an IPv6 block: `InvalidParameterValue`.
//! - A type without IPv6 in a subnet with `AssignIpv6AddressOnCreation`:
//!   refused like an explicit request (`UnsupportedOperation`), as the
//!   typhoon report shows for m3.medium. The instance-type check comes
//!   before the subnet check.
//! - An IPv6-only subnet gives every interface at least one IPv6 address,
//!   even with `Ipv6AddressCount=0`.
//! - `AssignIpv6AddressOnCreation` gives one address to every interface
//!   created in the subnet that asks for none itself.
//! - Addresses go back to the subnet when the instance reaches
//!   `terminated`; an interface launched with the instance goes with it
//!   even with `DeleteOnTermination=false` (it is reported, not kept).
//!   A terminated instance shows no subnet, VPC, addresses or interfaces.
//! - Settling: a Describe read moves every instance it can match on one
//!   step before filters apply (those it names; else those an exact
//!   `vpc-id`, `subnet-id` or interface filter finds; else all), so
//!   polling with an `instance-state-name` filter converges.
//! - At most [`INSTANCE_LIMIT`] live instances per region
//!   (`InstanceLimitExceeded`); `MaxCount` is trimmed to what fits, in
//!   instances and in free subnet addresses, as long as `MinCount` fits.
//! - A reservation's own `groupSet` is empty (VPC instances list their
//!   groups per instance and per interface).
//! - `ip-name` hostnames and named private IPv4 addresses in an IPv6-only
//!   subnet, named addresses with `MaxCount` > 1, `EnablePrimaryIpv6` /
//!   `PrimaryIpv6` without an IPv6 address, and more IPv6 addresses than the
//!   type allows per interface are refused with messages worded in AWS's
//!   style but not seen on AWS; so are reserved addresses and bad
//!   `MinCount`/`MaxCount`.
//! - `NetworkInterface.N.NetworkInterfaceId` answers
//!   `InvalidNetworkInterfaceID.NotFound` for an unknown interface and
//!   `UnsupportedOperation` for a stand-alone one: launching with an
//!   existing interface is not modelled.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::filters;
use super::paging::{self, Limits};
use super::subnets::{RESERVED_HEAD, Subnet};
use super::tags::{self, Tags};
use super::{Ec2State, errors};
use crate::ec2::instance_types::InstanceTypeInfo;
use crate::ids::Timestamp;
use crate::index::{By, Key, Keys, LIVE, StableKeys};
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;

/// AWS's default instance type for RunInstances without `InstanceType`.
pub const DEFAULT_INSTANCE_TYPE: &str = "m1.small";
/// Live (not terminated) instances one region holds.
pub const INSTANCE_LIMIT: usize = 1000;
/// Security groups per network interface (the default VPC quota).
pub const MAX_GROUPS_PER_INTERFACE: usize = 5;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstanceIpv6Address {
    pub address: Ipv6Addr,
    pub is_primary: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstanceNetworkInterface {
    pub network_interface_id: String,
    pub device_index: u32,
    pub subnet_id: String,
    pub vpc_id: String,
    pub private_ip_address: Option<Ipv4Addr>,
    pub ipv6_addresses: Vec<InstanceIpv6Address>,
    pub security_group_ids: Vec<String>,
    pub attachment_id: String,
    pub delete_on_termination: bool,
    /// The public IPv4 address AWS gave the primary interface at launch
    /// (`MapPublicIpOnLaunch` or `AssociatePublicIpAddress`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<Ipv4Addr>,
    /// Whether AWS gave the interface a public address at launch: it gets
    /// a new one when an Elastic IP that replaced it is disassociated.
    #[serde(default)]
    pub auto_public_ip: bool,
    /// ModifyNetworkInterfaceAttribute `Description` (empty at launch).
    #[serde(default)]
    pub description: String,
    /// ModifyNetworkInterfaceAttribute `SourceDestCheck` (on at launch).
    #[serde(default = "yes")]
    pub source_dest_check: bool,
    #[serde(default)]
    pub mac_address: String,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instance {
    pub instance_id: String,
    pub reservation_id: String,
    pub image_id: String,
    pub instance_type: String,
    /// pending | running | shutting-down | terminated | stopping | stopped
    pub state: String,
    pub subnet_id: String,
    pub vpc_id: String,
    pub availability_zone: String,
    pub network_interfaces: Vec<InstanceNetworkInterface>,
    pub private_dns_name: String,
    pub hostname_type: String,
    pub enable_resource_name_dns_a_record: bool,
    pub enable_resource_name_dns_aaaa_record: bool,
    pub metadata_http_protocol_ipv6: String,
    pub metadata_http_tokens: String,
    pub metadata_http_endpoint: String,
    pub metadata_hop_limit: u32,
    /// `MetadataOptions.InstanceMetadataTags`: enabled | disabled.
    pub metadata_instance_tags: String,
    pub key_name: Option<String>,
    pub launch_time: Timestamp,
    pub client_token: Option<String>,
    pub tags: Tags,
    /// Position in its reservation (`amiLaunchIndex`).
    pub ami_launch_index: u32,
    pub architecture: String,
    /// The instance type's vCPUs, for `cpuOptions`.
    #[serde(default)]
    pub vcpus: u32,
    #[serde(default, skip_serializing_if = "crate::bookkeeping::hidden_in_dump")]
    pub reads_left: u32,
    /// The launch parameters, to tell a retry from a different request with the same token.
    #[serde(default, skip_serializing_if = "crate::bookkeeping::hidden_in_dump")]
    pub request_fingerprint: String,
}

crate::registry::resource!(
    Instance: "i", "instance", instance_id, Tags, |id| errors::instance_not_found(id);

    fn elbv2_not_found(id: &str) -> Option<AwsError> {
        Some(crate::elbv2::errors::invalid_target(format!(
            "The following targets are not valid instances: '{id}'"
        )))
    }

    fn elb_not_found(id: &str) -> Option<AwsError> {
        Some(crate::elb::errors::instance_not_found(id))
    }

    fn is_gone(&self) -> bool {
        self.state == "terminated"
    }
);

/// An instance is found by the VPCs and subnets of its interfaces, their
/// ids and its client token; until it is terminated, by `State` `live`
/// (what the instance quota counts).
impl Keys for Instance {
    fn keys(&self, out: &mut Vec<Key>) {
        if !self.is_terminated() {
            out.push((By::State, LIVE.to_owned()));
        }
        if let Some(t) = &self.client_token {
            out.push((By::Token, t.clone()));
        }
        out.push((By::Vpc, self.vpc_id.clone()));
        out.push((By::Subnet, self.subnet_id.clone()));
        for n in &self.network_interfaces {
            out.push((By::Vpc, n.vpc_id.clone()));
            out.push((By::Subnet, n.subnet_id.clone()));
            out.push((By::Interface, n.network_interface_id.clone()));
        }
    }
}

/// Interfaces are not attached or detached after launch; an instance
/// becomes terminated (and gives its interfaces up) only in
/// `observe_instance`, through [`crate::index::Indexed::change`].
impl StableKeys for Instance {}

impl Instance {
    /// The primary interface (device index 0).
    pub fn primary_interface(&self) -> Option<&InstanceNetworkInterface> {
        self.network_interfaces.iter().find(|n| n.device_index == 0)
    }

    pub fn private_ip_address(&self) -> Option<Ipv4Addr> {
        self.primary_interface().and_then(|n| n.private_ip_address)
    }

    /// The public IPv4 address of the primary interface, if it has one.
    pub fn public_ip(&self) -> Option<Ipv4Addr> {
        self.primary_interface().and_then(|n| n.public_ip)
    }

    /// The primary IPv6 address (`EnablePrimaryIpv6`), needed for IPv6 target groups.
    pub fn primary_ipv6(&self) -> Option<Ipv6Addr> {
        self.primary_interface()?
            .ipv6_addresses
            .iter()
            .find(|a| a.is_primary)
            .map(|a| a.address)
    }

    pub fn is_terminated(&self) -> bool {
        self.state == "terminated"
    }

    /// The state code AWS pairs with each state name.
    pub fn state_code(&self) -> u32 {
        state_code(&self.state)
    }

    /// The instance's groups: those of its interfaces, in order, without repeats.
    pub fn security_group_ids(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for g in self
            .network_interfaces
            .iter()
            .flat_map(|n| &n.security_group_ids)
        {
            if !out.contains(&g.as_str()) {
                out.push(g);
            }
        }
        out
    }

    /// The IPv6 address shown as `ipv6Address`: the primary one, else the
    /// first address of the primary interface.
    fn shown_ipv6(&self) -> Option<Ipv6Addr> {
        self.primary_ipv6().or_else(|| {
            self.primary_interface()?
                .ipv6_addresses
                .first()
                .map(|a| a.address)
        })
    }

    /// One read of a transitional state; true when it just became `terminated`.
    fn observe(&mut self) -> bool {
        let next = match self.state.as_str() {
            "pending" => "running",
            "shutting-down" => "terminated",
            _ => return false,
        };
        if self.reads_left > 0 {
            self.reads_left -= 1;
            return false;
        }
        self.state = next.to_owned();
        next == "terminated"
    }

    fn to_xml(&self, ec2: &Ec2State) -> Node {
        let live = !self.is_terminated();
        let group_set = |ids: Vec<&str>| {
            Node::set(
                "groupSet",
                ids.into_iter().map(|g| {
                    Node::el("item").leaf("groupId", g).opt_leaf(
                        "groupName",
                        ec2.security_groups.get(g).map(|sg| &sg.group_name),
                    )
                }),
            )
        };
        let stopping = matches!(self.state.as_str(), "shutting-down" | "terminated");
        let state_reason = stopping.then(|| {
            Node::el("stateReason")
                .leaf("code", "Client.UserInitiatedShutdown")
                .leaf(
                    "message",
                    "Client.UserInitiatedShutdown: User initiated shutdown",
                )
        });
        let public_ip = self.public_ip().filter(|_| live);
        let public_dns = public_ip.and_then(|ip| public_dns_name(ec2, &self.subnet_id, ip));
        let interfaces = self.network_interfaces.iter().filter(|_| live).map(|n| {
            self.interface_xml(
                n,
                ec2,
                group_set(n.security_group_ids.iter().map(String::as_str).collect()),
            )
        });
        Node::el("item")
            .leaf("instanceId", &self.instance_id)
            .leaf("imageId", &self.image_id)
            .child(state_xml("instanceState", &self.state))
            .leaf(
                "privateDnsName",
                if live {
                    self.private_dns_name.as_str()
                } else {
                    ""
                },
            )
            .leaf("dnsName", public_dns.as_deref().unwrap_or(""))
            .leaf("reason", if stopping { "User initiated" } else { "" })
            .opt_leaf("keyName", self.key_name.as_ref())
            .leaf("amiLaunchIndex", self.ami_launch_index)
            .child(Node::set("productCodes", []))
            .leaf("instanceType", &self.instance_type)
            .leaf("launchTime", self.launch_time)
            .child(
                Node::el("placement")
                    .leaf("availabilityZone", &self.availability_zone)
                    .leaf("groupName", "")
                    .leaf("tenancy", "default"),
            )
            .child(Node::el("monitoring").leaf("state", "disabled"))
            .opt_leaf("subnetId", live.then_some(&self.subnet_id))
            .opt_leaf("vpcId", live.then_some(&self.vpc_id))
            .opt_leaf(
                "privateIpAddress",
                self.private_ip_address().filter(|_| live),
            )
            .opt_leaf("ipAddress", public_ip)
            .leaf(
                "sourceDestCheck",
                self.primary_interface().is_none_or(|n| n.source_dest_check),
            )
            .child(group_set(if live {
                self.security_group_ids()
            } else {
                Vec::new()
            }))
            .opt_child(state_reason)
            .leaf("architecture", &self.architecture)
            .leaf("rootDeviceType", "ebs")
            .leaf("rootDeviceName", "/dev/xvda")
            .child(Node::set("blockDeviceMapping", []))
            .leaf("virtualizationType", "hvm")
            .opt_leaf("clientToken", self.client_token.as_ref())
            .opt_child(tags::tag_set(&self.tags))
            // DescribeInstances says xen for Nitro types too.
            .leaf("hypervisor", "xen")
            .child(Node::set("networkInterfaceSet", interfaces))
            .leaf("ebsOptimized", false)
            .leaf("enaSupport", true)
            .child(
                Node::el("metadataOptions")
                    .leaf(
                        "state",
                        if self.state == "pending" {
                            "pending"
                        } else {
                            "applied"
                        },
                    )
                    .leaf("httpTokens", &self.metadata_http_tokens)
                    .leaf("httpPutResponseHopLimit", self.metadata_hop_limit)
                    .leaf("httpEndpoint", &self.metadata_http_endpoint)
                    .leaf("httpProtocolIpv6", &self.metadata_http_protocol_ipv6)
                    .leaf("instanceMetadataTags", &self.metadata_instance_tags),
            )
            .child(
                Node::el("privateDnsNameOptions")
                    .leaf("hostnameType", &self.hostname_type)
                    .leaf(
                        "enableResourceNameDnsARecord",
                        self.enable_resource_name_dns_a_record,
                    )
                    .leaf(
                        "enableResourceNameDnsAAAARecord",
                        self.enable_resource_name_dns_aaaa_record,
                    ),
            )
            .opt_leaf("ipv6Address", self.shown_ipv6().filter(|_| live))
            // As a Linux instance launched without those options answers.
            .child(self.cpu_options())
            .leaf("platformDetails", "Linux/UNIX")
            .leaf("usageOperation", "RunInstances")
            .leaf("usageOperationUpdateTime", self.launch_time)
            .child(Node::el("hibernationOptions").leaf("configured", false))
            .child(Node::el("enclaveOptions").leaf("enabled", false))
            .child(
                Node::el("capacityReservationSpecification")
                    .leaf("capacityReservationPreference", "open"),
            )
            .child(Node::el("maintenanceOptions").leaf("autoRecovery", "default"))
    }

    /// The type's default cores and threads: one thread per core on
    /// Graviton (arm64) and one-vCPU types, two elsewhere `[I]`.
    fn cpu_options(&self) -> Node {
        let vcpus = self.vcpus.max(1);
        let threads = if self.architecture == "arm64" || vcpus < 2 {
            1
        } else {
            2
        };
        Node::el("cpuOptions")
            .leaf("coreCount", (vcpus / threads).max(1))
            .leaf("threadsPerCore", threads)
    }

    fn interface_xml(&self, n: &InstanceNetworkInterface, ec2: &Ec2State, groups: Node) -> Node {
        let owner = ec2
            .subnets
            .get(&n.subnet_id)
            .map_or("", |s| s.owner_id.as_str());
        let dns = if n.device_index == 0 {
            self.private_dns_name.as_str()
        } else {
            ""
        };
        // An Elastic IP is the account's; an auto-assigned address Amazon's.
        let elastic = ec2
            .addresses
            .values()
            .any(|a| a.network_interface_id.as_deref() == Some(n.network_interface_id.as_str()));
        let ip_owner = if elastic { owner } else { "amazon" };
        let association = n.public_ip.map(|ip| {
            Node::el("association")
                .leaf("publicIp", ip)
                .leaf(
                    "publicDnsName",
                    public_dns_name(ec2, &n.subnet_id, ip).unwrap_or_default(),
                )
                .leaf("ipOwnerId", ip_owner)
        });
        let private_ips = n.private_ip_address.map(|ip| {
            Node::el("item")
                .leaf("privateIpAddress", ip)
                .leaf("privateDnsName", dns)
                .leaf("primary", true)
                .opt_child(association.clone())
        });
        Node::el("item")
            .leaf("networkInterfaceId", &n.network_interface_id)
            .leaf("subnetId", &n.subnet_id)
            .leaf("vpcId", &n.vpc_id)
            .leaf("description", &n.description)
            .leaf("ownerId", owner)
            .leaf("status", "in-use")
            .leaf("macAddress", &n.mac_address)
            .leaf("privateDnsName", dns)
            .opt_leaf("privateIpAddress", n.private_ip_address)
            .leaf("sourceDestCheck", n.source_dest_check)
            .child(groups)
            .opt_child(association)
            .child(
                Node::el("attachment")
                    .leaf("attachmentId", &n.attachment_id)
                    .leaf("deviceIndex", n.device_index)
                    .leaf(
                        "status",
                        if self.state == "pending" {
                            "attaching"
                        } else {
                            "attached"
                        },
                    )
                    .leaf("attachTime", self.launch_time)
                    .leaf("deleteOnTermination", n.delete_on_termination)
                    .leaf("networkCardIndex", 0),
            )
            .child(Node::set("privateIpAddressesSet", private_ips))
            .child(Node::set(
                "ipv6AddressesSet",
                n.ipv6_addresses.iter().map(|a| {
                    Node::el("item")
                        .leaf("ipv6Address", a.address)
                        .leaf("isPrimaryIpv6", a.is_primary)
                }),
            ))
            .leaf("interfaceType", "interface")
    }
}

fn state_code(state: &str) -> u32 {
    match state {
        "running" => 16,
        "shutting-down" => 32,
        "terminated" => 48,
        "stopping" => 64,
        "stopped" => 80,
        _ => 0,
    }
}

fn state_xml(name: &'static str, state: &str) -> Node {
    Node::el(name)
        .leaf("code", state_code(state))
        .leaf("name", state)
}

impl Instance {
    /// Every IPv6 address of every network interface, as filter values.
    fn ipv6_address_values(&self) -> Vec<String> {
        self.network_interfaces
            .iter()
            .flat_map(|n| &n.ipv6_addresses)
            .map(|a| a.address.to_string())
            .collect()
    }
}

filters::filterable!(Instance, |instance| [
    ("architecture", filters::one(&instance.architecture)),
    (
        "availability-zone",
        filters::one(&instance.availability_zone)
    ),
    ("client-token", filters::opt(instance.client_token.as_ref())),
    ("hypervisor", filters::one("xen")),
    ("image-id", filters::one(&instance.image_id)),
    ("instance-id", filters::one(&instance.instance_id)),
    ("instance-state-code", filters::one(instance.state_code())),
    ("instance-state-name", filters::one(&instance.state)),
    ("instance-type", filters::one(&instance.instance_type)),
    (
        "instance.group-id",
        instance
            .security_group_ids()
            .into_iter()
            .map(str::to_owned)
            .collect()
    ),
    // Group names are resolved by the caller (they live in another map).
    ("instance.group-name", Vec::new()),
    ("ipv6-address", instance.ipv6_address_values()),
    ("key-name", filters::opt(instance.key_name.as_ref())),
    ("launch-index", filters::one(instance.ami_launch_index)),
    (
        "network-interface.addresses.private-ip-address",
        instance
            .network_interfaces
            .iter()
            .filter_map(|n| n.private_ip_address)
            .map(|a| a.to_string())
            .collect()
    ),
    (
        "network-interface.ipv6-addresses.ipv6-address",
        instance.ipv6_address_values()
    ),
    (
        "network-interface.network-interface-id",
        instance
            .network_interfaces
            .iter()
            .map(|n| n.network_interface_id.clone())
            .collect()
    ),
    (
        "network-interface.subnet-id",
        instance
            .network_interfaces
            .iter()
            .map(|n| n.subnet_id.clone())
            .collect()
    ),
    (
        "network-interface.vpc-id",
        instance
            .network_interfaces
            .iter()
            .map(|n| n.vpc_id.clone())
            .collect()
    ),
    (
        "ip-address",
        filters::opt(instance.public_ip().filter(|_| !instance.is_terminated()))
    ),
    (
        "private-dns-name",
        filters::opt((!instance.is_terminated()).then_some(&instance.private_dns_name))
    ),
    (
        "private-ip-address",
        filters::opt(instance.private_ip_address())
    ),
    ("reservation-id", filters::one(&instance.reservation_id)),
    (
        "subnet-id",
        filters::opt((!instance.is_terminated()).then_some(&instance.subnet_id))
    ),
    (
        "vpc-id",
        filters::opt((!instance.is_terminated()).then_some(&instance.vpc_id))
    ),
]);

/// One network interface as the request describes it.
#[derive(Debug, Clone)]
struct InterfaceRequest {
    device_index: u32,
    subnet_id: String,
    group_ids: Vec<String>,
    private_ip: Option<Ipv4Addr>,
    ipv6_addresses: Vec<Ipv6Addr>,
    ipv6_count: Option<u32>,
    primary_ipv6: bool,
    delete_on_termination: bool,
    /// `AssociatePublicIpAddress`, when the request says.
    associate_public_ip: Option<bool>,
}

/// An interface request checked against its subnet: what to allocate.
#[derive(Debug, Clone)]
struct InterfacePlan {
    device_index: u32,
    subnet_id: String,
    vpc_id: String,
    group_ids: Vec<String>,
    private_ip: Option<Ipv4Addr>,
    /// The subnet has an IPv4 block (every interface there gets an address).
    ipv4: bool,
    ipv6_addresses: Vec<Ipv6Addr>,
    /// Addresses to draw from the subnet when none are named.
    ipv6_count: u32,
    primary_ipv6: bool,
    delete_on_termination: bool,
    /// A public IPv4 address comes with it.
    public_ip: bool,
}

/// The addresses one interface of one instance got.
#[derive(Debug, Clone, Default)]
struct Addresses {
    ipv4: Option<Ipv4Addr>,
    ipv6: Vec<Ipv6Addr>,
}

fn parse_ipv4(text: &str, param: &str) -> AwsResult<Ipv4Addr> {
    text.parse()
        .map_err(|_| AwsError::invalid_value_for(param, text))
}

fn parse_ipv6_list(structs: Vec<Params>, param: &str) -> AwsResult<Vec<Ipv6Addr>> {
    structs
        .iter()
        .filter_map(|s| s.value("Ipv6Address"))
        .map(|t| t.parse().map_err(|_| AwsError::invalid_value_for(param, t)))
        .collect()
}

fn combination_with_interfaces(what: &str) -> AwsError {
    AwsError::invalid_parameter_combination(format!(
        "Network interfaces and an instance-level {what} may not be specified on the same request"
    ))
}

/// The interfaces a launch asks for: `NetworkInterface.N.*`, or one primary
/// interface from the instance-level `SubnetId` and address parameters.
/// `default` is where a launch without a subnet or interface goes (the
/// default VPC's subnet and the groups `SecurityGroup.N` names there).
/// `ctx_has_interface` says whether a stand-alone interface id exists.
fn parse_interfaces(
    p: &Params,
    default: Option<(String, Vec<String>)>,
    ctx_has_interface: &dyn Fn(&str) -> bool,
) -> AwsResult<Vec<InterfaceRequest>> {
    if default.is_none() && !p.list("SecurityGroup").is_empty() {
        return Err(AwsError::invalid_parameter_combination(
            "The parameter groupName cannot be used with the parameter subnet",
        ));
    }
    let enable_primary = p.flag("EnablePrimaryIpv6")?;
    let top_count: Option<u32> = p.number("Ipv6AddressCount")?;
    let top_v6 = p.structs("Ipv6Address");
    let nics = p.structs("NetworkInterface");
    if nics.is_empty() {
        let (subnet_id, mut group_ids) = match p.value("SubnetId") {
            Some(id) => (id.to_owned(), Vec::new()),
            None => default.ok_or_else(errors::vpc_id_not_specified)?,
        };
        group_ids.extend(p.list("SecurityGroupId"));
        return Ok(vec![InterfaceRequest {
            device_index: 0,
            subnet_id,
            group_ids,
            private_ip: p
                .value("PrivateIpAddress")
                .map(|t| parse_ipv4(t, "PrivateIpAddress"))
                .transpose()?,
            ipv6_addresses: parse_ipv6_list(top_v6, "Ipv6Address")?,
            ipv6_count: top_count,
            primary_ipv6: enable_primary,
            delete_on_termination: true,
            associate_public_ip: None,
        }]);
    }
    if p.value("SubnetId").is_some() {
        return Err(AwsError::invalid_parameter_combination(
            "Network interfaces and an instance-level subnet ID may not be specified on the same request",
        ));
    }
    if !p.list("SecurityGroupId").is_empty() {
        return Err(combination_with_interfaces("security groups"));
    }
    if p.value("PrivateIpAddress").is_some() {
        return Err(combination_with_interfaces("private IP address"));
    }
    if top_count.is_some() || !top_v6.is_empty() {
        return Err(combination_with_interfaces("IPv6 addresses"));
    }
    let mut out: Vec<InterfaceRequest> = Vec::with_capacity(nics.len());
    for (i, nic) in nics.iter().enumerate() {
        let n = i + 1;
        if let Some(eni) = nic.value("NetworkInterfaceId") {
            // Launching with an existing interface is not modelled.
            return Err(if ctx_has_interface(eni) {
                AwsError::unsupported_operation(format!(
                    "Launching an instance with the existing network interface '{eni}' is not modelled by this endpoint."
                ))
            } else {
                errors::network_interface_not_found(eni)
            });
        }
        let device_index: u32 = nic.number("DeviceIndex")?.ok_or_else(|| {
            AwsError::missing_parameter(&format!("NetworkInterface.{n}.DeviceIndex"))
        })?;
        if out.iter().any(|r| r.device_index == device_index) {
            return Err(AwsError::invalid_parameter_value(
                "Each network interface requires a unique device index.",
            ));
        }
        let subnet_id = nic.value("SubnetId").ok_or_else(|| {
            AwsError::missing_parameter(&format!("NetworkInterface.{n}.SubnetId"))
        })?;
        let associate_public_ip = nic.bool("AssociatePublicIpAddress")?;
        if associate_public_ip == Some(true) && (nics.len() > 1 || device_index != 0) {
            return Err(AwsError::invalid_parameter_combination(
                "The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces.",
            ));
        }
        out.push(InterfaceRequest {
            associate_public_ip,
            device_index,
            subnet_id: subnet_id.to_owned(),
            group_ids: nic.list("SecurityGroupId"),
            private_ip: nic
                .value("PrivateIpAddress")
                .map(|t| parse_ipv4(t, "PrivateIpAddress"))
                .transpose()?,
            ipv6_addresses: parse_ipv6_list(nic.structs("Ipv6Addresses"), "Ipv6Addresses")?,
            ipv6_count: nic.number("Ipv6AddressCount")?,
            primary_ipv6: nic.flag("PrimaryIpv6")? || (device_index == 0 && enable_primary),
            delete_on_termination: nic.bool("DeleteOnTermination")?.unwrap_or(true),
        });
    }
    if !out.iter().any(|r| r.device_index == 0) {
        return Err(AwsError::invalid_parameter_value(
            "When specifying network interfaces, you must include a device at index 0.",
        ));
    }
    out.sort_by_key(|r| r.device_index);
    Ok(out)
}

/// An image built for another architecture than the instance type's
/// processors: AWS's `InvalidParameterValue`, naming both.
fn architecture_mismatch(itype: &InstanceTypeInfo, image: &super::images::Image) -> AwsError {
    let arch = itype.architectures.last().map_or("x86_64", String::as_str);
    AwsError::invalid_parameter_value(format!(
        "The architecture '{arch}' of the specified instance type does not match the architecture '{}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.",
        image.architecture
    ))
}

fn nitro_required(instance_type: &str, subnet_id: &str) -> AwsError {
    AwsError::invalid_parameter_combination(format!(
        "The instance type '{instance_type}' is not supported in the IPv6-only subnet '{subnet_id}'. A Nitro-based instance type is required."
    ))
}

/// Checks one interface against its subnet, its groups and the instance type.
fn plan_interface(
    ec2: &Ec2State,
    itype: &InstanceTypeInfo,
    req: InterfaceRequest,
) -> AwsResult<InterfacePlan> {
    let subnet = ec2
        .subnets
        .get(&req.subnet_id)
        .ok_or_else(|| errors::subnet_not_found(&req.subnet_id))?;
    if subnet.ipv6_native && !itype.is_nitro() {
        return Err(nitro_required(&itype.instance_type, &subnet.subnet_id));
    }
    let mut group_ids: Vec<String> = Vec::new();
    for g in req.group_ids {
        if !group_ids.contains(&g) {
            group_ids.push(g);
        }
    }
    if group_ids.is_empty() {
        let vpc = ec2
            .vpcs
            .get(&subnet.vpc_id)
            .ok_or_else(|| errors::vpc_not_found(&subnet.vpc_id))?;
        group_ids.push(vpc.default_security_group_id.clone());
    }
    check_interface_groups(ec2, &group_ids, &subnet.vpc_id, &subnet.subnet_id)?;

    if !req.ipv6_addresses.is_empty() && req.ipv6_count.is_some() {
        return Err(AwsError::invalid_parameter_combination(
            "IPv6 addresses and IPv6 address count may not be specified on the same request",
        ));
    }
    let asked = if req.ipv6_addresses.is_empty() {
        req.ipv6_count
            .unwrap_or(u32::from(subnet.assign_ipv6_address_on_creation))
    } else {
        u32::try_from(req.ipv6_addresses.len()).unwrap_or(u32::MAX)
    };
    let wanted = if subnet.ipv6_native {
        asked.max(1)
    } else {
        asked
    };
    if wanted > 0 && !itype.ipv6_supported {
        return Err(errors::ipv6_not_supported_on(&itype.instance_type));
    }
    if wanted > 0 && !subnet.has_ipv6() {
        return Err(errors::subnet_has_no_ipv6(&subnet.subnet_id));
    }
    if wanted > itype.ipv6_addresses_per_interface {
        return Err(AwsError::invalid_parameter_value(format!(
            "The number of IPv6 addresses ({wanted}) exceeds the limit of {} per network interface for instance type '{}'.",
            itype.ipv6_addresses_per_interface, itype.instance_type
        )));
    }
    if req.primary_ipv6 && wanted == 0 {
        return Err(AwsError::invalid_parameter_combination(format!(
            "A primary IPv6 address needs an IPv6 address on the network interface at device index {}: request one with an IPv6 address count or explicit IPv6 addresses, or use a subnet that assigns IPv6 addresses on creation.",
            req.device_index
        )));
    }
    if req.private_ip.is_some() && subnet.cidr_block.is_none() {
        return Err(errors::ipv6_only_subnet_private_ip(&subnet.subnet_id));
    }
    Ok(InterfacePlan {
        device_index: req.device_index,
        subnet_id: subnet.subnet_id.clone(),
        vpc_id: subnet.vpc_id.clone(),
        group_ids,
        private_ip: req.private_ip,
        ipv4: subnet.cidr_block.is_some(),
        ipv6_count: if req.ipv6_addresses.is_empty() {
            wanted
        } else {
            0
        },
        ipv6_addresses: req.ipv6_addresses,
        primary_ipv6: req.primary_ipv6,
        delete_on_termination: req.delete_on_termination,
        public_ip: req.device_index == 0
            && subnet.cidr_block.is_some()
            && req
                .associate_public_ip
                .unwrap_or(subnet.map_public_ip_on_launch),
    })
}

/// The security groups of one interface: at most
/// [`MAX_GROUPS_PER_INTERFACE`], each existing and in the interface's VPC.
pub(super) fn check_interface_groups(
    ec2: &Ec2State,
    groups: &[String],
    vpc_id: &str,
    subnet_id: &str,
) -> AwsResult<()> {
    if groups.len() > MAX_GROUPS_PER_INTERFACE {
        return Err(errors::too_many_security_groups());
    }
    for g in groups {
        let sg = ec2
            .security_groups
            .get(g)
            .ok_or_else(|| errors::security_group_not_found(g))?;
        if sg.vpc_id != vpc_id {
            return Err(errors::security_group_other_network(g, subnet_id));
        }
    }
    Ok(())
}

/// Why a named IPv4 address cannot be taken, if it cannot.
pub(super) fn check_ipv4(subnet: &Subnet, addr: Ipv4Addr) -> AwsResult<()> {
    let Some(net) = subnet.cidr_block else {
        return Err(errors::address_outside_subnet());
    };
    if !net.contains(&addr) {
        return Err(errors::address_outside_subnet());
    }
    let offset = u32::from(addr).wrapping_sub(u32::from(net.network()));
    if offset < RESERVED_HEAD || addr == net.broadcast() {
        return Err(errors::address_reserved(&addr.to_string()));
    }
    if subnet.used_ipv4.contains(&addr) {
        return Err(errors::private_ip_in_use(&addr.to_string()));
    }
    Ok(())
}

/// Why a named IPv6 address cannot be taken, if it cannot.
pub(super) fn check_ipv6(subnet: &Subnet, addr: Ipv6Addr) -> AwsResult<()> {
    let Some(net) = subnet.ipv6_block() else {
        return Err(errors::address_outside_subnet());
    };
    if !net.contains(&addr) {
        return Err(errors::address_outside_subnet());
    }
    let offset = u128::from(addr).wrapping_sub(u128::from(net.network()));
    if offset < u128::from(RESERVED_HEAD) || addr == net.broadcast() {
        return Err(errors::address_reserved(&addr.to_string()));
    }
    if subnet.used_ipv6.contains(&addr) {
        return Err(errors::private_ip_in_use(&addr.to_string()));
    }
    Ok(())
}

fn release(subnet: &mut Subnet, a: &Addresses) {
    if let Some(ip) = a.ipv4 {
        subnet.release_ipv4(ip);
    }
    for ip in &a.ipv6 {
        subnet.release_ipv6(*ip);
    }
}

/// Takes one interface's addresses from its subnet; on failure takes none.
fn allocate_interface(subnet: &mut Subnet, plan: &InterfacePlan) -> AwsResult<Addresses> {
    let mut got = Addresses::default();
    let result = (|| {
        if plan.ipv4 {
            let ip = match plan.private_ip {
                Some(ip) => {
                    check_ipv4(subnet, ip)?;
                    subnet.used_ipv4.insert(ip);
                    ip
                }
                None => subnet
                    .allocate_ipv4()
                    .ok_or_else(|| errors::insufficient_free_addresses(&subnet.subnet_id))?,
            };
            got.ipv4 = Some(ip);
        }
        for ip in &plan.ipv6_addresses {
            check_ipv6(subnet, *ip)?;
            subnet.claim_ipv6(*ip);
            got.ipv6.push(*ip);
        }
        for _ in 0..plan.ipv6_count {
            let ip = subnet
                .allocate_ipv6()
                .ok_or_else(|| errors::insufficient_free_addresses(&subnet.subnet_id))?;
            got.ipv6.push(ip);
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(got),
        Err(e) => {
            release(subnet, &got);
            Err(e)
        }
    }
}

/// Takes one instance's addresses, interface by interface; on failure takes none.
fn allocate_instance(
    subnets: &mut BTreeMap<String, Subnet>,
    plans: &[InterfacePlan],
) -> AwsResult<Vec<Addresses>> {
    let mut out: Vec<Addresses> = Vec::with_capacity(plans.len());
    for plan in plans {
        let subnet = subnets
            .get_mut(&plan.subnet_id)
            .ok_or_else(|| errors::subnet_not_found(&plan.subnet_id))?;
        match allocate_interface(subnet, plan) {
            Ok(a) => out.push(a),
            Err(e) => {
                for (done, a) in plans.iter().zip(&out) {
                    if let Some(s) = subnets.get_mut(&done.subnet_id) {
                        release(s, a);
                    }
                }
                return Err(e);
            }
        }
    }
    Ok(out)
}

/// `PrivateDnsNameOptions.*` with the subnet's launch defaults.
struct DnsOptions {
    hostname_type: String,
    a_record: bool,
    aaaa_record: bool,
}

fn parse_dns_options(p: &Params, subnet: &Subnet) -> AwsResult<DnsOptions> {
    let d = p.nested("PrivateDnsNameOptions");
    let hostname_type = match d.value("HostnameType") {
        None => subnet.private_dns_hostname_type_on_launch.clone(),
        Some(t @ ("ip-name" | "resource-name")) => t.to_owned(),
        Some(other) => {
            return Err(AwsError::invalid_value_for(
                "PrivateDnsNameOptions.HostnameType",
                other,
            ));
        }
    };
    if subnet.ipv6_native && hostname_type == "ip-name" {
        return Err(AwsError::invalid_parameter_value(format!(
            "The hostname type ip-name is not supported in the IPv6-only subnet '{}'. Use resource-name.",
            subnet.subnet_id
        )));
    }
    Ok(DnsOptions {
        hostname_type,
        a_record: d
            .bool("EnableResourceNameDnsARecord")?
            .unwrap_or(subnet.enable_resource_name_dns_a_record_on_launch),
        aaaa_record: d
            .bool("EnableResourceNameDnsAAAARecord")?
            .unwrap_or(subnet.enable_resource_name_dns_aaaa_record_on_launch),
    })
}

/// `MetadataOptions.*`, with AWS's defaults.
struct MetadataOptions {
    http_tokens: String,
    http_endpoint: String,
    hop_limit: u32,
    http_protocol_ipv6: String,
    instance_metadata_tags: String,
}

fn parse_metadata_options(p: &Params) -> AwsResult<MetadataOptions> {
    metadata_options(
        &p.nested("MetadataOptions"),
        "MetadataOptions.",
        &MetadataOptions::aws_default(),
    )
}

impl MetadataOptions {
    /// AWS's defaults for a launch that sets none.
    fn aws_default() -> Self {
        MetadataOptions {
            http_tokens: "optional".to_owned(),
            http_endpoint: "enabled".to_owned(),
            hop_limit: 1,
            http_protocol_ipv6: "disabled".to_owned(),
            instance_metadata_tags: "disabled".to_owned(),
        }
    }

    fn of(i: &Instance) -> Self {
        MetadataOptions {
            http_tokens: i.metadata_http_tokens.clone(),
            http_endpoint: i.metadata_http_endpoint.clone(),
            hop_limit: i.metadata_hop_limit,
            http_protocol_ipv6: i.metadata_http_protocol_ipv6.clone(),
            instance_metadata_tags: i.metadata_instance_tags.clone(),
        }
    }
}

/// The metadata options in `m` (names after `prefix` in messages), each
/// one not given keeping its value in `current`.
fn metadata_options(
    m: &Params,
    prefix: &str,
    current: &MetadataOptions,
) -> AwsResult<MetadataOptions> {
    let one_of = |key: &str, allowed: [&str; 2], current: &str| -> AwsResult<String> {
        match m.value(key) {
            None => Ok(current.to_owned()),
            Some(v) if allowed.contains(&v) => Ok(v.to_owned()),
            Some(v) => Err(AwsError::invalid_value_for(&format!("{prefix}{key}"), v)),
        }
    };
    let hop_limit = match m.value("HttpPutResponseHopLimit") {
        None => current.hop_limit,
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=64).contains(&n) => n,
            _ => {
                return Err(AwsError::invalid_parameter_value(format!(
                    "Value ({text}) for parameter {prefix}HttpPutResponseHopLimit is invalid. The hop limit must be between 1 and 64."
                )));
            }
        },
    };
    Ok(MetadataOptions {
        http_tokens: one_of("HttpTokens", ["optional", "required"], &current.http_tokens)?,
        http_endpoint: one_of(
            "HttpEndpoint",
            ["enabled", "disabled"],
            &current.http_endpoint,
        )?,
        hop_limit,
        http_protocol_ipv6: one_of(
            "HttpProtocolIpv6",
            ["enabled", "disabled"],
            &current.http_protocol_ipv6,
        )?,
        instance_metadata_tags: one_of(
            "InstanceMetadataTags",
            ["enabled", "disabled"],
            &current.instance_metadata_tags,
        )?,
    })
}

/// `ModifyInstanceMetadataOptions`: `InstanceId` and any of `HttpTokens`,
/// `HttpPutResponseHopLimit`, `HttpEndpoint`, `HttpProtocolIpv6`,
/// `InstanceMetadataTags` (each checked as at launch; the others keep
/// their values). A terminated or terminating instance is
/// `IncorrectInstanceState`. The answer shows the new options as
/// `pending`; DescribeInstances shows them `applied`.
pub fn modify_instance_metadata_options(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("InstanceId")?.to_owned();
    let ec2 = ctx.ec2();
    check_instance_ids(ec2, std::slice::from_ref(&id))?;
    let i = ec2.instances.get_mut(&id).expect("checked above");
    if matches!(i.state.as_str(), "shutting-down" | "terminated") {
        return Err(errors::incorrect_instance_state(&id, &i.state));
    }
    let m = metadata_options(p, "", &MetadataOptions::of(i))?;
    i.metadata_http_tokens = m.http_tokens;
    i.metadata_http_endpoint = m.http_endpoint;
    i.metadata_hop_limit = m.hop_limit;
    i.metadata_http_protocol_ipv6 = m.http_protocol_ipv6;
    i.metadata_instance_tags = m.instance_metadata_tags;
    Ok(vec![
        Node::text("instanceId", &id),
        Node::el("instanceMetadataOptions")
            .leaf("state", "pending")
            .leaf("httpTokens", &i.metadata_http_tokens)
            .leaf("httpPutResponseHopLimit", i.metadata_hop_limit)
            .leaf("httpEndpoint", &i.metadata_http_endpoint)
            .leaf("httpProtocolIpv6", &i.metadata_http_protocol_ipv6)
            .leaf("instanceMetadataTags", &i.metadata_instance_tags),
    ])
}

/// User data must be base64, as AWS expects it on the wire.
fn is_base64(text: &str) -> bool {
    let bytes: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let body_len = bytes.iter().rposition(|b| *b != b'=').map_or(0, |i| i + 1);
    bytes.len().is_multiple_of(4)
        && bytes.len() - body_len <= 2
        && bytes[..body_len]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
}

/// `TagSpecification.N` for the instance. Volume and network-interface
/// specs are accepted and dropped: the fake models neither resource.
fn instance_tags(p: &Params) -> AwsResult<Tags> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (i, spec) in p.structs("TagSpecification").iter().enumerate() {
        if matches!(
            spec.value("ResourceType"),
            Some("volume" | "network-interface")
        ) {
            continue;
        }
        for (k, v) in spec.iter() {
            pairs.push((format!("TagSpecification.{}.{k}", i + 1), v.to_owned()));
        }
    }
    tags::from_specs(&Params::from_pairs(pairs), "instance")
}

/// The launch's parameters minus the ones that may differ between retries.
fn fingerprint(p: &Params) -> String {
    p.iter()
        .filter(|(k, _)| !matches!(*k, "Action" | "Version" | "ClientToken" | "DryRun"))
        .map(|(k, v)| format!("{k}={v}\n"))
        .collect()
}

fn dns_domain(region: &str) -> String {
    if region == "us-east-1" {
        "ec2.internal".to_owned()
    } else {
        format!("{region}.compute.internal")
    }
}

/// `ec2-44-208-0-1.compute-1.amazonaws.com` (`.<region>.compute.amazonaws.com`
/// outside us-east-1), when the VPC has DNS hostnames on.
fn public_dns_name(ec2: &Ec2State, subnet_id: &str, ip: Ipv4Addr) -> Option<String> {
    let subnet = ec2.subnets.get(subnet_id)?;
    if !ec2.vpcs.get(&subnet.vpc_id)?.enable_dns_hostnames {
        return None;
    }
    // arn:aws:ec2:<region>:<account>:subnet/<id>
    let region = subnet.subnet_arn.split(':').nth(3)?;
    let dashed = ip.to_string().replace('.', "-");
    Some(if region == "us-east-1" {
        format!("ec2-{dashed}.compute-1.amazonaws.com")
    } else {
        format!("ec2-{dashed}.{region}.compute.amazonaws.com")
    })
}

/// `ip-10-0-1-4.ec2.internal` or `i-0123.ec2.internal` (`.<region>.compute.internal` outside us-east-1).
fn private_dns_name(
    region: &str,
    hostname_type: &str,
    ipv4: Option<Ipv4Addr>,
    instance_id: &str,
) -> String {
    let domain = dns_domain(region);
    match ipv4 {
        Some(ip) if hostname_type == "ip-name" => {
            format!("ip-{}.{domain}", ip.to_string().replace('.', "-"))
        }
        _ => format!("{instance_id}.{domain}"),
    }
}

/// The children of a reservation: at the root of RunInstances, in an `item` of DescribeInstances.
fn reservation_nodes(ec2: &Ec2State, owner: &str, instances: &[&Instance]) -> Vec<Node> {
    let reservation_id = instances
        .first()
        .map(|i| i.reservation_id.clone())
        .unwrap_or_default();
    vec![
        Node::text("reservationId", reservation_id),
        Node::text("ownerId", owner),
        Node::set("groupSet", []),
        Node::set("instancesSet", instances.iter().map(|i| i.to_xml(ec2))),
    ]
}

pub fn run_instances(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let print = fingerprint(p);
    if let Some(token) = p.value("ClientToken") {
        let ec2 = &ctx.region.ec2;
        let earlier: Vec<&Instance> = ec2.instances.find(By::Token, token).collect();
        if let Some(first) = earlier.first() {
            if first.request_fingerprint != print {
                return Err(errors::idempotent_parameter_mismatch());
            }
            return Ok(reservation_nodes(ec2, &ctx.region.account, &earlier));
        }
    }
    let tags = instance_tags(p)?;
    let image_id = p.required("ImageId")?.to_owned();
    let well_formed = image_id
        .strip_prefix("ami-")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !well_formed {
        return Err(errors::ami_id_malformed(&image_id));
    }
    let min: i64 = p
        .number("MinCount")?
        .ok_or_else(|| AwsError::missing_parameter("MinCount"))?;
    let max: i64 = p
        .number("MaxCount")?
        .ok_or_else(|| AwsError::missing_parameter("MaxCount"))?;
    for (name, v) in [("minCount", min), ("maxCount", max)] {
        if v < 1 {
            return Err(AwsError::invalid_parameter_value(format!(
                "Value ({v}) for parameter {name} is invalid. Expected a positive integer."
            )));
        }
    }
    if min > max {
        return Err(AwsError::invalid_parameter_value(format!(
            "Value ({max}) for parameter maxCount is invalid. maxCount must be greater than or equal to minCount ({min})."
        )));
    }
    let type_name = p.value("InstanceType").unwrap_or(DEFAULT_INSTANCE_TYPE);
    let itype = ctx
        .region
        .instance_type(type_name)
        .cloned()
        .ok_or_else(|| {
            AwsError::invalid_parameter_value(format!(
                "Invalid value '{type_name}' for InstanceType."
            ))
        })?;
    let image = super::images::find(&ctx.region.name, &image_id)?;
    if !itype.architectures.contains(&image.architecture.to_owned()) {
        return Err(architecture_mismatch(&itype, &image));
    }
    let metadata = parse_metadata_options(p)?;
    if let Some(name) = p.value("KeyName") {
        super::key_pairs::check_exists(ctx, name)?;
    }
    if let Some(data) = p.value("UserData")
        && !is_base64(data)
    {
        return Err(AwsError::invalid_parameter_value(
            "Invalid BASE64 encoding of user data.",
        ));
    }

    let default = if p.value("SubnetId").is_none() && p.structs("NetworkInterface").is_empty() {
        Some(super::default_vpc::launch_target(
            ctx,
            p.value("Placement.AvailabilityZone"),
            &itype.instance_type,
            &p.list("SecurityGroup"),
        )?)
    } else {
        None
    };
    let standalone = &ctx.region.ec2.network_interfaces;
    let requests = parse_interfaces(p, default, &|id| standalone.contains_key(id))?;
    if requests.len() > itype.maximum_network_interfaces as usize {
        return Err(AwsError::invalid_parameter_value(format!(
            "The instance type '{}' supports at most {} network interfaces; {} were requested.",
            itype.instance_type,
            itype.maximum_network_interfaces,
            requests.len()
        )));
    }
    let ec2 = &ctx.region.ec2;
    let mut plans: Vec<InterfacePlan> = requests
        .into_iter()
        .map(|r| plan_interface(ec2, &itype, r))
        .collect::<AwsResult<_>>()?;
    // A subnet's MapPublicIpOnLaunch applies to a launch with one interface.
    if plans.len() > 1 {
        for pl in &mut plans {
            pl.public_ip = false;
        }
    }
    let primary_plan = plans
        .iter()
        .find(|pl| pl.device_index == 0)
        .ok_or_else(AwsError::internal_error)?;
    let primary_subnet = ec2
        .subnets
        .get(&primary_plan.subnet_id)
        .ok_or_else(|| errors::subnet_not_found(&primary_plan.subnet_id))?;
    let zone = primary_subnet.availability_zone.clone();
    for pl in &plans {
        let s = ec2
            .subnets
            .get(&pl.subnet_id)
            .ok_or_else(|| errors::subnet_not_found(&pl.subnet_id))?;
        if s.availability_zone != zone {
            return Err(AwsError::invalid_parameter_value(
                "The network interfaces of an instance must all be in subnets of the same availability zone.",
            ));
        }
    }
    if let Some(az) = p.value("Placement.AvailabilityZone") {
        if ctx.region.zone(az).is_none() {
            return Err(AwsError::invalid_parameter_value(format!(
                "Invalid availability zone: [{az}]"
            )));
        }
        if az != zone {
            return Err(AwsError::invalid_parameter_value(format!(
                "Value ({az}) for parameter availabilityZone is invalid. Subnet '{}' is in availability zone {zone}.",
                primary_subnet.subnet_id
            )));
        }
    }
    if !super::instance_types::offered(&ctx.region.name, &zone, &itype.instance_type) {
        return Err(super::instance_types::unsupported_in_zone(
            &ctx.region.name,
            &zone,
            &itype.instance_type,
        ));
    }
    let dns = parse_dns_options(p, primary_subnet)?;
    let explicit = plans
        .iter()
        .any(|pl| pl.private_ip.is_some() || !pl.ipv6_addresses.is_empty());
    if explicit && max > 1 {
        return Err(AwsError::invalid_parameter_combination(
            "Specific private IPv4 or IPv6 addresses may only be requested when launching a single instance.",
        ));
    }
    let live = ec2.instances.ids(By::State, LIVE).count();
    let room = INSTANCE_LIMIT.saturating_sub(live);
    let min = usize::try_from(min).unwrap_or(usize::MAX);
    if min > room {
        return Err(errors::instance_limit_exceeded(min, INSTANCE_LIMIT));
    }
    let max = usize::try_from(max).unwrap_or(usize::MAX).min(room);

    // Draw addresses on copies of the subnets; nothing is stored until the launch fits.
    let mut subnets: BTreeMap<String, Subnet> = BTreeMap::new();
    for pl in &plans {
        if let Some(s) = ec2.subnets.get(&pl.subnet_id) {
            subnets.insert(pl.subnet_id.clone(), s.clone());
        }
    }
    let mut launched: Vec<Vec<Addresses>> = Vec::new();
    while launched.len() < max {
        match allocate_instance(&mut subnets, &plans) {
            Ok(a) => launched.push(a),
            Err(_) if launched.len() >= min => break,
            Err(e) => return Err(e),
        }
    }

    let reservation_id = ctx.next_id("r");
    let region = ctx.region.name.clone();
    let settle = ctx.region.settle_reads;
    let architecture = image.architecture.to_owned();
    let mut instances: Vec<Instance> = Vec::with_capacity(launched.len());
    let border_group = ctx
        .region
        .zone(&zone)
        .map_or_else(|| region.clone(), |z| z.network_border_group.clone());
    for (index, addresses) in launched.into_iter().enumerate() {
        let instance_id = ctx.next_id("i");
        let mut interfaces = Vec::with_capacity(plans.len());
        for (pl, a) in plans.iter().zip(addresses) {
            let public_ip = pl.public_ip.then(|| {
                let n = ctx.region.ids.bump(&format!("public-ipv4/{border_group}"));
                super::addresses::auto_assigned_ip(&border_group, n)
            });
            interfaces.push(InstanceNetworkInterface {
                auto_public_ip: public_ip.is_some(),
                public_ip,
                network_interface_id: ctx.next_id("eni"),
                device_index: pl.device_index,
                subnet_id: pl.subnet_id.clone(),
                vpc_id: pl.vpc_id.clone(),
                private_ip_address: a.ipv4,
                ipv6_addresses: a
                    .ipv6
                    .iter()
                    .enumerate()
                    .map(|(k, addr)| InstanceIpv6Address {
                        address: *addr,
                        is_primary: pl.primary_ipv6 && k == 0,
                    })
                    .collect(),
                security_group_ids: pl.group_ids.clone(),
                attachment_id: ctx.next_id("eni-attach"),
                delete_on_termination: pl.delete_on_termination,
                description: String::new(),
                source_dest_check: true,
                mac_address: super::network_interfaces::mac_address(ctx.region.ids.bump("eni-mac")),
            });
        }
        let primary_ipv4 = interfaces
            .iter()
            .find(|n| n.device_index == 0)
            .and_then(|n| n.private_ip_address);
        instances.push(Instance {
            private_dns_name: private_dns_name(
                &region,
                &dns.hostname_type,
                primary_ipv4,
                &instance_id,
            ),
            instance_id,
            reservation_id: reservation_id.clone(),
            image_id: image_id.clone(),
            instance_type: itype.instance_type.clone(),
            state: "pending".to_owned(),
            subnet_id: primary_plan.subnet_id.clone(),
            vpc_id: primary_plan.vpc_id.clone(),
            availability_zone: zone.clone(),
            network_interfaces: interfaces,
            hostname_type: dns.hostname_type.clone(),
            enable_resource_name_dns_a_record: dns.a_record,
            enable_resource_name_dns_aaaa_record: dns.aaaa_record,
            metadata_http_protocol_ipv6: metadata.http_protocol_ipv6.clone(),
            metadata_http_tokens: metadata.http_tokens.clone(),
            metadata_http_endpoint: metadata.http_endpoint.clone(),
            metadata_hop_limit: metadata.hop_limit,
            metadata_instance_tags: metadata.instance_metadata_tags.clone(),
            key_name: p.value("KeyName").map(str::to_owned),
            launch_time: ctx.now,
            client_token: p.value("ClientToken").map(str::to_owned),
            tags: tags.clone(),
            ami_launch_index: u32::try_from(index).unwrap_or(u32::MAX),
            architecture: architecture.clone(),
            vcpus: itype.vcpus,
            reads_left: settle,
            request_fingerprint: print.clone(),
        });
    }

    let owner = ctx.account().to_owned();
    let ec2 = ctx.ec2();
    ec2.subnets.extend(subnets);
    let answer = reservation_nodes(ec2, &owner, &instances.iter().collect::<Vec<_>>());
    for mut i in instances {
        if settle == 0 {
            i.observe();
        }
        ec2.instances.insert(i.instance_id.clone(), i);
    }
    Ok(answer)
}

/// One read of an instance: moves its state on, and hands a newly
/// terminated instance's addresses back to its subnets.
fn observe_instance(ec2: &mut Ec2State, id: &str) {
    let Some(mut i) = ec2.instances.change(id) else {
        return;
    };
    if !i.observe() {
        return;
    }
    let interfaces = std::mem::take(&mut i.network_interfaces);
    drop(i);
    for n in interfaces {
        if let Some(s) = ec2.subnets.get_mut(&n.subnet_id) {
            if let Some(ip) = n.private_ip_address {
                s.release_ipv4(ip);
            }
            for a in &n.ipv6_addresses {
                s.release_ipv6(a.address);
            }
        }
    }
}

/// `InstanceId.N`: every id well formed and known, else the AWS error naming them.
fn check_instance_ids(ec2: &Ec2State, ids: &[String]) -> AwsResult<()> {
    if let Some(bad) = ids.iter().find(|id| {
        !id.strip_prefix("i-")
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
    }) {
        return Err(errors::instance_id_malformed(bad));
    }
    let unknown: Vec<String> = ids
        .iter()
        .filter(|id| !ec2.instances.contains_key(*id))
        .cloned()
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(errors::instances_not_found(&unknown))
    }
}

/// The filters a DescribeInstances answers from an index.
const INDEXED_FILTERS: &[(&str, By)] = &[
    ("vpc-id", By::Vpc),
    ("subnet-id", By::Subnet),
    ("network-interface.vpc-id", By::Vpc),
    ("network-interface.subnet-id", By::Subnet),
    ("network-interface.network-interface-id", By::Interface),
];

pub fn describe_instances(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let ids = p.list("InstanceId");
    let filters = p.filters()?;
    filters::check::<Instance>(&filters)?;
    let owner = ctx.account().to_owned();
    let ec2 = ctx.ec2();
    check_instance_ids(ec2, &ids)?;
    // The instances the call can match (the named ones, else those an
    // exact VPC, subnet or interface filter finds in the index): only
    // they are read, so only they settle.
    let named: Vec<String> = ec2
        .instances
        .candidates(&ids, &filters, INDEXED_FILTERS)
        .into_iter()
        .map(|i| i.instance_id.clone())
        .collect();
    for id in &named {
        observe_instance(ec2, id);
    }
    let ec2 = &ctx.region.ec2;
    let group_name_filters: Vec<&crate::protocol::Filter> = filters
        .iter()
        .filter(|f| f.name == "instance.group-name")
        .collect();
    let mut by_reservation: BTreeMap<&str, Vec<&Instance>> = BTreeMap::new();
    for id in &named {
        let Some(i) = ec2.instances.get(id) else {
            continue;
        };
        let others_pass = filters::matches(
            i,
            &filters
                .iter()
                .filter(|f| f.name != "instance.group-name")
                .cloned()
                .collect::<Vec<_>>(),
        );
        let names: Vec<&str> = i
            .security_group_ids()
            .into_iter()
            .filter_map(|g| ec2.security_groups.get(g))
            .map(|sg| sg.group_name.as_str())
            .collect();
        let names_pass = group_name_filters.iter().all(|f| {
            names
                .iter()
                .any(|n| f.values.iter().any(|v| filters::wildcard_match(v, n)))
        });
        if others_pass && names_pass {
            by_reservation.entry(&i.reservation_id).or_default().push(i);
        }
    }
    let items: Vec<Node> = by_reservation
        .values_mut()
        .map(|list| {
            list.sort_by_key(|i| i.ami_launch_index);
            Node::el("item").children(reservation_nodes(ec2, &owner, list))
        })
        .collect();
    let (page, next) = paging::page_named(
        items,
        p,
        Limits::new(5, 1000),
        (!ids.is_empty()).then_some("instancesSet"),
    )?;
    Ok(paging::with_token(
        vec![Node::set("reservationSet", page)],
        next,
    ))
}

pub fn terminate_instances(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let ids = p.list("InstanceId");
    if ids.is_empty() {
        return Err(AwsError::missing_parameter("InstanceId"));
    }
    let settle = ctx.region.settle_reads;
    let ec2 = ctx.ec2();
    check_instance_ids(ec2, &ids)?;
    let mut items = Vec::with_capacity(ids.len());
    let mut seen: Vec<&str> = Vec::new();
    for id in &ids {
        if seen.contains(&id.as_str()) {
            continue;
        }
        seen.push(id);
        let i = ec2.instances.get_mut(id).expect("checked above");
        let previous = i.state.clone();
        if matches!(
            previous.as_str(),
            "pending" | "running" | "stopping" | "stopped"
        ) {
            i.state = "shutting-down".to_owned();
            i.reads_left = settle;
        }
        items.push(
            Node::el("item")
                .leaf("instanceId", id)
                .child(state_xml("currentState", &i.state))
                .child(state_xml("previousState", &previous)),
        );
        if settle == 0 {
            observe_instance(ec2, id);
        }
    }
    // Termination disassociates the instance's Elastic IPs (they stay allocated).
    super::addresses::release_from_instances(ctx.ec2(), &ids);
    // A classic load balancer lets a terminated instance go at once.
    ctx.region.elb.forget_instances(&ids);
    Ok(vec![Node::set("instancesSet", items)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_user_data() {
        assert!(is_base64("aGVsbG8="));
        assert!(is_base64("aGVsbG8h"));
        assert!(is_base64("aGVs\nbG8h"));
        assert!(is_base64(""));
        assert!(!is_base64("hello"));
        assert!(!is_base64("aGVsbG8==="));
        assert!(!is_base64("#!/bin/bash\n"));
    }

    #[test]
    fn dns_names() {
        let ip = Some(Ipv4Addr::new(10, 0, 1, 4));
        assert_eq!(
            private_dns_name("us-east-1", "ip-name", ip, "i-1"),
            "ip-10-0-1-4.ec2.internal"
        );
        assert_eq!(
            private_dns_name("eu-west-1", "ip-name", ip, "i-1"),
            "ip-10-0-1-4.eu-west-1.compute.internal"
        );
        assert_eq!(
            private_dns_name("us-east-1", "resource-name", ip, "i-1"),
            "i-1.ec2.internal"
        );
        assert_eq!(
            private_dns_name("us-west-2", "resource-name", None, "i-1"),
            "i-1.us-west-2.compute.internal"
        );
    }

    #[test]
    fn state_codes() {
        for (s, c) in [
            ("pending", 0),
            ("running", 16),
            ("shutting-down", 32),
            ("terminated", 48),
            ("stopping", 64),
            ("stopped", 80),
        ] {
            assert_eq!(state_code(s), c);
        }
    }
}
