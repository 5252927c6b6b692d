//! The ELBv2 values AWS takes from a fixed set, parsed once at the handler
//! edge: a value outside the set is the `ValidationError` AWS's model
//! check answers, worded as AWS words it.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::errors;
use crate::protocol::error::AwsResult;

/// Defines an enum of wire values: `as_str`, `Display`, serde as the wire
/// value, and `parse` that refuses any other value for `param`.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($param:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant, )+
        }

        impl $name {
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $wire, )+
                }
            }

            /// The value a request gives; any other is AWS's `ValidationError`.
            pub fn parse(value: &str) -> AwsResult<Self> {
                match value {
                    $( $wire => Ok(Self::$variant), )+
                    other => Err(errors::validation(format!(
                        concat!(
                            "1 validation error detected: Value '{}' at '",
                            $param,
                            "' failed to satisfy constraint: Member must satisfy enum value set: [",
                            wire_enum!(@join $($wire),+),
                            "]"
                        ),
                        other
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    (@join $first:literal $(, $rest:literal)*) => {
        concat!($first $(, ", ", $rest)*)
    };
}

wire_enum! {
    /// A load balancer's `IpAddressType`.
    pub enum LbIpType("ipAddressType") {
        Ipv4 = "ipv4",
        Dualstack = "dualstack",
        /// Internet-facing Application Load Balancers only.
        DualstackWithoutPublicIpv4 = "dualstack-without-public-ipv4",
    }
}

wire_enum! {
    /// A target group's `IpAddressType`.
    pub enum TgIpType("ipAddressType") {
        Ipv4 = "ipv4",
        Ipv6 = "ipv6",
    }
}

wire_enum! {
    /// A load balancer's `Scheme`.
    pub enum Scheme("scheme") {
        InternetFacing = "internet-facing",
        Internal = "internal",
    }
}

impl LbIpType {
    /// Whether the load balancer's nodes have IPv6 addresses.
    pub fn is_dualstack(self) -> bool {
        self != Self::Ipv4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_and_refusals() {
        assert_eq!(
            LbIpType::parse("dualstack-without-public-ipv4").unwrap(),
            LbIpType::DualstackWithoutPublicIpv4
        );
        assert_eq!(Scheme::InternetFacing.to_string(), "internet-facing");
        assert_eq!(
            TgIpType::parse("dualstack").unwrap_err().message,
            "1 validation error detected: Value 'dualstack' at 'ipAddressType' failed to satisfy constraint: Member must satisfy enum value set: [ipv4, ipv6]"
        );
        assert_eq!(
            Scheme::parse("public").unwrap_err().message,
            "1 validation error detected: Value 'public' at 'scheme' failed to satisfy constraint: Member must satisfy enum value set: [internet-facing, internal]"
        );
        assert_eq!(
            serde_json::to_string(&LbIpType::Dualstack).unwrap(),
            "\"dualstack\""
        );
    }
}
