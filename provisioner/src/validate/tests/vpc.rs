//! Cases for the VPC, bring-your-own VPCs, the region, no in-place migration.

use super::*;

#[test]
pub(super) fn region_mismatch() {
    let f = rules_of(&base(), &facts(), Some("us-west-2"));
    assert_eq!(ids(&f), ["region-mismatch"]);
    covered(Rule::RegionMismatch);
}

#[test]
pub(super) fn vpc_rules() {
    let a = aws("    vpc:\n      cidrBlock: 10.0.0.0/33\n      ipv6: {}\n");
    expect(Rule::VpcCidrInvalid, case(&a));
    let a = aws("    vpc:\n      cidrBlock: 10.0.0.0/12\n      ipv6: {}\n");
    expect(Rule::VpcCidrSize, case(&a));
    let a = aws(
        "    vpc:\n      cidrBlock: 10.0.0.0/16\n      ipamPool: {id: ipam-pool-1}\n      ipv6: {}\n",
    );
    expect(Rule::VpcCidrAndIpamPool, case(&a));
    let a = aws("    vpc:\n      ipamPool: {netmaskLength: 16}\n      ipv6: {}\n");
    expect(Rule::VpcIpamPoolNeedsIdOrName, case(&a));
    let a = aws("    vpc:\n      ipv6: {cidrBlock: 2001:db8::56, poolId: ipv6pool-ec2-1}\n");
    expect(Rule::VpcIpv6CidrInvalid, case(&a));
    let a = aws("    vpc:\n      ipv6: {cidrBlock: 2001:db8::/64, poolId: ipv6pool-ec2-1}\n");
    expect(Rule::VpcIpv6CidrSize, case(&a));
    let a = aws("    vpc:\n      ipv6: {cidrBlock: \"2009:1234:ff00::/56\"}\n");
    expect(Rule::VpcIpv6CidrNeedsPool, case(&a));
    let a = aws("    vpc:\n      ipv6: {poolId: ipv6pool-ec2-1, ipamPool: {id: ipam-pool-1}}\n");
    expect(Rule::VpcIpv6PoolAndIpamPool, case(&a));
    let a = aws(
        "    vpc:\n      ipv6: {cidrBlock: \"2009:1234:ff00::/56\", ipamPool: {id: ipam-pool-1}}\n",
    );
    expect(Rule::VpcIpv6CidrAndIpamPool, case(&a));
    let a = aws("    vpc:\n      ipv6: {ipamPool: {netmaskLength: 56}}\n");
    expect(Rule::VpcIpamPoolNeedsIdOrName, case(&a));
    let a = aws("    vpc:\n      ipv6: {ipamPool: {id: ipam-pool-1, netmaskLength: 50}}\n");
    expect(Rule::VpcIpv6NetmaskLength, case(&a));
    let a = aws("    vpc:\n      ipv6: {egressOnlyInternetGatewayId: eigw-1}\n");
    expect(Rule::VpcIpv6EigwInManagedVpc, case(&a));
    let a = aws("    vpc:\n      ipv6: {poolId: ipv6pool-ec2-1}\n");
    let f = expect(Rule::VpcIpv6PoolWithoutCidr, case(&a));
    assert!(f.iter().all(|x| !x.is_error()), "{f:#?}");
    let mut clash = facts();
    clash.vpc_name_clash = Some(crate::facts::VpcNameClash::Untagged("vpc-9".into()));
    let f = expect_with(Rule::VpcNameTaken, base(), &clash);
    assert!(
        f.iter().any(|x| x
            .message
            .starts_with("found VPC \"vpc-9\" which cannot be managed by CAPA")),
        "{f:#?}"
    );
    // The valid allocation modes raise nothing.
    for mode in [
        "ipv6: {}",
        "ipv6: {poolId: ipv6pool-ec2-1, cidrBlock: \"2009:1234:ff00::/56\"}",
        "ipv6: {ipamPool: {id: ipam-pool-1}}",
        "ipv6: {ipamPool: {name: my-pool, netmaskLength: 52}}",
    ] {
        let a = aws(&format!("    vpc:\n      {mode}\n"));
        let f = rules_of(&case(&a), &facts(), None);
        assert!(f.is_empty(), "{mode}: {f:#?}");
    }
}

const BYO: &str = "    vpc:
      id: vpc-1234567890abcdefg
      cidrBlock: 10.0.0.0/16
      ipv6:
        cidrBlock: \"2001:1234:ff00::/56\"
        egressOnlyInternetGatewayId: eigw-1234567890abcdefg
    subnets:
    - id: subnet-public-a
    - id: subnet-private-a
";

fn byo_facts() -> Facts {
    let mut f = facts();
    f.byo_vpc_checked = true;
    f.byo_vpc = Some(VpcFact {
        vpc_id: "vpc-1234567890abcdefg".into(),
        cidr_blocks: vec!["10.0.0.0/16".parse().unwrap()],
        ipv6_cidr_blocks: vec!["2001:1234:ff00::/56".parse().unwrap()],
        tags: BTreeMap::new(),
    });
    f.byo_egress_only_gateway = Some(EgressOnlyGatewayFact {
        id: "eigw-1234567890abcdefg".into(),
        vpc_id: Some("vpc-1234567890abcdefg".into()),
    });
    let subnet =
        |id: &str, public: bool, v4: Option<&str>, v6: &str, dns64: bool, nat64: bool| SubnetFact {
            subnet_id: id.into(),
            vpc_id: "vpc-1234567890abcdefg".into(),
            availability_zone: "us-east-1a".into(),
            cidr_block: v4.map(|c| c.parse().unwrap()),
            ipv6_cidr_block: Some(v6.parse().unwrap()),
            ipv6_native: v4.is_none(),
            enable_dns64: dns64,
            map_public_ip_on_launch: public,
            public,
            nat64_route: nat64,
            tags: BTreeMap::new(),
        };
    f.byo_subnets.insert(
        "subnet-public-a".into(),
        subnet(
            "subnet-public-a",
            true,
            Some("10.0.0.0/24"),
            "2001:1234:ff00:1::/64",
            false,
            false,
        ),
    );
    f.byo_subnets.insert(
        "subnet-private-a".into(),
        subnet(
            "subnet-private-a",
            false,
            None,
            "2001:1234:ff00:2::/64",
            true,
            true,
        ),
    );
    f
}

#[test]
pub(super) fn bring_your_own_vpc_rules() {
    let a = aws(BYO);
    let f = rules_of(&case(&a), &byo_facts(), None);
    assert!(f.is_empty(), "the seed's BYO shape is valid: {f:#?}");

    let a = aws("    vpc:\n      id: vpc-1234567890abcdefg\n      ipv6: \
            {egressOnlyInternetGatewayId: eigw-1234567890abcdefg}\n    \
            subnets: [{id: subnet-public-a}]\n");
    expect_with(Rule::ByoVpcIpv6NeedsCidr, case(&a), &byo_facts());
    let a = aws(
        "    vpc:\n      id: vpc-1234567890abcdefg\n      ipv6: {cidrBlock: \"2001:1234:ff00::/56\"}\n    subnets: [{id: subnet-public-a}]\n",
    );
    expect_with(Rule::ByoVpcIpv6NeedsEigw, case(&a), &byo_facts());
    let a = aws(
        "    vpc:\n      id: vpc-1234567890abcdefg\n      ipv6: {cidrBlock: \"2001:1234:ff00::/56\", egressOnlyInternetGatewayId: eigw-1234567890abcdefg}\n",
    );
    expect_with(Rule::ByoVpcNeedsSubnets, case(&a), &byo_facts());

    let mut gone = byo_facts();
    gone.byo_vpc = None;
    expect_with(Rule::ByoVpcNotFound, case(&aws(BYO)), &gone);

    let a = aws(&BYO.replace("cidrBlock: 10.0.0.0/16", "cidrBlock: 10.9.0.0/16"));
    expect_with(Rule::ByoVpcCidrMismatch, case(&a), &byo_facts());
    let a = aws(&BYO.replace("2001:1234:ff00::/56", "2001:1234:ee00::/56"));
    expect_with(Rule::ByoVpcIpv6CidrMismatch, case(&a), &byo_facts());
    let mut elsewhere = byo_facts();
    elsewhere.byo_egress_only_gateway = Some(EgressOnlyGatewayFact {
        id: "eigw-1234567890abcdefg".into(),
        vpc_id: Some("vpc-other".into()),
    });
    expect_with(Rule::ByoVpcEigwMismatch, case(&aws(BYO)), &elsewhere);
    let a = aws(&format!("{BYO}    - id: subnet-missing\n"));
    expect_with(Rule::ByoSubnetNotFound, case(&a), &byo_facts());

    let mut bare = byo_facts();
    let s = bare.byo_subnets.get_mut("subnet-private-a").unwrap();
    s.enable_dns64 = false;
    s.nat64_route = false;
    let f = expect_with(Rule::ByoIpv6OnlySubnetNoDns64, case(&aws(BYO)), &bare);
    covers(&f, Rule::ByoIpv6OnlySubnetNoNat64);
    assert!(f.iter().all(|x| x.severity == Severity::Warning), "{f:#?}");
}

#[test]
pub(super) fn no_in_place_migration() {
    let mut f = facts();
    f.existing_cluster_vpc = Some(VpcFact {
        vpc_id: "vpc-1".into(),
        cidr_blocks: vec!["10.0.0.0/16".parse().unwrap()],
        ipv6_cidr_blocks: vec![],
        tags: BTreeMap::new(),
    });
    let found = expect_with(Rule::NoInPlaceMigration, base(), &f);
    let msg = &found
        .iter()
        .find(|x| x.rule.id() == "no-in-place-migration")
        .unwrap()
        .message;
    assert!(msg.contains("create a new cluster"), "{msg}");
    // The reverse: an IPv6 cluster that drops vpc.ipv6.
    f.existing_cluster_vpc.as_mut().unwrap().ipv6_cidr_blocks =
        vec!["2600:1f18:0:100::/56".parse().unwrap()];
    let v4 = "\n  region: us-east-1\n  controlPlaneLoadBalancer: {loadBalancerType: nlb}\n  network:\n    vpc: {cidrBlock: 10.0.0.0/16}\n";
    expect_with(
        Rule::NoInPlaceMigration,
        Case {
            aws_cluster: v4,
            cluster_network: "",
            machine: MACHINE,
        },
        &f,
    );
}

/// CAPA's `S3Bucket.Validate`: refused without the BootstrapFormatIgnition
/// gate; with it, a name, the instance profiles (unless presigned URLs
/// stand in) and a name that is not an IP address.
#[test]
pub(super) fn s3_bucket_rules() {
    let with = |bucket: &str, gate: bool| {
        let spec = format!("{}  s3Bucket:\n{bucket}", aws("    vpc:\n      ipv6: {}\n"));
        let c = case(&spec);
        let m = Manifests::load_str(&manifests(&c), "case.yaml", &Vars::only(BTreeMap::new()))
            .expect("manifests");
        let mut model = ClusterModel::from_manifests(&m).expect("model");
        model.feature_gates.bootstrap_format_ignition = gate;
        let (subnets, _) = crate::layout::subnets(&model, &facts());
        validate(&model, &facts(), &subnets, None)
    };
    let good = "    name: demo-bootstrap\n    controlPlaneIAMInstanceProfile: cp\n    nodesIAMInstanceProfiles: [nodes]\n";
    let f = with(good, false);
    assert_eq!(ids(&f), ["s3-bucket-needs-ignition-gate"], "{f:#?}");
    assert_eq!(f[0].path, "spec.s3Bucket");
    covers(&f, Rule::S3BucketNeedsIgnitionGate);
    assert!(
        with(good, true).is_empty(),
        "a valid bucket with the gate on"
    );
    // Presigned URLs stand in for the instance profiles.
    let presigned = "    name: demo-bootstrap\n    presignedURLDuration: 1h\n";
    assert!(with(presigned, true).is_empty());
    let bad = "    name: 10.0.0.1\n    nodesIAMInstanceProfiles: [nodes, \"\"]\n";
    let f = with(bad, true);
    covers(&f, Rule::S3BucketInvalid);
    let paths: Vec<&str> = f.iter().map(|x| x.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "spec.s3Bucket.controlPlaneIAMInstanceProfile",
            "spec.s3Bucket.nodesIAMInstanceProfiles[1]",
            "spec.s3Bucket.name",
        ],
        "{f:#?}"
    );
    assert!(f[2].message.contains("IP address"), "{}", f[2].message);
    let f = with(
        "    nodesIAMInstanceProfiles: []\n    controlPlaneIAMInstanceProfile: cp\n",
        true,
    );
    let paths: Vec<&str> = f.iter().map(|x| x.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "spec.s3Bucket.name",
            "spec.s3Bucket.nodesIAMInstanceProfiles"
        ],
        "{f:#?}"
    );
}
