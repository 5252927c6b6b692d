//! A record of every request the fake answered: service, action, parameters
//! (never credentials or signatures) and outcome. Tests count mutating calls
//! from it; the standalone binary serves it at `/_fake/journal`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The longest parameter name or value the journal keeps (and an error
/// message echoes) in full, in bytes; longer ones are cut to this many
/// bytes followed by `…(truncated, N bytes)`.
pub const MAX_VALUE_BYTES: usize = 4096;

/// `text` itself when it is at most [`MAX_VALUE_BYTES`] long; otherwise its
/// first [`MAX_VALUE_BYTES`] bytes (on a character boundary) and a marker
/// with the full length.
pub fn truncated(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_VALUE_BYTES {
        return Cow::Borrowed(text);
    }
    let cut = text.floor_char_boundary(MAX_VALUE_BYTES);
    Cow::Owned(format!(
        "{}…(truncated, {} bytes)",
        &text[..cut],
        text.len()
    ))
}

/// Which wire protocol and service a request was routed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Ec2,
    Elbv2,
    /// Classic Elastic Load Balancing (API 2012-06-01).
    Elb,
    /// Amazon EKS (restJson1, API 2017-11-01).
    Eks,
    /// AWS STS (awsQuery, API 2011-06-15).
    Sts,
}

impl Service {
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Ec2 => "ec2",
            Service::Elbv2 => "elbv2",
            Service::Elb => "elb",
            Service::Eks => "eks",
            Service::Sts => "sts",
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

/// The journal's view of a request's parameters: no credentials, long
/// names and values [`truncated`].
pub fn redacted_params<'a>(
    params: impl Iterator<Item = (&'a str, &'a str)>,
) -> BTreeMap<String, String> {
    params
        .filter(|(k, _)| {
            *k != "Action"
                && *k != "Version"
                && !SECRET_PARAMS.iter().any(|s| s.eq_ignore_ascii_case(k))
        })
        .map(|(k, v)| (truncated(k).into_owned(), truncated(v).into_owned()))
        .collect()
}

impl JournalEntry {
    /// About how many bytes of memory the entry holds (strings, map nodes
    /// and the entry itself): what bounds the journal besides its length.
    pub fn approx_bytes(&self) -> usize {
        const PER_PARAM: usize = 2 * size_of::<String>() + 16;
        size_of::<Self>()
            + self.account.len()
            + self.region.len()
            + self.action.len()
            + self.error_code.as_ref().map_or(0, String::len)
            + self
                .params
                .iter()
                .map(|(k, v)| k.len() + v.len() + PER_PARAM)
                .sum::<usize>()
    }
}

/// Whether an action name changes state.
pub fn is_mutating(action: &str) -> bool {
    !(action.starts_with("Describe") || action.starts_with("Get") || action.starts_with("List"))
}
