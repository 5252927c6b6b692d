//! EC2's error codes and how AWS words them. Constructors marked `[I]`
//! word a text AWS was not seen to send; the fake's README lists every
//! such choice under "Documented defaults".

use crate::protocol::AwsError;
use crate::protocol::error::error_codes;

error_codes! {
    /// EC2's own error codes (the query protocol's common ones are
    /// [`crate::protocol::error::QueryCode`]).
    pub enum Ec2Code {
        InvalidVpcIdNotFound = "InvalidVpcID.NotFound",
        InvalidSubnetIdNotFound = "InvalidSubnetID.NotFound",
        InvalidRouteTableIdNotFound = "InvalidRouteTableID.NotFound",
        InvalidInternetGatewayIdNotFound = "InvalidInternetGatewayID.NotFound",
        InvalidCarrierGatewayIdNotFound = "InvalidCarrierGatewayID.NotFound",
        InvalidGatewayIdNotFound = "InvalidGatewayID.NotFound",
        InvalidAllocationIdNotFound = "InvalidAllocationID.NotFound",
        NatGatewayNotFound = "NatGatewayNotFound",
        InvalidGroupNotFound = "InvalidGroup.NotFound",
        InvalidInstanceIdNotFound = "InvalidInstanceID.NotFound",
        InvalidIpv6PoolIdNotFound = "InvalidIpv6PoolID.NotFound",
        InvalidIpamIdNotFound = "InvalidIpamId.NotFound",
        InvalidIpamPoolIdNotFound = "InvalidIpamPoolId.NotFound",
        InvalidIpamScopeIdNotFound = "InvalidIpamScopeId.NotFound",
        InvalidVpcCidrBlockAssociationIdNotFound = "InvalidVpcCidrBlockAssociationID.NotFound",
        InvalidSubnetCidrBlockAssociationIdNotFound = "InvalidSubnetCidrBlockAssociationID.NotFound",
        InvalidAssociationIdNotFound = "InvalidAssociationID.NotFound",
        InvalidVpcRange = "InvalidVpc.Range",
        InvalidSubnetRange = "InvalidSubnet.Range",
        InvalidSubnetConflict = "InvalidSubnet.Conflict",
        CidrLimitExceeded = "CidrLimitExceeded",
        VpcIdNotSpecified = "VPCIdNotSpecified",
        InvalidGroupIdMalformed = "InvalidGroupId.Malformed",
        InvalidGroupDuplicate = "InvalidGroup.Duplicate",
        InvalidGroupReserved = "InvalidGroup.Reserved",
        InvalidSecurityGroupRuleIdNotFound = "InvalidSecurityGroupRuleId.NotFound",
        InvalidPermissionDuplicate = "InvalidPermission.Duplicate",
        InvalidPermissionNotFound = "InvalidPermission.NotFound",
        RulesPerSecurityGroupLimitExceeded = "RulesPerSecurityGroupLimitExceeded",
        CannotDelete = "CannotDelete",
        ResourceAlreadyAssociated = "Resource.AlreadyAssociated",
        IncorrectInstanceState = "IncorrectInstanceState",
        GatewayNotAttached = "Gateway.NotAttached",
        InvalidAddressNotFound = "InvalidAddress.NotFound",
        InvalidIpAddressInUse = "InvalidIPAddress.InUse",
        NatGatewayLimitExceeded = "NatGatewayLimitExceeded",
        RouteAlreadyExists = "RouteAlreadyExists",
        InvalidRouteNotFound = "InvalidRoute.NotFound",
        InvalidInstanceIdMalformed = "InvalidInstanceID.Malformed",
        InvalidAmiIdMalformed = "InvalidAMIID.Malformed",
        InvalidAmiIdNotFound = "InvalidAMIID.NotFound",
        InvalidNetworkInterfaceIdNotFound = "InvalidNetworkInterfaceID.NotFound",
        InvalidNetworkInterfaceInUse = "InvalidNetworkInterface.InUse",
        InvalidAttachmentIdNotFound = "InvalidAttachmentID.NotFound",
        InvalidParameter = "InvalidParameter",
        SecurityGroupsPerInterfaceLimitExceeded = "SecurityGroupsPerInterfaceLimitExceeded",
        InsufficientFreeAddressesInSubnet = "InsufficientFreeAddressesInSubnet",
        IdempotentParameterMismatch = "IdempotentParameterMismatch",
        InstanceLimitExceeded = "InstanceLimitExceeded",
        InvalidInstanceType = "InvalidInstanceType",
        Unsupported = "Unsupported",
        InsufficientCidrBlocks = "InsufficientCidrBlocks",
        InvalidIpamPoolAllocationIdNotFound = "InvalidIpamPoolAllocationId.NotFound",
        InvalidPrefixListIdNotFound = "InvalidPrefixListId.NotFound",
        TagLimitExceeded = "TagLimitExceeded",
        InvalidId = "InvalidID",
        OperationNotPermitted = "OperationNotPermitted",
        DefaultVpcAlreadyExists = "DefaultVpcAlreadyExists",
        DefaultVpcDoesNotExist = "DefaultVpcDoesNotExist",
        DefaultSubnetAlreadyExistsInAvailabilityZone = "DefaultSubnetAlreadyExistsInAvailabilityZone",
        MissingInput = "MissingInput",
        InvalidKeyPairNotFound = "InvalidKeyPair.NotFound",
        InvalidKeyPairDuplicate = "InvalidKeyPair.Duplicate",
        InvalidKeyFormat = "InvalidKey.Format",
        InvalidVpcEndpointIdNotFound = "InvalidVpcEndpointId.NotFound",
        InvalidServiceName = "InvalidServiceName",
        DuplicateSubnetsInSameZone = "DuplicateSubnetsInSameZone",
        InvalidPolicyDocument = "InvalidPolicyDocument",
        MissingAuthenticationToken = "MissingAuthenticationToken" @ 401,
    }
}

pub fn vpc_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidVpcIdNotFound,
        format!("The vpc ID '{id}' does not exist"),
    )
}

pub fn subnet_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidSubnetIdNotFound,
        format!("The subnet ID '{id}' does not exist"),
    )
}

pub fn route_table_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidRouteTableIdNotFound,
        format!("The routeTable ID '{id}' does not exist"),
    )
}

pub fn internet_gateway_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidInternetGatewayIdNotFound,
        format!("The internetGateway ID '{id}' does not exist"),
    )
}

/// Egress-only internet gateways answer with the generic gateway code.
pub fn egress_only_gateway_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidGatewayIdNotFound,
        format!("The eigw ID '{id}' does not exist"),
    )
}

pub fn allocation_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidAllocationIdNotFound,
        format!("The allocation ID '{id}' does not exist"),
    )
}

pub fn nat_gateway_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::NatGatewayNotFound,
        format!("The Nat Gateway {id} was not found"),
    )
}

pub fn security_group_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidGroupNotFound,
        format!("The security group '{id}' does not exist"),
    )
}

pub fn instance_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidInstanceIdNotFound,
        format!("The instance ID '{id}' does not exist"),
    )
}

pub fn ipv6_pool_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidIpv6PoolIdNotFound,
        format!("The ipv6Pool ID '{id}' does not exist"),
    )
}

pub fn ipam_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidIpamIdNotFound,
        format!("The ipam ID '{id}' does not exist"),
    )
}

pub fn ipam_pool_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidIpamPoolIdNotFound,
        format!("The ipam pool ID '{id}' does not exist"),
    )
}

pub fn ipam_scope_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidIpamScopeIdNotFound,
        format!("The ipam scope ID '{id}' does not exist"),
    )
}

pub fn vpc_cidr_association_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidVpcCidrBlockAssociationIdNotFound,
        format!("The vpc CIDR block association ID '{id}' does not exist"),
    )
}

pub fn subnet_cidr_association_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidSubnetCidrBlockAssociationIdNotFound,
        format!("The subnet CIDR block with association ID '{id}' does not exist"),
    )
}

pub fn route_table_association_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidAssociationIdNotFound,
        format!("The association ID '{id}' does not exist"),
    )
}

pub fn vpc_range(cidr: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidVpcRange,
        format!("The CIDR '{cidr}' is invalid."),
    )
}

pub fn subnet_range(cidr: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidSubnetRange,
        format!("The CIDR '{cidr}' is invalid."),
    )
}

pub fn ipv6_subnet_range(cidr: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidSubnetRange,
        format!("The IPv6 CIDR '{cidr}' is invalid."),
    )
}

pub fn subnet_conflict(cidr: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidSubnetConflict,
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
    AwsError::coded(
        Ec2Code::CidrLimitExceeded,
        format!("This network '{vpc}' has met its maximum number of allowed CIDRs: {max}"),
    )
}

/// Group names resolve only in the default VPC, which this account lacks.
pub fn no_default_vpc() -> AwsError {
    AwsError::coded(Ec2Code::VpcIdNotSpecified, "No default VPC for this user")
}

pub fn security_group_name_not_in_default_vpc(name: &str, vpc: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidGroupNotFound,
        format!("The security group '{name}' does not exist in default VPC '{vpc}'"),
    )
}

/// A rule that references a group of another VPC.
pub fn security_groups_in_different_networks() -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidGroupNotFound,
        "You have specified two resources that belong to different networks.",
    )
}

pub fn security_group_id_malformed(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidGroupIdMalformed,
        format!("Invalid id: \"{id}\" (expecting \"sg-...\")"),
    )
}

pub fn security_group_duplicate(name: &str, vpc: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidGroupDuplicate,
        format!("The security group '{name}' already exists for VPC '{vpc}'"),
    )
}

pub fn security_group_name_reserved() -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidGroupReserved,
        "The name 'default' is reserved, and cannot be used to create a new security group.",
    )
}

pub fn security_group_rule_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidSecurityGroupRuleIdNotFound,
        format!("The security group rule ID '{id}' does not exist"),
    )
}

/// `rule` is AWS's rendering, e.g. `peer: ::/0, TCP, from port: 6443, to port: 6443, ALLOW`.
pub fn permission_duplicate(rule: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidPermissionDuplicate,
        format!("the specified rule \"{rule}\" already exists"),
    )
}

pub fn permission_not_found() -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidPermissionNotFound,
        "The specified rule does not exist in this security group",
    )
}

pub fn rules_per_security_group_limit_exceeded() -> AwsError {
    AwsError::coded(
        Ec2Code::RulesPerSecurityGroupLimitExceeded,
        "The maximum number of rules per security group has been reached",
    )
}

pub fn cannot_delete_default_security_group(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::CannotDelete,
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

/// A `GatewayId` that names no gateway the fake knows. `[V]` terraform#4987
pub fn gateway_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidGatewayIdNotFound,
        format!("The gateway ID '{id}' does not exist"),
    )
}

/// AttachInternetGateway with a gateway that is attached somewhere already. `[V]` berlioz#1
pub fn internet_gateway_already_attached(igw: &str, vpc: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::ResourceAlreadyAssociated,
        format!("resource {igw} is already attached to network {vpc}"),
    )
}

/// AttachInternetGateway to a VPC that has another gateway. `[V]` binlab/terraform-aws-vault-ha-raft#54
pub fn vpc_has_internet_gateway(vpc: &str) -> AwsError {
    AwsError::invalid_parameter_value(format!(
        "Network {vpc} already has an internet gateway attached"
    ))
}

pub fn gateway_not_attached(igw: &str, vpc: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::GatewayNotAttached,
        format!("resource {igw} is not attached to network {vpc}"),
    )
}

/// DetachInternetGateway while public addresses are mapped in the VPC.
pub fn mapped_public_addresses(vpc: &str) -> AwsError {
    AwsError::dependency_violation(format!(
        "Network {vpc} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway."
    ))
}

/// A second egress-only internet gateway for a VPC. `[I]`
pub fn vpc_has_egress_only_gateway(vpc: &str, eigw: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::ResourceAlreadyAssociated,
        format!("Network {vpc} already has an egress-only internet gateway attached: {eigw}"),
    )
}

/// DescribeAddresses `PublicIp.N` that is not allocated. `[I]` text
pub fn address_not_found(ip: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidAddressNotFound,
        format!("The address '{ip}' does not exist"),
    )
}

/// ReleaseAddress of an associated address: the code the ReleaseAddress
/// reference documents. `[I]` text
pub fn address_in_use(allocation_id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidIpAddressInUse,
        format!("The address with allocation id [{allocation_id}] is in use."),
    )
}

/// A private IPv4 address that something in the subnet already holds.
pub fn private_ip_in_use(ip: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidIpAddressInUse,
        format!("Address {ip} is in use."),
    )
}

pub fn nat_gateway_limit_exceeded(zone: &str, max: usize) -> AwsError {
    AwsError::coded(
        Ec2Code::NatGatewayLimitExceeded,
        format!(
            "The maximum number of NAT gateways ({max}) in the Availability Zone '{zone}' has been reached."
        ),
    )
}

/// CreateRoute for a destination the table routes already. `[I]` text
pub fn route_already_exists(destination: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::RouteAlreadyExists,
        format!("The route identified by {destination} already exists."),
    )
}

/// ReplaceRoute / DeleteRoute for a destination the table does not route;
/// `kind` is `destination-cidr-block`, `destination-ipv6-cidr-block` or
/// `destination-prefix-list-id`.
pub fn route_not_found(kind: &str, destination: &str, route_table: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidRouteNotFound,
        format!("no route with {kind} {destination} in route table {route_table}"),
    )
}

/// A route target or association in another VPC than the route table.
/// `[V]` serverless-vpc-plugin#147 (`network gateway`); other kinds `[I]`.
pub fn different_networks(route_table: &str, kind: &str, id: &str) -> AwsError {
    AwsError::invalid_parameter_value(format!(
        "route table {route_table} and {kind} {id} belong to different networks"
    ))
}

/// AssociateRouteTable for a subnet or gateway that has an explicit association already.
pub fn route_table_association_conflict(route_table: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::ResourceAlreadyAssociated,
        format!(
            "the specified association for route table {route_table} conflicts with an existing association"
        ),
    )
}

/// Several unknown instance ids are named together, as AWS does.
pub fn instances_not_found(ids: &[String]) -> AwsError {
    match ids {
        [one] => instance_not_found(one),
        many => AwsError::coded(
            Ec2Code::InvalidInstanceIdNotFound,
            format!("The instance IDs '{}' do not exist", many.join(", ")),
        ),
    }
}

pub fn instance_id_malformed(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidInstanceIdMalformed,
        format!("Invalid id: \"{id}\""),
    )
}

pub fn ami_id_malformed(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidAmiIdMalformed,
        format!("Invalid id: \"{id}\" (expecting \"ami-...\")"),
    )
}

pub fn network_interface_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidNetworkInterfaceIdNotFound,
        format!("The networkInterface ID '{id}' does not exist"),
    )
}

/// A launch with neither a subnet nor network interfaces in an account without a default VPC.
pub fn vpc_id_not_specified() -> AwsError {
    AwsError::coded(
        Ec2Code::VpcIdNotSpecified,
        "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.",
    )
}

pub fn security_group_other_network(group_id: &str, subnet_id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidParameter,
        format!("Security group {group_id} and subnet {subnet_id} belong to different networks."),
    )
}

/// IPv6 addresses asked of an interface in a subnet without an IPv6 block `[I]`.
pub fn subnet_has_no_ipv6(subnet_id: &str) -> AwsError {
    AwsError::invalid_parameter_value(format!(
        "The subnet '{subnet_id}' has no IPv6 CIDR block: IPv6 addresses cannot be assigned to network interfaces in it."
    ))
}

/// A private IPv4 address named for an interface in an IPv6-only subnet `[I]`.
pub fn ipv6_only_subnet_private_ip(subnet_id: &str) -> AwsError {
    AwsError::invalid_parameter_combination(format!(
        "The subnet '{subnet_id}' is IPv6-only: a private IPv4 address cannot be specified."
    ))
}

pub fn too_many_security_groups() -> AwsError {
    AwsError::coded(
        Ec2Code::SecurityGroupsPerInterfaceLimitExceeded,
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
    AwsError::coded(
        Ec2Code::InsufficientFreeAddressesInSubnet,
        format!(
            "There are not enough free addresses in subnet '{subnet_id}' to satisfy the requested number of instances."
        ),
    )
}

pub fn idempotent_parameter_mismatch() -> AwsError {
    AwsError::coded(
        Ec2Code::IdempotentParameterMismatch,
        "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).",
    )
}

pub fn instance_limit_exceeded(requested: usize, limit: usize) -> AwsError {
    AwsError::coded(
        Ec2Code::InstanceLimitExceeded,
        format!(
            "You have requested more instances ({requested}) than your current instance limit of {limit} allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit."
        ),
    )
}

/// An action on an instance in a state that does not allow it.
pub fn incorrect_instance_state(id: &str, state: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::IncorrectInstanceState,
        format!(
            "The instance '{id}' is not in a state from which the request can be performed (it is {state})."
        ),
    )
}

/// DisassociateAddress with an association id no address holds.
pub fn address_association_not_found(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidAssociationIdNotFound,
        format!("The association ID '{id}' does not exist"),
    )
}

/// AssociateAddress of an address that is associated already, without
/// `AllowReassociation` (or held by a NAT gateway or load balancer).
pub fn address_already_associated(allocation_id: &str, association_id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::ResourceAlreadyAssociated,
        format!(
            "resource {allocation_id} is already associated with associate-id {association_id}"
        ),
    )
}

/// AssociateAddress to an instance or interface in a VPC without an internet gateway.
pub fn network_not_attached_to_gateway(vpc: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::GatewayNotAttached,
        format!("Network {vpc} is not attached to any internet gateway"),
    )
}
