//! Amazon EKS (restJson1) through the real `aws-sdk-eks` client: one test
//! per rule of the README's EKS table, a round trip of every action,
//! paging, the status transitions across reads, what a cluster shows in
//! EC2, routing and errors on the wire, faults, the journal, the state dump
//! and file, and an IPv6 end to end.

use aws_sdk_ec2::types::Filter;
use aws_sdk_eks::operation::create_cluster::builders::CreateClusterFluentBuilder;
use aws_sdk_eks::types::{
    AddonStatus, AuthenticationMode, ClusterStatus, IpFamily, KubernetesNetworkConfigRequest,
    LogSetup, LogType, Logging, ResolveConflicts, UpdateAccessConfigRequest, UpdateStatus,
    UpdateType, VpcConfigRequest,
};
use fake_ec2::{Fake, FaultRule, Seed, Service, StateFile};
use rstest::rstest;

use crate::common::*;

const ROLE: &str =
    "arn:aws:iam::123456789012:role/eks-controlplane.cluster-api-provider-aws.sigs.k8s.io";

/// [`net`] plus what the refusal cases name: a security group in the VPC,
/// a subnet and group in a second VPC, and a subnet in us-east-1e
/// (use1-az3, a zone EKS does not use).
struct Nets {
    n: Net,
    sg: String,
    other_subnet: String,
    other_sg: String,
    az3: String,
}

async fn nets(h: &Harness) -> Nets {
    let n = net(h).await;
    let sg = group(h, &n.vpc, "node-eks-additional").await;
    let other = vpc(h, "10.1.0.0/16", false).await;
    let other_subnet = subnet(h, &other, "us-east-1b", Some("10.1.0.0/24"), None).await;
    let other_sg = group(h, &other, "elsewhere").await;
    let az3 = subnet(
        h,
        &n.vpc,
        "us-east-1e",
        Some("10.0.30.0/24"),
        Some(&sub_block(&n.block, 64, 30)),
    )
    .await;
    Nets {
        n,
        sg,
        other_subnet,
        other_sg,
        az3,
    }
}

async fn group(h: &Harness, vpc: &str, name: &str) -> String {
    h.ec2
        .create_security_group()
        .group_name(name)
        .description(name)
        .vpc_id(vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap()
}

fn vpc_config(subnets: &[String], groups: &[String]) -> VpcConfigRequest {
    VpcConfigRequest::builder()
        .set_subnet_ids(Some(subnets.to_vec()))
        .set_security_group_ids(Some(groups.to_vec()))
        .build()
}

fn create(h: &Harness, name: &str, subnets: &[String]) -> CreateClusterFluentBuilder {
    h.eks
        .create_cluster()
        .name(name)
        .role_arn(ROLE)
        .resources_vpc_config(vpc_config(subnets, &[]))
}

fn family(f: IpFamily) -> KubernetesNetworkConfigRequest {
    KubernetesNetworkConfigRequest::builder()
        .ip_family(f)
        .build()
}

/// An IPv6 cluster on the dualstack subnets, read once (ACTIVE).
async fn ipv6_cluster(h: &Harness, n: &Net, name: &str, version: &str) {
    create(h, name, &n.ds)
        .version(version)
        .kubernetes_network_config(family(IpFamily::Ipv6))
        .send()
        .await
        .unwrap();
    wait_active(h, name).await;
}

async fn status(h: &Harness, name: &str) -> ClusterStatus {
    h.eks
        .describe_cluster()
        .name(name)
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap()
        .status
        .unwrap()
}

async fn wait_active(h: &Harness, name: &str) {
    for _ in 0..10 {
        if status(h, name).await == ClusterStatus::Active {
            return;
        }
    }
    panic!("{name} never became ACTIVE");
}

async fn addon_status(h: &Harness, cluster: &str, addon: &str) -> AddonStatus {
    h.eks
        .describe_addon()
        .cluster_name(cluster)
        .addon_name(addon)
        .send()
        .await
        .unwrap()
        .addon
        .unwrap()
        .status
        .unwrap()
}

async fn wait_gone(h: &Harness, name: &str) {
    for _ in 0..10 {
        if h.eks.describe_cluster().name(name).send().await.is_err() {
            return;
        }
    }
    panic!("{name} never went away");
}

/// What each CreateCluster refusal case changes in a valid request.
fn refusal(case: &str, n: &Nets, b: CreateClusterFluentBuilder) -> CreateClusterFluentBuilder {
    match case {
        "ipv6_needs_1_21" => b
            .version("1.20")
            .kubernetes_network_config(family(IpFamily::Ipv6)),
        "ipv6_needs_ipv6_subnets" => b
            .kubernetes_network_config(family(IpFamily::Ipv6))
            .resources_vpc_config(vpc_config(&n.n.v4, &[])),
        "ipv6_needs_two_ipv6_zones" => b
            .kubernetes_network_config(family(IpFamily::Ipv6))
            .resources_vpc_config(vpc_config(&[n.n.ds[0].clone(), n.n.v4[1].clone()], &[])),
        "service_ipv4_cidr_with_ipv6" => b.kubernetes_network_config(
            KubernetesNetworkConfigRequest::builder()
                .ip_family(IpFamily::Ipv6)
                .service_ipv4_cidr("172.20.0.0/16")
                .build(),
        ),
        "unknown_ip_family" => b.kubernetes_network_config(family(IpFamily::from("ipv5"))),
        "version_too_old" => b.version("1.19"),
        "version_too_new" => b.version("1.36"),
        "version_not_a_version" => b.version("abc"),
        "no_subnets" => b.resources_vpc_config(vpc_config(&[], &[])),
        "one_subnet" => b.resources_vpc_config(vpc_config(&n.n.ds[..1], &[])),
        "one_zone" => {
            b.resources_vpc_config(vpc_config(&[n.n.v4[0].clone(), n.n.ds[0].clone()], &[]))
        }
        "unknown_subnet" => b.resources_vpc_config(vpc_config(
            &[n.n.ds[0].clone(), "subnet-0000000000000dead".into()],
            &[],
        )),
        "subnets_in_two_vpcs" => b.resources_vpc_config(vpc_config(
            &[n.n.ds[0].clone(), n.other_subnet.clone()],
            &[],
        )),
        "ipv6_only_subnet" => {
            b.resources_vpc_config(vpc_config(&[n.n.v6[0].clone(), n.n.ds[1].clone()], &[]))
        }
        "unsupported_zone" => {
            b.resources_vpc_config(vpc_config(&[n.n.ds[0].clone(), n.az3.clone()], &[]))
        }
        "unknown_group" => {
            b.resources_vpc_config(vpc_config(&n.n.ds, &["sg-0000000000000dead".into()]))
        }
        "group_in_another_vpc" => {
            b.resources_vpc_config(vpc_config(&n.n.ds, std::slice::from_ref(&n.other_sg)))
        }
        "bad_role" => b.role_arn("eks-role"),
        "bad_name" => b.name("-c1"),
        "public_service_cidr" => b.kubernetes_network_config(
            KubernetesNetworkConfigRequest::builder()
                .service_ipv4_cidr("8.8.0.0/16")
                .build(),
        ),
        "service_cidr_too_small" => b.kubernetes_network_config(
            KubernetesNetworkConfigRequest::builder()
                .service_ipv4_cidr("172.20.0.0/25")
                .build(),
        ),
        "service_cidr_overlaps_vpc" => b.kubernetes_network_config(
            KubernetesNetworkConfigRequest::builder()
                .service_ipv4_cidr("10.0.0.0/16")
                .build(),
        ),
        "no_endpoint_access" => b.resources_vpc_config(
            VpcConfigRequest::builder()
                .set_subnet_ids(Some(n.n.ds.clone()))
                .endpoint_public_access(false)
                .endpoint_private_access(false)
                .build(),
        ),
        "ipv6_public_cidr_on_ipv4" => b.resources_vpc_config(
            VpcConfigRequest::builder()
                .set_subnet_ids(Some(n.n.ds.clone()))
                .public_access_cidrs("::/0")
                .build(),
        ),
        "bad_log_type" => b.logging(
            Logging::builder()
                .cluster_logging(
                    LogSetup::builder()
                        .types(LogType::from("bogus"))
                        .enabled(true)
                        .build(),
                )
                .build(),
        ),
        "reserved_tag" => b.tags("aws:x", "y"),
        other => panic!("no case {other}"),
    }
}

/// CreateCluster's refusals: each case breaks one rule of the README's table.
#[rstest]
#[case::ipv6_needs_1_21(
    "ipv6_needs_1_21",
    "InvalidParameterException",
    "IPv6 is not supported for Kubernetes version 1.20"
)]
#[case::ipv6_needs_ipv6_subnets(
    "ipv6_needs_ipv6_subnets",
    "InvalidParameterException",
    "IPv6 clusters need subnets with IPv6 CIDR blocks in at least two different AZs"
)]
#[case::ipv6_needs_two_ipv6_zones(
    "ipv6_needs_two_ipv6_zones",
    "InvalidParameterException",
    "IPv6 clusters need subnets with IPv6 CIDR blocks in at least two different AZs"
)]
#[case::service_ipv4_cidr_with_ipv6(
    "service_ipv4_cidr_with_ipv6",
    "InvalidParameterException",
    "serviceIpv4Cidr can't be specified when ipFamily is ipv6"
)]
#[case::unknown_ip_family(
    "unknown_ip_family",
    "InvalidParameterException",
    "Invalid ipFamily ipv5"
)]
#[case::version_too_old(
    "version_too_old",
    "InvalidParameterException",
    "unsupported Kubernetes version 1.19"
)]
#[case::version_too_new(
    "version_too_new",
    "InvalidParameterException",
    "unsupported Kubernetes version 1.36"
)]
#[case::version_not_a_version(
    "version_not_a_version",
    "InvalidParameterException",
    "unsupported Kubernetes version abc"
)]
#[case::no_subnets("no_subnets", "InvalidParameterException", "Subnet Id is required")]
#[case::one_subnet(
    "one_subnet",
    "InvalidParameterException",
    "Subnets specified must be in at least two different AZs"
)]
#[case::one_zone(
    "one_zone",
    "InvalidParameterException",
    "Subnets specified must be in at least two different AZs"
)]
#[case::unknown_subnet(
    "unknown_subnet",
    "InvalidParameterException",
    "The subnet ID 'subnet-0000000000000dead' does not exist"
)]
#[case::subnets_in_two_vpcs(
    "subnets_in_two_vpcs",
    "InvalidParameterException",
    "Subnets are not in the same VPC"
)]
#[case::ipv6_only_subnet("ipv6_only_subnet", "InvalidParameterException", "is IPv6-only")]
#[case::unsupported_zone(
    "unsupported_zone",
    "UnsupportedAvailabilityZoneException",
    "us-east-1e, the targeted availability zone"
)]
#[case::unknown_group(
    "unknown_group",
    "InvalidParameterException",
    "The security group 'sg-0000000000000dead' does not exist"
)]
#[case::group_in_another_vpc(
    "group_in_another_vpc",
    "InvalidParameterException",
    "not in the subnets' VPC"
)]
#[case::bad_role(
    "bad_role",
    "InvalidParameterException",
    "Role with arn: eks-role, could not be assumed"
)]
#[case::bad_name(
    "bad_name",
    "InvalidParameterException",
    "The cluster name -c1 is invalid"
)]
#[case::public_service_cidr(
    "public_service_cidr",
    "InvalidParameterException",
    "must be within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
)]
#[case::service_cidr_too_small(
    "service_cidr_too_small",
    "InvalidParameterException",
    "between /12 and /24"
)]
#[case::service_cidr_overlaps_vpc(
    "service_cidr_overlaps_vpc",
    "InvalidParameterException",
    "overlaps a CIDR block of the VPC"
)]
#[case::no_endpoint_access(
    "no_endpoint_access",
    "InvalidParameterException",
    "public access, private access or both"
)]
#[case::ipv6_public_cidr_on_ipv4(
    "ipv6_public_cidr_on_ipv4",
    "InvalidParameterException",
    "IPv6 CIDRs need an ipv6 cluster"
)]
#[case::bad_log_type("bad_log_type", "InvalidParameterException", "Invalid log type bogus")]
#[case::reserved_tag("reserved_tag", "InvalidParameterException", "reserved prefix 'aws:'")]
#[tokio::test]
async fn create_cluster_refuses(#[case] case: &str, #[case] code_: &str, #[case] message: &str) {
    let h = start().await;
    let n = nets(&h).await;
    let base = create(&h, "c1", &n.n.ds);
    let (c, m) = err(refusal(case, &n, base).send().await);
    assert_eq!(c, code_, "{m}");
    assert!(m.contains(message), "{m}");
    assert!(h.fake.dump().regions[0].eks.clusters.is_empty());
}

/// IPv6 cluster: the create answer (CREATING, no endpoint, an empty
/// certificate authority) and the next read (ACTIVE) carry every field
/// CAPA reads; EKS assigns the IPv6 service block.
#[tokio::test]
async fn ipv6_cluster_round_trip() {
    let h = start().await;
    let n = nets(&h).await;
    let c = create(&h, "c1", &n.n.ds)
        .version("1.31")
        .kubernetes_network_config(family(IpFamily::Ipv6))
        .resources_vpc_config(vpc_config(&n.n.ds, std::slice::from_ref(&n.sg)))
        .tags("kubernetes.io/cluster/c1", "owned")
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    assert_eq!(c.status, Some(ClusterStatus::Creating));
    assert_eq!(
        c.arn(),
        Some("arn:aws:eks:us-east-1:123456789012:cluster/c1")
    );
    assert!(c.created_at().unwrap().secs() >= 1_767_225_600);
    assert_eq!(c.version(), Some("1.31"));
    assert!(c.platform_version().unwrap().starts_with("eks."));
    assert_eq!(c.role_arn(), Some(ROLE));
    assert_eq!(c.endpoint(), None);
    assert_eq!(c.certificate_authority().unwrap().data(), None);
    let net = c.kubernetes_network_config().unwrap();
    assert_eq!(net.ip_family(), Some(&IpFamily::Ipv6));
    assert_eq!(net.service_ipv4_cidr(), None);
    let v6: ipnet::Ipv6Net = net.service_ipv6_cidr().unwrap().parse().unwrap();
    assert_eq!(v6.prefix_len(), 108);
    assert!(net.service_ipv6_cidr().unwrap().starts_with("fd"));
    let vpc = c.resources_vpc_config().unwrap();
    assert_eq!(vpc.subnet_ids(), n.n.ds.as_slice());
    assert_eq!(vpc.security_group_ids(), std::slice::from_ref(&n.sg));
    assert_eq!(vpc.vpc_id(), Some(n.n.vpc.as_str()));
    assert!(vpc.cluster_security_group_id().unwrap().starts_with("sg-"));
    assert!(vpc.endpoint_public_access() && !vpc.endpoint_private_access());
    assert_eq!(vpc.public_access_cidrs(), ["0.0.0.0/0", "::/0"]);
    let logging = c.logging().unwrap().cluster_logging();
    assert_eq!(logging.len(), 1);
    assert_eq!(logging[0].enabled(), Some(false));
    assert_eq!(logging[0].types().len(), 5);
    let access = c.access_config().unwrap();
    assert_eq!(
        access.authentication_mode(),
        Some(&AuthenticationMode::ConfigMap)
    );
    assert_eq!(
        c.tags()
            .unwrap()
            .get("kubernetes.io/cluster/c1")
            .map(String::as_str),
        Some("owned")
    );
    assert!(c.upgrade_policy().is_some());

    let c = h
        .eks
        .describe_cluster()
        .name("c1")
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    assert_eq!(c.status, Some(ClusterStatus::Active));
    let endpoint = c.endpoint().unwrap();
    assert!(
        endpoint.starts_with("https://") && endpoint.ends_with(".gr7.us-east-1.eks.amazonaws.com"),
        "{endpoint}"
    );
    let data = c.certificate_authority().unwrap().data().unwrap();
    let pem = aws_smithy_types::base64::decode(data).unwrap();
    assert!(
        String::from_utf8(pem)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    assert!(
        c.identity()
            .unwrap()
            .oidc()
            .unwrap()
            .issuer()
            .unwrap()
            .starts_with("https://oidc.eks.us-east-1.amazonaws.com/id/")
    );
}

/// IPv4: EKS picks 172.20.0.0/16 for a VPC in 10.0.0.0/8 and takes a
/// private block the caller names; the version defaults to 1.34.
#[tokio::test]
async fn ipv4_service_block_and_default_version() {
    let h = start().await;
    let n = net(&h).await;
    let c = create(&h, "c1", &n.v4)
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    let k = c.kubernetes_network_config().unwrap();
    assert_eq!(k.ip_family(), Some(&IpFamily::Ipv4));
    assert_eq!(k.service_ipv4_cidr(), Some("172.20.0.0/16"));
    assert_eq!(k.service_ipv6_cidr(), None);
    assert_eq!(c.version(), Some("1.34"));
    assert_eq!(
        c.resources_vpc_config().unwrap().public_access_cidrs(),
        ["0.0.0.0/0"]
    );
    let c = create(&h, "c2", &n.v4)
        .kubernetes_network_config(
            KubernetesNetworkConfigRequest::builder()
                .service_ipv4_cidr("192.168.0.0/16")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    assert_eq!(
        c.kubernetes_network_config().unwrap().service_ipv4_cidr(),
        Some("192.168.0.0/16")
    );
}

/// A second cluster of the same name is ResourceInUseException; the same
/// clientRequestToken returns the first.
#[tokio::test]
async fn duplicate_names_and_idempotent_retries() {
    let h = start().await;
    let n = net(&h).await;
    let first = create(&h, "c1", &n.ds)
        .client_request_token("tok-1")
        .send()
        .await
        .unwrap();
    let again = create(&h, "c1", &n.ds)
        .client_request_token("tok-1")
        .send()
        .await
        .unwrap();
    assert_eq!(first.cluster.unwrap().arn, again.cluster.unwrap().arn);
    let (c, m) = err(create(&h, "c1", &n.ds)
        .client_request_token("tok-2")
        .send()
        .await);
    assert_eq!(
        (c.as_str(), m.as_str()),
        (
            "ResourceInUseException",
            "Cluster already exists with name: c1"
        )
    );
    assert_eq!(h.fake.dump().regions[0].eks.clusters.len(), 1);
}

/// An unknown cluster is ResourceNotFoundException (404, the code in
/// `x-amzn-ErrorType`, `{"message"}` in the body), signed or not.
#[tokio::test]
async fn unknown_cluster_on_the_wire() {
    let h = start().await;
    let (c, m) = err(h.eks.describe_cluster().name("nope").send().await);
    assert_eq!(
        (c.as_str(), m.as_str()),
        (
            "ResourceNotFoundException",
            "No cluster found for name: nope."
        )
    );
    for auth in [None, Some(sigv4(REGION, "eks"))] {
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        let (status, headers, body) =
            http(&h.server.url(), "GET", "/clusters/nope", &headers, b"").await;
        assert_eq!(status, 404);
        assert_eq!(
            header(&headers, "x-amzn-errortype"),
            Some("ResourceNotFoundException")
        );
        assert_eq!(header(&headers, "content-type"), Some("application/json"));
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(doc["message"], "No cluster found for name: nope.");
    }
    // No EKS operation there; a body that is not JSON.
    let auth = sigv4(REGION, "eks");
    let (status, headers, _) = http(
        &h.server.url(),
        "PUT",
        "/clusters",
        &[("Authorization", &auth)],
        b"",
    )
    .await;
    assert_eq!(
        (status, header(&headers, "x-amzn-errortype")),
        (404, Some("UnknownOperationException"))
    );
    let (status, headers, _) = http(
        &h.server.url(),
        "POST",
        "/clusters",
        &[("Authorization", &auth)],
        b"{nope",
    )
    .await;
    assert_eq!(
        (status, header(&headers, "x-amzn-errortype")),
        (400, Some("SerializationException"))
    );
}

/// ListClusters pages by maxResults/nextToken; a maxResults outside 1-100
/// is InvalidParameterException.
#[tokio::test]
async fn list_clusters_pages() {
    let h = start().await;
    let n = net(&h).await;
    for name in ["c3", "c1", "c2"] {
        create(&h, name, &n.ds).send().await.unwrap();
    }
    let first = h.eks.list_clusters().max_results(2).send().await.unwrap();
    assert_eq!(first.clusters(), ["c1", "c2"]);
    let token = first.next_token().unwrap().to_owned();
    let rest = h
        .eks
        .list_clusters()
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(rest.clusters(), ["c3"]);
    assert_eq!(rest.next_token(), None);
    let all = h.eks.list_clusters().send().await.unwrap();
    assert_eq!(all.clusters().len(), 3);
    let pages: Vec<String> = h
        .eks
        .list_clusters()
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(pages, ["c1", "c2", "c3"]);
    assert_eq!(
        code(h.eks.list_clusters().max_results(0).send().await),
        "InvalidParameterException"
    );
}

/// CREATING for `settle_reads` reads, then ACTIVE; a delete answers
/// DELETING and so does the next read(s); then ResourceNotFoundException.
#[tokio::test]
async fn statuses_move_across_reads() {
    let h = start_yaml("settle_reads: 2\n").await;
    let n = net(&h).await;
    create(&h, "c1", &n.ds).send().await.unwrap();
    assert_eq!(status(&h, "c1").await, ClusterStatus::Creating);
    assert_eq!(status(&h, "c1").await, ClusterStatus::Creating);
    assert_eq!(status(&h, "c1").await, ClusterStatus::Active);
    let deleted = h.eks.delete_cluster().name("c1").send().await.unwrap();
    assert_eq!(
        deleted.cluster.unwrap().status,
        Some(ClusterStatus::Deleting)
    );
    assert_eq!(status(&h, "c1").await, ClusterStatus::Deleting);
    assert_eq!(status(&h, "c1").await, ClusterStatus::Deleting);
    assert_eq!(
        code(h.eks.describe_cluster().name("c1").send().await),
        "ResourceNotFoundException"
    );
    assert!(
        h.eks
            .list_clusters()
            .send()
            .await
            .unwrap()
            .clusters()
            .is_empty()
    );
}

/// With `settle_reads: 0` the first read after a delete still says DELETING.
#[tokio::test]
async fn first_read_after_delete_says_deleting() {
    let h = start().await;
    let n = net(&h).await;
    create(&h, "c1", &n.ds).send().await.unwrap();
    wait_active(&h, "c1").await;
    h.eks.delete_cluster().name("c1").send().await.unwrap();
    assert_eq!(status(&h, "c1").await, ClusterStatus::Deleting);
    assert_eq!(
        code(h.eks.describe_cluster().name("c1").send().await),
        "ResourceNotFoundException"
    );
}

/// DeleteCluster is ResourceInUseException while the cluster is being
/// created or updated; an unknown one is ResourceNotFoundException.
#[tokio::test]
async fn delete_refused_while_creating_or_updating() {
    let h = start().await;
    let n = net(&h).await;
    create(&h, "c1", &n.ds)
        .version("1.30")
        .send()
        .await
        .unwrap();
    let (c, m) = err(h.eks.delete_cluster().name("c1").send().await);
    assert_eq!(c, "ResourceInUseException");
    assert!(m.contains("CREATING"), "{m}");
    wait_active(&h, "c1").await;
    let update = h
        .eks
        .update_cluster_version()
        .name("c1")
        .version("1.31")
        .send()
        .await
        .unwrap();
    let id = update.update.unwrap().id.unwrap();
    let (c, m) = err(h.eks.delete_cluster().name("c1").send().await);
    assert_eq!(c, "ResourceInUseException");
    assert!(m.contains(&id), "{m}");
    assert_eq!(
        code(h.eks.delete_cluster().name("nope").send().await),
        "ResourceNotFoundException"
    );
}

/// EC2 shows the cluster security group (named and tagged as EKS does,
/// all traffic from itself) and two control-plane interfaces, one per
/// zone, in the cluster and user groups, with IPv6 addresses on an IPv6
/// cluster.
#[rstest]
#[case::ipv6(IpFamily::Ipv6, 1)]
#[case::ipv4(IpFamily::Ipv4, 0)]
#[tokio::test]
async fn ec2_sees_the_cluster_group_and_interfaces(#[case] f: IpFamily, #[case] v6: usize) {
    let h = start().await;
    let n = nets(&h).await;
    let c = create(&h, "c1", &n.n.ds)
        .kubernetes_network_config(family(f))
        .resources_vpc_config(vpc_config(&n.n.ds, std::slice::from_ref(&n.sg)))
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    let sg_id = c
        .resources_vpc_config()
        .unwrap()
        .cluster_security_group_id()
        .unwrap()
        .to_owned();
    let groups = h
        .ec2
        .describe_security_groups()
        .filters(
            Filter::builder()
                .name("tag:aws:eks:cluster-name")
                .values("c1")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .security_groups
        .unwrap();
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    assert_eq!(g.group_id(), Some(sg_id.as_str()));
    assert!(
        g.group_name().unwrap().starts_with("eks-cluster-sg-c1-"),
        "{:?}",
        g.group_name()
    );
    assert_eq!(g.vpc_id(), Some(n.n.vpc.as_str()));
    let tag = |k: &str| {
        g.tags()
            .iter()
            .find(|t| t.key() == Some(k))
            .and_then(|t| t.value())
            .map(str::to_owned)
    };
    assert_eq!(tag("kubernetes.io/cluster/c1").as_deref(), Some("owned"));
    assert_eq!(tag("Name").as_deref(), g.group_name());
    let ingress = &g.ip_permissions()[0];
    assert_eq!(ingress.ip_protocol(), Some("-1"));
    assert_eq!(
        ingress.user_id_group_pairs()[0].group_id(),
        Some(sg_id.as_str())
    );

    let enis = h
        .ec2
        .describe_network_interfaces()
        .filters(
            Filter::builder()
                .name("description")
                .values("Amazon EKS c1")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .network_interfaces
        .unwrap();
    assert_eq!(enis.len(), 2);
    let zones: std::collections::BTreeSet<_> = enis
        .iter()
        .map(|e| e.availability_zone().unwrap())
        .collect();
    assert_eq!(zones.len(), 2);
    for e in &enis {
        assert!(n.n.ds.iter().any(|s| Some(s.as_str()) == e.subnet_id()));
        assert!(e.private_ip_address().is_some());
        assert_eq!(e.ipv6_addresses().len(), v6);
        let ids: Vec<_> = e.groups().iter().filter_map(|g| g.group_id()).collect();
        assert_eq!(ids, [sg_id.as_str(), n.sg.as_str()]);
    }
    let by_group = h
        .ec2
        .describe_network_interfaces()
        .filters(Filter::builder().name("group-id").values(&n.sg).build())
        .send()
        .await
        .unwrap();
    assert_eq!(by_group.network_interfaces().len(), 2);
    let id = enis[0].network_interface_id().unwrap();
    let one = h
        .ec2
        .describe_network_interfaces()
        .network_interface_ids(id)
        .send()
        .await
        .unwrap();
    assert_eq!(one.network_interfaces().len(), 1);
    assert_eq!(
        code(
            h.ec2
                .describe_network_interfaces()
                .network_interface_ids("eni-0000000000000dead")
                .send()
                .await
        ),
        "InvalidNetworkInterfaceID.NotFound"
    );
}

/// The cluster's group and interfaces hold its subnets, groups and VPC
/// (DependencyViolation) until the cluster is gone; then they go with it.
#[tokio::test]
async fn cluster_holds_its_network_until_gone() {
    let h = start().await;
    let n = nets(&h).await;
    let c = create(&h, "c1", &n.n.ds)
        .resources_vpc_config(vpc_config(&n.n.ds, std::slice::from_ref(&n.sg)))
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    let sg_id = c
        .resources_vpc_config()
        .unwrap()
        .cluster_security_group_id()
        .unwrap()
        .to_owned();
    wait_active(&h, "c1").await;
    assert_eq!(
        code(h.ec2.delete_subnet().subnet_id(&n.n.ds[0]).send().await),
        "DependencyViolation"
    );
    assert_eq!(
        code(h.ec2.delete_security_group().group_id(&sg_id).send().await),
        "DependencyViolation"
    );
    assert_eq!(
        code(h.ec2.delete_security_group().group_id(&n.sg).send().await),
        "DependencyViolation"
    );
    assert_eq!(
        code(h.ec2.delete_vpc().vpc_id(&n.n.vpc).send().await),
        "DependencyViolation"
    );
    h.eks.delete_cluster().name("c1").send().await.unwrap();
    // Still DELETING: still held.
    assert_eq!(
        code(h.ec2.delete_subnet().subnet_id(&n.n.ds[0]).send().await),
        "DependencyViolation"
    );
    wait_gone(&h, "c1").await;
    assert!(
        h.ec2
            .describe_network_interfaces()
            .send()
            .await
            .unwrap()
            .network_interfaces()
            .is_empty()
    );
    assert_eq!(
        code(
            h.ec2
                .describe_security_groups()
                .group_ids(&sg_id)
                .send()
                .await
        ),
        "InvalidGroup.NotFound"
    );
    h.ec2
        .delete_subnet()
        .subnet_id(&n.n.ds[0])
        .send()
        .await
        .unwrap();
    h.ec2
        .delete_security_group()
        .group_id(&n.sg)
        .send()
        .await
        .unwrap();
}

/// UpdateClusterVersion: one minor up, seen UPDATING then ACTIVE, the
/// update InProgress then Successful (DescribeUpdate, ListUpdates).
#[tokio::test]
async fn version_upgrade_one_minor() {
    let h = start().await;
    let n = net(&h).await;
    ipv6_cluster(&h, &n, "c1", "1.30").await;
    let u = h
        .eks
        .update_cluster_version()
        .name("c1")
        .version("1.31")
        .send()
        .await
        .unwrap()
        .update
        .unwrap();
    assert_eq!(u.r#type(), Some(&UpdateType::VersionUpdate));
    assert_eq!(u.status(), Some(&UpdateStatus::InProgress));
    assert_eq!(u.params()[0].value(), Some("1.31"));
    let id = u.id().unwrap().to_owned();
    let (c, _) = err(h
        .eks
        .update_cluster_version()
        .name("c1")
        .version("1.32")
        .send()
        .await);
    assert_eq!(c, "ResourceInUseException");
    let read = h
        .eks
        .describe_update()
        .name("c1")
        .update_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        read.update.unwrap().status(),
        Some(&UpdateStatus::InProgress)
    );
    assert_eq!(status(&h, "c1").await, ClusterStatus::Active);
    let read = h
        .eks
        .describe_update()
        .name("c1")
        .update_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        read.update.unwrap().status(),
        Some(&UpdateStatus::Successful)
    );
    let c = h
        .eks
        .describe_cluster()
        .name("c1")
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    assert_eq!(c.version(), Some("1.31"));
    let ids = h.eks.list_updates().name("c1").send().await.unwrap();
    assert_eq!(ids.update_ids(), [id]);
    let (c, m) = err(h
        .eks
        .describe_update()
        .name("c1")
        .update_id("nope")
        .send()
        .await);
    assert_eq!(
        (c.as_str(), m.as_str()),
        ("ResourceNotFoundException", "No update found for ID: nope")
    );
}

/// A DescribeUpdate poll alone moves the cluster out of UPDATING.
#[tokio::test]
async fn describe_update_polls_settle_the_cluster() {
    let h = start().await;
    let n = net(&h).await;
    ipv6_cluster(&h, &n, "c1", "1.30").await;
    let id = h
        .eks
        .update_cluster_version()
        .name("c1")
        .version("1.31")
        .send()
        .await
        .unwrap()
        .update
        .unwrap()
        .id
        .unwrap();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let u = h
            .eks
            .describe_update()
            .name("c1")
            .update_id(&id)
            .send()
            .await
            .unwrap()
            .update
            .unwrap();
        seen.push(u.status.unwrap());
    }
    assert_eq!(
        seen,
        [
            UpdateStatus::InProgress,
            UpdateStatus::Successful,
            UpdateStatus::Successful
        ]
    );
}

#[rstest]
#[case::skips_a_minor(
    "1.32",
    "InvalidParameterException",
    "Unsupported Kubernetes minor version update from 1.30 to 1.32"
)]
#[case::same_minor(
    "1.30",
    "InvalidParameterException",
    "Unsupported Kubernetes minor version update from 1.30 to 1.30"
)]
#[case::downgrade(
    "1.29",
    "InvalidParameterException",
    "Unsupported Kubernetes minor version update from 1.30 to 1.29"
)]
#[case::unsupported(
    "1.99",
    "InvalidParameterException",
    "unsupported Kubernetes version 1.99"
)]
#[tokio::test]
async fn version_updates_refused(#[case] to: &str, #[case] code_: &str, #[case] message: &str) {
    let h = start().await;
    let n = net(&h).await;
    ipv6_cluster(&h, &n, "c1", "1.30").await;
    let (c, m) = err(h
        .eks
        .update_cluster_version()
        .name("c1")
        .version(to)
        .send()
        .await);
    assert_eq!((c.as_str(), m.as_str()), (code_, message));
    assert_eq!(status(&h, "c1").await, ClusterStatus::Active);
}

/// UpdateClusterConfig: an endpoint change is an EndpointAccessUpdate
/// (UPDATING, then ACTIVE with the new settings).
#[tokio::test]
async fn endpoint_access_update() {
    let h = start().await;
    let n = net(&h).await;
    ipv6_cluster(&h, &n, "c1", "1.31").await;
    let u = h
        .eks
        .update_cluster_config()
        .name("c1")
        .resources_vpc_config(
            VpcConfigRequest::builder()
                .endpoint_private_access(true)
                .public_access_cidrs("203.0.113.0/24")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .update
        .unwrap();
    assert_eq!(u.r#type(), Some(&UpdateType::EndpointAccessUpdate));
    assert_eq!(status(&h, "c1").await, ClusterStatus::Updating);
    assert_eq!(status(&h, "c1").await, ClusterStatus::Active);
    let c = h
        .eks
        .describe_cluster()
        .name("c1")
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    let v = c.resources_vpc_config().unwrap();
    assert!(v.endpoint_private_access() && v.endpoint_public_access());
    assert_eq!(v.public_access_cidrs(), ["203.0.113.0/24"]);
    let u = h
        .eks
        .update_cluster_config()
        .name("c1")
        .logging(
            Logging::builder()
                .cluster_logging(
                    LogSetup::builder()
                        .types(LogType::Api)
                        .types(LogType::Audit)
                        .enabled(true)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .update
        .unwrap();
    assert_eq!(u.r#type(), Some(&UpdateType::LoggingUpdate));
    wait_active(&h, "c1").await;
    let c = h
        .eks
        .describe_cluster()
        .name("c1")
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    let logs = c.logging().unwrap().cluster_logging();
    assert_eq!(logs[0].enabled(), Some(true));
    assert_eq!(logs[0].types(), [LogType::Api, LogType::Audit]);
    let u = h
        .eks
        .update_cluster_config()
        .name("c1")
        .access_config(
            UpdateAccessConfigRequest::builder()
                .authentication_mode(AuthenticationMode::ApiAndConfigMap)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        u.update.unwrap().r#type(),
        Some(&UpdateType::AccessConfigUpdate)
    );
}

type ConfigBuilder =
    aws_sdk_eks::operation::update_cluster_config::builders::UpdateClusterConfigFluentBuilder;

/// What each UpdateClusterConfig refusal case asks for.
fn config_refusal(case: &str, b: ConfigBuilder) -> ConfigBuilder {
    match case {
        "no_change" => b.resources_vpc_config(
            VpcConfigRequest::builder()
                .endpoint_public_access(true)
                .build(),
        ),
        "two_kinds" => b
            .resources_vpc_config(
                VpcConfigRequest::builder()
                    .endpoint_private_access(true)
                    .build(),
            )
            .logging(
                Logging::builder()
                    .cluster_logging(
                        LogSetup::builder()
                            .types(LogType::Api)
                            .enabled(true)
                            .build(),
                    )
                    .build(),
            ),
        "nothing" => b,
        "ip_family" => b.kubernetes_network_config(family(IpFamily::Ipv4)),
        "service_cidr" => b.kubernetes_network_config(
            KubernetesNetworkConfigRequest::builder()
                .service_ipv4_cidr("172.20.0.0/16")
                .build(),
        ),
        "auth_mode_back" => b.access_config(
            UpdateAccessConfigRequest::builder()
                .authentication_mode(AuthenticationMode::ConfigMap)
                .build(),
        ),
        "logging_unchanged" => b.logging(
            Logging::builder()
                .cluster_logging(
                    LogSetup::builder()
                        .types(LogType::Api)
                        .enabled(false)
                        .build(),
                )
                .build(),
        ),
        other => panic!("no case {other}"),
    }
}

/// UpdateClusterConfig's refusals.
#[rstest]
#[case::no_change(
    "no_change",
    "Cluster is already at the desired configuration with endpointPrivateAccess: false , endpointPublicAccess: true, and Public Endpoint Restrictions: [0.0.0.0/0, ::/0]"
)]
#[case::two_kinds("two_kinds", "Only one type of update can be allowed.")]
#[case::nothing("nothing", "No changes were specified")]
#[case::ip_family(
    "ip_family",
    "The IP family of cluster c1 is ipv6 and can't be changed"
)]
#[case::service_cidr(
    "service_cidr",
    "serviceIpv4Cidr can only be set when the cluster is created"
)]
#[case::auth_mode_back(
    "auth_mode_back",
    "Unsupported authentication mode update from CONFIG_MAP to CONFIG_MAP"
)]
#[case::logging_unchanged(
    "logging_unchanged",
    "No changes needed for the logging config provided"
)]
#[tokio::test]
async fn config_updates_refused(#[case] case: &str, #[case] message: &str) {
    let h = start().await;
    let n = net(&h).await;
    ipv6_cluster(&h, &n, "c1", "1.31").await;
    let (c, m) = err(
        config_refusal(case, h.eks.update_cluster_config().name("c1"))
            .send()
            .await,
    );
    assert_eq!(c, "InvalidParameterException", "{m}");
    assert!(m.contains(message), "{m}");
    assert_eq!(status(&h, "c1").await, ClusterStatus::Active);
}

/// Subnet updates stay in the VPC and in the zones the cluster had; the
/// control plane's interfaces follow.
#[tokio::test]
async fn vpc_config_update() {
    let h = start().await;
    let n = nets(&h).await;
    create(&h, "c1", &n.n.ds).send().await.unwrap();
    wait_active(&h, "c1").await;
    let (c, m) = err(h
        .eks
        .update_cluster_config()
        .name("c1")
        .resources_vpc_config(vpc_config(&[n.n.ds[0].clone(), n.az3.clone()], &[]))
        .send()
        .await);
    assert_eq!(c, "UnsupportedAvailabilityZoneException", "{m}");
    let u = h
        .eks
        .update_cluster_config()
        .name("c1")
        .resources_vpc_config(vpc_config(&n.n.v4, std::slice::from_ref(&n.sg)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        u.update.unwrap().r#type(),
        Some(&UpdateType::VpcConfigUpdate)
    );
    let enis = h.ec2.describe_network_interfaces().send().await.unwrap();
    for e in enis.network_interfaces() {
        assert!(n.n.v4.iter().any(|s| Some(s.as_str()) == e.subnet_id()));
    }
    h.ec2
        .delete_subnet()
        .subnet_id(&n.n.ds[0])
        .send()
        .await
        .unwrap();
}

/// The three add-ons at catalog versions: CREATING, then ACTIVE, with
/// createdAt/modifiedAt, no configurationValues or role when unset.
#[rstest]
#[case::vpc_cni("vpc-cni", "v1.20.1-eksbuild.3")]
#[case::coredns("coredns", "v1.11.4-eksbuild.24")]
#[case::kube_proxy("kube-proxy", "v1.31.14-eksbuild.9")]
#[tokio::test]
async fn addon_round_trip(#[case] name: &str, #[case] version: &str) {
    let h = start().await;
    let n = net(&h).await;
    ipv6_cluster(&h, &n, "c1", "1.31").await;
    let a = h
        .eks
        .create_addon()
        .cluster_name("c1")
        .addon_name(name)
        .addon_version(version)
        .resolve_conflicts(ResolveConflicts::Overwrite)
        .tags("kubernetes.io/cluster/c1", "owned")
        .send()
        .await
        .unwrap()
        .addon
        .unwrap();
    assert_eq!(a.status(), Some(&AddonStatus::Creating));
    assert_eq!(a.addon_version(), Some(version));
    assert_eq!(a.cluster_name(), Some("c1"));
    assert!(a.addon_arn().unwrap().starts_with(&format!(
        "arn:aws:eks:us-east-1:123456789012:addon/c1/{name}/"
    )));
    assert!(a.created_at().is_some() && a.modified_at().is_some());
    assert_eq!(a.configuration_values(), None);
    assert_eq!(a.service_account_role_arn(), None);
    assert_eq!(addon_status(&h, "c1", name).await, AddonStatus::Active);
    assert_eq!(
        h.eks
            .list_addons()
            .cluster_name("c1")
            .send()
            .await
            .unwrap()
            .addons(),
        [name]
    );
    // Without a version, the catalog's default for the cluster's version.
    let b = h
        .eks
        .create_addon()
        .cluster_name("c1")
        .addon_name(if name == "coredns" {
            "kube-proxy"
        } else {
            "coredns"
        })
        .send()
        .await
        .unwrap();
    assert!(b.addon.unwrap().addon_version().unwrap().starts_with('v'));
}

/// CreateAddon's refusals.
#[rstest]
#[case::version_not_for_the_cluster(
    "kube-proxy",
    Some("v1.22.6-eksbuild.1"),
    "1.31",
    "InvalidParameterException",
    "Addon version specified is not supported"
)]
#[case::unknown_version(
    "coredns",
    Some("v9.9.9-eksbuild.1"),
    "1.31",
    "InvalidParameterException",
    "Addon version specified is not supported"
)]
#[case::unknown_addon(
    "kubecost",
    None,
    "1.31",
    "InvalidParameterException",
    "Addon kubecost specified is not supported in 1.31 kubernetes version"
)]
#[case::vpc_cni_too_old_for_ipv6(
    "vpc-cni",
    Some("v1.9.0-eksbuild.1"),
    "1.21",
    "InvalidParameterException",
    "does not support IPv6 clusters"
)]
#[tokio::test]
async fn create_addon_refuses(
    #[case] name: &str,
    #[case] version: Option<&str>,
    #[case] k8s: &str,
    #[case] code_: &str,
    #[case] message: &str,
) {
    let h = start().await;
    let n = net(&h).await;
    ipv6_cluster(&h, &n, "c1", k8s).await;
    let (c, m) = err(h
        .eks
        .create_addon()
        .cluster_name("c1")
        .addon_name(name)
        .set_addon_version(version.map(str::to_owned))
        .send()
        .await);
    assert_eq!(c, code_, "{m}");
    assert!(m.contains(message), "{m}");
}

/// vpc-cni v1.9.0 runs on an IPv4 1.21 cluster (the IPv6 minimum is v1.10.1).
#[tokio::test]
async fn old_vpc_cni_on_ipv4() {
    let h = start().await;
    let n = net(&h).await;
    create(&h, "c1", &n.v4)
        .version("1.21")
        .send()
        .await
        .unwrap();
    wait_active(&h, "c1").await;
    h.eks
        .create_addon()
        .cluster_name("c1")
        .addon_name("vpc-cni")
        .addon_version("v1.9.0-eksbuild.1")
        .send()
        .await
        .unwrap();
}

/// An add-on twice is ResourceInUseException; on a cluster still
/// CREATING, InvalidRequestException; on no cluster, ResourceNotFoundException.
#[tokio::test]
async fn addon_cluster_rules() {
    let h = start().await;
    let n = net(&h).await;
    create(&h, "c1", &n.ds)
        .version("1.31")
        .send()
        .await
        .unwrap();
    let (c, m) = err(h
        .eks
        .create_addon()
        .cluster_name("c1")
        .addon_name("coredns")
        .send()
        .await);
    assert_eq!(
        (c.as_str(), m.as_str()),
        (
            "InvalidRequestException",
            "Cluster 'c1' is not in ACTIVE status"
        )
    );
    wait_active(&h, "c1").await;
    h.eks
        .create_addon()
        .cluster_name("c1")
        .addon_name("coredns")
        .send()
        .await
        .unwrap();
    let (c, m) = err(h
        .eks
        .create_addon()
        .cluster_name("c1")
        .addon_name("coredns")
        .send()
        .await);
    assert_eq!(
        (c.as_str(), m.as_str()),
        ("ResourceInUseException", "Addon already exists.")
    );
    let (c, m) = err(h
        .eks
        .create_addon()
        .cluster_name("nope")
        .addon_name("coredns")
        .send()
        .await);
    assert_eq!(
        (c.as_str(), m.as_str()),
        (
            "ResourceNotFoundException",
            "No cluster found for name: nope."
        )
    );
    let (c, m) = err(h
        .eks
        .describe_addon()
        .cluster_name("c1")
        .addon_name("vpc-cni")
        .send()
        .await);
    assert_eq!(
        (c.as_str(), m.as_str()),
        (
            "ResourceNotFoundException",
            "No addon: vpc-cni found in cluster: c1"
        )
    );
}

/// resolveConflicts NONE, OVERWRITE and PRESERVE are accepted on create
/// and update; anything else is InvalidParameterException.
#[rstest]
#[case::none(ResolveConflicts::None, true)]
#[case::overwrite(ResolveConflicts::Overwrite, true)]
#[case::preserve(ResolveConflicts::Preserve, true)]
#[case::other(ResolveConflicts::from("MERGE"), false)]
#[tokio::test]
async fn resolve_conflicts_values(#[case] r: ResolveConflicts, #[case] ok: bool) {
    let h = start().await;
    let n = net(&h).await;
    ipv6_cluster(&h, &n, "c1", "1.31").await;
    let created = h
        .eks
        .create_addon()
        .cluster_name("c1")
        .addon_name("coredns")
        .resolve_conflicts(r.clone())
        .send()
        .await;
    assert_eq!(created.is_ok(), ok, "{created:?}");
    if !ok {
        assert_eq!(code(created), "InvalidParameterException");
        return;
    }
    addon_status(&h, "c1", "coredns").await;
    h.eks
        .update_addon()
        .cluster_name("c1")
        .addon_name("coredns")
        .resolve_conflicts(r)
        .send()
        .await
        .unwrap();
}

/// configurationValues: a JSON or YAML object is kept as sent; anything
/// else is InvalidParameterException.
#[rstest]
#[case::json(r#"{"env":{"ENABLE_PREFIX_DELEGATION":"true"}}"#, true)]
#[case::yaml("env:\n  ENABLE_PREFIX_DELEGATION: \"true\"\n", true)]
#[case::json_list("[1, 2]", false)]
#[case::broken("{\"env\":", false)]
#[case::scalar("just text", false)]
#[tokio::test]
async fn configuration_values(#[case] values: &str, #[case] ok: bool) {
    let h = start().await;
    let n = net(&h).await;
    ipv6_cluster(&h, &n, "c1", "1.31").await;
    let r = h
        .eks
        .create_addon()
        .cluster_name("c1")
        .addon_name("vpc-cni")
        .configuration_values(values)
        .send()
        .await;
    if ok {
        assert_eq!(
            r.unwrap().addon.unwrap().configuration_values(),
            Some(values)
        );
    } else {
        let (c, m) = err(r);
        assert_eq!(c, "InvalidParameterException");
        assert!(
            m.starts_with("ConfigurationValue provided in request is not supported"),
            "{m}"
        );
    }
}

/// UpdateAddon: an AddonUpdate, the add-on UPDATING then ACTIVE at the
/// new version; DescribeUpdate names it with addonName.
#[tokio::test]
async fn addon_update() {
    let h = start().await;
    let n = net(&h).await;
    ipv6_cluster(&h, &n, "c1", "1.31").await;
    h.eks
        .create_addon()
        .cluster_name("c1")
        .addon_name("vpc-cni")
        .addon_version("v1.19.2-eksbuild.1")
        .send()
        .await
        .unwrap();
    assert_eq!(addon_status(&h, "c1", "vpc-cni").await, AddonStatus::Active);
    let u = h
        .eks
        .update_addon()
        .cluster_name("c1")
        .addon_name("vpc-cni")
        .addon_version("v1.20.1-eksbuild.3")
        .service_account_role_arn("arn:aws:iam::123456789012:role/cni")
        .configuration_values(r#"{"env":{"ENABLE_IPv6":"true"}}"#)
        .send()
        .await
        .unwrap()
        .update
        .unwrap();
    assert_eq!(u.r#type(), Some(&UpdateType::AddonUpdate));
    let id = u.id().unwrap().to_owned();
    let (c, _) = err(h
        .eks
        .update_addon()
        .cluster_name("c1")
        .addon_name("vpc-cni")
        .addon_version("v1.19.0-eksbuild.1")
        .send()
        .await);
    assert_eq!(c, "ResourceInUseException");
    assert_eq!(
        addon_status(&h, "c1", "vpc-cni").await,
        AddonStatus::Updating
    );
    assert_eq!(addon_status(&h, "c1", "vpc-cni").await, AddonStatus::Active);
    let a = h
        .eks
        .describe_addon()
        .cluster_name("c1")
        .addon_name("vpc-cni")
        .send()
        .await
        .unwrap()
        .addon
        .unwrap();
    assert_eq!(a.addon_version(), Some("v1.20.1-eksbuild.3"));
    assert_eq!(
        a.service_account_role_arn(),
        Some("arn:aws:iam::123456789012:role/cni")
    );
    assert!(a.modified_at().unwrap().secs() > a.created_at().unwrap().secs());
    let read = h
        .eks
        .describe_update()
        .name("c1")
        .update_id(&id)
        .addon_name("vpc-cni")
        .send()
        .await
        .unwrap();
    assert_eq!(
        read.update.unwrap().status(),
        Some(&UpdateStatus::Successful)
    );
    assert_eq!(
        code(
            h.eks
                .describe_update()
                .name("c1")
                .update_id(&id)
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    let (c, m) = err(h
        .eks
        .update_addon()
        .cluster_name("c1")
        .addon_name("vpc-cni")
        .addon_version("v1.11.0-eksbuild.1")
        .send()
        .await);
    assert_eq!(
        (c.as_str(), m.as_str()),
        (
            "InvalidParameterException",
            "Addon version specified is not supported"
        )
    );
}

/// DeleteAddon: DELETING in the answer and the next read, then gone;
/// ListAddons pages.
#[tokio::test]
async fn addon_delete_and_list() {
    let h = start().await;
    let n = net(&h).await;
    ipv6_cluster(&h, &n, "c1", "1.31").await;
    for a in ["vpc-cni", "coredns", "kube-proxy"] {
        h.eks
            .create_addon()
            .cluster_name("c1")
            .addon_name(a)
            .send()
            .await
            .unwrap();
    }
    let page = h
        .eks
        .list_addons()
        .cluster_name("c1")
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.addons(), ["coredns", "kube-proxy"]);
    let rest = h
        .eks
        .list_addons()
        .cluster_name("c1")
        .next_token(page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.addons(), ["vpc-cni"]);
    let d = h
        .eks
        .delete_addon()
        .cluster_name("c1")
        .addon_name("coredns")
        .send()
        .await
        .unwrap();
    assert_eq!(d.addon.unwrap().status(), Some(&AddonStatus::Deleting));
    assert_eq!(
        addon_status(&h, "c1", "coredns").await,
        AddonStatus::Deleting
    );
    assert_eq!(
        code(
            h.eks
                .describe_addon()
                .cluster_name("c1")
                .addon_name("coredns")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        h.eks
            .list_addons()
            .cluster_name("c1")
            .send()
            .await
            .unwrap()
            .addons(),
        ["kube-proxy", "vpc-cni"]
    );
    assert_eq!(
        code(
            h.eks
                .delete_addon()
                .cluster_name("c1")
                .addon_name("coredns")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
}

/// A cluster with add-ons left is deleted with them (EKS removes a
/// cluster's add-ons with it).
#[tokio::test]
async fn delete_cluster_takes_its_addons() {
    let h = start().await;
    let n = net(&h).await;
    ipv6_cluster(&h, &n, "c1", "1.31").await;
    h.eks
        .create_addon()
        .cluster_name("c1")
        .addon_name("vpc-cni")
        .send()
        .await
        .unwrap();
    h.eks.delete_cluster().name("c1").send().await.unwrap();
    assert_eq!(
        addon_status(&h, "c1", "vpc-cni").await,
        AddonStatus::Deleting
    );
    wait_gone(&h, "c1").await;
    let (c, m) = err(h
        .eks
        .describe_addon()
        .cluster_name("c1")
        .addon_name("vpc-cni")
        .send()
        .await);
    assert_eq!(
        (c.as_str(), m.as_str()),
        (
            "ResourceNotFoundException",
            "No cluster found for name: c1."
        )
    );
}

/// DescribeAddonVersions: the catalog per Kubernetes version (defaults
/// marked), by name, paged; an unknown version lists nothing.
#[rstest]
#[case::k8s_1_22("1.22", ["v1.8.7-eksbuild.1", "v1.22.6-eksbuild.1", "v1.11.0-eksbuild.1"])]
#[case::k8s_1_28("1.28", ["v1.10.1-eksbuild.38", "v1.28.15-eksbuild.31", "v1.20.1-eksbuild.3"])]
#[case::k8s_1_31("1.31", ["v1.11.4-eksbuild.24", "v1.31.14-eksbuild.9", "v1.20.1-eksbuild.3"])]
#[case::k8s_1_33("1.33", ["v1.12.4-eksbuild.1", "v1.33.10-eksbuild.2", "v1.20.1-eksbuild.3"])]
#[tokio::test]
async fn addon_versions_catalog(#[case] k8s: &str, #[case] defaults: [&str; 3]) {
    let h = start().await;
    let out = h
        .eks
        .describe_addon_versions()
        .kubernetes_version(k8s)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = out.addons().iter().filter_map(|a| a.addon_name()).collect();
    assert_eq!(names, ["coredns", "kube-proxy", "vpc-cni"]);
    for (info, default) in out.addons().iter().zip(defaults) {
        assert_eq!(info.r#type(), Some("networking"));
        assert_eq!((info.owner(), info.publisher()), (Some("aws"), Some("eks")));
        let marked: Vec<_> = info
            .addon_versions()
            .iter()
            .filter(|v| {
                v.compatibilities()
                    .iter()
                    .any(|c| c.cluster_version() == Some(k8s) && c.default_version())
            })
            .filter_map(|v| v.addon_version())
            .collect();
        assert_eq!(marked, [default]);
        for v in info.addon_versions() {
            assert!(
                v.compatibilities()
                    .iter()
                    .all(|c| c.cluster_version() == Some(k8s))
            );
        }
    }
}

#[tokio::test]
async fn addon_versions_filters_and_pages() {
    let h = start().await;
    let one = h
        .eks
        .describe_addon_versions()
        .addon_name("kube-proxy")
        .send()
        .await
        .unwrap();
    assert_eq!(one.addons().len(), 1);
    assert!(one.addons()[0].addon_versions().len() > 10);
    let unknown = h
        .eks
        .describe_addon_versions()
        .kubernetes_version("1.99")
        .send()
        .await
        .unwrap();
    assert!(unknown.addons().is_empty());
    let page = h
        .eks
        .describe_addon_versions()
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.addons()[0].addon_name(), Some("coredns"));
    let next = h
        .eks
        .describe_addon_versions()
        .max_results(2)
        .next_token(page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    let names: Vec<_> = next
        .addons()
        .iter()
        .filter_map(|a| a.addon_name())
        .collect();
    assert_eq!(names, ["kube-proxy", "vpc-cni"]);
    assert_eq!(next.next_token(), None);
}

/// Tags on cluster and add-on ARNs; an ARN that names nothing is
/// NotFoundException, a malformed one or an `aws:` key BadRequestException.
#[tokio::test]
async fn tags_round_trip() {
    let h = start().await;
    let n = net(&h).await;
    ipv6_cluster(&h, &n, "c1", "1.31").await;
    let arn = "arn:aws:eks:us-east-1:123456789012:cluster/c1";
    let addon = h
        .eks
        .create_addon()
        .cluster_name("c1")
        .addon_name("coredns")
        .send()
        .await
        .unwrap()
        .addon
        .unwrap()
        .addon_arn
        .unwrap();
    for target in [arn, addon.as_str()] {
        h.eks
            .tag_resource()
            .resource_arn(target)
            .tags("Name", "c1")
            .tags("team", "net")
            .send()
            .await
            .unwrap();
        let tags = h
            .eks
            .list_tags_for_resource()
            .resource_arn(target)
            .send()
            .await
            .unwrap()
            .tags
            .unwrap();
        assert_eq!(tags.get("team").map(String::as_str), Some("net"));
        h.eks
            .untag_resource()
            .resource_arn(target)
            .tag_keys("team")
            .send()
            .await
            .unwrap();
        let tags = h
            .eks
            .list_tags_for_resource()
            .resource_arn(target)
            .send()
            .await
            .unwrap()
            .tags
            .unwrap();
        assert!(!tags.contains_key("team") && tags.contains_key("Name"));
    }
    let c = h
        .eks
        .describe_cluster()
        .name("c1")
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    assert_eq!(
        c.tags().unwrap().get("Name").map(String::as_str),
        Some("c1")
    );
    let gone = "arn:aws:eks:us-east-1:123456789012:cluster/nope";
    assert_eq!(
        code(
            h.eks
                .list_tags_for_resource()
                .resource_arn(gone)
                .send()
                .await
        ),
        "NotFoundException"
    );
    assert_eq!(
        code(
            h.eks
                .tag_resource()
                .resource_arn("not-an-arn")
                .tags("a", "b")
                .send()
                .await
        ),
        "BadRequestException"
    );
    assert_eq!(
        code(
            h.eks
                .tag_resource()
                .resource_arn(arn)
                .tags("aws:x", "b")
                .send()
                .await
        ),
        "BadRequestException"
    );
}

/// Fault rules match `service: eks` and an EKS action; EKS's codes keep
/// their statuses; a `stuck` outcome keeps a cluster CREATING; the journal
/// records EKS calls with their members.
#[tokio::test]
async fn faults_and_journal() {
    let h = start().await;
    let n = net(&h).await;
    h.fake.set_faults(
        vec![
            FaultRule {
                service: Some(Service::Eks),
                action: Some("CreateCluster".into()),
                error: Some("ResourceLimitExceededException".into()),
                nth: Some(1),
                ..FaultRule::default()
            },
            FaultRule {
                service: Some(Service::Eks),
                action: Some("DescribeCluster".into()),
                error: Some("ServerException".into()),
                nth: Some(1),
                ..FaultRule::default()
            },
            FaultRule {
                service: Some(Service::Eks),
                action: Some("CreateCluster".into()),
                outcome: Some(fake_ec2::faults::Outcome::Stuck),
                nth: Some(2),
                ..FaultRule::default()
            },
        ],
        1,
    );
    assert_eq!(
        code(create(&h, "c1", &n.ds).send().await),
        "ResourceLimitExceededException"
    );
    create(&h, "c1", &n.ds).send().await.unwrap();
    let e = h
        .eks
        .describe_cluster()
        .name("c1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 500);
    assert_eq!(code(Err::<(), _>(e)), "ServerException");
    for _ in 0..3 {
        assert_eq!(status(&h, "c1").await, ClusterStatus::Creating);
    }
    let journal = h.fake.journal();
    let eks: Vec<_> = journal
        .iter()
        .filter(|e| e.service == Service::Eks)
        .collect();
    assert_eq!(eks[0].action, "CreateCluster");
    assert!(eks[0].injected && eks[0].mutating);
    assert_eq!(
        eks[0].error_code.as_deref(),
        Some("ResourceLimitExceededException")
    );
    assert_eq!(eks[1].params.get("name").map(String::as_str), Some("c1"));
    assert_eq!(
        eks[1].params.get("resourcesVpcConfig.subnetIds.1"),
        Some(&n.ds[0])
    );
    assert_eq!(eks[2].action, "DescribeCluster");
    assert!(!eks[2].mutating);
}

/// The state dump (and `/_fake/state`) shows clusters and their add-ons;
/// a state file keeps them across a restart.
#[tokio::test]
async fn state_dump_and_state_file() {
    let dir = crate::standalone::temp_dir("eks-state");
    let path = dir.join("world.json");
    {
        let fake = Fake::with_state_file(Seed::default(), StateFile::new(&path)).unwrap();
        let server = fake.start().await.unwrap();
        let h = Harness {
            ec2: ec2_client(&server.url(), REGION),
            elb: elb_client(&server.url(), REGION),
            classic: classic_client(&server.url(), REGION),
            eks: eks_client(&server.url(), REGION),
            fake: fake.clone(),
            server,
        };
        let n = net(&h).await;
        ipv6_cluster(&h, &n, "c1", "1.31").await;
        h.eks
            .create_addon()
            .cluster_name("c1")
            .addon_name("vpc-cni")
            .send()
            .await
            .unwrap();
        let (_, _, body) = get(&h.server.url(), "/_fake/state").await;
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        let c = &doc["regions"][0]["eks"]["clusters"]["c1"];
        assert_eq!(c["status"], "ACTIVE");
        assert_eq!(c["addons"]["vpc-cni"]["status"], "CREATING");
        let (_, _, health) = get(&h.server.url(), "/_fake/health").await;
        let health: serde_json::Value = serde_json::from_str(&health).unwrap();
        assert_eq!(health["services"]["eks"], "2017-11-01");
        let Harness { server, fake, .. } = h;
        server.shutdown().await;
        drop(fake);
    }
    let fake = Fake::with_state_file(Seed::default(), StateFile::new(&path)).unwrap();
    let server = fake.start().await.unwrap();
    let eks = eks_client(&server.url(), REGION);
    let c = eks
        .describe_cluster()
        .name("c1")
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    assert_eq!(c.status, Some(ClusterStatus::Active));
    let a = eks
        .describe_addon()
        .cluster_name("c1")
        .addon_name("vpc-cni")
        .send()
        .await
        .unwrap();
    assert_eq!(a.addon.unwrap().status, Some(AddonStatus::Active));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The whole IPv6 life: a dualstack VPC with subnets in two zones, an
/// ipv6 cluster on 1.31, ACTIVE with an IPv6 service block, the three
/// add-ons at catalog versions ACTIVE, add-ons then cluster deleted, and
/// the VPC deletable.
#[tokio::test]
async fn ipv6_end_to_end() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let block = vpc_ipv6_block(&h, &vpc_id).await;
    let mut subnets = Vec::new();
    for (i, az) in ["us-east-1a", "us-east-1b"].iter().enumerate() {
        subnets.push(
            subnet(
                &h,
                &vpc_id,
                az,
                Some(&format!("10.0.{i}.0/24")),
                Some(&sub_block(&block, 64, i)),
            )
            .await,
        );
    }
    create(&h, "default_c1-control-plane", &subnets)
        .version("1.31")
        .kubernetes_network_config(family(IpFamily::Ipv6))
        .send()
        .await
        .unwrap();
    wait_active(&h, "default_c1-control-plane").await;
    let c = h
        .eks
        .describe_cluster()
        .name("default_c1-control-plane")
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    let v6 = c
        .kubernetes_network_config()
        .unwrap()
        .service_ipv6_cidr()
        .unwrap();
    assert!(v6.ends_with("/108"), "{v6}");
    let versions = h
        .eks
        .describe_addon_versions()
        .kubernetes_version("1.31")
        .send()
        .await
        .unwrap();
    for info in versions.addons() {
        let name = info.addon_name().unwrap();
        let version = info.addon_versions()[0].addon_version().unwrap();
        h.eks
            .create_addon()
            .cluster_name("default_c1-control-plane")
            .addon_name(name)
            .addon_version(version)
            .resolve_conflicts(ResolveConflicts::Overwrite)
            .send()
            .await
            .unwrap();
        assert_eq!(
            addon_status(&h, "default_c1-control-plane", name).await,
            AddonStatus::Active
        );
    }
    for name in ["vpc-cni", "coredns", "kube-proxy"] {
        h.eks
            .delete_addon()
            .cluster_name("default_c1-control-plane")
            .addon_name(name)
            .send()
            .await
            .unwrap();
        while h
            .eks
            .describe_addon()
            .cluster_name("default_c1-control-plane")
            .addon_name(name)
            .send()
            .await
            .is_ok()
        {}
    }
    assert!(
        h.eks
            .list_addons()
            .cluster_name("default_c1-control-plane")
            .send()
            .await
            .unwrap()
            .addons()
            .is_empty()
    );
    h.eks
        .delete_cluster()
        .name("default_c1-control-plane")
        .send()
        .await
        .unwrap();
    wait_gone(&h, "default_c1-control-plane").await;
    for s in &subnets {
        h.ec2.delete_subnet().subnet_id(s).send().await.unwrap();
    }
    h.ec2.delete_vpc().vpc_id(&vpc_id).send().await.unwrap();
}
