//! ELBv2's error codes (the short wire form, not `...Exception`) and how AWS
//! words them.

use crate::protocol::AwsError;

pub fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new("ValidationError", message)
}

pub fn invalid_configuration(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidConfigurationRequest", message)
}

pub fn load_balancer_not_found() -> AwsError {
    AwsError::new(
        "LoadBalancerNotFound",
        "One or more load balancers not found",
    )
}

pub fn target_group_not_found() -> AwsError {
    AwsError::new("TargetGroupNotFound", "One or more target groups not found")
}

pub fn listener_not_found() -> AwsError {
    AwsError::new("ListenerNotFound", "One or more listeners not found")
}

pub fn subnet_not_found(id: &str) -> AwsError {
    AwsError::new(
        "SubnetNotFound",
        format!("The subnet ID '{id}' is not valid"),
    )
}

pub fn invalid_subnet(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidSubnet", message)
}

pub fn invalid_security_group(id: &str) -> AwsError {
    AwsError::new(
        "InvalidSecurityGroup",
        format!("The security group '{id}' does not exist in the VPC of the load balancer"),
    )
}

pub fn invalid_target(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidTarget", message)
}

pub fn resource_in_use(message: impl Into<String>) -> AwsError {
    AwsError::new("ResourceInUse", message)
}

pub fn duplicate_load_balancer_name(name: &str) -> AwsError {
    AwsError::new(
        "DuplicateLoadBalancerName",
        format!("A load balancer with the same name '{name}' exists, but with different settings"),
    )
}

pub fn duplicate_target_group_name(name: &str) -> AwsError {
    AwsError::new(
        "DuplicateTargetGroupName",
        format!("A target group with the same name '{name}' exists, but with different settings"),
    )
}

pub fn duplicate_listener() -> AwsError {
    AwsError::new(
        "DuplicateListener",
        "A listener already exists on this port for this load balancer",
    )
}

pub fn too_many_tags() -> AwsError {
    AwsError::new(
        "TooManyTags",
        "The quota for the number of tags that can be assigned to a resource has been reached",
    )
}

pub fn availability_zone_not_supported(lb_type: &str, zone: &str) -> AwsError {
    AwsError::new(
        "AvailabilityZoneNotSupported",
        format!("Load balancers with type '{lb_type}' are not supported in {zone}"),
    )
}

pub fn allocation_id_not_found(id: &str) -> AwsError {
    AwsError::new(
        "AllocationIdNotFound",
        format!("The allocation ID '{id}' does not exist"),
    )
}

pub fn operation_not_permitted(message: impl Into<String>) -> AwsError {
    AwsError::new("OperationNotPermitted", message)
}
