//! ELBv2's error codes (the short wire form, not `...Exception`) and how AWS
//! words them.

use crate::protocol::AwsError;
use crate::protocol::error::error_codes;

error_codes! {
    /// ELBv2's own error codes (the query protocol's common ones are
    /// [`crate::protocol::error::QueryCode`]).
    pub enum ElbCode {
        ValidationError = "ValidationError",
        InvalidConfigurationRequest = "InvalidConfigurationRequest",
        LoadBalancerNotFound = "LoadBalancerNotFound",
        TargetGroupNotFound = "TargetGroupNotFound",
        ListenerNotFound = "ListenerNotFound",
        SubnetNotFound = "SubnetNotFound",
        InvalidSubnet = "InvalidSubnet",
        InvalidSecurityGroup = "InvalidSecurityGroup",
        InvalidTarget = "InvalidTarget",
        ResourceInUse = "ResourceInUse",
        DuplicateLoadBalancerName = "DuplicateLoadBalancerName",
        DuplicateTargetGroupName = "DuplicateTargetGroupName",
        DuplicateListener = "DuplicateListener",
        TooManyTags = "TooManyTags",
        AvailabilityZoneNotSupported = "AvailabilityZoneNotSupported",
        AllocationIdNotFound = "AllocationIdNotFound",
        OperationNotPermitted = "OperationNotPermitted",
        CertificateNotFound = "CertificateNotFound",
        IncompatibleProtocols = "IncompatibleProtocols",
        TargetGroupAssociationLimit = "TargetGroupAssociationLimit",
        DuplicateTagKeys = "DuplicateTagKeys",
        MissingAuthenticationToken = "MissingAuthenticationToken" @ 403,
        InvalidClientTokenId = "InvalidClientTokenId" @ 403,
        AccessDenied = "AccessDenied" @ 403,
    }
}

pub fn validation(message: impl Into<String>) -> AwsError {
    AwsError::coded(ElbCode::ValidationError, message)
}

/// `family`: `IP`, `IPv4` or `IPv6`.
pub fn not_an_ip_address(ip: &str, family: &str) -> AwsError {
    validation(format!(
        "The IP address '{ip}' is not a valid {family} address"
    ))
}

pub fn invalid_configuration(message: impl Into<String>) -> AwsError {
    AwsError::coded(ElbCode::InvalidConfigurationRequest, message)
}

pub fn load_balancer_not_found() -> AwsError {
    AwsError::coded(
        ElbCode::LoadBalancerNotFound,
        "One or more load balancers not found",
    )
}

pub fn target_group_not_found() -> AwsError {
    AwsError::coded(
        ElbCode::TargetGroupNotFound,
        "One or more target groups not found",
    )
}

pub fn listener_not_found() -> AwsError {
    AwsError::coded(ElbCode::ListenerNotFound, "One or more listeners not found")
}

pub fn subnet_not_found(id: &str) -> AwsError {
    AwsError::coded(
        ElbCode::SubnetNotFound,
        format!("The subnet ID '{id}' is not valid"),
    )
}

pub fn invalid_subnet(message: impl Into<String>) -> AwsError {
    AwsError::coded(ElbCode::InvalidSubnet, message)
}

pub fn invalid_security_group(id: &str) -> AwsError {
    AwsError::coded(
        ElbCode::InvalidSecurityGroup,
        format!("The security group '{id}' does not exist in the VPC of the load balancer"),
    )
}

pub fn invalid_target(message: impl Into<String>) -> AwsError {
    AwsError::coded(ElbCode::InvalidTarget, message)
}

pub fn resource_in_use(message: impl Into<String>) -> AwsError {
    AwsError::coded(ElbCode::ResourceInUse, message)
}

pub fn duplicate_load_balancer_name(name: &str) -> AwsError {
    AwsError::coded(
        ElbCode::DuplicateLoadBalancerName,
        format!("A load balancer with the same name '{name}' exists, but with different settings"),
    )
}

pub fn duplicate_target_group_name(name: &str) -> AwsError {
    AwsError::coded(
        ElbCode::DuplicateTargetGroupName,
        format!("A target group with the same name '{name}' exists, but with different settings"),
    )
}

pub fn duplicate_listener() -> AwsError {
    AwsError::coded(
        ElbCode::DuplicateListener,
        "A listener already exists on this port for this load balancer",
    )
}

pub fn too_many_tags() -> AwsError {
    AwsError::coded(
        ElbCode::TooManyTags,
        "The quota for the number of tags that can be assigned to a resource has been reached",
    )
}

pub fn availability_zone_not_supported(lb_type: &str, zone: &str) -> AwsError {
    AwsError::coded(
        ElbCode::AvailabilityZoneNotSupported,
        format!("Load balancers with type '{lb_type}' are not supported in {zone}"),
    )
}

pub fn allocation_id_not_found(id: &str) -> AwsError {
    AwsError::coded(
        ElbCode::AllocationIdNotFound,
        format!("The allocation ID '{id}' does not exist"),
    )
}

pub fn operation_not_permitted(message: impl Into<String>) -> AwsError {
    AwsError::coded(ElbCode::OperationNotPermitted, message)
}
