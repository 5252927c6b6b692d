//! AWS call failures as people want to read them: the action, AWS's error
//! code and message, and nothing of the SDK's internals.

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::error::display::DisplayErrorContext;

/// A failed AWS call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{action} failed: {}", match .code { Some(c) => format!("{c}: {}", .message), None => .message.clone() })]
pub struct AwsCallError {
    pub action: &'static str,
    /// AWS's error code, when the service answered with one.
    pub code: Option<String>,
    pub message: String,
}

pub fn aws_error<E, R>(action: &'static str, e: SdkError<E, R>) -> AwsCallError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match e.code() {
        Some(code) => AwsCallError {
            action,
            code: Some(code.to_owned()),
            message: e.message().unwrap_or_default().to_owned(),
        },
        None => AwsCallError {
            action,
            code: None,
            message: DisplayErrorContext(&e).to_string(),
        },
    }
}
