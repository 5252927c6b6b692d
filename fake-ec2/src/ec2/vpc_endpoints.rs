//! VPC endpoints: CreateVpcEndpoint, DescribeVpcEndpoints,
//! ModifyVpcEndpoint and DeleteVpcEndpoints, for the AWS services of
//! [`SERVICES`].
//!
//! - `VpcEndpointType` is `Gateway` (the default), `Interface` or
//!   `GatewayLoadBalancer`; the service must offer the type
//!   (`InvalidParameter` `[I]`). A name that is no service of the region is
//!   `InvalidServiceName`.
//! - A gateway endpoint takes route tables of its VPC (`RouteTableId.N`)
//!   and puts a route to the service's prefix list in each
//!   (`DestinationPrefixListId` -> the endpoint, origin `CreateRoute`); a
//!   table that already routes that prefix list is `RouteAlreadyExists`.
//!   Subnets, security groups and private DNS are for interface endpoints
//!   (`InvalidParameter` `[I]`). Its IP address type is `ipv4` or
//!   `dualstack`.
//! - An interface endpoint takes subnets of its VPC, at most one per zone
//!   (`DuplicateSubnetsInSameZone`), and security groups of its VPC (the
//!   VPC's default group when none is named). In each subnet it makes a
//!   requester-managed interface (type `vpc_endpoint`) with an address of
//!   each family its IP address type asks for: `ipv4` needs subnets with
//!   IPv4, `dualstack` subnets with both families, `ipv6` IPv6-only subnets
//!   (`InvalidParameter` `[I]`). The default is `ipv4` when every subnet has
//!   IPv4, else `ipv6` `[I]`. `DnsOptions.DnsRecordIpType` must fit the IP
//!   address type. Private DNS is on by default and needs the VPC's
//!   `enableDnsSupport` and `enableDnsHostnames`.
//! - `ClientToken`: the same token with the same VPC and service returns the
//!   endpoint made first; otherwise `IdempotentParameterMismatch`.
//! - Endpoints are `available` at once `[I]` (AWS shows `pending` for an
//!   interface endpoint for up to a minute).
//! - DeleteVpcEndpoints answers an unknown id in its `unsuccessful` set
//!   (`InvalidVpcEndpoint.NotFound`) and deletes the others: their routes
//!   and interfaces go with them.
//! - A VPC with an endpoint cannot be deleted (`DependencyViolation`);
//!   an interface endpoint's interfaces hold their subnets and groups.
//!   Deleting a route table takes it off its gateway endpoints.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::describe::Describe;
use super::filters;
use super::network_interfaces::NetworkInterface;
use super::paging::Limits;
use super::route_tables::{Destination, Route, Target};
use super::tags::{self, Tags};
use super::{Ec2State, errors, idempotency};
use crate::ids::Timestamp;
use crate::protocol::error::AwsResult;
use crate::protocol::xml::rename;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;
use crate::registry;

/// An AWS service endpoints can reach: its name after `com.amazonaws.<region>.`,
/// whether it offers gateway endpoints, and whether interface ones.
#[derive(Debug, Clone, Copy)]
pub struct Service {
    pub suffix: &'static str,
    pub gateway: bool,
    pub interface: bool,
}

/// The services of every region the fake knows: the two gateway services
/// (S3 and DynamoDB, which AWS also offers as interface endpoints) and the
/// interface services a Kubernetes cluster in a private subnet uses
/// (`[I]`: AWS offers many more).
pub const SERVICES: &[Service] = &[
    Service {
        suffix: "s3",
        gateway: true,
        interface: true,
    },
    Service {
        suffix: "dynamodb",
        gateway: true,
        interface: true,
    },
    Service {
        suffix: "ec2",
        gateway: false,
        interface: true,
    },
    Service {
        suffix: "ec2messages",
        gateway: false,
        interface: true,
    },
    Service {
        suffix: "elasticloadbalancing",
        gateway: false,
        interface: true,
    },
    Service {
        suffix: "autoscaling",
        gateway: false,
        interface: true,
    },
    Service {
        suffix: "sts",
        gateway: false,
        interface: true,
    },
    Service {
        suffix: "ecr.api",
        gateway: false,
        interface: true,
    },
    Service {
        suffix: "ecr.dkr",
        gateway: false,
        interface: true,
    },
    Service {
        suffix: "eks",
        gateway: false,
        interface: true,
    },
    Service {
        suffix: "ssm",
        gateway: false,
        interface: true,
    },
    Service {
        suffix: "ssmmessages",
        gateway: false,
        interface: true,
    },
    Service {
        suffix: "logs",
        gateway: false,
        interface: true,
    },
    Service {
        suffix: "kms",
        gateway: false,
        interface: true,
    },
    Service {
        suffix: "secretsmanager",
        gateway: false,
        interface: true,
    },
];

/// The region's service called `name`, if it is one.
pub fn service(region: &str, name: &str) -> Option<&'static Service> {
    let suffix = name
        .strip_prefix("com.amazonaws.")?
        .strip_prefix(region)?
        .strip_prefix('.')?;
    SERVICES.iter().find(|s| s.suffix == suffix)
}

/// The prefix list of a gateway service in a region: AWS's own ids in
/// us-east-1 and us-west-2; elsewhere an id derived from the name `[I]`.
pub fn prefix_list_id(region: &str, suffix: &str) -> String {
    match (region, suffix) {
        ("us-east-1", "s3") => "pl-63a5400a".to_owned(),
        ("us-east-1", "dynamodb") => "pl-02cd2c6b".to_owned(),
        ("us-west-2", "s3") => "pl-68a54001".to_owned(),
        ("us-west-2", "dynamodb") => "pl-00a54069".to_owned(),
        _ => {
            // FNV-1a: stable across runs and platforms.
            let hash = format!("{region}.{suffix}")
                .bytes()
                .fold(0x811c_9dc5_u32, |h, b| {
                    (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
                });
            format!("pl-{hash:08x}")
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EndpointType {
    Gateway,
    Interface,
    GatewayLoadBalancer,
}

impl EndpointType {
    fn parse(text: &str) -> AwsResult<Self> {
        match text {
            "Gateway" => Ok(Self::Gateway),
            "Interface" => Ok(Self::Interface),
            "GatewayLoadBalancer" => Ok(Self::GatewayLoadBalancer),
            other => Err(AwsError::invalid_value_for("VpcEndpointType", other)),
        }
    }

    /// The name AWS gives the type (`Gateway`, `Interface`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gateway => "Gateway",
            Self::Interface => "Interface",
            Self::GatewayLoadBalancer => "GatewayLoadBalancer",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VpcEndpoint {
    pub vpc_endpoint_id: String,
    pub vpc_endpoint_type: EndpointType,
    pub vpc_id: String,
    pub service_name: String,
    pub state: String,
    pub policy_document: String,
    pub route_table_ids: Vec<String>,
    pub subnet_ids: Vec<String>,
    pub group_ids: Vec<String>,
    pub network_interface_ids: Vec<String>,
    pub private_dns_enabled: bool,
    /// `ipv4`, `dualstack` or `ipv6`.
    pub ip_address_type: String,
    /// Interface endpoints: `ipv4`, `dualstack`, `ipv6` or `service-defined`.
    pub dns_record_ip_type: Option<String>,
    pub owner_id: String,
    pub creation_timestamp: Timestamp,
    pub client_token: Option<String>,
    pub tags: Tags,
}

crate::registry::resource!(
    VpcEndpoint: "vpce", "vpc-endpoint", vpc_endpoint_id, Tags, |id| not_found(id)
);

fn not_found(id: &str) -> AwsError {
    AwsError::coded(
        errors::Ec2Code::InvalidVpcEndpointIdNotFound,
        format!("The Vpc Endpoint Id '{id}' does not exist"),
    )
}

/// The policy AWS attaches when a request names none: full access.
const FULL_ACCESS: &str = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;

impl VpcEndpoint {
    fn to_xml(&self, ec2: &Ec2State) -> Node {
        let ids = |name: &'static str, ids: &[String]| {
            Node::set(name, ids.iter().map(|i| Node::text("item", i)))
        };
        let groups = self.group_ids.iter().map(|g| {
            let name = ec2
                .security_groups
                .get(g)
                .map(|s| s.group_name.clone())
                .unwrap_or_default();
            Node::el("item").leaf("groupId", g).leaf("groupName", name)
        });
        let dns = self
            .dns_record_ip_type
            .as_ref()
            .map(|t| Node::el("dnsOptions").leaf("dnsRecordIpType", t));
        Node::el("item")
            .leaf("vpcEndpointId", &self.vpc_endpoint_id)
            .leaf("vpcEndpointType", self.vpc_endpoint_type.as_str())
            .leaf("vpcId", &self.vpc_id)
            .leaf("serviceName", &self.service_name)
            .leaf("state", &self.state)
            .leaf("policyDocument", &self.policy_document)
            .child(ids("routeTableIdSet", &self.route_table_ids))
            .child(ids("subnetIdSet", &self.subnet_ids))
            .child(Node::set("groupSet", groups))
            .leaf("ipAddressType", &self.ip_address_type)
            .opt_child(dns)
            .leaf("privateDnsEnabled", self.private_dns_enabled)
            .leaf("requesterManaged", false)
            .child(ids("networkInterfaceIdSet", &self.network_interface_ids))
            .child(Node::set("dnsEntrySet", self.dns_entries(ec2)))
            .leaf("creationTimestamp", self.creation_timestamp)
            .leaf("ownerId", &self.owner_id)
            .opt_child(tags::tag_set(&self.tags))
    }

    /// An interface endpoint's DNS names: the regional one and one per
    /// zone, as AWS forms them (the endpoint id and the service's host).
    fn dns_entries(&self, ec2: &Ec2State) -> Vec<Node> {
        if self.vpc_endpoint_type != EndpointType::Interface {
            return Vec::new();
        }
        let host = self
            .service_name
            .strip_prefix("com.amazonaws.")
            .and_then(|rest| rest.split_once('.'))
            .map(|(region, suffix)| format!("{suffix}.{region}.vpce.amazonaws.com"))
            .unwrap_or_default();
        let mut out = vec![
            Node::el("item")
                .leaf("dnsName", format!("{}.{host}", self.vpc_endpoint_id))
                .leaf("hostedZoneId", "Z7HUB22UULQXV"),
        ];
        for s in &self.subnet_ids {
            if let Some(subnet) = ec2.subnets.get(s) {
                out.push(
                    Node::el("item")
                        .leaf(
                            "dnsName",
                            format!(
                                "{}-{}.{host}",
                                self.vpc_endpoint_id, subnet.availability_zone
                            ),
                        )
                        .leaf("hostedZoneId", "Z7HUB22UULQXV"),
                );
            }
        }
        out
    }

    fn is_same_request(&self, vpc_id: &str, service_name: &str) -> bool {
        self.vpc_id == vpc_id && self.service_name == service_name
    }
}

filters::filterable!(VpcEndpoint, |endpoint| [
    ("vpc-endpoint-id", filters::one(&endpoint.vpc_endpoint_id)),
    ("vpc-id", filters::one(&endpoint.vpc_id)),
    ("service-name", filters::one(&endpoint.service_name)),
    ("vpc-endpoint-state", filters::one(&endpoint.state)),
    (
        "vpc-endpoint-type",
        filters::one(endpoint.vpc_endpoint_type.as_str())
    ),
    ("ip-address-type", filters::one(&endpoint.ip_address_type)),
]);

fn invalid_parameter(message: impl Into<String>) -> AwsError {
    AwsError::coded(errors::Ec2Code::InvalidParameter, message)
}

const ROUTE_TABLES_ONLY_FOR_GATEWAY: &str =
    "Route table IDs are only supported for Gateway type VPC Endpoint.";

/// A gateway endpoint takes no subnets (AWS's message) and no security
/// groups (the same form, `[I]`).
fn only_for_interface(subnets: &[String], groups: &[String]) -> AwsResult<()> {
    if !subnets.is_empty() {
        return Err(invalid_parameter(
            "Subnet IDs are only supported for Interface and GatewayLoadBalancer type VPC Endpoints.",
        ));
    }
    if !groups.is_empty() {
        return Err(invalid_parameter(
            "Security group IDs are only supported for Interface type VPC Endpoints.",
        ));
    }
    Ok(())
}

impl Ec2State {
    /// Whether a VPC endpoint is in the VPC.
    pub fn endpoint_in_vpc(&self, vpc_id: &str) -> bool {
        self.vpc_endpoints.values().any(|e| e.vpc_id == vpc_id)
    }

    /// Takes a deleted route table off the gateway endpoints that used it.
    pub fn forget_endpoint_route_table(&mut self, route_table_id: &str) {
        for e in self.vpc_endpoints.values_mut() {
            e.route_table_ids.retain(|r| r != route_table_id);
        }
    }
}

/// A route table of the endpoint's VPC, checked for a gateway endpoint.
fn check_route_table(ec2: &Ec2State, vpc_id: &str, id: &str, prefix_list: &str) -> AwsResult<()> {
    let rt = registry::find(&ec2.route_tables, id)?;
    if rt.vpc_id != vpc_id {
        return Err(invalid_parameter(format!(
            "The route table {id} belongs to {}, not to the endpoint's VPC {vpc_id}.",
            rt.vpc_id
        )));
    }
    if rt
        .routes
        .iter()
        .any(|r| r.destination == Destination::PrefixList(prefix_list.to_owned()))
    {
        return Err(AwsError::coded(
            errors::Ec2Code::RouteAlreadyExists,
            format!(
                "route table {id} already has a route with destination-prefix-list-id {prefix_list}"
            ),
        ));
    }
    Ok(())
}

fn add_routes(ec2: &mut Ec2State, tables: &[String], prefix_list: &str, endpoint: &str) {
    for id in tables {
        if let Some(mut rt) = ec2.route_tables.change(id) {
            rt.routes.push(Route {
                destination: Destination::PrefixList(prefix_list.to_owned()),
                target: Target::Gateway(endpoint.to_owned()),
                origin: "CreateRoute".to_owned(),
                state: "active".to_owned(),
            });
        }
    }
}

fn remove_routes(ec2: &mut Ec2State, tables: &[String], endpoint: &str) {
    for id in tables {
        if let Some(mut rt) = ec2.route_tables.change(id) {
            rt.routes
                .retain(|r| r.target != Target::Gateway(endpoint.to_owned()));
        }
    }
}

/// Subnets for an interface endpoint: each in the VPC, one per zone, and
/// of the families the IP address type needs.
fn check_subnets(ec2: &Ec2State, vpc_id: &str, subnets: &[String], ip_type: &str) -> AwsResult<()> {
    let mut zones: BTreeMap<&str, &str> = BTreeMap::new();
    for id in subnets {
        let s = ec2
            .subnets
            .get(id)
            .ok_or_else(|| errors::subnet_not_found(id))?;
        if s.vpc_id != vpc_id {
            return Err(invalid_parameter(format!(
                "The subnet {id} belongs to {}, not to the endpoint's VPC {vpc_id}.",
                s.vpc_id
            )));
        }
        if let Some(other) = zones.insert(&s.availability_zone, id) {
            return Err(AwsError::coded(
                errors::Ec2Code::DuplicateSubnetsInSameZone,
                format!(
                    "Found another VPC endpoint subnet in the availability zone of {id}: {other}"
                ),
            ));
        }
        if ip_type != "ipv6" && s.cidr_block.is_some() && s.available_ip_address_count() == 0 {
            return Err(errors::insufficient_free_addresses(id));
        }
        let (v4, v6) = (s.cidr_block.is_some(), s.has_ipv6());
        let fits = match ip_type {
            "ipv4" => v4,
            "dualstack" => v4 && v6,
            _ => v6 && !v4,
        };
        if !fits {
            let need = match ip_type {
                "ipv4" => "an IPv4 CIDR block",
                "dualstack" => "both an IPv4 and an IPv6 CIDR block",
                _ => "only an IPv6 CIDR block (an IPv6-only subnet)",
            };
            return Err(invalid_parameter(format!(
                "The subnet {id} cannot be used for an endpoint of IP address type {ip_type}: it must have {need}."
            )));
        }
    }
    Ok(())
}

fn check_groups(ec2: &Ec2State, vpc_id: &str, groups: &[String]) -> AwsResult<()> {
    for g in groups {
        let sg = ec2
            .security_groups
            .get(g)
            .ok_or_else(|| errors::security_group_not_found(g))?;
        if sg.vpc_id != vpc_id {
            return Err(invalid_parameter(format!(
                "The security group {g} belongs to {}, not to the endpoint's VPC {vpc_id}.",
                sg.vpc_id
            )));
        }
    }
    Ok(())
}

fn check_dns_record_type(ip_type: &str, record: &str) -> AwsResult<()> {
    let fits = match record {
        "ipv4" => ip_type != "ipv6",
        "ipv6" => ip_type != "ipv4",
        "dualstack" => ip_type == "dualstack",
        "service-defined" => true,
        other => {
            return Err(AwsError::invalid_value_for(
                "DnsOptions.DnsRecordIpType",
                other,
            ));
        }
    };
    if fits {
        Ok(())
    } else {
        Err(invalid_parameter(format!(
            "DnsRecordIpType {record} is not supported for an endpoint of IP address type {ip_type}."
        )))
    }
}

/// Makes the endpoint's interface in each subnet, with the addresses its
/// IP address type asks for.
fn make_interfaces(
    ctx: &mut Ctx<'_>,
    endpoint: &str,
    subnets: &[String],
    groups: &[String],
    ip_type: &str,
) -> AwsResult<Vec<String>> {
    let owner = ctx.account().to_owned();
    let mut ids = Vec::new();
    for subnet_id in subnets {
        let eni_id = ctx.next_id("eni");
        let attachment_id = ctx.next_id("ela-attach");
        let n = ctx.region.ids.bump("eni-mac");
        let subnet = ctx
            .ec2()
            .subnets
            .get_mut(subnet_id)
            .ok_or_else(|| errors::subnet_not_found(subnet_id))?;
        let v4 = if ip_type == "ipv6" {
            None
        } else {
            Some(
                subnet
                    .allocate_ipv4()
                    .ok_or_else(|| errors::insufficient_free_addresses(subnet_id))?,
            )
        };
        let v6 = if ip_type == "ipv4" {
            Vec::new()
        } else {
            subnet.allocate_ipv6().into_iter().collect()
        };
        let eni = NetworkInterface {
            description: format!("VPC Endpoint Interface {endpoint}"),
            instance_owner_id: "amazon-aws".to_owned(),
            attachment_id,
            private_ip_address: v4,
            ipv6_addresses: v6,
            security_group_ids: groups.to_vec(),
            interface_type: "vpc_endpoint".to_owned(),
            requester_managed: true,
            ..NetworkInterface::in_subnet(eni_id.clone(), subnet, owner.clone(), n)
        };
        ctx.ec2().network_interfaces.insert(eni_id.clone(), eni);
        ids.push(eni_id);
    }
    Ok(ids)
}

/// Removes interfaces and gives their addresses back to their subnets.
fn drop_interfaces(ec2: &mut Ec2State, ids: &[String]) {
    for id in ids {
        ec2.remove_interface(id);
    }
}

pub fn create_vpc_endpoint(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let tags = tags::from_specs(p, "vpc-endpoint")?;
    let vpc_id = p.required("VpcId")?.to_owned();
    let service_name = p.required("ServiceName")?.to_owned();
    let token = p.value("ClientToken").map(str::to_owned);
    let ec2 = &ctx.region.ec2;
    if let Some(existing) = idempotency::earlier(
        ec2.vpc_endpoints.values(),
        token.as_deref(),
        |e| e.client_token.as_deref(),
        |e| e.is_same_request(&vpc_id, &service_name),
    )? {
        return Ok(vec![rename(existing.to_xml(ec2), "vpcEndpoint")]);
    }
    let kind = EndpointType::parse(p.value("VpcEndpointType").unwrap_or("Gateway"))?;
    let vpc = ec2
        .vpcs
        .get(&vpc_id)
        .ok_or_else(|| errors::vpc_not_found(&vpc_id))?;
    let region = ctx.region.name.clone();
    let Some(svc) = service(&region, &service_name) else {
        return Err(AwsError::coded(
            errors::Ec2Code::InvalidServiceName,
            format!("The Vpc Endpoint Service '{service_name}' does not exist"),
        ));
    };
    let offered = match kind {
        EndpointType::Gateway => svc.gateway,
        EndpointType::Interface => svc.interface,
        EndpointType::GatewayLoadBalancer => false,
    };
    if !offered {
        return Err(invalid_parameter(format!(
            "The Vpc Endpoint Service '{service_name}' does not support endpoint type {}.",
            kind.as_str()
        )));
    }
    let route_tables = p.list("RouteTableId");
    let subnets = p.list("SubnetId");
    let mut groups = p.list("SecurityGroupId");
    let private_dns = p.bool("PrivateDnsEnabled")?;
    let policy = p.value("PolicyDocument").unwrap_or(FULL_ACCESS).to_owned();
    if serde_json::from_str::<serde_json::Value>(&policy).is_err() {
        return Err(AwsError::coded(
            errors::Ec2Code::InvalidPolicyDocument,
            "The Policy Document is not valid.",
        ));
    }
    // Every check first, so a refused request changes nothing.
    let prefix_list = prefix_list_id(&region, svc.suffix);
    let ip_type;
    let mut dns_record = None;
    let mut private_dns_enabled = false;
    match kind {
        EndpointType::Gateway => {
            only_for_interface(&subnets, &groups)?;
            if private_dns == Some(true) {
                return Err(invalid_parameter(
                    "Private DNS can only be enabled for Interface endpoints.",
                ));
            }
            ip_type = p.value("IpAddressType").unwrap_or("ipv4").to_owned();
            if !["ipv4", "dualstack"].contains(&ip_type.as_str()) {
                return Err(invalid_parameter(format!(
                    "IpAddressType {ip_type} is not supported for Gateway endpoints; use ipv4 or dualstack."
                )));
            }
            for rt in &route_tables {
                check_route_table(ec2, &vpc_id, rt, &prefix_list)?;
            }
        }
        EndpointType::Interface | EndpointType::GatewayLoadBalancer => {
            if !route_tables.is_empty() {
                return Err(invalid_parameter(ROUTE_TABLES_ONLY_FOR_GATEWAY));
            }
            let every_v4 = subnets
                .iter()
                .all(|s| ec2.subnets.get(s).is_none_or(|s| s.cidr_block.is_some()));
            let default_type = if every_v4 { "ipv4" } else { "ipv6" };
            let t = p.value("IpAddressType").unwrap_or(default_type).to_owned();
            if !["ipv4", "dualstack", "ipv6"].contains(&t.as_str()) {
                return Err(AwsError::invalid_value_for("IpAddressType", &t));
            }
            check_subnets(ec2, &vpc_id, &subnets, &t)?;
            if groups.is_empty() {
                groups.push(vpc.default_security_group_id.clone());
            }
            check_groups(ec2, &vpc_id, &groups)?;
            let record = p
                .value("DnsOptions.DnsRecordIpType")
                .unwrap_or(match t.as_str() {
                    "ipv4" => "ipv4",
                    "ipv6" => "ipv6",
                    _ => "dualstack",
                });
            check_dns_record_type(&t, record)?;
            dns_record = Some(record.to_owned());
            private_dns_enabled = private_dns.unwrap_or(true);
            if private_dns_enabled && !(vpc.enable_dns_support && vpc.enable_dns_hostnames) {
                return Err(invalid_parameter(format!(
                    "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for {vpc_id}"
                )));
            }
            ip_type = t;
        }
    }
    let id = ctx.next_id("vpce");
    let interfaces = match kind {
        EndpointType::Gateway => {
            add_routes(ctx.ec2(), &route_tables, &prefix_list, &id);
            Vec::new()
        }
        _ => make_interfaces(ctx, &id, &subnets, &groups, &ip_type)?,
    };
    let endpoint = VpcEndpoint {
        vpc_endpoint_id: id.clone(),
        vpc_endpoint_type: kind,
        vpc_id,
        service_name,
        state: "available".to_owned(),
        policy_document: policy,
        route_table_ids: route_tables,
        subnet_ids: subnets,
        group_ids: if kind == EndpointType::Gateway {
            Vec::new()
        } else {
            groups
        },
        network_interface_ids: interfaces,
        private_dns_enabled,
        ip_address_type: ip_type,
        dns_record_ip_type: dns_record,
        owner_id: ctx.account().to_owned(),
        creation_timestamp: ctx.now,
        client_token: token.clone(),
        tags,
    };
    let out = rename(endpoint.to_xml(&ctx.region.ec2), "vpcEndpoint");
    ctx.ec2().vpc_endpoints.insert(id, endpoint);
    let mut nodes = vec![out];
    if let Some(t) = token {
        nodes.push(Node::text("clientToken", t));
    }
    Ok(nodes)
}

const DESCRIBE: Describe = Describe {
    ids: "VpcEndpointId",
    set: "vpcEndpointSet",
    limits: Limits::new(1, 1000),
    ids_set: None,
};

pub fn describe_vpc_endpoints(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let ec2 = &ctx.region.ec2;
    DESCRIBE.run(p, &ec2.vpc_endpoints, |e| e.to_xml(ec2))
}

pub fn modify_vpc_endpoint(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("VpcEndpointId")?.to_owned();
    let region = ctx.region.name.clone();
    let ec2 = &ctx.region.ec2;
    let mut e = registry::find(&ec2.vpc_endpoints, &id)?.clone();
    let add_rt = p.list("AddRouteTableId");
    let remove_rt = p.list("RemoveRouteTableId");
    let add_subnets = p.list("AddSubnetId");
    let remove_subnets = p.list("RemoveSubnetId");
    let add_groups = p.list("AddSecurityGroupId");
    let remove_groups = p.list("RemoveSecurityGroupId");
    let gateway = e.vpc_endpoint_type == EndpointType::Gateway;
    if gateway {
        only_for_interface(
            &[add_subnets.as_slice(), &remove_subnets].concat(),
            &[add_groups.as_slice(), &remove_groups].concat(),
        )?;
    }
    if !gateway && (!add_rt.is_empty() || !remove_rt.is_empty()) {
        return Err(invalid_parameter(ROUTE_TABLES_ONLY_FOR_GATEWAY));
    }
    if let Some(doc) = p.value("PolicyDocument") {
        if serde_json::from_str::<serde_json::Value>(doc).is_err() {
            return Err(AwsError::coded(
                errors::Ec2Code::InvalidPolicyDocument,
                "The Policy Document is not valid.",
            ));
        }
        e.policy_document = doc.to_owned();
    }
    if p.bool("ResetPolicy")? == Some(true) {
        e.policy_document = FULL_ACCESS.to_owned();
    }
    if let Some(on) = p.bool("PrivateDnsEnabled")? {
        if gateway && on {
            return Err(invalid_parameter(
                "Private DNS can only be enabled for Interface endpoints.",
            ));
        }
        e.private_dns_enabled = on;
    }
    for rt in &remove_rt {
        if !e.route_table_ids.contains(rt) {
            return Err(invalid_parameter(format!(
                "The route table {rt} is not associated with {id}."
            )));
        }
    }
    if gateway {
        let suffix = e
            .service_name
            .rsplit_once(&format!("{region}."))
            .map(|(_, s)| s.to_owned())
            .unwrap_or_default();
        let prefix_list = prefix_list_id(&region, &suffix);
        let fresh: Vec<String> = add_rt
            .iter()
            .filter(|rt| !e.route_table_ids.contains(rt))
            .cloned()
            .collect();
        for rt in &fresh {
            check_route_table(ec2, &e.vpc_id, rt, &prefix_list)?;
        }
        if let Some(t) = p.value("IpAddressType") {
            if !["ipv4", "dualstack"].contains(&t) {
                return Err(invalid_parameter(format!(
                    "IpAddressType {t} is not supported for Gateway endpoints; use ipv4 or dualstack."
                )));
            }
            e.ip_address_type = t.to_owned();
        }
        let ec2 = ctx.ec2();
        remove_routes(ec2, &remove_rt, &id);
        add_routes(ec2, &fresh, &prefix_list, &id);
        e.route_table_ids.retain(|rt| !remove_rt.contains(rt));
        e.route_table_ids.extend(fresh);
    } else {
        let ip_type = p
            .value("IpAddressType")
            .unwrap_or(&e.ip_address_type)
            .to_owned();
        if !["ipv4", "dualstack", "ipv6"].contains(&ip_type.as_str()) {
            return Err(AwsError::invalid_value_for("IpAddressType", &ip_type));
        }
        for s in &remove_subnets {
            if !e.subnet_ids.contains(s) {
                return Err(invalid_parameter(format!(
                    "The subnet {s} is not associated with {id}."
                )));
            }
        }
        let mut subnets = e.subnet_ids.clone();
        subnets.retain(|s| !remove_subnets.contains(s));
        let fresh: Vec<String> = add_subnets
            .iter()
            .filter(|s| !subnets.contains(s))
            .cloned()
            .collect();
        subnets.extend(fresh.iter().cloned());
        check_subnets(ec2, &e.vpc_id, &subnets, &ip_type)?;
        let mut groups = e.group_ids.clone();
        groups.retain(|g| !remove_groups.contains(g));
        for g in &add_groups {
            if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
        if groups.is_empty() {
            return Err(invalid_parameter(format!(
                "The endpoint {id} must keep at least one security group."
            )));
        }
        check_groups(ec2, &e.vpc_id, &groups)?;
        if let Some(record) = p.value("DnsOptions.DnsRecordIpType") {
            check_dns_record_type(&ip_type, record)?;
            e.dns_record_ip_type = Some(record.to_owned());
        } else if let Some(record) = &e.dns_record_ip_type {
            check_dns_record_type(&ip_type, record)?;
        }
        let vpc = registry::find(&ec2.vpcs, &e.vpc_id)?;
        if e.private_dns_enabled && !(vpc.enable_dns_support && vpc.enable_dns_hostnames) {
            return Err(invalid_parameter(format!(
                "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for {}",
                e.vpc_id
            )));
        }
        // Interfaces follow the subnets (all remade when the IP address
        // type changes, as their addresses do).
        let remade = ip_type != e.ip_address_type;
        let ec2 = ctx.ec2();
        let gone: Vec<String> = e
            .network_interface_ids
            .iter()
            .filter(|n| {
                remade
                    || ec2
                        .network_interfaces
                        .get(*n)
                        .is_none_or(|i| remove_subnets.contains(&i.subnet_id))
            })
            .cloned()
            .collect();
        drop_interfaces(ec2, &gone);
        e.network_interface_ids.retain(|n| !gone.contains(n));
        let new_subnets: Vec<String> = if remade { subnets.clone() } else { fresh };
        let made = make_interfaces(ctx, &id, &new_subnets, &groups, &ip_type)?;
        e.network_interface_ids.extend(made);
        let ec2 = ctx.ec2();
        for n in &e.network_interface_ids {
            if let Some(i) = ec2.network_interfaces.get_mut(n) {
                i.security_group_ids = groups.clone();
            }
        }
        e.subnet_ids = subnets;
        e.group_ids = groups;
        e.ip_address_type = ip_type;
    }
    ctx.ec2().vpc_endpoints.insert(id, e);
    Ok(vec![Node::text("return", true)])
}

pub fn delete_vpc_endpoints(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let ids = p.list("VpcEndpointId");
    if ids.is_empty() {
        return Err(AwsError::missing_parameter("VpcEndpointId"));
    }
    let mut unsuccessful = Vec::new();
    for id in ids {
        let ec2 = ctx.ec2();
        let Some(e) = ec2.vpc_endpoints.remove(&id) else {
            unsuccessful.push(
                Node::el("item")
                    .child(
                        Node::el("error")
                            .leaf("code", "InvalidVpcEndpoint.NotFound")
                            .leaf("message", format!("The VPC endpoint '{id}' does not exist")),
                    )
                    .leaf("resourceId", &id),
            );
            continue;
        };
        remove_routes(ec2, &e.route_table_ids, &id);
        drop_interfaces(ec2, &e.network_interface_ids);
    }
    Ok(vec![Node::set("unsuccessful", unsuccessful)])
}
