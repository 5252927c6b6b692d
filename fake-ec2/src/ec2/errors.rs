//! EC2's error codes and how AWS words them. Constructors marked `[I]`
//! word a text AWS was not seen to send; the fake's README lists every
//! such choice under "Documented defaults".

use crate::protocol::AwsError;

pub fn vpc_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidVpcID.NotFound",
        format!("The vpc ID '{id}' does not exist"),
    )
}

pub fn subnet_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidSubnetID.NotFound",
        format!("The subnet ID '{id}' does not exist"),
    )
}

pub fn route_table_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidRouteTableID.NotFound",
        format!("The routeTable ID '{id}' does not exist"),
    )
}

pub fn internet_gateway_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidInternetGatewayID.NotFound",
        format!("The internetGateway ID '{id}' does not exist"),
    )
}

/// Egress-only internet gateways answer with the generic gateway code.
pub fn egress_only_gateway_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidGatewayID.NotFound",
        format!("The eigw ID '{id}' does not exist"),
    )
}

pub fn allocation_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidAllocationID.NotFound",
        format!("The allocation ID '{id}' does not exist"),
    )
}

pub fn nat_gateway_not_found(id: &str) -> AwsError {
    AwsError::new(
        "NatGatewayNotFound",
        format!("The Nat Gateway {id} was not found"),
    )
}

pub fn security_group_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidGroup.NotFound",
        format!("The security group '{id}' does not exist"),
    )
}

pub fn instance_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidInstanceID.NotFound",
        format!("The instance ID '{id}' does not exist"),
    )
}

pub fn ipv6_pool_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidIpv6PoolID.NotFound",
        format!("The ipv6Pool ID '{id}' does not exist"),
    )
}

pub fn ipam_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidIpamId.NotFound",
        format!("The ipam ID '{id}' does not exist"),
    )
}

pub fn ipam_pool_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidIpamPoolId.NotFound",
        format!("The ipam pool ID '{id}' does not exist"),
    )
}

pub fn ipam_scope_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidIpamScopeId.NotFound",
        format!("The ipam scope ID '{id}' does not exist"),
    )
}

pub fn vpc_cidr_association_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidVpcCidrBlockAssociationID.NotFound",
        format!("The vpc CIDR block association ID '{id}' does not exist"),
    )
}

pub fn subnet_cidr_association_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidSubnetCidrBlockAssociationID.NotFound",
        format!("The subnet CIDR block with association ID '{id}' does not exist"),
    )
}

pub fn route_table_association_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidAssociationID.NotFound",
        format!("The association ID '{id}' does not exist"),
    )
}

pub fn vpc_range(cidr: &str) -> AwsError {
    AwsError::new("InvalidVpc.Range", format!("The CIDR '{cidr}' is invalid."))
}

pub fn subnet_range(cidr: &str) -> AwsError {
    AwsError::new(
        "InvalidSubnet.Range",
        format!("The CIDR '{cidr}' is invalid."),
    )
}

pub fn ipv6_subnet_range(cidr: &str) -> AwsError {
    AwsError::new(
        "InvalidSubnet.Range",
        format!("The IPv6 CIDR '{cidr}' is invalid."),
    )
}

pub fn subnet_conflict(cidr: &str) -> AwsError {
    AwsError::new(
        "InvalidSubnet.Conflict",
        format!("The CIDR '{cidr}' conflicts with another subnet"),
    )
}

pub fn dependency_violation(kind: &str, id: &str) -> AwsError {
    AwsError::dependency_violation(format!(
        "The {kind} '{id}' has dependencies and cannot be deleted."
    ))
}

/// A value that is not a CIDR at all.
pub fn invalid_cidr_value(param: &str, value: &str) -> AwsError {
    AwsError::invalid_parameter_value(format!(
        "Value ({value}) for parameter {param} is invalid. This is not a valid CIDR block."
    ))
}

pub fn cidr_limit_exceeded(vpc: &str, max: usize) -> AwsError {
    AwsError::new(
        "CidrLimitExceeded",
        format!("This network '{vpc}' has met its maximum number of allowed CIDRs: {max}"),
    )
}

/// Group names resolve only in the default VPC, which this account lacks.
pub fn no_default_vpc() -> AwsError {
    AwsError::new("VPCIdNotSpecified", "No default VPC for this user")
}

pub fn security_group_name_not_in_default_vpc(name: &str, vpc: &str) -> AwsError {
    AwsError::new(
        "InvalidGroup.NotFound",
        format!("The security group '{name}' does not exist in default VPC '{vpc}'"),
    )
}

/// A rule that references a group of another VPC.
pub fn security_groups_in_different_networks() -> AwsError {
    AwsError::new(
        "InvalidGroup.NotFound",
        "You have specified two resources that belong to different networks.",
    )
}

pub fn security_group_id_malformed(id: &str) -> AwsError {
    AwsError::new(
        "InvalidGroupId.Malformed",
        format!("Invalid id: \"{id}\" (expecting \"sg-...\")"),
    )
}

pub fn security_group_duplicate(name: &str, vpc: &str) -> AwsError {
    AwsError::new(
        "InvalidGroup.Duplicate",
        format!("The security group '{name}' already exists for VPC '{vpc}'"),
    )
}

pub fn security_group_name_reserved() -> AwsError {
    AwsError::new(
        "InvalidGroup.Reserved",
        "The name 'default' is reserved, and cannot be used to create a new security group.",
    )
}

pub fn security_group_rule_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidSecurityGroupRuleId.NotFound",
        format!("The security group rule ID '{id}' does not exist"),
    )
}

/// `rule` is AWS's rendering, e.g. `peer: ::/0, TCP, from port: 6443, to port: 6443, ALLOW`.
pub fn permission_duplicate(rule: &str) -> AwsError {
    AwsError::new(
        "InvalidPermission.Duplicate",
        format!("the specified rule \"{rule}\" already exists"),
    )
}

pub fn permission_not_found() -> AwsError {
    AwsError::new(
        "InvalidPermission.NotFound",
        "The specified rule does not exist in this security group",
    )
}

pub fn rules_per_security_group_limit_exceeded() -> AwsError {
    AwsError::new(
        "RulesPerSecurityGroupLimitExceeded",
        "The maximum number of rules per security group has been reached",
    )
}

pub fn cannot_delete_default_security_group(id: &str) -> AwsError {
    AwsError::new(
        "CannotDelete",
        format!("the specified group: \"{id}\" name: \"default\" cannot be deleted by a user"),
    )
}

pub fn security_group_in_use(id: &str) -> AwsError {
    AwsError::dependency_violation(format!("resource {id} has a dependent object"))
}

/// A security group rule CIDR of the wrong family or not a CIDR at all.
pub fn cidr_malformed(cidr: &str) -> AwsError {
    AwsError::invalid_parameter_value(format!("CIDR block {cidr} is malformed"))
}

/// A `GatewayId` that names no gateway the fake knows. [V] terraform#4987
pub fn gateway_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidGatewayID.NotFound",
        format!("The gateway ID '{id}' does not exist"),
    )
}

/// AttachInternetGateway with a gateway that is attached somewhere already. [V] berlioz#1
pub fn internet_gateway_already_attached(igw: &str, vpc: &str) -> AwsError {
    AwsError::new(
        "Resource.AlreadyAssociated",
        format!("resource {igw} is already attached to network {vpc}"),
    )
}

/// AttachInternetGateway to a VPC that has another gateway. [V] binlab/terraform-aws-vault-ha-raft#54
pub fn vpc_has_internet_gateway(vpc: &str) -> AwsError {
    AwsError::invalid_parameter_value(format!(
        "Network {vpc} already has an internet gateway attached"
    ))
}

pub fn gateway_not_attached(igw: &str, vpc: &str) -> AwsError {
    AwsError::new(
        "Gateway.NotAttached",
        format!("resource {igw} is not attached to network {vpc}"),
    )
}

/// DetachInternetGateway while public addresses are mapped in the VPC.
pub fn mapped_public_addresses(vpc: &str) -> AwsError {
    AwsError::dependency_violation(format!(
        "Network {vpc} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway."
    ))
}

/// A second egress-only internet gateway for a VPC. [I]
pub fn vpc_has_egress_only_gateway(vpc: &str, eigw: &str) -> AwsError {
    AwsError::new(
        "Resource.AlreadyAssociated",
        format!("Network {vpc} already has an egress-only internet gateway attached: {eigw}"),
    )
}

/// DescribeAddresses `PublicIp.N` that is not allocated. [I] text
pub fn address_not_found(ip: &str) -> AwsError {
    AwsError::new(
        "InvalidAddress.NotFound",
        format!("The address '{ip}' does not exist"),
    )
}

/// ReleaseAddress of an associated address: the code the ReleaseAddress
/// reference documents. [I] text
pub fn address_in_use(allocation_id: &str) -> AwsError {
    AwsError::new(
        "InvalidIPAddress.InUse",
        format!("The address with allocation id [{allocation_id}] is in use."),
    )
}

/// A private IPv4 address that something in the subnet already holds.
pub fn private_ip_in_use(ip: &str) -> AwsError {
    AwsError::new("InvalidIPAddress.InUse", format!("Address {ip} is in use."))
}

pub fn nat_gateway_limit_exceeded(zone: &str, max: usize) -> AwsError {
    AwsError::new(
        "NatGatewayLimitExceeded",
        format!(
            "The maximum number of NAT gateways ({max}) in the Availability Zone '{zone}' has been reached."
        ),
    )
}

/// CreateRoute for a destination the table routes already. [I] text
pub fn route_already_exists(destination: &str) -> AwsError {
    AwsError::new(
        "RouteAlreadyExists",
        format!("The route identified by {destination} already exists."),
    )
}

/// ReplaceRoute / DeleteRoute for a destination the table does not route;
/// `kind` is `destination-cidr-block`, `destination-ipv6-cidr-block` or
/// `destination-prefix-list-id`.
pub fn route_not_found(kind: &str, destination: &str, route_table: &str) -> AwsError {
    AwsError::new(
        "InvalidRoute.NotFound",
        format!("no route with {kind} {destination} in route table {route_table}"),
    )
}

/// A route target or association in another VPC than the route table.
/// [V] serverless-vpc-plugin#147 (`network gateway`); other kinds [I].
pub fn different_networks(route_table: &str, kind: &str, id: &str) -> AwsError {
    AwsError::invalid_parameter_value(format!(
        "route table {route_table} and {kind} {id} belong to different networks"
    ))
}

/// AssociateRouteTable for a subnet or gateway that has an explicit association already.
pub fn route_table_association_conflict(route_table: &str) -> AwsError {
    AwsError::new(
        "Resource.AlreadyAssociated",
        format!(
            "the specified association for route table {route_table} conflicts with an existing association"
        ),
    )
}

/// Several unknown instance ids are named together, as AWS does.
pub fn instances_not_found(ids: &[String]) -> AwsError {
    match ids {
        [one] => instance_not_found(one),
        many => AwsError::new(
            "InvalidInstanceID.NotFound",
            format!("The instance IDs '{}' do not exist", many.join(", ")),
        ),
    }
}

pub fn instance_id_malformed(id: &str) -> AwsError {
    AwsError::new(
        "InvalidInstanceID.Malformed",
        format!("Invalid id: \"{id}\""),
    )
}

pub fn ami_id_malformed(id: &str) -> AwsError {
    AwsError::new(
        "InvalidAMIID.Malformed",
        format!("Invalid id: \"{id}\" (expecting \"ami-...\")"),
    )
}

pub fn network_interface_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidNetworkInterfaceID.NotFound",
        format!("The networkInterface ID '{id}' does not exist"),
    )
}

/// A launch with neither a subnet nor network interfaces in an account without a default VPC.
pub fn vpc_id_not_specified() -> AwsError {
    AwsError::new(
        "VPCIdNotSpecified",
        "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.",
    )
}

pub fn security_group_other_network(group_id: &str, subnet_id: &str) -> AwsError {
    AwsError::new(
        "InvalidParameter",
        format!("Security group {group_id} and subnet {subnet_id} belong to different networks."),
    )
}

pub fn too_many_security_groups() -> AwsError {
    AwsError::new(
        "SecurityGroupsPerInterfaceLimitExceeded",
        "The maximum number of security groups per interface has been reached.",
    )
}

pub fn ipv6_not_supported_on(instance_type: &str) -> AwsError {
    AwsError::unsupported_operation(format!(
        "IPv6 addresses are not supported on {instance_type}"
    ))
}

pub fn address_outside_subnet() -> AwsError {
    AwsError::invalid_parameter_value("Address does not fall within the subnet's address range")
}

pub fn address_reserved(addr: &str) -> AwsError {
    AwsError::invalid_parameter_value(format!(
        "Address {addr} is reserved by AWS and cannot be assigned."
    ))
}

pub fn insufficient_free_addresses(subnet_id: &str) -> AwsError {
    AwsError::new(
        "InsufficientFreeAddressesInSubnet",
        format!(
            "There are not enough free addresses in subnet '{subnet_id}' to satisfy the requested number of instances."
        ),
    )
}

pub fn idempotent_parameter_mismatch() -> AwsError {
    AwsError::new(
        "IdempotentParameterMismatch",
        "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).",
    )
}

pub fn instance_limit_exceeded(requested: usize, limit: usize) -> AwsError {
    AwsError::new(
        "InstanceLimitExceeded",
        format!(
            "You have requested more instances ({requested}) than your current instance limit of {limit} allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit."
        ),
    )
}
