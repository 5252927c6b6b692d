//! The machine images CAPA launches when a template names none: its
//! default lookup (`ec2.DefaultAMILookup`: owner `819546954734`, name
//! `capa-ami-ubuntu-24.04-?<version>-*`, the instance type's architecture,
//! `available`, `hvm`; the latest by creation date) and the bastion's
//! (`ec2.defaultBastionAMILookup`: Canonical's Ubuntu 24.04 by description).
//! EKS machines: CAPA's `eksAMILookup` reads SSM's
//! `/aws/service/eks/optimized-ami/<major.minor>/amazon-linux-2[-arm64]/recommended/image_id`;
//! the provisioner asks EC2 for the same image instead (the project's
//! choice, until SSM is modelled): Amazon's EKS-optimized Amazon Linux 2
//! node image of the version and architecture, the latest build, which is
//! what that parameter names.
//! Asked once per distinct lookup during discovery.

use aws_sdk_ec2::types::Image;

use crate::aws_error::{AwsCallError, aws_error};
use crate::sdk::filter;

/// CAPA's `DefaultMachineAMIOwnerID` (the CNCF account it publishes from).
pub const CAPA_OWNER: &str = "819546954734";
/// CAPA's `defaultMachineAMILookupBaseOS`.
pub const CAPA_BASE_OS: &str = "ubuntu-24.04";
/// Canonical's account (CAPA's `ubuntuOwnerID`).
pub const UBUNTU_OWNER: &str = "099720109477";
/// CAPA's `ubuntuImageDescription`.
pub const UBUNTU_DESCRIPTION: &str = "Canonical??Ubuntu??24.04??amd64?noble?image*";
/// The account Amazon publishes EKS-optimized images from (most regions).
pub const EKS_OWNER: &str = "602401143452";
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

    /// An EKS machine of Kubernetes `version` on `architecture`: Amazon
    /// Linux 2's EKS-optimized node image of the version's minor (CAPA's
    /// `formatVersionForEKS`: `v1.31.2` asks for `1.31`).
    pub fn eks(version: &str, architecture: &str) -> Self {
        let minor: Vec<&str> = version.trim_start_matches('v').split('.').take(2).collect();
        let infix = if architecture == "arm64" {
            "arm64-"
        } else {
            ""
        };
        ImageLookup {
            owner: EKS_OWNER,
            name: Some(format!("amazon-eks-{infix}node-{}-v*", minor.join("."))),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// CAPA's name patterns: the machine's full version, the EKS image's
    /// minor and architecture infix.
    #[test]
    fn lookups_ask_what_capa_asks() {
        let m = ImageLookup::machine("v1.31.0", "x86_64");
        assert_eq!(m.name.as_deref(), Some("capa-ami-ubuntu-24.04-?1.31.0-*"));
        assert_eq!(m.owner, CAPA_OWNER);
        let e = ImageLookup::eks("v1.22.9", "x86_64");
        assert_eq!(e.name.as_deref(), Some("amazon-eks-node-1.22-v*"));
        assert_eq!(e.owner, EKS_OWNER);
        let arm = ImageLookup::eks("1.31", "arm64");
        assert_eq!(arm.name.as_deref(), Some("amazon-eks-arm64-node-1.31-v*"));
        assert_eq!(
            arm.describe(),
            "name amazon-eks-arm64-node-1.31-v*, owner 602401143452, arm64"
        );
    }
}
