//! EC2's error codes and how AWS words them. Texts marked `[I]` in the
//! fake's README are inferred; the rest were seen on real AWS.

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

pub fn address_in_use(addr: &str) -> AwsError {
    AwsError::new(
        "InvalidIPAddress.InUse",
        format!("Address {addr} is in use."),
    )
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
