//! Elastic IPs on instances: AssociateAddress and DisassociateAddress (what
//! an instance and the address show, reassociation, termination), and
//! ModifyInstanceMetadataOptions, the two instance calls CAPA makes after
//! a launch (`eip.go`, `instances.go`).

use aws_sdk_ec2::types::{HttpTokensState, InstanceMetadataEndpointState, InstanceType};
use rstest::rstest;

use crate::common::*;

/// A fake whose region has a default VPC (an internet gateway, public
/// default subnets).
async fn account() -> Harness {
    start_with(fake_ec2::Seed {
        default_vpc: Some(true),
        ..fake_ec2::Seed::default()
    })
    .await
}

async fn launch(h: &Harness) -> String {
    let out = h
        .ec2
        .run_instances()
        .image_id(ami())
        .instance_type(InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .unwrap();
    out.instances()[0].instance_id().unwrap().to_owned()
}

async fn allocate(h: &Harness) -> (String, String) {
    let out = h.ec2.allocate_address().send().await.unwrap();
    (
        out.allocation_id().unwrap().to_owned(),
        out.public_ip().unwrap().to_owned(),
    )
}

async fn public_ip_of(h: &Harness, instance: &str) -> Option<String> {
    let out = h
        .ec2
        .describe_instances()
        .instance_ids(instance)
        .send()
        .await
        .unwrap();
    out.reservations()[0].instances()[0]
        .public_ip_address()
        .map(str::to_owned)
}

async fn address(h: &Harness, allocation: &str) -> aws_sdk_ec2::types::Address {
    let out = h
        .ec2
        .describe_addresses()
        .allocation_ids(allocation)
        .send()
        .await
        .unwrap();
    out.addresses()[0].clone()
}

/// The Elastic IP replaces the auto-assigned address; it moves only with
/// AllowReassociation; disassociating gives the interface a new address;
/// an associated address cannot be released; termination unmaps it.
#[tokio::test]
async fn an_elastic_ip_on_an_instance_and_back() {
    let h = account().await;
    let (first, second) = (launch(&h).await, launch(&h).await);
    let auto = public_ip_of(&h, &first)
        .await
        .expect("a public default subnet");
    let (alloc, eip) = allocate(&h).await;

    let out = h
        .ec2
        .associate_address()
        .allocation_id(&alloc)
        .instance_id(&first)
        .send()
        .await
        .unwrap();
    let association = out.association_id().unwrap().to_owned();
    assert!(association.starts_with("eipassoc-"), "{association}");
    assert_eq!(
        public_ip_of(&h, &first).await.as_deref(),
        Some(eip.as_str())
    );
    let described = h
        .ec2
        .describe_instances()
        .instance_ids(&first)
        .send()
        .await
        .unwrap();
    let nic = &described.reservations()[0].instances()[0].network_interfaces()[0];
    let owner = nic.owner_id().unwrap();
    assert_eq!(nic.association().and_then(|a| a.ip_owner_id()), Some(owner));
    let a = address(&h, &alloc).await;
    assert_eq!(a.instance_id(), Some(first.as_str()));
    assert_eq!(a.association_id(), Some(association.as_str()));
    assert!(a.network_interface_id().unwrap().starts_with("eni-"));
    assert!(a.private_ip_address().unwrap().starts_with("172.31."));

    let (code, msg) = err(h
        .ec2
        .associate_address()
        .allocation_id(&alloc)
        .instance_id(&second)
        .send()
        .await);
    assert_eq!(code, "Resource.AlreadyAssociated");
    assert_eq!(
        msg,
        format!("resource {alloc} is already associated with associate-id {association}")
    );
    let (code, _) = err(h.ec2.release_address().allocation_id(&alloc).send().await);
    assert_eq!(code, "InvalidIPAddress.InUse");

    h.ec2
        .associate_address()
        .allocation_id(&alloc)
        .instance_id(&second)
        .allow_reassociation(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        public_ip_of(&h, &second).await.as_deref(),
        Some(eip.as_str())
    );
    let renewed = public_ip_of(&h, &first)
        .await
        .expect("a new public address");
    assert_ne!(renewed, eip);
    assert_ne!(renewed, auto, "a new address, not the released one");

    let moved = address(&h, &alloc)
        .await
        .association_id()
        .unwrap()
        .to_owned();
    let (code, _) = err(h
        .ec2
        .disassociate_address()
        .association_id(&association)
        .send()
        .await);
    assert_eq!(code, "InvalidAssociationID.NotFound");
    h.ec2
        .disassociate_address()
        .association_id(&moved)
        .send()
        .await
        .unwrap();
    let back = public_ip_of(&h, &second)
        .await
        .expect("a new public address");
    assert_ne!(back, eip);
    assert_eq!(address(&h, &alloc).await.instance_id(), None);

    h.ec2
        .associate_address()
        .allocation_id(&alloc)
        .instance_id(&second)
        .send()
        .await
        .unwrap();
    h.ec2
        .terminate_instances()
        .instance_ids(&second)
        .send()
        .await
        .unwrap();
    let a = address(&h, &alloc).await;
    assert_eq!((a.instance_id(), a.association_id()), (None, None));
    h.ec2
        .release_address()
        .allocation_id(&alloc)
        .send()
        .await
        .unwrap();
}

/// One refused AssociateAddress per rule (`{i}` stands for a running
/// instance, `{a}` for a free allocation, `{vpc}` for a VPC without an
/// internet gateway, `{j}` for an instance there).
#[rstest]
#[case::an_address_is_named(&[("InstanceId", "{i}")], "MissingParameter", "Either public IP or allocation id must be specified")]
#[case::a_target_is_named(&[("AllocationId", "{a}")], "MissingParameter", "Either instance ID or network interface ID must be specified")]
#[case::the_allocation_exists(&[("AllocationId", "eipalloc-0123456789abcdef0"), ("InstanceId", "{i}")], "InvalidAllocationID.NotFound", "The allocation ID 'eipalloc-0123456789abcdef0' does not exist")]
#[case::the_instance_exists(&[("AllocationId", "{a}"), ("InstanceId", "i-0123456789abcdef0")], "InvalidInstanceID.NotFound", "The instance ID 'i-0123456789abcdef0' does not exist")]
#[case::the_interface_exists(&[("AllocationId", "{a}"), ("NetworkInterfaceId", "eni-0123456789abcdef0")], "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID 'eni-0123456789abcdef0' does not exist")]
#[case::the_private_ip_is_the_interfaces(&[("AllocationId", "{a}"), ("InstanceId", "{i}"), ("PrivateIpAddress", "10.9.9.9")], "InvalidParameterValue", "The private IP address 10.9.9.9 is not assigned to network interface {eni}.")]
#[case::the_vpc_has_an_internet_gateway(&[("AllocationId", "{a}"), ("InstanceId", "{j}")], "Gateway.NotAttached", "Network {vpc} is not attached to any internet gateway")]
#[tokio::test]
async fn associate_address_refusals(
    #[case] params: &[(&str, &str)],
    #[case] code: &str,
    #[case] message: &str,
) {
    let h = account().await;
    let i = launch(&h).await;
    let (a, _) = allocate(&h).await;
    let vpc_id = vpc(&h, "10.9.0.0/16", false).await;
    let sub = subnet(&h, &vpc_id, "us-east-1a", Some("10.9.0.0/24"), None).await;
    let out = h
        .ec2
        .run_instances()
        .image_id(ami())
        .instance_type(InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .subnet_id(&sub)
        .send()
        .await
        .unwrap();
    let j = out.instances()[0].instance_id().unwrap().to_owned();
    let described = h
        .ec2
        .describe_instances()
        .instance_ids(&i)
        .send()
        .await
        .unwrap();
    let eni = described.reservations()[0].instances()[0].network_interfaces()[0]
        .network_interface_id()
        .unwrap()
        .to_owned();
    let fill = |s: &str| {
        s.replace("{i}", &i)
            .replace("{j}", &j)
            .replace("{a}", &a)
            .replace("{vpc}", &vpc_id)
            .replace("{eni}", &eni)
    };
    let mut req = h.ec2.associate_address();
    for (k, v) in params {
        let v = fill(v);
        req = match *k {
            "AllocationId" => req.allocation_id(v),
            "InstanceId" => req.instance_id(v),
            "NetworkInterfaceId" => req.network_interface_id(v),
            "PrivateIpAddress" => req.private_ip_address(v),
            other => panic!("no such parameter in this table: {other}"),
        };
    }
    let (got_code, got_message) = err(req.send().await);
    assert_eq!((got_code.as_str(), got_message), (code, fill(message)));
    assert_eq!(address(&h, &a).await.association_id(), None);
}

/// The options given change, the others keep their values; the answer
/// says `pending`, DescribeInstances `applied`; AWS's limits hold.
#[tokio::test]
async fn modify_instance_metadata_options_changes_what_it_is_given() {
    let h = account().await;
    let i = launch(&h).await;
    let out = h
        .ec2
        .modify_instance_metadata_options()
        .instance_id(&i)
        .http_tokens(HttpTokensState::Required)
        .http_put_response_hop_limit(2)
        .send()
        .await
        .unwrap();
    assert_eq!(out.instance_id(), Some(i.as_str()));
    let m = out.instance_metadata_options().unwrap();
    assert_eq!(m.state().map(|s| s.as_str()), Some("pending"));
    assert_eq!(m.http_tokens(), Some(&HttpTokensState::Required));
    assert_eq!(m.http_put_response_hop_limit(), Some(2));
    assert_eq!(
        m.http_endpoint(),
        Some(&InstanceMetadataEndpointState::Enabled)
    );
    let described = h
        .ec2
        .describe_instances()
        .instance_ids(&i)
        .send()
        .await
        .unwrap();
    let m = described.reservations()[0].instances()[0]
        .metadata_options()
        .unwrap()
        .clone();
    assert_eq!(m.state().map(|s| s.as_str()), Some("applied"));
    assert_eq!(m.http_tokens(), Some(&HttpTokensState::Required));
    assert_eq!(m.http_put_response_hop_limit(), Some(2));

    let (code, msg) = err(h
        .ec2
        .modify_instance_metadata_options()
        .instance_id(&i)
        .http_put_response_hop_limit(65)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "Value (65) for parameter HttpPutResponseHopLimit is invalid. The hop limit must be between 1 and 64."
    );
    let (code, _) = err(h
        .ec2
        .modify_instance_metadata_options()
        .instance_id("i-0123456789abcdef0")
        .send()
        .await);
    assert_eq!(code, "InvalidInstanceID.NotFound");
    h.ec2
        .terminate_instances()
        .instance_ids(&i)
        .send()
        .await
        .unwrap();
    let (code, _) = err(h
        .ec2
        .modify_instance_metadata_options()
        .instance_id(&i)
        .http_tokens(HttpTokensState::Optional)
        .send()
        .await);
    assert_eq!(code, "IncorrectInstanceState");
}
