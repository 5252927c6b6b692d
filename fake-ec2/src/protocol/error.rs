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

/// An error code a service answers: its wire form and the HTTP status AWS
/// answers it with. Each service keeps its codes in one enum made by
/// `error_codes!`: [`QueryCode`] (both services), `ec2::errors::Ec2Code`,
/// `elbv2::errors::ElbCode`.
pub trait ErrorCode: Copy {
    /// The code on the wire: `InvalidVpcID.NotFound`.
    fn as_str(self) -> &'static str;
    /// The HTTP status of an answer with this code.
    fn status(self) -> u16;
}

/// Declares an enum of error codes, each variant `Name = "WireCode"`, with
/// `@ status` after it where AWS answers other than 400, and implements
/// [`ErrorCode`] for it.
macro_rules! error_codes {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal $(@ $status:literal)?,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every code of the enum.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];
        }

        impl $crate::protocol::error::ErrorCode for $name {
            fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }

            fn status(self) -> u16 {
                match self {
                    $(Self::$variant => $crate::protocol::error::error_codes!(@status $($status)?),)*
                }
            }
        }
    };
    (@status) => {
        400
    };
    (@status $status:literal) => {
        $status
    };
}
pub(crate) use error_codes;

error_codes! {
    /// The query protocol's codes both services answer, and the server-side
    /// codes a fault rule may name ([`AwsError::from_code`]).
    pub enum QueryCode {
        MissingParameter = "MissingParameter",
        InvalidParameterValue = "InvalidParameterValue",
        InvalidParameterCombination = "InvalidParameterCombination",
        InvalidAction = "InvalidAction",
        MissingAction = "MissingAction",
        DependencyViolation = "DependencyViolation",
        UnsupportedOperation = "UnsupportedOperation",
        DryRunOperation = "DryRunOperation" @ 412,
        RequestLimitExceeded = "RequestLimitExceeded" @ 503,
        InternalError = "InternalError" @ 500,
        Unavailable = "Unavailable" @ 503,
        InvalidNextToken = "InvalidNextToken",
        InternalFailure = "InternalFailure" @ 500,
        ServiceUnavailable = "ServiceUnavailable" @ 503,
        InsufficientAddressCapacity = "InsufficientAddressCapacity" @ 500,
        InsufficientCapacity = "InsufficientCapacity" @ 500,
        InsufficientInstanceCapacity = "InsufficientInstanceCapacity" @ 500,
        InsufficientHostCapacity = "InsufficientHostCapacity" @ 500,
        InsufficientReservedInstanceCapacity = "InsufficientReservedInstanceCapacity" @ 500,
        ThrottlingException = "ThrottlingException",
        Throttling = "Throttling",
        AuthFailure = "AuthFailure" @ 401,
        UnauthorizedOperation = "UnauthorizedOperation" @ 403,
        PriorRequestNotComplete = "PriorRequestNotComplete" @ 429,
        IncompleteSignature = "IncompleteSignature",
        SignatureDoesNotMatch = "SignatureDoesNotMatch" @ 403,
        RequestEntityTooLarge = "RequestEntityTooLarge",
        MalformedQueryString = "MalformedQueryString",
        RequestTimeout = "RequestTimeout",
    }
}

impl AwsError {
    /// An error with a code of one of the services' [`ErrorCode`] enums, at
    /// the code's status.
    pub fn coded(code: impl ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code: Cow::Borrowed(code.as_str()),
            message: message.into(),
            status: code.status(),
        }
    }

    /// An error with a code no enum knows (one a fault rule names), 400.
    pub fn new(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            status: 400,
        }
    }

    /// Whether the fault is the caller's (`Sender`) or the service's (`Receiver`).
    pub fn is_server_fault(&self) -> bool {
        self.status >= 500
    }

    pub fn missing_parameter(name: &str) -> Self {
        Self::coded(
            QueryCode::MissingParameter,
            format!("The request must contain the parameter {name}"),
        )
    }

    pub fn missing_parameter_msg(message: impl Into<String>) -> Self {
        Self::coded(QueryCode::MissingParameter, message)
    }

    pub fn invalid_parameter_value(message: impl Into<String>) -> Self {
        Self::coded(QueryCode::InvalidParameterValue, message)
    }

    /// The message AWS uses for a value it cannot parse or that is out of range.
    pub fn invalid_value_for(param: &str, value: &str) -> Self {
        Self::invalid_parameter_value(format!("Value ({value}) for parameter {param} is invalid."))
    }

    pub fn invalid_parameter_combination(message: impl Into<String>) -> Self {
        Self::coded(QueryCode::InvalidParameterCombination, message)
    }

    pub fn invalid_action(action: &str) -> Self {
        Self::coded(
            QueryCode::InvalidAction,
            format!("The action {action} is not valid for this web service."),
        )
    }

    pub fn missing_action() -> Self {
        Self::coded(
            QueryCode::MissingAction,
            "The request must contain the parameter Action.",
        )
    }

    pub fn dependency_violation(message: impl Into<String>) -> Self {
        Self::coded(QueryCode::DependencyViolation, message)
    }

    pub fn unsupported_operation(message: impl Into<String>) -> Self {
        Self::coded(QueryCode::UnsupportedOperation, message)
    }

    pub fn dry_run_operation() -> Self {
        Self::coded(
            QueryCode::DryRunOperation,
            "Request would have succeeded, but DryRun flag is set.",
        )
    }

    pub fn request_limit_exceeded() -> Self {
        Self::coded(QueryCode::RequestLimitExceeded, "Request limit exceeded.")
    }

    pub fn internal_error() -> Self {
        Self::coded(
            QueryCode::InternalError,
            "An internal error has occurred. Retry your request, but if the problem persists, contact us with details by posting a message on the AWS forums.",
        )
    }

    pub fn unavailable() -> Self {
        Self::coded(
            QueryCode::Unavailable,
            "The server is overloaded and can't handle the request.",
        )
    }

    pub fn invalid_next_token(token: &str) -> Self {
        Self::coded(
            QueryCode::InvalidNextToken,
            format!("The token '{token}' is invalid."),
        )
    }

    pub fn invalid_filter(name: &str) -> Self {
        Self::invalid_parameter_value(format!("The filter '{name}' is invalid"))
    }

    /// ELBv2's (and the query protocol's common) internal error, 500.
    pub fn internal_failure() -> Self {
        Self::coded(
            QueryCode::InternalFailure,
            "The request processing has failed because of an unknown error, exception or failure.",
        )
    }

    /// The query protocol's common "try again later", 503.
    pub fn service_unavailable() -> Self {
        Self::coded(
            QueryCode::ServiceUnavailable,
            "The request has failed due to a temporary failure of the server.",
        )
    }

    /// The AWS error code a fault rule names, with the status AWS uses for it.
    /// Server-side codes (AWS's "server error codes") answer 5xx, so the ELBv2
    /// envelope says `Receiver` and SDKs retry them as AWS's would be.
    pub fn from_code(code: &str, message: Option<&str>) -> Self {
        let known = QueryCode::ALL.iter().copied().find(|c| c.as_str() == code);
        let mut err = match known {
            Some(QueryCode::RequestLimitExceeded) => Self::request_limit_exceeded(),
            Some(QueryCode::InternalError) => Self::internal_error(),
            Some(QueryCode::InternalFailure) => Self::internal_failure(),
            Some(QueryCode::Unavailable) => Self::unavailable(),
            Some(QueryCode::ServiceUnavailable) => Self::service_unavailable(),
            Some(
                c @ (QueryCode::InsufficientAddressCapacity
                | QueryCode::InsufficientCapacity
                | QueryCode::InsufficientInstanceCapacity
                | QueryCode::InsufficientHostCapacity
                | QueryCode::InsufficientReservedInstanceCapacity),
            ) => Self::coded(
                c,
                "We currently do not have sufficient capacity to fulfill your request.",
            ),
            Some(c @ (QueryCode::ThrottlingException | QueryCode::Throttling)) => {
                Self::coded(c, "Rate exceeded")
            }
            Some(QueryCode::DryRunOperation) => Self::dry_run_operation(),
            Some(QueryCode::AuthFailure) => Self::coded(
                QueryCode::AuthFailure,
                "AWS was not able to validate the provided access credentials",
            ),
            Some(QueryCode::UnauthorizedOperation) => Self::coded(
                QueryCode::UnauthorizedOperation,
                "You are not authorized to perform this operation.",
            ),
            Some(QueryCode::PriorRequestNotComplete) => Self::coded(
                QueryCode::PriorRequestNotComplete,
                "A prior request for this resource has not completed.",
            ),
            // Any other code, a known one too, answers 400.
            _ => Self::new(code.to_owned(), format!("Injected fault: {code}")),
        };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ec2::errors::Ec2Code;
    use crate::elb::errors::ClassicCode;
    use crate::elbv2::errors::ElbCode;

    /// Each wire code is declared once per service, and a service's own
    /// codes do not repeat the common ones.
    #[test]
    fn every_code_is_declared_once() {
        fn codes<C: ErrorCode>(all: &[C]) -> Vec<&'static str> {
            all.iter().map(|c| c.as_str()).collect()
        }
        let common = codes(QueryCode::ALL);
        for own in [
            codes(Ec2Code::ALL),
            codes(ElbCode::ALL),
            codes(ClassicCode::ALL),
        ] {
            let mut all = [common.clone(), own].concat();
            let n = all.len();
            all.sort_unstable();
            all.dedup();
            assert_eq!(all.len(), n);
        }
        assert_eq!(Ec2Code::MissingAuthenticationToken.status(), 401);
        assert_eq!(ElbCode::MissingAuthenticationToken.status(), 403);
        assert_eq!(QueryCode::DryRunOperation.status(), 412);
        assert_eq!(ClassicCode::InvalidConfigurationRequest.status(), 409);
        assert_eq!(ClassicCode::LoadBalancerNotFound.status(), 400);
        assert_eq!(Ec2Code::InvalidVpcIdNotFound.status(), 400);
    }
}
