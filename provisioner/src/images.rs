//! The machine images CAPA launches when a template names none: its
//! default lookup (`ec2.DefaultAMILookup`: owner `819546954734`, name
//! `capa-ami-ubuntu-24.04-?<version>-*`, the instance type's architecture,
//! `available`, `hvm`; the latest by creation date) and the bastion's
//! (`ec2.defaultBastionAMILookup`: Canonical's Ubuntu 24.04 by description).
//! Asked once per distinct lookup during discovery.

use aws_sdk_ec2::types::Image;

use crate::aws_error::{AwsCallError, aws_error};
use crate::discover::filter;

/// CAPA's `DefaultMachineAMIOwnerID` (the CNCF account it publishes from).
pub const CAPA_OWNER: &str = "819546954734";
/// CAPA's `defaultMachineAMILookupBaseOS`.
pub const CAPA_BASE_OS: &str = "ubuntu-24.04";
/// Canonical's account (CAPA's `ubuntuOwnerID`).
pub const UBUNTU_OWNER: &str = "099720109477";
/// CAPA's `ubuntuImageDescription`.
pub const UBUNTU_DESCRIPTION: &str = "Canonical??Ubuntu??24.04??amd64?noble?image*";
/// CAPA's `DefaultArchitectureTag`.
pub const DEFAULT_ARCHITECTURE: &str = "x86_64";

/// One DescribeImages question, as CAPA asks it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ImageLookup {
    pub owner: &'static str,
    /// The `name` filter (machines) or the `description` filter (bastion).
    pub name: Option<String>,
    pub description: Option<&'static str>,
    pub architecture: String,
}

impl ImageLookup {
    /// A machine of Kubernetes `version` (with or without `v`) on `architecture`.
    pub fn machine(version: &str, architecture: &str) -> Self {
        ImageLookup {
            owner: CAPA_OWNER,
            name: Some(format!(
                "capa-ami-{CAPA_BASE_OS}-?{}-*",
                version.trim_start_matches('v')
            )),
            description: None,
            architecture: architecture.to_owned(),
        }
    }

    /// The bastion: Canonical's Ubuntu 24.04, x86_64.
    pub fn bastion() -> Self {
        ImageLookup {
            owner: UBUNTU_OWNER,
            name: None,
            description: Some(UBUNTU_DESCRIPTION),
            architecture: DEFAULT_ARCHITECTURE.to_owned(),
        }
    }

    /// For messages: what was asked.
    pub fn describe(&self) -> String {
        let what = match (&self.name, self.description) {
            (Some(n), _) => format!("name {n}"),
            (None, Some(d)) => format!("description {d}"),
            (None, None) => "any name".to_owned(),
        };
        format!("{what}, owner {}, {}", self.owner, self.architecture)
    }
}

/// The architecture CAPA picks for an instance type
/// (`pickArchitectureForInstanceType`: the first of x86_64 and arm64 it
/// supports), or CAPA's default when the type was not looked up.
pub fn architecture_of(supported: Option<&[String]>) -> String {
    supported
        .and_then(|s| s.iter().find(|a| *a == "x86_64" || *a == "arm64"))
        .cloned()
        .unwrap_or_else(|| DEFAULT_ARCHITECTURE.to_owned())
}

/// The image the lookup finds: the latest by creation date, `None` when
/// none matches.
pub async fn find(
    ec2: &aws_sdk_ec2::Client,
    lookup: &ImageLookup,
) -> Result<Option<String>, AwsCallError> {
    let mut req = ec2
        .describe_images()
        .filters(filter("owner-id", &[lookup.owner]))
        .filters(filter("architecture", &[&lookup.architecture]))
        .filters(filter("state", &["available"]))
        .filters(filter("virtualization-type", &["hvm"]));
    if let Some(n) = &lookup.name {
        req = req.filters(filter("name", &[n]));
    }
    if let Some(d) = lookup.description {
        req = req.filters(filter("description", &[d]));
    }
    let out = req
        .send()
        .await
        .map_err(|e| aws_error("DescribeImages", e))?;
    Ok(latest(out.images()).and_then(|i| i.image_id().map(str::to_owned)))
}

/// CAPA's `GetLatestImage`: the greatest creation date (AWS's format sorts
/// as text).
fn latest(images: &[Image]) -> Option<&Image> {
    images
        .iter()
        .max_by(|a, b| a.creation_date().cmp(&b.creation_date()))
}
