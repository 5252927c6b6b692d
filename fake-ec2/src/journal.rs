//! A record of every request the fake answered: service, action, parameters
//! (never credentials or signatures) and outcome. Tests count mutating calls
//! from it; the standalone binary serves it at `/_fake/journal`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Which wire protocol and service a request was routed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Ec2,
    Elbv2,
}

impl Service {
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Ec2 => "ec2",
            Service::Elbv2 => "elbv2",
        }
    }
}

/// One answered request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub seq: u64,
    pub service: Service,
    pub account: String,
    pub region: String,
    pub action: String,
    /// Request parameters without `Action`, `Version` and any credential material.
    pub params: BTreeMap<String, String>,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Whether the action changes state (anything but Describe*/Get*/List*).
    pub mutating: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// Whether a fault rule produced the answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub injected: bool,
}

/// Parameters that carry credentials or signatures (presigned query strings);
/// they never reach the journal.
const SECRET_PARAMS: &[&str] = &[
    "AWSAccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SecurityToken",
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
];

/// The journal's view of a request's parameters.
pub fn redacted_params<'a>(
    params: impl Iterator<Item = (&'a str, &'a str)>,
) -> BTreeMap<String, String> {
    params
        .filter(|(k, _)| {
            *k != "Action"
                && *k != "Version"
                && !SECRET_PARAMS.iter().any(|s| s.eq_ignore_ascii_case(k))
        })
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Whether an action name changes state.
pub fn is_mutating(action: &str) -> bool {
    !(action.starts_with("Describe") || action.starts_with("Get") || action.starts_with("List"))
}
