//! DescribeImages through the real SDK: CAPA's default AMI lookup (owner,
//! name pattern, architecture, state, virtualization type) finds its
//! images, the latest build by creation date; the bastion's Ubuntu image
//! by description; ids, owners and paging as AWS answers them.

use aws_sdk_ec2::types::{ArchitectureValues, Filter, ImageState, VirtualizationType};

use crate::common::*;

fn f(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// CAPA's `DefaultAMILookup` for Kubernetes v1.31.0 on an x86_64 type:
/// two builds match, both complete images; the later one is what CAPA
/// launches. arm64 and other versions have their own.
#[tokio::test]
async fn capa_default_lookup_finds_the_latest_build() {
    let h = start().await;
    let lookup = |version: &str, arch: &str| {
        h.ec2
            .describe_images()
            .filters(f("owner-id", "819546954734"))
            .filters(f("name", &format!("capa-ami-ubuntu-24.04-?{version}-*")))
            .filters(f("architecture", arch))
            .filters(f("state", "available"))
            .filters(f("virtualization-type", "hvm"))
            .send()
    };
    let out = lookup("1.31.0", "x86_64").await.unwrap();
    let images = out.images();
    assert_eq!(images.len(), 2, "{images:#?}");
    for i in images {
        assert!(
            i.name()
                .unwrap()
                .starts_with("capa-ami-ubuntu-24.04-v1.31.0-")
        );
        assert_eq!(i.architecture(), Some(&ArchitectureValues::X8664));
        assert_eq!(i.state(), Some(&ImageState::Available));
        assert_eq!(i.virtualization_type(), Some(&VirtualizationType::Hvm));
        assert_eq!(i.owner_id(), Some("819546954734"));
        assert_eq!(i.public(), Some(true));
        assert_eq!(i.root_device_name(), Some("/dev/sda1"));
        let ebs = i.block_device_mappings()[0].ebs().unwrap();
        assert_eq!(ebs.volume_size(), Some(8));
        assert!(ebs.snapshot_id().unwrap().starts_with("snap-"));
        assert!(i.image_id().unwrap().starts_with("ami-"));
    }
    let mut dates: Vec<&str> = images.iter().filter_map(|i| i.creation_date()).collect();
    dates.sort_unstable();
    assert!(dates[0] < dates[1], "two builds, one later: {dates:?}");
    let arm = lookup("1.31.0", "arm64").await.unwrap();
    assert_eq!(arm.images().len(), 2);
    assert!(
        arm.images()
            .iter()
            .all(|i| i.image_id() != images[0].image_id())
    );
    let none = lookup("1.19.0", "x86_64").await.unwrap();
    assert!(
        none.images().is_empty(),
        "no images for a version CAPA never built"
    );
}

/// CAPA's bastion lookup: Canonical's Ubuntu 24.04 by description.
#[tokio::test]
async fn the_bastion_lookup_finds_canonicals_image() {
    let h = start().await;
    let out = h
        .ec2
        .describe_images()
        .owners("099720109477")
        .filters(f(
            "description",
            "Canonical??Ubuntu??24.04??amd64?noble?image*",
        ))
        .filters(f("architecture", "x86_64"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.images().len(), 1);
    assert_eq!(
        out.images()[0].description(),
        Some("Canonical, Ubuntu, 24.04, amd64 noble image")
    );
}

/// By id: the same image every call, another id in another region;
/// an unknown id is InvalidAMIID.NotFound, a malformed one Malformed;
/// `self` owns none of the public images; paging as AWS (MaxResults 5+).
#[tokio::test]
async fn images_by_id_owner_and_page() {
    let h = start().await;
    let all = h.ec2.describe_images().send().await.unwrap();
    let n = all.images().len();
    assert!(n >= 40, "{n}");
    let id = all.images()[0].image_id().unwrap().to_owned();
    let one = h.ec2.describe_images().image_ids(&id).send().await.unwrap();
    assert_eq!(one.images()[0].image_id(), Some(id.as_str()));
    let west = ec2_client(&h.server.url(), "eu-west-1");
    let there = west.describe_images().send().await.unwrap();
    assert_eq!(there.images().len(), n);
    assert!(
        there
            .images()
            .iter()
            .all(|i| i.image_id() != Some(id.as_str()))
    );

    let (code, msg) = err(h
        .ec2
        .describe_images()
        .image_ids("ami-0123456789abcdef0")
        .send()
        .await);
    assert_eq!(code, "InvalidAMIID.NotFound");
    assert_eq!(msg, "The image id '[ami-0123456789abcdef0]' does not exist");
    let (code, _) = err(h.ec2.describe_images().image_ids("image-1").send().await);
    assert_eq!(code, "InvalidAMIID.Malformed");
    let mine = h.ec2.describe_images().owners("self").send().await.unwrap();
    assert!(mine.images().is_empty());

    let mut seen = 0;
    let mut token = None;
    loop {
        let page = h
            .ec2
            .describe_images()
            .max_results(7)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert!(page.images().len() <= 7);
        seen += page.images().len();
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, n);
    let (code, _) = err(h.ec2.describe_images().max_results(4).send().await);
    assert_eq!(code, "InvalidParameterValue");
}

/// Amazon's EKS-optimized node images: owner `amazon` (alias) or its
/// account, one name per minor and architecture infix, two builds; an
/// EKS image launches on a type of its architecture only.
#[tokio::test]
async fn eks_optimized_images_by_minor_and_architecture() {
    let h = start().await;
    let out = h
        .ec2
        .describe_images()
        .owners("amazon")
        .filters(f("name", "amazon-eks-arm64-node-1.31-v*"))
        .send()
        .await
        .unwrap();
    let mut names: Vec<&str> = out.images().iter().filter_map(|i| i.name()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "amazon-eks-arm64-node-1.31-v20241024",
            "amazon-eks-arm64-node-1.31-v20241115"
        ]
    );
    assert!(out.images().iter().all(|i| {
        i.image_owner_alias() == Some("amazon")
            && i.owner_id() == Some("602401143452")
            && i.architecture() == Some(&ArchitectureValues::Arm64)
    }));
    let x86 = h
        .ec2
        .describe_images()
        .filters(f("owner-id", "602401143452"))
        .filters(f("name", "amazon-eks-node-1.22-v*"))
        .filters(f("architecture", "x86_64"))
        .send()
        .await
        .unwrap();
    assert_eq!(x86.images().len(), 2);
    // CAPA's images are not Amazon's.
    let capa = h
        .ec2
        .describe_images()
        .owners("amazon")
        .filters(f("name", "capa-ami-*"))
        .send()
        .await
        .unwrap();
    assert!(capa.images().is_empty());
}
