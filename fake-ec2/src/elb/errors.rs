//! Classic ELB's error codes (the wire form botocore's model gives each
//! `...Exception` shape: `AccessPointNotFoundException` is
//! `LoadBalancerNotFound` on the wire, `DuplicateAccessPointNameException`
//! `DuplicateLoadBalancerName`, `InvalidEndPointException`
//! `InvalidInstance`) and how the fake words them.

use crate::protocol::AwsError;
use crate::protocol::error::error_codes;

error_codes! {
    /// Classic ELB's own error codes (the query protocol's common ones are
    /// [`crate::protocol::error::QueryCode`]); HTTP statuses are the model's.
    pub enum ClassicCode {
        ValidationError = "ValidationError",
        LoadBalancerNotFound = "LoadBalancerNotFound",
        DuplicateLoadBalancerName = "DuplicateLoadBalancerName",
        InvalidInstance = "InvalidInstance",
        InvalidSubnet = "InvalidSubnet",
        SubnetNotFound = "SubnetNotFound",
        InvalidSecurityGroup = "InvalidSecurityGroup",
        InvalidConfigurationRequest = "InvalidConfigurationRequest" @ 409,
        CertificateNotFound = "CertificateNotFound",
        DuplicateListener = "DuplicateListener",
        LoadBalancerAttributeNotFound = "LoadBalancerAttributeNotFound",
        TooManyTags = "TooManyTags",
        DuplicateTagKeys = "DuplicateTagKeys",
    }
}

pub fn validation(message: impl Into<String>) -> AwsError {
    AwsError::coded(ClassicCode::ValidationError, message)
}

/// A number outside the model's range, in the words of AWS's model check.
pub fn out_of_range(field: &str, value: i64, min: i64, max: i64) -> AwsError {
    let constraint = if value < min {
        format!("greater than or equal to {min}")
    } else {
        format!("less than or equal to {max}")
    };
    validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must have value {constraint}"
    ))
}

pub fn load_balancer_not_found(name: &str) -> AwsError {
    AwsError::coded(
        ClassicCode::LoadBalancerNotFound,
        format!("There is no ACTIVE Load Balancer named '{name}'"),
    )
}

pub fn duplicate_name(name: &str) -> AwsError {
    AwsError::coded(
        ClassicCode::DuplicateLoadBalancerName,
        format!(
            "Load Balancer named '{name}' already exists and it is configured with different parameters."
        ),
    )
}

pub fn invalid_instance(message: impl Into<String>) -> AwsError {
    AwsError::coded(ClassicCode::InvalidInstance, message)
}

/// An instance id EC2 does not know.
pub fn instance_not_found(id: &str) -> AwsError {
    invalid_instance(format!("Could not find EC2 instance {id}."))
}

pub fn invalid_subnet(message: impl Into<String>) -> AwsError {
    AwsError::coded(ClassicCode::InvalidSubnet, message)
}

pub fn subnet_not_found(id: &str) -> AwsError {
    AwsError::coded(
        ClassicCode::SubnetNotFound,
        format!("The subnet ID '{id}' does not exist"),
    )
}

pub fn invalid_security_group(id: &str) -> AwsError {
    AwsError::coded(
        ClassicCode::InvalidSecurityGroup,
        format!("The security group '{id}' does not exist in the VPC of the load balancer"),
    )
}

pub fn invalid_configuration(message: impl Into<String>) -> AwsError {
    AwsError::coded(ClassicCode::InvalidConfigurationRequest, message)
}

pub fn too_many_tags() -> AwsError {
    AwsError::coded(
        ClassicCode::TooManyTags,
        "The quota for the number of tags that can be assigned to a load balancer has been reached",
    )
}

/// The ELBv2 helpers this module shares (tag parsing, paging) answer in
/// ELBv2's enum; the wire codes are the same, so only the enum changes.
pub fn from_elbv2(e: AwsError) -> AwsError {
    match e.code.as_ref() {
        "TooManyTags" => too_many_tags(),
        "DuplicateTagKeys" => AwsError::coded(ClassicCode::DuplicateTagKeys, e.message),
        "ValidationError" => validation(e.message),
        _ => e,
    }
}
