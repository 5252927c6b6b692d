//! EKS's error shapes (restJson1: the code goes in `x-amzn-ErrorType`, the
//! body is `{"message": ...}`), their HTTP statuses as botocore's model
//! gives them, and how the fake words them.

use crate::protocol::AwsError;
use crate::protocol::error::{ErrorCode, error_codes};

error_codes! {
    /// EKS's error shapes, with the model's HTTP status for each.
    pub enum EksCode {
        InvalidParameterException = "InvalidParameterException",
        InvalidRequestException = "InvalidRequestException",
        ClientException = "ClientException",
        ResourceLimitExceededException = "ResourceLimitExceededException",
        UnsupportedAvailabilityZoneException = "UnsupportedAvailabilityZoneException",
        InvalidStateException = "InvalidStateException",
        BadRequestException = "BadRequestException",
        AccessDeniedException = "AccessDeniedException" @ 403,
        ResourceNotFoundException = "ResourceNotFoundException" @ 404,
        NotFoundException = "NotFoundException" @ 404,
        ResourceInUseException = "ResourceInUseException" @ 409,
        ResourcePropagationDelayException = "ResourcePropagationDelayException" @ 428,
        ThrottlingException = "ThrottlingException" @ 429,
        ServerException = "ServerException" @ 500,
        ServiceUnavailableException = "ServiceUnavailableException" @ 503,
        /// A body that is not JSON (the fake's choice of code) `[I]`.
        SerializationException = "SerializationException",
        /// A method and path no EKS operation has `[I]`.
        UnknownOperationException = "UnknownOperationException" @ 404,
        /// API Gateway's answers to unsigned and badly signed calls.
        MissingAuthenticationTokenException = "MissingAuthenticationTokenException" @ 403,
        UnrecognizedClientException = "UnrecognizedClientException" @ 403,
        InvalidSignatureException = "InvalidSignatureException" @ 403,
        IncompleteSignatureException = "IncompleteSignatureException" @ 403,
    }
}

pub fn invalid_parameter(message: impl Into<String>) -> AwsError {
    AwsError::coded(EksCode::InvalidParameterException, message)
}

pub fn invalid_request(message: impl Into<String>) -> AwsError {
    AwsError::coded(EksCode::InvalidRequestException, message)
}

pub fn in_use(message: impl Into<String>) -> AwsError {
    AwsError::coded(EksCode::ResourceInUseException, message)
}

pub fn bad_request(message: impl Into<String>) -> AwsError {
    AwsError::coded(EksCode::BadRequestException, message)
}

pub fn cluster_not_found(name: &str) -> AwsError {
    AwsError::coded(
        EksCode::ResourceNotFoundException,
        format!("No cluster found for name: {name}."),
    )
}

pub fn addon_not_found(cluster: &str, addon: &str) -> AwsError {
    AwsError::coded(
        EksCode::ResourceNotFoundException,
        format!("No addon: {addon} found in cluster: {cluster}"),
    )
}

pub fn update_not_found(id: &str) -> AwsError {
    AwsError::coded(
        EksCode::ResourceNotFoundException,
        format!("No update found for ID: {id}"),
    )
}

/// The tag operations' NotFound (not ResourceNotFoundException).
pub fn tag_resource_not_found(arn: &str) -> AwsError {
    AwsError::coded(
        EksCode::NotFoundException,
        format!("Resource {arn} not found"),
    )
}

pub fn unsupported_version(version: &str) -> AwsError {
    invalid_parameter(format!("unsupported Kubernetes version {version}"))
}

pub fn missing(member: &str) -> AwsError {
    invalid_parameter(format!("{member} is required"))
}

/// A member of the wrong JSON type.
pub fn wrong_type(member: &str, expected: &str) -> AwsError {
    AwsError::coded(
        EksCode::SerializationException,
        format!("Unexpected value for {member}: expected {expected}"),
    )
}

pub fn unknown_operation(method: &str, path: &str) -> AwsError {
    AwsError::coded(
        EksCode::UnknownOperationException,
        format!("No EKS operation answers {method} {path}"),
    )
}

/// An error code a fault rule names on an EKS call: EKS's own shapes get
/// their model status, anything else the query protocol's mapping.
pub fn from_code(code: &str, message: Option<&str>) -> AwsError {
    match EksCode::ALL.iter().find(|c| c.as_str() == code) {
        Some(c) => AwsError::coded(
            *c,
            message.map_or_else(|| format!("Injected fault: {code}"), str::to_owned),
        ),
        None => AwsError::from_code(code, message),
    }
}
