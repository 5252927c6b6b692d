//! Network interfaces that belong to no instance: the cross-account ENIs
//! EKS puts in a cluster's subnets (see [`crate::eks`]) and the
//! requester-managed ENIs of interface VPC endpoints (interface type
//! `vpc_endpoint`, see [`super::vpc_endpoints`]). EC2 shows them
//! through DescribeNetworkInterfaces; they keep their subnet, security
//! groups and VPC from deletion (`DependencyViolation`) until the service
//! that made them removes them.
//!
//! - DescribeNetworkInterfaces takes `NetworkInterfaceId.N` (an unknown id
//!   is `InvalidNetworkInterfaceID.NotFound`), `Filter.N` and
//!   `MaxResults`/`NextToken` (5-1000).
//! - Filters: `network-interface-id`, `vpc-id`, `subnet-id`,
//!   `availability-zone`, `group-id`, `description`, `status`,
//!   `interface-type`, `owner-id`, `requester-managed`,
//!   `private-ip-address`, `ipv6-addresses.ipv6-address`,
//!   `attachment.instance-owner-id`, and the tag filters.
//! - An instance's own interfaces are shown by DescribeInstances only (the
//!   fake keeps them inside the instance) `[I]`.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::describe::Describe;
use super::filters::{self, Filterable};
use super::paging::Limits;
use super::tags::{self, Tags};
use super::{Ec2State, errors};
use crate::protocol::error::AwsResult;
use crate::protocol::{Node, Params};
use crate::region::Ctx;

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
    /// The account whose service attached it (EKS's).
    pub instance_owner_id: String,
    pub attachment_id: String,
    pub private_ip_address: Option<Ipv4Addr>,
    pub ipv6_addresses: Vec<Ipv6Addr>,
    pub security_group_ids: Vec<String>,
    pub mac_address: String,
    /// `interface` (EKS's), `vpc_endpoint`.
    #[serde(default = "default_interface_type")]
    pub interface_type: String,
    /// Managed by an AWS service on the account's behalf (VPC endpoints).
    #[serde(default)]
    pub requester_managed: bool,
    pub tags: Tags,
}

fn default_interface_type() -> String {
    "interface".to_owned()
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

crate::registry::resource!(
    NetworkInterface: "eni", "network-interface", network_interface_id, Tags,
    |id| errors::network_interface_not_found(id)
);

impl NetworkInterface {
    fn to_xml(&self, ec2: &Ec2State) -> Node {
        let groups = self.security_group_ids.iter().map(|g| {
            let name = ec2
                .security_groups
                .get(g)
                .map(|s| s.group_name.clone())
                .unwrap_or_default();
            Node::el("item").leaf("groupId", g).leaf("groupName", name)
        });
        let dns = self
            .private_ip_address
            .map(|a| format!("ip-{}.ec2.internal", a.to_string().replace('.', "-")));
        let private = self.private_ip_address.map(|a| {
            Node::el("item")
                .leaf("privateIpAddress", a)
                .opt_leaf("privateDnsName", dns.as_deref())
                .leaf("primary", true)
        });
        Node::el("item")
            .leaf("networkInterfaceId", &self.network_interface_id)
            .leaf("subnetId", &self.subnet_id)
            .leaf("vpcId", &self.vpc_id)
            .leaf("availabilityZone", &self.availability_zone)
            .leaf("description", &self.description)
            .leaf("ownerId", &self.owner_id)
            .leaf("requesterManaged", self.requester_managed)
            .leaf("status", "in-use")
            .leaf("macAddress", &self.mac_address)
            .opt_leaf("privateIpAddress", self.private_ip_address)
            .opt_leaf("privateDnsName", dns.as_deref())
            .leaf("sourceDestCheck", true)
            .child(Node::set("groupSet", groups))
            .child(
                Node::el("attachment")
                    .leaf("attachmentId", &self.attachment_id)
                    .leaf("instanceOwnerId", &self.instance_owner_id)
                    .leaf("deviceIndex", 1)
                    .leaf("status", "attached")
                    .leaf("deleteOnTermination", false),
            )
            .child(Node::set("privateIpAddressesSet", private))
            .child(Node::set(
                "ipv6AddressesSet",
                self.ipv6_addresses
                    .iter()
                    .map(|a| Node::el("item").leaf("ipv6Address", a)),
            ))
            .leaf("interfaceType", &self.interface_type)
            .opt_child(tags::tag_set(&self.tags))
    }
}

impl Filterable for NetworkInterface {
    const FILTERS: &'static [&'static str] = &[
        "network-interface-id",
        "vpc-id",
        "subnet-id",
        "availability-zone",
        "group-id",
        "description",
        "status",
        "interface-type",
        "owner-id",
        "requester-managed",
        "private-ip-address",
        "ipv6-addresses.ipv6-address",
        "attachment.instance-owner-id",
    ];

    fn filter_values(&self, name: &str) -> Vec<String> {
        match name {
            "network-interface-id" => filters::one(&self.network_interface_id),
            "vpc-id" => filters::one(&self.vpc_id),
            "subnet-id" => filters::one(&self.subnet_id),
            "availability-zone" => filters::one(&self.availability_zone),
            "group-id" => self.security_group_ids.clone(),
            "description" => filters::one(&self.description),
            "status" => filters::one("in-use"),
            "interface-type" => filters::one(&self.interface_type),
            "owner-id" => filters::one(&self.owner_id),
            "requester-managed" => filters::bool_value(self.requester_managed),
            "private-ip-address" => filters::opt(self.private_ip_address),
            "ipv6-addresses.ipv6-address" => self
                .ipv6_addresses
                .iter()
                .map(ToString::to_string)
                .collect(),
            "attachment.instance-owner-id" => filters::one(&self.instance_owner_id),
            _ => Vec::new(),
        }
    }

    fn tags(&self) -> &Tags {
        &self.tags
    }
}

impl Ec2State {
    /// Whether a stand-alone interface is in the subnet.
    pub fn interface_in_subnet(&self, subnet_id: &str) -> bool {
        self.network_interfaces
            .values()
            .any(|n| n.subnet_id == subnet_id)
    }

    /// Whether a stand-alone interface uses the security group.
    pub fn interface_uses_group(&self, group_id: &str) -> bool {
        self.network_interfaces
            .values()
            .any(|n| n.security_group_ids.iter().any(|g| g == group_id))
    }

    /// Whether a stand-alone interface is in the VPC.
    pub fn interface_in_vpc(&self, vpc_id: &str) -> bool {
        self.network_interfaces.values().any(|n| n.vpc_id == vpc_id)
    }
}

pub fn describe_network_interfaces(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let describe = Describe {
        ids: "NetworkInterfaceId",
        set: "networkInterfaceSet",
        limits: Limits::new(5, 1000),
        ids_set: Some("networkInterfaceIds"),
    };
    let ec2 = &ctx.region.ec2;
    describe.run(p, &ec2.network_interfaces, |n| n.to_xml(ec2))
}
