//! Carrier gateways through the real SDK: one per VPC, a route target only
//! in a VPC with a Wavelength Zone subnet and for IPv4 destinations, a
//! dependency of its VPC.

use aws_sdk_ec2::types::{
    CarrierGatewayState, ModifyAvailabilityZoneOptInStatus, ResourceType, RouteState,
};

use crate::common::*;
use crate::gateways::{filter, tag_spec};
use crate::routes::route_table;

const WAVELENGTH_ZONE: &str = "us-east-1-wl1-bos-wlz-1";

async fn opt_in_wavelength(h: &Harness) {
    h.ec2
        .modify_availability_zone_group()
        .group_name("us-east-1-wl1")
        .opt_in_status(ModifyAvailabilityZoneOptInStatus::OptedIn)
        .send()
        .await
        .unwrap();
}

async fn carrier_gateway(h: &Harness, vpc_id: &str) -> String {
    h.ec2
        .create_carrier_gateway()
        .vpc_id(vpc_id)
        .send()
        .await
        .unwrap()
        .carrier_gateway
        .and_then(|g| g.carrier_gateway_id)
        .unwrap()
}

#[tokio::test]
async fn create_describe_delete_with_client_token_and_one_per_vpc() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let out = h
        .ec2
        .create_carrier_gateway()
        .vpc_id(&vpc_id)
        .client_token("t-1")
        .tag_specifications(tag_spec(ResourceType::CarrierGateway, "Name", "wl"))
        .send()
        .await
        .unwrap();
    let gw = out.carrier_gateway.unwrap();
    let id = gw.carrier_gateway_id().unwrap().to_owned();
    assert!(id.starts_with("cagw-"), "{id}");
    assert_eq!(gw.vpc_id(), Some(vpc_id.as_str()));
    assert_eq!(gw.state(), Some(&CarrierGatewayState::Available));
    assert_eq!(gw.owner_id(), Some("123456789012"));
    assert_eq!(gw.tags()[0].value(), Some("wl"));

    // The same token answers the same gateway; with another VPC it is a
    // mismatch.
    let again = h
        .ec2
        .create_carrier_gateway()
        .vpc_id(&vpc_id)
        .client_token("t-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.carrier_gateway.unwrap().carrier_gateway_id(),
        Some(id.as_str())
    );
    let other = vpc(&h, "10.1.0.0/16", false).await;
    let (code, _) = err(h
        .ec2
        .create_carrier_gateway()
        .vpc_id(&other)
        .client_token("t-1")
        .send()
        .await);
    assert_eq!(code, "IdempotentParameterMismatch");

    // One per VPC; an unknown VPC is refused.
    let (code, msg) = err(h.ec2.create_carrier_gateway().vpc_id(&vpc_id).send().await);
    assert_eq!(code, "Resource.AlreadyAssociated");
    assert!(msg.contains(&id), "{msg}");
    let (code, _) = err(h
        .ec2
        .create_carrier_gateway()
        .vpc_id("vpc-0fffffffffffffff1")
        .send()
        .await);
    assert_eq!(code, "InvalidVpcID.NotFound");

    // Describe by id, by filter; unknown ids are NotFound.
    let by_vpc = h
        .ec2
        .describe_carrier_gateways()
        .filters(filter("vpc-id", &vpc_id))
        .send()
        .await
        .unwrap();
    assert_eq!(by_vpc.carrier_gateways().len(), 1);
    let by_tag = h
        .ec2
        .describe_carrier_gateways()
        .filters(filter("tag:Name", "wl"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_tag.carrier_gateways()[0].carrier_gateway_id(),
        Some(id.as_str())
    );
    let (code, msg) = err(h
        .ec2
        .describe_carrier_gateways()
        .carrier_gateway_ids("cagw-0fffffffffffffff1")
        .send()
        .await);
    assert_eq!(code, "InvalidCarrierGatewayID.NotFound");
    assert!(msg.contains("cagw-0fffffffffffffff1"), "{msg}");

    // A VPC with a carrier gateway cannot be deleted.
    let (code, _) = err(h.ec2.delete_vpc().vpc_id(&vpc_id).send().await);
    assert_eq!(code, "DependencyViolation");
    let deleted = h
        .ec2
        .delete_carrier_gateway()
        .carrier_gateway_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.carrier_gateway.unwrap().state(),
        Some(&CarrierGatewayState::Deleting)
    );
    let left = h.ec2.describe_carrier_gateways().send().await.unwrap();
    assert!(left.carrier_gateways().is_empty());
    let (code, _) = err(h
        .ec2
        .delete_carrier_gateway()
        .carrier_gateway_id(&id)
        .send()
        .await);
    assert_eq!(code, "InvalidCarrierGatewayID.NotFound");
    h.ec2.delete_vpc().vpc_id(&vpc_id).send().await.unwrap();
}

#[tokio::test]
async fn routes_to_a_carrier_gateway_need_a_wavelength_subnet_and_ipv4() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let cagw = carrier_gateway(&h, &vpc_id).await;
    let rtb = route_table(&h, &vpc_id).await;
    let route = |dest: &str| {
        let r = h
            .ec2
            .create_route()
            .route_table_id(&rtb)
            .carrier_gateway_id(&cagw);
        if dest.contains(':') {
            r.destination_ipv6_cidr_block(dest)
        } else {
            r.destination_cidr_block(dest)
        }
    };
    // No Wavelength subnet in the VPC yet.
    let (code, msg) = err(route("0.0.0.0/0").send().await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.contains("Wavelength Zone"), "{msg}");

    opt_in_wavelength(&h).await;
    subnet(&h, &vpc_id, WAVELENGTH_ZONE, Some("10.0.9.0/24"), None).await;
    let (code, _) = err(route("::/0").send().await);
    assert_eq!(code, "InvalidParameterCombination");
    route("0.0.0.0/0").send().await.unwrap();

    // Another VPC's gateway is a different network.
    let other = vpc(&h, "10.1.0.0/16", false).await;
    let foreign = carrier_gateway(&h, &other).await;
    let (code, msg) = err(h
        .ec2
        .create_route()
        .route_table_id(&rtb)
        .destination_cidr_block("10.9.0.0/16")
        .carrier_gateway_id(&foreign)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.contains("belong to different networks"), "{msg}");
    let (code, _) = err(h
        .ec2
        .create_route()
        .route_table_id(&rtb)
        .destination_cidr_block("10.9.0.0/16")
        .carrier_gateway_id("cagw-0fffffffffffffff1")
        .send()
        .await);
    assert_eq!(code, "InvalidCarrierGatewayID.NotFound");

    // The route shows the gateway, active; deleting the gateway leaves a
    // blackhole.
    let state = || async {
        let t = h
            .ec2
            .describe_route_tables()
            .route_table_ids(&rtb)
            .send()
            .await
            .unwrap();
        let r = t.route_tables()[0]
            .routes()
            .iter()
            .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
            .cloned()
            .unwrap();
        (
            r.carrier_gateway_id().map(str::to_owned),
            r.state().cloned(),
        )
    };
    assert_eq!(
        state().await,
        (Some(cagw.clone()), Some(RouteState::Active))
    );
    h.ec2
        .delete_carrier_gateway()
        .carrier_gateway_id(&cagw)
        .send()
        .await
        .unwrap();
    assert_eq!(state().await, (Some(cagw), Some(RouteState::Blackhole)));
}
