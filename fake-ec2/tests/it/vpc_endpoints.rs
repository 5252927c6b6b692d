//! VPC endpoints through the real SDK: gateway endpoints put prefix-list
//! routes in their route tables; interface endpoints put an interface in
//! each subnet, with the addresses their IP address type asks for.

use aws_sdk_ec2::types::{
    DnsOptionsSpecification, DnsRecordIpType, IpAddressType, ResourceType, VpcAttributeName,
    VpcEndpointType,
};

use crate::common::*;
use crate::gateways::{filter, tag_spec};
use crate::routes::route_table;

const S3: &str = "com.amazonaws.us-east-1.s3";
const EC2: &str = "com.amazonaws.us-east-1.ec2";
const S3_PREFIX_LIST: &str = "pl-63a5400a";

async fn dns_hostnames(h: &Harness, vpc_id: &str) {
    h.ec2
        .modify_vpc_attribute()
        .vpc_id(vpc_id)
        .enable_dns_hostnames(
            aws_sdk_ec2::types::AttributeBooleanValue::builder()
                .value(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let attr = h
        .ec2
        .describe_vpc_attribute()
        .vpc_id(vpc_id)
        .attribute(VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .unwrap();
    assert_eq!(
        attr.enable_dns_hostnames().and_then(|a| a.value()),
        Some(true)
    );
}

async fn prefix_list_routes(h: &Harness, table: &str) -> Vec<(String, String)> {
    let out = h
        .ec2
        .describe_route_tables()
        .route_table_ids(table)
        .send()
        .await
        .unwrap();
    out.route_tables()[0]
        .routes()
        .iter()
        .filter_map(|r| {
            Some((
                r.destination_prefix_list_id()?.to_owned(),
                r.gateway_id()?.to_owned(),
            ))
        })
        .collect()
}

#[tokio::test]
async fn gateway_endpoint_routes_its_tables_and_is_modified_and_deleted() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let (rt1, rt2) = (
        route_table(&h, &vpc_id).await,
        route_table(&h, &vpc_id).await,
    );
    let out = h
        .ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc_id)
        .service_name(S3)
        .route_table_ids(&rt1)
        .client_token("t-1")
        .tag_specifications(tag_spec(ResourceType::VpcEndpoint, "Name", "s3"))
        .send()
        .await
        .unwrap();
    let ep = out.vpc_endpoint.unwrap();
    let id = ep.vpc_endpoint_id().unwrap().to_owned();
    assert!(id.starts_with("vpce-"), "{id}");
    assert_eq!(ep.vpc_endpoint_type(), Some(&VpcEndpointType::Gateway));
    // AWS sends the state in lower case ("available"), which the SDK's
    // capitalised `State` enum keeps as an unknown variant.
    assert_eq!(ep.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(ep.route_table_ids(), std::slice::from_ref(&rt1));
    assert_eq!(ep.ip_address_type(), Some(&IpAddressType::Ipv4));
    assert!(ep.policy_document().unwrap().contains("\"Allow\""));
    assert_eq!(out.client_token.as_deref(), Some("t-1"));
    assert_eq!(
        prefix_list_routes(&h, &rt1).await,
        [(S3_PREFIX_LIST.to_owned(), id.clone())]
    );

    // The same token answers the same endpoint; with another service it
    // is a mismatch.
    let again = h
        .ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc_id)
        .service_name(S3)
        .route_table_ids(&rt1)
        .client_token("t-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.vpc_endpoint.unwrap().vpc_endpoint_id(),
        Some(id.as_str())
    );
    let (code, _) = err(h
        .ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc_id)
        .service_name("com.amazonaws.us-east-1.dynamodb")
        .client_token("t-1")
        .send()
        .await);
    assert_eq!(code, "IdempotentParameterMismatch");

    // A second S3 endpoint cannot route a table that already routes S3.
    let (code, message) = err(h
        .ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc_id)
        .service_name(S3)
        .route_table_ids(&rt1)
        .send()
        .await);
    assert_eq!(code, "RouteAlreadyExists", "{message}");

    // Modify: move from rt1 to rt2; change the policy.
    h.ec2
        .modify_vpc_endpoint()
        .vpc_endpoint_id(&id)
        .add_route_table_ids(&rt2)
        .remove_route_table_ids(&rt1)
        .policy_document(
            r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    assert!(prefix_list_routes(&h, &rt1).await.is_empty());
    assert_eq!(prefix_list_routes(&h, &rt2).await.len(), 1);
    let listed = h
        .ec2
        .describe_vpc_endpoints()
        .filters(filter("vpc-id", &vpc_id))
        .filters(filter("service-name", S3))
        .filters(filter("tag:Name", "s3"))
        .send()
        .await
        .unwrap();
    let ep = &listed.vpc_endpoints()[0];
    assert_eq!(ep.route_table_ids(), std::slice::from_ref(&rt2));
    assert!(ep.policy_document().unwrap().contains("Deny"));
    let (code, _) = err(h
        .ec2
        .modify_vpc_endpoint()
        .vpc_endpoint_id(&id)
        .policy_document("{not json")
        .send()
        .await);
    assert_eq!(code, "InvalidPolicyDocument");
    let (code, _) = err(h
        .ec2
        .modify_vpc_endpoint()
        .vpc_endpoint_id(&id)
        .add_subnet_ids("subnet-0fffffffffffffff1")
        .send()
        .await);
    assert_eq!(code, "InvalidParameter");

    // The VPC cannot go while the endpoint is there.
    let (code, _) = err(h.ec2.delete_vpc().vpc_id(&vpc_id).send().await);
    assert_eq!(code, "DependencyViolation");

    // Delete: an unknown id is answered in `unsuccessful`; the known one
    // goes with its routes.
    let out = h
        .ec2
        .delete_vpc_endpoints()
        .vpc_endpoint_ids(&id)
        .vpc_endpoint_ids("vpce-0fffffffffffffff1")
        .send()
        .await
        .unwrap();
    let failed = out.unsuccessful();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].resource_id(), Some("vpce-0fffffffffffffff1"));
    assert_eq!(
        failed[0].error().and_then(|e| e.code()),
        Some("InvalidVpcEndpoint.NotFound")
    );
    assert!(prefix_list_routes(&h, &rt2).await.is_empty());
    let (code, _) = err(h
        .ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(&id)
        .send()
        .await);
    assert_eq!(code, "InvalidVpcEndpointId.NotFound");
    for rt in [&rt1, &rt2] {
        h.ec2
            .delete_route_table()
            .route_table_id(rt)
            .send()
            .await
            .unwrap();
    }
    h.ec2.delete_vpc().vpc_id(&vpc_id).send().await.unwrap();
}

#[tokio::test]
async fn endpoint_requests_are_checked() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let other = vpc(&h, "10.1.0.0/16", false).await;
    let foreign_rt = route_table(&h, &other).await;
    let s1 = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    let s2 = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.1.0/24"), None).await;
    let create = || h.ec2.create_vpc_endpoint().vpc_id(&vpc_id);

    let (code, message) = err(create()
        .service_name("com.amazonaws.us-east-1.nope")
        .send()
        .await);
    assert_eq!(code, "InvalidServiceName");
    assert!(
        message.contains("com.amazonaws.us-east-1.nope"),
        "{message}"
    );
    // A service of another region is no service here.
    let (code, _) = err(create()
        .service_name("com.amazonaws.eu-west-1.s3")
        .send()
        .await);
    assert_eq!(code, "InvalidServiceName");
    let (code, _) = err(h
        .ec2
        .create_vpc_endpoint()
        .vpc_id("vpc-0fffffffffffffff1")
        .service_name(S3)
        .send()
        .await);
    assert_eq!(code, "InvalidVpcID.NotFound");
    // EC2 is an interface service only.
    let (code, _) = err(create().service_name(EC2).send().await);
    assert_eq!(code, "InvalidParameter");
    let (code, message) = err(create().service_name(S3).subnet_ids(&s1).send().await);
    assert_eq!(code, "InvalidParameter");
    assert!(
        message.starts_with("Subnet IDs are only supported"),
        "{message}"
    );
    let (code, _) = err(create()
        .service_name(S3)
        .route_table_ids(&foreign_rt)
        .send()
        .await);
    assert_eq!(code, "InvalidParameter");
    let (code, _) = err(create()
        .service_name(S3)
        .route_table_ids("rtb-0fffffffffffffff1")
        .send()
        .await);
    assert_eq!(code, "InvalidRouteTableID.NotFound");
    let (code, _) = err(create()
        .service_name(EC2)
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .route_table_ids(&foreign_rt)
        .send()
        .await);
    assert_eq!(code, "InvalidParameter");
    // Interface: one subnet per zone; private DNS needs DNS hostnames.
    let interface = || {
        create()
            .service_name(EC2)
            .vpc_endpoint_type(VpcEndpointType::Interface)
    };
    let (code, _) = err(interface()
        .subnet_ids(&s1)
        .subnet_ids(&s2)
        .private_dns_enabled(false)
        .send()
        .await);
    assert_eq!(code, "DuplicateSubnetsInSameZone");
    let (code, message) = err(interface().subnet_ids(&s1).send().await);
    assert_eq!(code, "InvalidParameter");
    assert!(message.contains("enableDnsHostnames"), "{message}");
    // An IPv4-only subnet takes no dualstack endpoint.
    let (code, _) = err(interface()
        .subnet_ids(&s1)
        .private_dns_enabled(false)
        .ip_address_type(IpAddressType::Dualstack)
        .send()
        .await);
    assert_eq!(code, "InvalidParameter");
    // None of the refusals made anything.
    let listed = h.ec2.describe_vpc_endpoints().send().await.unwrap();
    assert!(listed.vpc_endpoints().is_empty());
    let enis = h.ec2.describe_network_interfaces().send().await.unwrap();
    assert!(enis.network_interfaces().is_empty());
}

#[tokio::test]
async fn interface_endpoints_take_addresses_of_their_ip_address_type() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    dns_hostnames(&h, &vpc_id).await;
    let block = vpc_ipv6_block(&h, &vpc_id).await;
    let dual_a = subnet(
        &h,
        &vpc_id,
        "us-east-1a",
        Some("10.0.0.0/24"),
        Some(&sub_block(&block, 64, 0)),
    )
    .await;
    let dual_b = subnet(
        &h,
        &vpc_id,
        "us-east-1b",
        Some("10.0.1.0/24"),
        Some(&sub_block(&block, 64, 1)),
    )
    .await;
    let v6_only = subnet(
        &h,
        &vpc_id,
        "us-east-1c",
        None,
        Some(&sub_block(&block, 64, 2)),
    )
    .await;
    let sg = h
        .ec2
        .create_security_group()
        .vpc_id(&vpc_id)
        .group_name("vpce")
        .description("endpoints")
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();

    let out = h
        .ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc_id)
        .service_name(EC2)
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .subnet_ids(&dual_a)
        .subnet_ids(&dual_b)
        .security_group_ids(&sg)
        .ip_address_type(IpAddressType::Dualstack)
        .dns_options(
            DnsOptionsSpecification::builder()
                .dns_record_ip_type(DnsRecordIpType::Dualstack)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let ep = out.vpc_endpoint.unwrap();
    let id = ep.vpc_endpoint_id().unwrap().to_owned();
    assert_eq!(ep.vpc_endpoint_type(), Some(&VpcEndpointType::Interface));
    assert_eq!(ep.ip_address_type(), Some(&IpAddressType::Dualstack));
    assert_eq!(ep.private_dns_enabled(), Some(true));
    assert_eq!(ep.groups()[0].group_id(), Some(sg.as_str()));
    assert_eq!(ep.network_interface_ids().len(), 2);
    assert_eq!(
        ep.dns_entries().len(),
        3,
        "a regional name and one per zone"
    );
    assert_eq!(
        ep.dns_options().and_then(|d| d.dns_record_ip_type()),
        Some(&DnsRecordIpType::Dualstack)
    );
    let enis = h
        .ec2
        .describe_network_interfaces()
        .filters(filter("interface-type", "vpc_endpoint"))
        .send()
        .await
        .unwrap();
    let enis = enis.network_interfaces();
    assert_eq!(enis.len(), 2);
    for eni in enis {
        assert_eq!(eni.requester_managed(), Some(true));
        assert!(eni.private_ip_address().is_some());
        assert_eq!(eni.ipv6_addresses().len(), 1);
        assert_eq!(
            eni.description(),
            Some(format!("VPC Endpoint Interface {id}").as_str())
        );
    }
    // The interfaces hold their subnets and their group.
    let (code, _) = err(h.ec2.delete_subnet().subnet_id(&dual_a).send().await);
    assert_eq!(code, "DependencyViolation");
    let (code, _) = err(h.ec2.delete_security_group().group_id(&sg).send().await);
    assert_eq!(code, "DependencyViolation");

    // An IPv4 DNS record type fits a dualstack endpoint; an IPv6-only
    // subnet does not.
    let (code, _) = err(h
        .ec2
        .modify_vpc_endpoint()
        .vpc_endpoint_id(&id)
        .add_subnet_ids(&v6_only)
        .send()
        .await);
    assert_eq!(code, "InvalidParameter");
    h.ec2
        .modify_vpc_endpoint()
        .vpc_endpoint_id(&id)
        .remove_subnet_ids(&dual_b)
        .send()
        .await
        .unwrap();
    let ep = h
        .ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ep.vpc_endpoints()[0].subnet_ids(),
        std::slice::from_ref(&dual_a)
    );
    assert_eq!(ep.vpc_endpoints()[0].network_interface_ids().len(), 1);
    h.ec2
        .delete_subnet()
        .subnet_id(&dual_b)
        .send()
        .await
        .unwrap();

    // An IPv6-only subnet takes an ipv6 endpoint (the default there).
    let v6 = h
        .ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc_id)
        .service_name("com.amazonaws.us-east-1.sts")
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .subnet_ids(&v6_only)
        .send()
        .await
        .unwrap()
        .vpc_endpoint
        .unwrap();
    assert_eq!(v6.ip_address_type(), Some(&IpAddressType::Ipv6));
    let eni_id = &v6.network_interface_ids()[0];
    let eni = h
        .ec2
        .describe_network_interfaces()
        .network_interface_ids(eni_id)
        .send()
        .await
        .unwrap();
    let eni = &eni.network_interfaces()[0];
    assert_eq!(eni.private_ip_address(), None);
    assert_eq!(eni.ipv6_addresses().len(), 1);

    // Deleting both frees the subnets and the group.
    let v6_id = v6.vpc_endpoint_id().unwrap();
    let out = h
        .ec2
        .delete_vpc_endpoints()
        .vpc_endpoint_ids(&id)
        .vpc_endpoint_ids(v6_id)
        .send()
        .await
        .unwrap();
    assert!(out.unsuccessful().is_empty());
    let enis = h.ec2.describe_network_interfaces().send().await.unwrap();
    assert!(enis.network_interfaces().is_empty());
    h.ec2
        .delete_security_group()
        .group_id(&sg)
        .send()
        .await
        .unwrap();
    for s in [&dual_a, &v6_only] {
        h.ec2.delete_subnet().subnet_id(s).send().await.unwrap();
    }
    h.ec2.delete_vpc().vpc_id(&vpc_id).send().await.unwrap();
}
