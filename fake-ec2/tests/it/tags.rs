//! Tags on both services: EC2's CreateTags, DeleteTags, DescribeTags and tag
//! specifications, ELBv2's AddTags, RemoveTags, DescribeTags; and the filter
//! shape every EC2 Describe call shares.

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use aws_sdk_elasticloadbalancingv2::types::{
    IpAddressType, Tag as ElbTag, TargetGroupIpAddressTypeEnum, TargetTypeEnum,
};

use crate::common::*;

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build()
}

async fn vpc_tags(h: &Harness, id: &str) -> Vec<(String, String)> {
    let d = h.ec2.describe_vpcs().vpc_ids(id).send().await.unwrap();
    d.vpcs()[0]
        .tags()
        .iter()
        .map(|t| (t.key().unwrap().to_owned(), t.value().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn a_filter_without_a_name_is_invalid() {
    let h = start().await;
    vpc(&h, "10.0.0.0/16", false).await;
    for result in [
        err(h
            .ec2
            .describe_vpcs()
            .filters(Filter::builder().values("x").build())
            .send()
            .await),
        err(h
            .ec2
            .describe_subnets()
            .filters(Filter::builder().values("x").build())
            .send()
            .await),
        err(h
            .ec2
            .describe_tags()
            .filters(Filter::builder().values("x").build())
            .send()
            .await),
    ] {
        assert_eq!(
            result,
            (
                "InvalidParameterValue".to_owned(),
                "The filter 'null' is invalid".to_owned()
            )
        );
    }
}

#[tokio::test]
async fn tag_keys_and_values_have_lengths() {
    let h = start().await;
    let id = vpc(&h, "10.0.0.0/16", false).await;
    let create = |t: Tag| h.ec2.create_tags().resources(&id).tags(t).send();
    // 128 characters of key and 256 of value are the most.
    create(tag(&"k".repeat(128), &"v".repeat(256)))
        .await
        .unwrap();
    let (code, msg) = err(create(tag(&"k".repeat(129), "v")).await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(
        msg.starts_with("Tag key exceeds the maximum length of 128"),
        "{msg}"
    );
    let (code, msg) = err(create(tag("k", &"v".repeat(257))).await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(
        msg.starts_with("Tag value exceeds the maximum length of 256"),
        "{msg}"
    );
    // The same rules hold in a tag specification.
    let (code, _) = err(h
        .ec2
        .create_vpc()
        .cidr_block("10.1.0.0/16")
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Vpc)
                .tags(tag(&"k".repeat(129), "v"))
                .build(),
        )
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(vpc_tags(&h, &id).await.len(), 1);
}

#[tokio::test]
async fn at_most_fifty_tags_per_resource() {
    let h = start().await;
    let id = vpc(&h, "10.0.0.0/16", false).await;
    let tags: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
    h.ec2
        .create_tags()
        .resources(&id)
        .set_tags(Some(tags))
        .send()
        .await
        .unwrap();
    // Replacing a value adds no tag; a 51st key is refused.
    h.ec2
        .create_tags()
        .resources(&id)
        .tags(tag("k0", "w"))
        .send()
        .await
        .unwrap();
    let (code, msg) = err(h
        .ec2
        .create_tags()
        .resources(&id)
        .tags(tag("k50", "v"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "TagLimitExceeded",
            "The maximum number of tags per resource, 50, has been exceeded."
        )
    );
    assert_eq!(vpc_tags(&h, &id).await.len(), 50);
    // 51 tags in a tag specification.
    let spec = TagSpecification::builder()
        .resource_type(ResourceType::Vpc)
        .set_tags(Some((0..51).map(|i| tag(&format!("k{i}"), "v")).collect()))
        .build();
    let (code, _) = err(h
        .ec2
        .create_vpc()
        .cidr_block("10.1.0.0/16")
        .tag_specifications(spec)
        .send()
        .await);
    assert_eq!(code, "TagLimitExceeded");
}

#[tokio::test]
async fn create_and_delete_tags_need_resources_that_exist() {
    let h = start().await;
    let id = vpc(&h, "10.0.0.0/16", false).await;
    let (code, msg) = err(h.ec2.create_tags().tags(tag("a", "1")).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "MissingParameter",
            "The request must contain the parameter ResourceId"
        )
    );
    let (code, msg) = err(h.ec2.create_tags().resources(&id).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "MissingParameter",
            "The request must contain the parameter Tag"
        )
    );
    let (code, msg) = err(h.ec2.delete_tags().tags(tag("a", "1")).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "MissingParameter",
            "The request must contain the parameter ResourceId"
        )
    );
    // One unknown resource: the known one is not tagged either.
    let (code, msg) = err(h
        .ec2
        .create_tags()
        .resources(&id)
        .resources("vpc-0000000000000dead")
        .tags(tag("a", "1"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidVpcID.NotFound",
            "The vpc ID 'vpc-0000000000000dead' does not exist"
        )
    );
    assert!(vpc_tags(&h, &id).await.is_empty());
    let (code, _) = err(h
        .ec2
        .create_tags()
        .resources("subnet-0000000000000dead")
        .tags(tag("a", "1"))
        .send()
        .await);
    assert_eq!(code, "InvalidSubnetID.NotFound");
    let (code, msg) = err(h
        .ec2
        .create_tags()
        .resources("bogus-123")
        .tags(tag("a", "1"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("InvalidID", "The ID 'bogus-123' is not valid")
    );
    // DeleteTags: all or nothing as well.
    h.ec2
        .create_tags()
        .resources(&id)
        .tags(tag("a", "1"))
        .tags(tag("b", "2"))
        .send()
        .await
        .unwrap();
    let (code, _) = err(h
        .ec2
        .delete_tags()
        .resources(&id)
        .resources("vpc-0000000000000dead")
        .tags(Tag::builder().key("a").build())
        .send()
        .await);
    assert_eq!(code, "InvalidVpcID.NotFound");
    assert_eq!(vpc_tags(&h, &id).await.len(), 2);
    // A value that does not match keeps the tag; a key alone removes it.
    h.ec2
        .delete_tags()
        .resources(&id)
        .tags(tag("a", "other"))
        .tags(Tag::builder().key("b").build())
        .send()
        .await
        .unwrap();
    assert_eq!(vpc_tags(&h, &id).await, [("a".to_owned(), "1".to_owned())]);
}

#[tokio::test]
async fn describe_tags_filters() {
    let h = start().await;
    let v = vpc(&h, "10.0.0.0/16", false).await;
    let s = subnet(&h, &v, "us-east-1a", Some("10.0.0.0/24"), None).await;
    h.ec2
        .create_tags()
        .resources(&v)
        .tags(tag("Name", "net"))
        .tags(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    h.ec2
        .create_tags()
        .resources(&s)
        .tags(tag("Name", "public"))
        .send()
        .await
        .unwrap();
    let rows = |name: &'static str, value: &'static str| {
        let h = &h;
        async move {
            h.ec2
                .describe_tags()
                .filters(Filter::builder().name(name).values(value).build())
                .send()
                .await
                .unwrap()
                .tags()
                .iter()
                .map(|t| {
                    format!(
                        "{}/{}={}",
                        t.resource_type().unwrap().as_str(),
                        t.key().unwrap(),
                        t.value().unwrap()
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        rows("resource-type", "subnet").await,
        ["subnet/Name=public"]
    );
    assert_eq!(rows("key", "env").await, ["vpc/env=prod"]);
    assert_eq!(rows("tag-key", "env").await, ["vpc/env=prod"]);
    assert_eq!(rows("value", "pub*").await, ["subnet/Name=public"]);
    assert_eq!(rows("tag-value", "prod").await, ["vpc/env=prod"]);
    assert_eq!(rows("tag:Name", "net").await, ["vpc/Name=net"]);
    let by_id = h
        .ec2
        .describe_tags()
        .filters(Filter::builder().name("resource-id").values(&v).build())
        .send()
        .await
        .unwrap();
    assert_eq!(by_id.tags().len(), 2);
    let (code, msg) = err(h
        .ec2
        .describe_tags()
        .filters(Filter::builder().name("vpc-id").values(&v).build())
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("InvalidParameterValue", "The filter 'vpc-id' is invalid")
    );
}

fn etag(k: &str, v: &str) -> ElbTag {
    ElbTag::builder().key(k).value(v).build()
}

#[tokio::test]
async fn elbv2_tag_keys_are_unique_and_follow_the_ec2_rules() {
    let h = start().await;
    let n = net(&h).await;
    let t = tg(
        &h,
        "cp",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    let add = |tags: Vec<ElbTag>| {
        h.elb
            .add_tags()
            .resource_arns(&t)
            .set_tags(Some(tags))
            .send()
    };
    let (code, msg) = err(add(vec![etag("a", "1"), etag("a", "2")]).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("DuplicateTagKeys", "Tag key 'a' is duplicated")
    );
    for bad in [
        etag(&"k".repeat(129), "v"),
        etag("k", &"v".repeat(257)),
        etag("aws:reserved", "v"),
    ] {
        let (code, _) = err(add(vec![bad]).await);
        assert_eq!(code, "ValidationError");
    }
    add(vec![etag(&"k".repeat(128), &"v".repeat(256))])
        .await
        .unwrap();
    // CreateLoadBalancer's tags follow the same rules.
    let (code, _) = err(nlb(&h, "dup", IpAddressType::Ipv4, &n.v4)
        .tags(etag("a", "1"))
        .tags(etag("a", "1"))
        .send()
        .await);
    assert_eq!(code, "DuplicateTagKeys");
    let d = h
        .elb
        .describe_tags()
        .resource_arns(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(d.tag_descriptions()[0].tags().len(), 1);
}

#[tokio::test]
async fn elbv2_tag_calls_name_arns_tags_and_keys() {
    let h = start().await;
    let n = net(&h).await;
    let t = tg(
        &h,
        "cp",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    let (code, msg) = err(h.elb.add_tags().tags(etag("a", "1")).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "At least one resource ARN must be specified"
        )
    );
    let (code, msg) = err(h.elb.add_tags().resource_arns(&t).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("ValidationError", "At least one tag must be specified")
    );
    let (code, msg) = err(h.elb.remove_tags().resource_arns(&t).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("ValidationError", "At least one tag key must be specified")
    );
    let (code, _) = err(h.elb.remove_tags().tag_keys("a").send().await);
    assert_eq!(code, "ValidationError");
    let (code, _) = err(h.elb.describe_tags().send().await);
    assert_eq!(code, "ValidationError");
    // DescribeTags takes at most 20 ARNs.
    let twenty = vec![t.clone(); 20];
    let d = h
        .elb
        .describe_tags()
        .set_resource_arns(Some(twenty.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(d.tag_descriptions().len(), 20);
    let mut twenty_one = twenty;
    twenty_one.push(t.clone());
    let (code, msg) = err(h
        .elb
        .describe_tags()
        .set_resource_arns(Some(twenty_one))
        .send()
        .await);
    assert_eq!(code, "ValidationError");
    assert!(msg.contains("less than or equal to 20"), "{msg}");
    // An ARN of another kind of resource.
    let vpc_arn = format!("arn:aws:ec2:us-east-1:123456789012:vpc/{}", n.vpc);
    let not_valid = format!("'{vpc_arn}' is not a valid resource ARN");
    for (code, msg) in [
        err(h
            .elb
            .add_tags()
            .resource_arns(&vpc_arn)
            .tags(etag("a", "1"))
            .send()
            .await),
        err(h
            .elb
            .remove_tags()
            .resource_arns(&vpc_arn)
            .tag_keys("a")
            .send()
            .await),
    ] {
        assert_eq!(
            (code.as_str(), msg.as_str()),
            ("ValidationError", not_valid.as_str())
        );
    }
    let (code, _) = err(h.elb.describe_tags().resource_arns(&vpc_arn).send().await);
    assert_eq!(code, "ValidationError");
}

#[tokio::test]
async fn ipam_resources_take_tags_and_unknown_ones_are_not_found() {
    let h = start().await;
    let ipam = h.ec2.create_ipam().send().await.unwrap().ipam.unwrap();
    let ipam_id = ipam.ipam_id().unwrap();
    let scope = ipam.private_default_scope_id().unwrap();
    let pool = h
        .ec2
        .create_ipam_pool()
        .ipam_scope_id(scope)
        .address_family(aws_sdk_ec2::types::AddressFamily::Ipv4)
        .send()
        .await
        .unwrap()
        .ipam_pool
        .unwrap()
        .ipam_pool_id
        .unwrap();
    h.ec2
        .create_tags()
        .resources(ipam_id)
        .resources(scope)
        .resources(&pool)
        .tags(tag("team", "net"))
        .send()
        .await
        .unwrap();
    let d = h
        .ec2
        .describe_tags()
        .filters(Filter::builder().name("key").values("team").build())
        .send()
        .await
        .unwrap();
    let mut types: Vec<_> = d
        .tags()
        .iter()
        .map(|t| t.resource_type().unwrap().as_str().to_owned())
        .collect();
    types.sort();
    assert_eq!(types, ["ipam", "ipam-pool", "ipam-scope"]);
    let scopes = h
        .ec2
        .describe_ipam_scopes()
        .ipam_scope_ids(scope)
        .send()
        .await
        .unwrap();
    assert_eq!(scopes.ipam_scopes()[0].tags().len(), 1);
    for (id, want) in [
        ("ipam-0000000000000dead", "InvalidIpamId.NotFound"),
        (
            "ipam-scope-0000000000000dead",
            "InvalidIpamScopeId.NotFound",
        ),
        ("ipam-pool-0000000000000dead", "InvalidIpamPoolId.NotFound"),
        (
            "ipv6pool-ec2-0000000000000dead",
            "InvalidIpv6PoolID.NotFound",
        ),
    ] {
        let (code, _) = err(h
            .ec2
            .create_tags()
            .resources(id)
            .tags(tag("a", "1"))
            .send()
            .await);
        assert_eq!(code, want, "{id}");
    }
}

/// A raw CR in XML text reaches the client as a plain LF (XML parsers
/// normalise line ends), so the fake writes it as `&#xD;`: tag values with
/// CR, CR LF, tabs and LF come back exactly as sent, on both services.
#[tokio::test]
async fn carriage_returns_in_tag_values_round_trip() {
    let h = start().await;
    let values = ["a\r\nb", "a\rb", "\r", "tab\tnl\nend\r\n"];
    let id = vpc(&h, "10.0.0.0/16", false).await;
    let tags: Vec<Tag> = values
        .iter()
        .enumerate()
        .map(|(i, v)| tag(&format!("k{i}"), v))
        .collect();
    h.ec2
        .create_tags()
        .resources(&id)
        .set_tags(Some(tags))
        .send()
        .await
        .unwrap();
    let mut got = vpc_tags(&h, &id).await;
    got.sort();
    let want: Vec<(String, String)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("k{i}"), (*v).to_owned()))
        .collect();
    assert_eq!(got, want);
    let described = h.ec2.describe_tags().send().await.unwrap();
    let mut listed: Vec<(String, String)> = described
        .tags()
        .iter()
        .map(|t| (t.key().unwrap().to_owned(), t.value().unwrap().to_owned()))
        .collect();
    listed.sort();
    assert_eq!(listed, want);
    // aws-sdk-rust's XML reader keeps a raw CR, but a conforming XML 1.0
    // parser (botocore's, a browser's) turns CR LF into LF (XML 1.0, 2.11):
    // on the wire every CR is a character reference.
    let (status, _, body) = raw_post(
        &h.server.url(),
        Some(&sigv4(REGION, "ec2")),
        &format!("Action=DescribeVpcs&Version=2016-11-15&VpcId.1={id}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(!body.contains('\r'), "a raw CR on the wire: {body:?}");
    assert!(
        body.contains("<value>a&#xD;\nb</value>"),
        "the CR is not escaped: {body:?}"
    );

    let n = net(&h).await;
    let t = tg(
        &h,
        "cr",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    h.elb
        .add_tags()
        .resource_arns(&t)
        .tags(etag("k", "a\r\nb"))
        .send()
        .await
        .unwrap();
    let d = h
        .elb
        .describe_tags()
        .resource_arns(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(d.tag_descriptions()[0].tags()[0].value(), Some("a\r\nb"));
}

#[tokio::test]
async fn elbv2_at_most_fifty_tags_on_resources_that_exist() {
    let h = start().await;
    let n = net(&h).await;
    let lb = nlb(&h, "cp", IpAddressType::Ipv4, &n.v4)
        .tags(
            ElbTag::builder()
                .key("sigs.k8s.io/cluster-api-provider-aws/cluster/c1")
                .value("owned")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let t = tg(
        &h,
        "cp",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Instance,
    )
    .await;
    h.elb
        .add_tags()
        .resource_arns(&lb)
        .resource_arns(&t)
        .tags(ElbTag::builder().key("Name").value("cp").build())
        .send()
        .await
        .unwrap();
    h.elb
        .remove_tags()
        .resource_arns(&t)
        .tag_keys("Name")
        .send()
        .await
        .unwrap();
    let d = h
        .elb
        .describe_tags()
        .resource_arns(&lb)
        .resource_arns(&t)
        .send()
        .await
        .unwrap();
    let lb_tags: Vec<_> = d.tag_descriptions()[0]
        .tags()
        .iter()
        .map(|t| (t.key().unwrap().to_owned(), t.value().unwrap().to_owned()))
        .collect();
    assert_eq!(
        lb_tags,
        [
            (
                "sigs.k8s.io/cluster-api-provider-aws/cluster/c1".to_owned(),
                "owned".to_owned()
            ),
            ("Name".to_owned(), "cp".to_owned())
        ]
    );
    assert!(d.tag_descriptions()[1].tags().is_empty());
    let many: Vec<ElbTag> = (0..51)
        .map(|i| ElbTag::builder().key(format!("k{i}")).value("v").build())
        .collect();
    let (code, _) = err(h
        .elb
        .add_tags()
        .resource_arns(&t)
        .set_tags(Some(many))
        .send()
        .await);
    assert_eq!(code, "TooManyTags");
    let (code, _) = err(h
        .elb
        .describe_tags()
        .resource_arns(lb.replace("/cp/", "/nope/"))
        .send()
        .await);
    assert_eq!(code, "LoadBalancerNotFound");
}
