//! One error type for both services: an AWS error code, its message and the
//! HTTP status AWS answers it with. Constructors read like AWS's docs.

use std::borrow::Cow;

/// An error answered to the client in the service's own error envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// AWS's error code, e.g. `InvalidSubnet.Range`.
    pub code: Cow<'static, str>,
    /// Human-readable message, worded as AWS words it where known.
    pub message: String,
    /// HTTP status code of the answer.
    pub status: u16,
}

pub type AwsResult<T> = Result<T, AwsError>;

impl AwsError {
    pub fn new(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            status: 400,
        }
    }

    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Whether the fault is the caller's (`Sender`) or the service's (`Receiver`).
    pub fn is_server_fault(&self) -> bool {
        self.status >= 500
    }

    pub fn missing_parameter(name: &str) -> Self {
        Self::new(
            "MissingParameter",
            format!("The request must contain the parameter {name}"),
        )
    }

    pub fn missing_parameter_msg(message: impl Into<String>) -> Self {
        Self::new("MissingParameter", message)
    }

    pub fn invalid_parameter_value(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterValue", message)
    }

    /// The message AWS uses for a value it cannot parse or that is out of range.
    pub fn invalid_value_for(param: &str, value: &str) -> Self {
        Self::invalid_parameter_value(format!("Value ({value}) for parameter {param} is invalid."))
    }

    pub fn invalid_parameter_combination(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterCombination", message)
    }

    pub fn invalid_action(action: &str) -> Self {
        Self::new(
            "InvalidAction",
            format!("The action {action} is not valid for this web service."),
        )
    }

    pub fn missing_action() -> Self {
        Self::new(
            "MissingAction",
            "The request must contain the parameter Action.",
        )
    }

    pub fn dependency_violation(message: impl Into<String>) -> Self {
        Self::new("DependencyViolation", message)
    }

    pub fn unsupported_operation(message: impl Into<String>) -> Self {
        Self::new("UnsupportedOperation", message)
    }

    pub fn dry_run_operation() -> Self {
        Self::new(
            "DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
        )
        .with_status(412)
    }

    pub fn request_limit_exceeded() -> Self {
        Self::new("RequestLimitExceeded", "Request limit exceeded.").with_status(503)
    }

    pub fn internal_error() -> Self {
        Self::new(
            "InternalError",
            "An internal error has occurred. Retry your request, but if the problem persists, contact us with details by posting a message on the AWS forums.",
        )
        .with_status(500)
    }

    pub fn unavailable() -> Self {
        Self::new(
            "Unavailable",
            "The server is overloaded and can't handle the request.",
        )
        .with_status(503)
    }

    pub fn invalid_next_token(token: &str) -> Self {
        Self::new(
            "InvalidNextToken",
            format!("The token '{token}' is invalid."),
        )
    }

    pub fn invalid_filter(name: &str) -> Self {
        Self::invalid_parameter_value(format!("The filter '{name}' is invalid"))
    }

    /// ELBv2's (and the query protocol's common) internal error, 500.
    pub fn internal_failure() -> Self {
        Self::new(
            "InternalFailure",
            "The request processing has failed because of an unknown error, exception or failure.",
        )
        .with_status(500)
    }

    /// The query protocol's common "try again later", 503.
    pub fn service_unavailable() -> Self {
        Self::new(
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
        )
        .with_status(503)
    }

    /// The AWS error code a fault rule names, with the status AWS uses for it.
    /// Server-side codes (AWS's "server error codes") answer 5xx, so the ELBv2
    /// envelope says `Receiver` and SDKs retry them as AWS's would be.
    pub fn from_code(code: &str, message: Option<&str>) -> Self {
        let insufficient = || {
            Self::new(
                code.to_owned(),
                "We currently do not have sufficient capacity to fulfill your request.",
            )
            .with_status(500)
        };
        let known = match code {
            "RequestLimitExceeded" => Some(Self::request_limit_exceeded()),
            "InternalError" => Some(Self::internal_error()),
            "InternalFailure" => Some(Self::internal_failure()),
            "Unavailable" => Some(Self::unavailable()),
            "ServiceUnavailable" => Some(Self::service_unavailable()),
            "InsufficientAddressCapacity" => Some(insufficient()),
            "InsufficientCapacity" => Some(insufficient()),
            "InsufficientInstanceCapacity" => Some(insufficient()),
            "InsufficientHostCapacity" => Some(insufficient()),
            "InsufficientReservedInstanceCapacity" => Some(insufficient()),
            "ThrottlingException" => {
                Some(Self::new("ThrottlingException", "Rate exceeded").with_status(400))
            }
            "DryRunOperation" => Some(Self::dry_run_operation()),
            "Throttling" => Some(Self::new("Throttling", "Rate exceeded").with_status(400)),
            "AuthFailure" => Some(
                Self::new(
                    "AuthFailure",
                    "AWS was not able to validate the provided access credentials",
                )
                .with_status(401),
            ),
            "UnauthorizedOperation" => Some(
                Self::new(
                    "UnauthorizedOperation",
                    "You are not authorized to perform this operation.",
                )
                .with_status(403),
            ),
            "PriorRequestNotComplete" => Some(
                Self::new(
                    "PriorRequestNotComplete",
                    "A prior request for this resource has not completed.",
                )
                .with_status(429),
            ),
            _ => None,
        };
        let mut err =
            known.unwrap_or_else(|| Self::new(code.to_owned(), format!("Injected fault: {code}")));
        if let Some(message) = message {
            err.message = message.to_owned();
        }
        err
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for AwsError {}
