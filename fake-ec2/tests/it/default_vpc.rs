//! The default VPC of a new account's region: what it holds, what uses it
//! (CreateSecurityGroup, RunInstances and group names without a VPC or
//! subnet), DescribeAccountAttributes, deleting it, CreateDefaultVpc and
//! CreateDefaultSubnet, and the seed that turns it off.

use aws_sdk_ec2::types::{Filter, InstanceType, Placement, Subnet, VpcAttributeName};

use crate::common::*;

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// The subnets that pass every filter (name, value).
async fn subnets(h: &Harness, by: &[(&str, &str)]) -> Vec<Subnet> {
    let mut req = h.ec2.describe_subnets();
    for (name, value) in by {
        req = req.filters(filter(name, value));
    }
    req.send().await.unwrap().subnets().to_vec()
}

async fn delete_subnet(h: &Harness, subnet: &Subnet) {
    h.ec2
        .delete_subnet()
        .subnet_id(subnet.subnet_id().unwrap())
        .send()
        .await
        .unwrap();
}

/// A fake whose regions have the default VPC a real account has.
async fn account() -> Harness {
    start_with(fake_ec2::Seed {
        default_vpc: Some(true),
        ..fake_ec2::Seed::default()
    })
    .await
}

async fn default_vpc_attribute(h: &Harness) -> String {
    let out = h
        .ec2
        .describe_account_attributes()
        .attribute_names("default-vpc".into())
        .send()
        .await
        .unwrap();
    let attrs = out.account_attributes();
    assert_eq!(attrs.len(), 1, "{attrs:?}");
    assert_eq!(attrs[0].attribute_name(), Some("default-vpc"));
    attrs[0].attribute_values()[0]
        .attribute_value()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_new_region_has_the_default_vpc_of_a_real_account() {
    let h = account().await;
    let vpcs = h.ec2.describe_vpcs().send().await.unwrap();
    let [the_vpc] = vpcs.vpcs() else {
        panic!("one VPC: {vpcs:?}")
    };
    let vpc_id = the_vpc.vpc_id().unwrap();
    assert_eq!(vpc_id, "vpc-d0000000000000001");
    assert_eq!(the_vpc.is_default(), Some(true));
    assert_eq!(the_vpc.cidr_block(), Some("172.31.0.0/16"));
    assert_eq!(the_vpc.state().unwrap().as_str(), "available");
    assert!(the_vpc.ipv6_cidr_block_association_set().is_empty());
    let by_filter = h
        .ec2
        .describe_vpcs()
        .filters(filter("is-default", "true"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_filter.vpcs().len(), 1);
    let hostnames = h
        .ec2
        .describe_vpc_attribute()
        .vpc_id(vpc_id)
        .attribute(VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .unwrap();
    assert_eq!(
        hostnames.enable_dns_hostnames().and_then(|v| v.value()),
        Some(true)
    );

    // A default /20 per Availability Zone, in zone order, public on launch.
    let mut got: Vec<(String, String, bool)> = subnets(&h, &[("default-for-az", "true")])
        .await
        .iter()
        .map(|s| {
            assert_eq!(s.vpc_id(), Some(vpc_id));
            assert_eq!(s.available_ip_address_count(), Some(4091));
            (
                s.availability_zone().unwrap().to_owned(),
                s.cidr_block().unwrap().to_owned(),
                s.map_public_ip_on_launch().unwrap(),
            )
        })
        .collect();
    got.sort();
    let want: Vec<(String, String, bool)> = ["a", "b", "c", "d", "e", "f"]
        .iter()
        .enumerate()
        .map(|(i, z)| {
            (
                format!("us-east-1{z}"),
                format!("172.31.{}.0/20", 16 * i),
                true,
            )
        })
        .collect();
    assert_eq!(got, want, "no default subnet in a Local or Wavelength Zone");

    // An attached internet gateway, the main table's default route to it,
    // the default security group.
    let igws = h
        .ec2
        .describe_internet_gateways()
        .filters(filter("attachment.vpc-id", vpc_id))
        .send()
        .await
        .unwrap();
    let [igw] = igws.internet_gateways() else {
        panic!("one gateway: {igws:?}")
    };
    let igw_id = igw.internet_gateway_id().unwrap();
    let tables = h
        .ec2
        .describe_route_tables()
        .filters(filter("vpc-id", vpc_id))
        .filters(filter("association.main", "true"))
        .send()
        .await
        .unwrap();
    let routes: Vec<(Option<&str>, Option<&str>)> = tables.route_tables()[0]
        .routes()
        .iter()
        .map(|r| (r.destination_cidr_block(), r.gateway_id()))
        .collect();
    assert_eq!(
        routes,
        [
            (Some("172.31.0.0/16"), Some("local")),
            (Some("0.0.0.0/0"), Some(igw_id))
        ]
    );
    let groups = h
        .ec2
        .describe_security_groups()
        .filters(filter("vpc-id", vpc_id))
        .send()
        .await
        .unwrap();
    assert_eq!(groups.security_groups().len(), 1);
    assert_eq!(groups.security_groups()[0].group_name(), Some("default"));

    assert_eq!(default_vpc_attribute(&h).await, vpc_id);
    let all = h.ec2.describe_account_attributes().send().await.unwrap();
    let names: Vec<&str> = all
        .account_attributes()
        .iter()
        .filter_map(|a| a.attribute_name())
        .collect();
    assert_eq!(
        names,
        [
            "supported-platforms",
            "vpc-max-security-groups-per-interface",
            "max-elastic-ips",
            "vpc-max-elastic-ips",
            "max-instances",
            "default-vpc"
        ]
    );
    let (code, msg) = err(h
        .ec2
        .describe_account_attributes()
        .attribute_names("max-vpcs".into())
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(
        msg.starts_with("Value (max-vpcs) for parameter attributeName is invalid."),
        "{msg}"
    );

    // What a test makes is numbered as in a world without a default VPC.
    assert_eq!(vpc(&h, "10.0.0.0/16", false).await, "vpc-00000000000000001");
    assert_eq!(made_vpcs(&h.ec2).await, ["vpc-00000000000000001"]);
}

#[tokio::test]
async fn groups_and_instances_without_a_vpc_use_the_default_one() {
    let h = account().await;
    let sg = h
        .ec2
        .create_security_group()
        .group_name("web")
        .description("web servers")
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    let groups = h
        .ec2
        .describe_security_groups()
        .group_names("web")
        .send()
        .await
        .unwrap();
    assert_eq!(groups.security_groups()[0].group_id(), Some(sg.as_str()));
    assert_eq!(
        groups.security_groups()[0].vpc_id(),
        Some("vpc-d0000000000000001")
    );

    // No subnet: the default subnet of the first zone, the VPC's default group.
    let run = |t: InstanceType| {
        h.ec2
            .run_instances()
            .image_id(ami())
            .instance_type(t)
            .min_count(1)
            .max_count(1)
    };
    let out = run(InstanceType::T3Micro).send().await.unwrap();
    let i = &out.instances()[0];
    assert_eq!(
        i.placement().and_then(|p| p.availability_zone()),
        Some("us-east-1a")
    );
    // Default subnets give a public IPv4 address at launch, with a public
    // name (the default VPC has DNS hostnames on).
    assert_eq!(i.public_ip_address(), Some("44.208.0.1"));
    assert_eq!(
        i.public_dns_name(),
        Some("ec2-44-208-0-1.compute-1.amazonaws.com")
    );
    let association = i.network_interfaces()[0].association().unwrap();
    assert_eq!(association.public_ip(), Some("44.208.0.1"));
    assert_eq!(association.ip_owner_id(), Some("amazon"));
    let found = h
        .ec2
        .describe_instances()
        .filters(filter("ip-address", "44.208.0.1"))
        .send()
        .await
        .unwrap();
    assert_eq!(found.reservations().len(), 1);
    let default_sg: Vec<&str> = i
        .security_groups()
        .iter()
        .filter_map(|g| g.group_name())
        .collect();
    assert_eq!(default_sg, ["default"]);
    // A type us-east-1a does not offer lands in the first zone that does.
    let out = run(InstanceType::from("trn1.32xlarge"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.instances()[0]
            .placement()
            .and_then(|p| p.availability_zone()),
        Some("us-east-1b")
    );
    // The zone asked for, and groups by name.
    let out = run(InstanceType::T3Micro)
        .placement(Placement::builder().availability_zone("us-east-1c").build())
        .security_groups("web")
        .send()
        .await
        .unwrap();
    let i = &out.instances()[0];
    let subnet = i.subnet_id().unwrap();
    let s = h
        .ec2
        .describe_subnets()
        .subnet_ids(subnet)
        .send()
        .await
        .unwrap();
    assert_eq!(s.subnets()[0].availability_zone(), Some("us-east-1c"));
    assert_eq!(s.subnets()[0].default_for_az(), Some(true));
    let names: Vec<&str> = i
        .security_groups()
        .iter()
        .filter_map(|g| g.group_id())
        .collect();
    assert_eq!(names, [sg.as_str()]);
    let (code, msg) = err(run(InstanceType::T3Micro)
        .security_groups("nosuch")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidGroup.NotFound",
            "The security group 'nosuch' does not exist in default VPC 'vpc-d0000000000000001'"
        )
    );
    let (code, msg) = err(run(InstanceType::T3Micro)
        .placement(
            Placement::builder()
                .availability_zone("us-east-1-nyc-1a")
                .build(),
        )
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "MissingInput",
            "No default subnet for availability zone: 'us-east-1-nyc-1a'. Please specify a subnet."
        )
    );
}

#[tokio::test]
async fn the_default_vpc_can_be_deleted_and_made_again() {
    let h = account().await;
    let vpc_id = default_vpc_attribute(&h).await;
    let before = subnets(&h, &[("vpc-id", &vpc_id)]).await;

    // One default subnet per zone: a second is refused; deleted, it comes back.
    let (code, msg) = err(h
        .ec2
        .create_default_subnet()
        .availability_zone("us-east-1b")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "DefaultSubnetAlreadyExistsInAvailabilityZone",
            "A Default Subnet already exists in the availability zone 'us-east-1b'."
        )
    );
    let b = before
        .iter()
        .find(|s| s.availability_zone() == Some("us-east-1b"))
        .unwrap();
    delete_subnet(&h, b).await;
    let again = h
        .ec2
        .create_default_subnet()
        .availability_zone("us-east-1b")
        .send()
        .await
        .unwrap()
        .subnet
        .unwrap();
    assert_eq!(again.cidr_block(), b.cidr_block());
    assert_eq!(again.default_for_az(), Some(true));
    assert_eq!(again.map_public_ip_on_launch(), Some(true));
    assert!(again.subnet_id().unwrap().starts_with("subnet-d"));
    let (code, _) = err(h
        .ec2
        .create_default_subnet()
        .availability_zone("us-east-1-nyc-1a")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    let (code, msg) = err(h.ec2.create_default_vpc().send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "DefaultVpcAlreadyExists",
            "A Default VPC already exists for this account in this region."
        )
    );

    // Deleted as any VPC is: subnets, the gateway, then the VPC.
    for s in subnets(&h, &[("vpc-id", &vpc_id)]).await {
        delete_subnet(&h, &s).await;
    }
    let igws = h.ec2.describe_internet_gateways().send().await.unwrap();
    let igw = igws.internet_gateways()[0].internet_gateway_id().unwrap();
    h.ec2
        .detach_internet_gateway()
        .internet_gateway_id(igw)
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap();
    h.ec2
        .delete_internet_gateway()
        .internet_gateway_id(igw)
        .send()
        .await
        .unwrap();
    h.ec2.delete_vpc().vpc_id(&vpc_id).send().await.unwrap();
    assert_eq!(default_vpc_attribute(&h).await, "none");

    // Without it, what needed it is refused as AWS refuses it.
    let (code, msg) = err(h
        .ec2
        .create_security_group()
        .group_name("web")
        .description("web servers")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("VPCIdNotSpecified", "No default VPC for this user")
    );
    let (code, _) = err(h
        .ec2
        .run_instances()
        .image_id(ami())
        .min_count(1)
        .max_count(1)
        .send()
        .await);
    assert_eq!(code, "VPCIdNotSpecified");
    let (code, msg) = err(h
        .ec2
        .create_default_subnet()
        .availability_zone("us-east-1a")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "DefaultVpcDoesNotExist",
            "No default VPC exists for this account in this region."
        )
    );

    // CreateDefaultVpc makes a whole new one.
    let vpc = h
        .ec2
        .create_default_vpc()
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap();
    assert_eq!(vpc.is_default(), Some(true));
    assert_eq!(vpc.cidr_block(), Some("172.31.0.0/16"));
    let new_id = vpc.vpc_id().unwrap();
    assert_eq!(new_id, "vpc-d0000000000000002");
    assert_eq!(default_vpc_attribute(&h).await, new_id);
    let made = subnets(&h, &[("vpc-id", new_id), ("default-for-az", "true")]).await;
    assert_eq!(made.len(), 6);
    let igws = h
        .ec2
        .describe_internet_gateways()
        .filters(filter("attachment.vpc-id", new_id))
        .send()
        .await
        .unwrap();
    assert_eq!(igws.internet_gateways().len(), 1);
}

#[tokio::test]
async fn an_ipv6_only_default_subnet_needs_an_ipv6_block() {
    let h = account().await;
    let vpc_id = default_vpc_attribute(&h).await;
    let a = subnets(
        &h,
        &[("vpc-id", &vpc_id), ("availability-zone", "us-east-1a")],
    )
    .await;
    delete_subnet(&h, &a[0]).await;
    let ipv6_only = || {
        h.ec2
            .create_default_subnet()
            .availability_zone("us-east-1a")
            .ipv6_native(true)
    };
    let (code, _) = err(ipv6_only().send().await);
    assert_eq!(code, "InvalidParameterValue");
    h.ec2
        .associate_vpc_cidr_block()
        .vpc_id(&vpc_id)
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await
        .unwrap();
    let block = vpc_ipv6_block(&h, &vpc_id).await;
    let s = ipv6_only().send().await.unwrap().subnet.unwrap();
    assert_eq!(s.ipv6_native(), Some(true));
    assert_eq!(s.cidr_block(), None);
    assert_eq!(s.default_for_az(), Some(true));
    let got = s.ipv6_cidr_block_association_set()[0]
        .ipv6_cidr_block()
        .unwrap();
    assert_eq!(got, sub_block(&block, 64, 0));
}

#[tokio::test]
async fn the_seed_says_which_regions_have_one() {
    let h = start_yaml("default_vpc: false\nregions:\n  eu-west-1:\n    default_vpc: true\n").await;
    assert!(
        h.ec2
            .describe_vpcs()
            .send()
            .await
            .unwrap()
            .vpcs()
            .is_empty()
    );
    assert_eq!(default_vpc_attribute(&h).await, "none");
    let west = ec2_client(&h.server.url(), "eu-west-1");
    let vpcs = west.describe_vpcs().send().await.unwrap();
    assert_eq!(vpcs.vpcs().len(), 1);
    assert_eq!(vpcs.vpcs()[0].is_default(), Some(true));

    // Settling reads do not apply: it was there before anyone looked.
    let h = start_yaml("default_vpc: true\nsettle_reads: 3\n").await;
    let vpcs = h.ec2.describe_vpcs().send().await.unwrap();
    assert_eq!(vpcs.vpcs()[0].state().unwrap().as_str(), "available");
    let subnets = h.ec2.describe_subnets().send().await.unwrap();
    assert!(
        subnets
            .subnets()
            .iter()
            .all(|s| s.state().unwrap().as_str() == "available")
    );
}
