//! Images: `DescribeImages` over a small catalog of the public images a
//! Cluster API cluster looks up, the same in every region.
//!
//! - CAPA's machine images, as its `DefaultAMILookup` finds them: owner
//!   `819546954734` (the CNCF account CAPA publishes from), named
//!   `capa-ami-<base OS>-v<Kubernetes version>-<build>` (the x86_64 and
//!   arm64 builds share the name; the lookup tells them apart by its
//!   `architecture` filter), for Ubuntu 24.04
//!   and 22.04, `x86_64` and `arm64`, Kubernetes 1.29 to 1.32. A version
//!   has two builds, the newer one later: CAPA takes the latest by
//!   `creationDate`.
//! - Canonical's Ubuntu 24.04 server image (owner `099720109477`), which
//!   CAPA's bastion lookup finds by its description.
//! - Amazon's EKS-optimized Amazon Linux 2 node images (owner
//!   `602401143452`, alias `amazon`), `amazon-eks-node-<minor>-v<build>`
//!   and `amazon-eks-arm64-node-<minor>-v<build>`, Kubernetes 1.22 to
//!   1.32, two builds each: what EKS's `recommended` image is for a
//!   version, which the provisioner looks up for EKS machines.
//!
//! The catalog is the project's (AWS's real image ids and build dates are
//! not public data): names, owners and descriptions follow the publishers'
//! patterns; ids are a hash of the region and the name, so an image has the
//! same id on every run and a different one in each region, as on AWS.
//! Images are read-only: no action here makes, changes or deletes one.

use super::describe::Describe;
use super::errors;
use super::filters;
use super::paging::Limits;
use super::tags::Tags;
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;

/// The account CAPA publishes its machine images from.
pub const CAPA_OWNER: &str = "819546954734";
/// Canonical's account.
pub const CANONICAL_OWNER: &str = "099720109477";
/// The account Amazon publishes EKS-optimized images from (most regions).
pub const EKS_OWNER: &str = "602401143452";

/// The Kubernetes minors with EKS-optimized Amazon Linux 2 images.
const EKS_MINORS: [&str; 11] = [
    "1.22", "1.23", "1.24", "1.25", "1.26", "1.27", "1.28", "1.29", "1.30", "1.31", "1.32",
];

/// One public image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub image_id: String,
    pub name: String,
    pub description: String,
    pub owner_id: String,
    /// `amazon` for Amazon's images.
    pub owner_alias: Option<&'static str>,
    pub architecture: &'static str,
    /// `2024-10-01T12:00:00.000Z`, as AWS writes it.
    pub creation_date: String,
    pub tags: Tags,
}

impl Image {
    fn new(
        region: &str,
        owner: &str,
        name: String,
        description: String,
        arch: &'static str,
        date: String,
    ) -> Self {
        Image {
            image_id: image_id(region, &name, arch),
            name,
            description,
            owner_id: owner.to_owned(),
            owner_alias: (owner == EKS_OWNER).then_some("amazon"),
            architecture: arch,
            creation_date: date,
            tags: Tags::default(),
        }
    }

    fn to_xml(&self) -> Node {
        Node::el("item")
            .leaf("imageId", &self.image_id)
            .leaf("imageLocation", format!("{}/{}", self.owner_id, self.name))
            .leaf("imageState", "available")
            .leaf("imageOwnerId", &self.owner_id)
            .opt_leaf("imageOwnerAlias", self.owner_alias)
            .leaf("creationDate", &self.creation_date)
            .leaf("isPublic", true)
            .leaf("architecture", self.architecture)
            .leaf("imageType", "machine")
            .leaf("name", &self.name)
            .leaf("description", &self.description)
            .leaf("rootDeviceType", "ebs")
            .leaf("rootDeviceName", "/dev/sda1")
            .child(Node::set(
                "blockDeviceMapping",
                [Node::el("item").leaf("deviceName", "/dev/sda1").child(
                    Node::el("ebs")
                        .leaf("snapshotId", self.image_id.replacen("ami-", "snap-", 1))
                        .leaf("volumeSize", 8)
                        .leaf("deleteOnTermination", true)
                        .leaf("volumeType", "gp3")
                        .leaf("iops", 3000)
                        .leaf("throughput", 125)
                        .leaf("encrypted", false),
                )],
            ))
            .leaf("virtualizationType", "hvm")
            .leaf("hypervisor", "xen")
            .leaf("enaSupport", true)
            .leaf("sriovNetSupport", "simple")
            .leaf("platformDetails", "Linux/UNIX")
            .leaf("usageOperation", "RunInstances")
            .leaf("bootMode", "uefi-preferred")
            .leaf("imdsSupport", "v2.0")
            .leaf("deprecationTime", self.deprecation_time())
    }

    /// AWS deprecates public images two years after they are made.
    fn deprecation_time(&self) -> String {
        let year: u32 = self.creation_date[..4].parse().unwrap_or(2024);
        format!("{}{}", year + 2, &self.creation_date[4..])
    }
}

filters::filterable!(Image, |image| [
    ("architecture", filters::one(image.architecture)),
    ("creation-date", filters::one(&image.creation_date)),
    ("description", filters::one(&image.description)),
    ("ena-support", filters::one("true")),
    ("hypervisor", filters::one("xen")),
    ("image-id", filters::one(&image.image_id)),
    ("image-type", filters::one("machine")),
    ("is-public", filters::one("true")),
    ("name", filters::one(&image.name)),
    (
        "owner-alias",
        image.owner_alias.into_iter().map(str::to_owned).collect()
    ),
    ("owner-id", filters::one(&image.owner_id)),
    ("platform-details", filters::one("Linux/UNIX")),
    ("root-device-name", filters::one("/dev/sda1")),
    ("root-device-type", filters::one("ebs")),
    ("state", filters::one("available")),
    ("usage-operation", filters::one("RunInstances")),
    ("virtualization-type", filters::one("hvm")),
]);

crate::registry::resource!(
    Image: "ami", "image", image_id, Tags,
    |id| not_found(id)
);

fn not_found(id: &str) -> AwsError {
    AwsError::coded(
        errors::Ec2Code::InvalidAmiIdNotFound,
        format!("The image id '[{id}]' does not exist"),
    )
}

/// A stable id: FNV-1a of the region, the name and the architecture (an
/// image's two builds for x86_64 and arm64 share a name), as 17 hex digits.
fn image_id(region: &str, name: &str, arch: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let key = [region, name, arch].join("/");
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("ami-0{h:016x}")
}

/// Kubernetes versions with CAPA images, and the month each first build
/// was published (the second build follows a month later).
const KUBERNETES: &[(&str, &str)] = &[
    ("1.29.9", "2024-09"),
    ("1.30.5", "2024-09"),
    ("1.31.0", "2024-08"),
    ("1.31.1", "2024-09"),
    ("1.32.0", "2024-12"),
];

/// The region's public images (the same set in every region, each with
/// its own ids there).
pub fn catalog(region: &str) -> Vec<Image> {
    let mut out = Vec::new();
    for (version, month) in KUBERNETES {
        let (year, m): (u32, u32) = (
            month[..4].parse().unwrap_or(2024),
            month[5..].parse().unwrap_or(1),
        );
        for build in 0..2u32 {
            let (y, mm) = if m + build > 12 {
                (year + 1, m + build - 12)
            } else {
                (year, m + build)
            };
            let date = format!("{y}-{mm:02}-15T12:00:00.000Z");
            let stamp = 1_700_000_000 + (y - 2023) * 31_536_000 + mm * 2_592_000;
            for os in ["ubuntu-24.04", "ubuntu-22.04"] {
                for arch in ["x86_64", "arm64"] {
                    let name = format!("capa-ami-{os}-v{version}-{stamp}");
                    let description =
                        format!("Cluster API AMI, Kubernetes v{version}, {os}, {arch}",);
                    out.push(Image::new(
                        region,
                        CAPA_OWNER,
                        name,
                        description,
                        arch,
                        date.clone(),
                    ));
                }
            }
        }
    }
    for minor in EKS_MINORS {
        for (build, date) in [("20241024", "2024-10-24"), ("20241115", "2024-11-15")] {
            for (arch, infix) in [("x86_64", ""), ("arm64", "arm64-")] {
                out.push(Image::new(
                    region,
                    EKS_OWNER,
                    format!("amazon-eks-{infix}node-{minor}-v{build}"),
                    format!("EKS Kubernetes Worker AMI with AmazonLinux2 image, (k8s: {minor})"),
                    arch,
                    format!("{date}T08:00:00.000Z"),
                ));
            }
        }
    }
    for (arch, deb) in [("x86_64", "amd64"), ("arm64", "arm64")] {
        out.push(Image::new(
            region,
            CANONICAL_OWNER,
            format!("ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-{deb}-server-20241119"),
            format!("Canonical, Ubuntu, 24.04, {deb} noble image"),
            arch,
            "2024-11-19T10:00:00.000Z".to_owned(),
        ));
    }
    out
}

/// The catalog image `id` names in `region`, or AWS's
/// `InvalidAMIID.NotFound` (as RunInstances answers for an image that does
/// not exist there).
pub fn find(region: &str, id: &str) -> AwsResult<Image> {
    catalog(region)
        .into_iter()
        .find(|i| i.image_id == id)
        .ok_or_else(|| not_found(id))
}

/// The id of the newest CAPA x86_64 Ubuntu 24.04 image for Kubernetes
/// `version` (`1.31.0`) in `region`, for tests and examples that launch
/// something; `None` for a version the catalog does not hold.
pub fn capa_image_id(region: &str, version: &str) -> Option<String> {
    let prefix = format!("capa-ami-ubuntu-24.04-v{version}-");
    catalog(region)
        .into_iter()
        .filter(|i| i.architecture == "x86_64" && i.name.starts_with(&prefix))
        .max_by(|a, b| a.creation_date.cmp(&b.creation_date))
        .map(|i| i.image_id)
}

/// `DescribeImages`: `ImageId.N` (each must exist), `Owner.N` (an account
/// id, `self`, `amazon`), filters, paging. Only the catalog's public
/// images exist; `self` owns none of them.
pub fn describe_images(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let ids = p.list("ImageId");
    for id in &ids {
        let well_formed = id
            .strip_prefix("ami-")
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_hexdigit()));
        if !well_formed {
            return Err(errors::ami_id_malformed(id));
        }
    }
    let owners = p.list("Owner");
    let catalog: std::collections::BTreeMap<String, Image> = catalog(&ctx.region.name)
        .into_iter()
        .map(|i| (i.image_id.clone(), i))
        .collect();
    const DESCRIBE: Describe = Describe {
        ids: "ImageId",
        set: "imagesSet",
        limits: Limits::new(5, 1000),
        ids_set: None,
    };
    let req = DESCRIBE.request(p, &catalog)?;
    let owned = req.candidates(&catalog).into_iter().filter(|i| {
        owners.is_empty()
            || owners.iter().any(|o| match o.as_str() {
                "self" | "aws-marketplace" => false,
                "amazon" => i.owner_alias == Some("amazon"),
                account => account == i.owner_id,
            })
    });
    let items = filters::select(owned.collect::<Vec<_>>(), &req.filters)?
        .into_iter()
        .map(Image::to_xml)
        .collect();
    DESCRIBE.answer(p, &req, items)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `find` knows every catalog image and refuses others with AWS's
    /// code; `capa_image_id` picks the later build.
    #[test]
    fn find_and_the_capa_image_of_a_version() {
        let id = capa_image_id("us-east-1", "1.31.0").unwrap();
        let image = find("us-east-1", &id).unwrap();
        assert!(image.name.starts_with("capa-ami-ubuntu-24.04-v1.31.0-"));
        assert_eq!(image.creation_date, "2024-09-15T12:00:00.000Z");
        assert_eq!(
            find("eu-west-1", &id).unwrap_err().code,
            "InvalidAMIID.NotFound"
        );
        assert_eq!(capa_image_id("us-east-1", "1.20.0"), None);
    }

    /// Every id is well formed and unique, the same on every call, and
    /// differs between regions; dates are AWS's format.
    #[test]
    fn the_catalog_is_stable_and_per_region() {
        let east = catalog("us-east-1");
        assert_eq!(east, catalog("us-east-1"));
        let ids: std::collections::BTreeSet<_> = east.iter().map(|i| &i.image_id).collect();
        assert_eq!(ids.len(), east.len());
        assert!(
            east.iter()
                .all(|i| i.image_id.len() == 21 && i.creation_date.ends_with(".000Z"))
        );
        let west = catalog("eu-west-1");
        assert!(
            east.iter()
                .zip(&west)
                .all(|(a, b)| a.name == b.name && a.image_id != b.image_id)
        );
    }
}
