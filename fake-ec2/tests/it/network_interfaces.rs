//! Network interfaces through the real SDK: every interface EC2 shows
//! (an instance's, a NAT gateway's, one's own), stand-alone interfaces
//! made and deleted, IPv6 addresses assigned and unassigned, and the
//! attributes CAPA reads and changes (`groupSet`, as its machine
//! controller does for additional security groups).

use aws_sdk_ec2::types::{
    AttributeBooleanValue, AttributeValue, InstanceType, NetworkInterfaceAttachmentChanges,
    NetworkInterfaceAttribute, NetworkInterfaceStatus, NetworkInterfaceType, ResourceType,
};

use crate::common::*;
use crate::gateways::{filter, private_nat, tag_spec};

async fn launch(h: &Harness, subnet: &str) -> String {
    h.ec2
        .run_instances()
        .image_id(ami())
        .instance_type(InstanceType::M5Large)
        .min_count(1)
        .max_count(1)
        .subnet_id(subnet)
        .ipv6_address_count(1)
        .send()
        .await
        .unwrap()
        .instances()[0]
        .instance_id()
        .unwrap()
        .to_owned()
}

async fn group(h: &Harness, vpc_id: &str, name: &str) -> String {
    h.ec2
        .create_security_group()
        .vpc_id(vpc_id)
        .group_name(name)
        .description(name)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap()
}

async fn interface(h: &Harness, id: &str) -> aws_sdk_ec2::types::NetworkInterface {
    h.ec2
        .describe_network_interfaces()
        .network_interface_ids(id)
        .send()
        .await
        .unwrap()
        .network_interfaces()[0]
        .clone()
}

/// The interface a NAT gateway holds.
async fn nat_interface(h: &Harness, nat_id: &str) -> String {
    let nat = h
        .ec2
        .describe_nat_gateways()
        .nat_gateway_ids(nat_id)
        .send()
        .await
        .unwrap();
    nat.nat_gateways()[0].nat_gateway_addresses()[0]
        .network_interface_id()
        .unwrap()
        .to_owned()
}

async fn interface_of(h: &Harness, instance_id: &str) -> aws_sdk_ec2::types::NetworkInterface {
    let out = h
        .ec2
        .describe_network_interfaces()
        .filters(filter("attachment.instance-id", instance_id))
        .send()
        .await
        .unwrap();
    assert_eq!(out.network_interfaces().len(), 1, "{out:?}");
    out.network_interfaces()[0].clone()
}

#[tokio::test]
async fn instance_and_nat_gateway_interfaces_are_listed_and_filtered() {
    let h = start().await;
    let n = net(&h).await;
    let instance_id = launch(&h, &n.ds[0]).await;
    let nat_id = private_nat(&h, &n.v4[0]).await;

    // CAPA's getInstanceENIs: the instance's interface, by attachment.instance-id.
    let eni = interface_of(&h, &instance_id).await;
    let described = h
        .ec2
        .describe_instances()
        .instance_ids(&instance_id)
        .send()
        .await
        .unwrap();
    let inst = &described.reservations()[0].instances()[0];
    let nic = &inst.network_interfaces()[0];
    assert_eq!(eni.network_interface_id(), nic.network_interface_id());
    assert_eq!(eni.status(), Some(&NetworkInterfaceStatus::InUse));
    assert_eq!(eni.interface_type(), Some(&NetworkInterfaceType::Interface));
    assert_eq!(eni.subnet_id(), Some(n.ds[0].as_str()));
    assert_eq!(eni.requester_managed(), Some(false));
    let mac = eni.mac_address().unwrap();
    assert!(mac.starts_with("0e:") && mac.len() == 17, "{mac}");
    assert_eq!(
        nic.mac_address(),
        Some(mac),
        "the same MAC in DescribeInstances"
    );
    let attachment = eni.attachment().unwrap();
    assert_eq!(attachment.instance_id(), Some(instance_id.as_str()));
    assert_eq!(attachment.device_index(), Some(0));
    assert_eq!(attachment.delete_on_termination(), Some(true));
    assert_eq!(eni.ipv6_addresses().len(), 1);
    assert_eq!(eni.private_ip_address(), inst.private_ip_address());
    assert_eq!(eni.groups().len(), 1, "the VPC's default group");

    // The NAT gateway's interface: requester-managed, type nat_gateway.
    let nat_eni = nat_interface(&h, &nat_id).await;
    let listed = h
        .ec2
        .describe_network_interfaces()
        .filters(filter("interface-type", "nat_gateway"))
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = listed
        .network_interfaces()
        .iter()
        .filter_map(|e| e.network_interface_id())
        .collect();
    assert_eq!(ids, [nat_eni.as_str()]);
    let e = &listed.network_interfaces()[0];
    assert_eq!(e.requester_managed(), Some(true));
    assert_eq!(
        e.description(),
        Some(format!("Interface for NAT Gateway {nat_id}").as_str())
    );

    // By VPC: both; by subnet: one each; an unknown id is not found.
    let all = h
        .ec2
        .describe_network_interfaces()
        .filters(filter("vpc-id", &n.vpc))
        .send()
        .await
        .unwrap();
    assert_eq!(all.network_interfaces().len(), 2);
    let (code, _) = err(h
        .ec2
        .describe_network_interfaces()
        .network_interface_ids("eni-0fffffffffffffff1")
        .send()
        .await);
    assert_eq!(code, "InvalidNetworkInterfaceID.NotFound");

    // A terminated instance's interface goes with it.
    h.ec2
        .terminate_instances()
        .instance_ids(&instance_id)
        .send()
        .await
        .unwrap();
    for _ in 0..5 {
        h.ec2
            .describe_instances()
            .instance_ids(&instance_id)
            .send()
            .await
            .unwrap();
    }
    let left = h
        .ec2
        .describe_network_interfaces()
        .filters(filter("attachment.instance-id", &instance_id))
        .send()
        .await
        .unwrap();
    assert!(left.network_interfaces().is_empty(), "{left:?}");
}

#[tokio::test]
async fn standalone_interfaces_are_made_checked_and_deleted() {
    let h = start().await;
    let n = net(&h).await;
    let other = vpc(&h, "10.9.0.0/16", false).await;
    let foreign = group(&h, &other, "elsewhere").await;
    let create = || h.ec2.create_network_interface();

    let (code, _) = err(create().send().await);
    assert_eq!(code, "MissingParameter");
    let (code, _) = err(create().subnet_id("subnet-0fffffffffffffff1").send().await);
    assert_eq!(code, "InvalidSubnetID.NotFound");
    let (code, _) = err(create().subnet_id(&n.ds[0]).groups(&foreign).send().await);
    assert_eq!(code, "InvalidParameter");
    let (code, _) = err(create()
        .subnet_id(&n.ds[0])
        .groups("sg-0fffffffffffffff1")
        .send()
        .await);
    assert_eq!(code, "InvalidGroup.NotFound");
    let (code, _) = err(create()
        .subnet_id(&n.v4[0])
        .ipv6_address_count(1)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    let (code, _) = err(create()
        .subnet_id(&n.ds[0])
        .ipv6_address_count(1)
        .ipv6_addresses(
            aws_sdk_ec2::types::InstanceIpv6Address::builder()
                .ipv6_address("2600:1f18::1")
                .build(),
        )
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    let (code, _) = err(create()
        .subnet_id(&n.v6[0])
        .private_ip_address("10.0.0.10")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    let none = h.ec2.describe_network_interfaces().send().await.unwrap();
    assert!(
        none.network_interfaces().is_empty(),
        "refusals make nothing"
    );

    // Made: the default group, an IPv4 and two IPv6 addresses, tags, a token.
    let made = create()
        .subnet_id(&n.ds[0])
        .description("mine")
        .ipv6_address_count(2)
        .client_token("eni-1")
        .tag_specifications(tag_spec(ResourceType::NetworkInterface, "Name", "mine"))
        .send()
        .await
        .unwrap();
    let eni = made.network_interface.unwrap();
    let id = eni.network_interface_id().unwrap().to_owned();
    assert_eq!(eni.status(), Some(&NetworkInterfaceStatus::Available));
    assert!(eni.attachment().is_none());
    assert_eq!(eni.ipv6_addresses().len(), 2);
    assert!(eni.private_ip_address().is_some());
    assert_eq!(eni.groups().len(), 1);
    assert_eq!(eni.tag_set().len(), 1);
    assert_eq!(made.client_token.as_deref(), Some("eni-1"));
    let again = create()
        .subnet_id(&n.ds[0])
        .description("mine")
        .ipv6_address_count(2)
        .client_token("eni-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.network_interface.unwrap().network_interface_id(),
        Some(id.as_str())
    );
    let (code, _) = err(create()
        .subnet_id(&n.ds[1])
        .client_token("eni-1")
        .send()
        .await);
    assert_eq!(code, "IdempotentParameterMismatch");
    // A named address that is taken is refused.
    let taken = eni.private_ip_address().unwrap().to_owned();
    let (code, _) = err(create()
        .subnet_id(&n.ds[0])
        .private_ip_address(&taken)
        .send()
        .await);
    assert_eq!(code, "InvalidIPAddress.InUse");
    // An IPv6-only subnet gives one IPv6 address and no IPv4.
    let v6 = create().subnet_id(&n.v6[0]).send().await.unwrap();
    let v6 = v6.network_interface.unwrap();
    assert!(v6.private_ip_address().is_none());
    assert_eq!(v6.ipv6_addresses().len(), 1);

    // The subnet cannot go while its interface is there.
    let (code, _) = err(h.ec2.delete_subnet().subnet_id(&n.ds[0]).send().await);
    assert_eq!(code, "DependencyViolation");
    // An instance's interface is in use; one's own goes, with its addresses.
    let instance_id = launch(&h, &n.ds[1]).await;
    let attached = interface_of(&h, &instance_id).await;
    let (code, message) = err(h
        .ec2
        .delete_network_interface()
        .network_interface_id(attached.network_interface_id().unwrap())
        .send()
        .await);
    assert_eq!(code, "InvalidNetworkInterface.InUse");
    assert!(message.contains("in use"), "{message}");
    h.ec2
        .delete_network_interface()
        .network_interface_id(&id)
        .send()
        .await
        .unwrap();
    let (code, _) = err(h
        .ec2
        .delete_network_interface()
        .network_interface_id(&id)
        .send()
        .await);
    assert_eq!(code, "InvalidNetworkInterfaceID.NotFound");
    // Its IPv4 address is free again.
    let reused = create()
        .subnet_id(&n.ds[0])
        .private_ip_address(&taken)
        .send()
        .await
        .unwrap();
    assert_eq!(
        reused.network_interface.unwrap().private_ip_address(),
        Some(taken.as_str())
    );
}

#[tokio::test]
async fn ipv6_addresses_are_assigned_and_unassigned() {
    let h = start().await;
    let n = net(&h).await;
    let instance_id = launch(&h, &n.ds[0]).await;
    let eni = interface_of(&h, &instance_id).await;
    let id = eni.network_interface_id().unwrap().to_owned();
    let assign = || h.ec2.assign_ipv6_addresses().network_interface_id(&id);

    let (code, _) = err(assign().send().await);
    assert_eq!(code, "MissingParameter");
    let (code, _) = err(assign()
        .ipv6_address_count(1)
        .ipv6_addresses("2600:1f18::1")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    // m5.large takes 10 IPv6 addresses per interface; it has one.
    let (code, message) = err(assign().ipv6_address_count(10).send().await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(message.contains("limit of 10"), "{message}");
    let out = assign().ipv6_address_count(2).send().await.unwrap();
    let got = out.assigned_ipv6_addresses().to_vec();
    assert_eq!(got.len(), 2);
    assert_eq!(out.network_interface_id(), Some(id.as_str()));
    // DescribeInstances shows them on the instance's interface.
    let described = h
        .ec2
        .describe_instances()
        .instance_ids(&instance_id)
        .send()
        .await
        .unwrap();
    let nic = &described.reservations()[0].instances()[0].network_interfaces()[0];
    assert_eq!(nic.ipv6_addresses().len(), 3);
    // A named address outside the subnet's block, or taken, is refused.
    let (code, _) = err(assign().ipv6_addresses("2001:db8::10").send().await);
    assert_eq!(code, "InvalidParameterValue");
    let (code, _) = err(assign().ipv6_addresses(&got[0]).send().await);
    assert_eq!(code, "InvalidIPAddress.InUse");
    // An IPv4-only subnet's interface takes none.
    let v4 = h
        .ec2
        .create_network_interface()
        .subnet_id(&n.v4[0])
        .send()
        .await
        .unwrap()
        .network_interface
        .unwrap();
    let (code, _) = err(h
        .ec2
        .assign_ipv6_addresses()
        .network_interface_id(v4.network_interface_id().unwrap())
        .ipv6_address_count(1)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");

    // Unassign: only addresses the interface has; they return to the subnet.
    let unassign = || h.ec2.unassign_ipv6_addresses().network_interface_id(&id);
    let (code, _) = err(unassign().ipv6_addresses("2001:db8::10").send().await);
    assert_eq!(code, "InvalidParameterValue");
    let out = unassign().ipv6_addresses(&got[0]).send().await.unwrap();
    assert_eq!(out.unassigned_ipv6_addresses(), [got[0].clone()]);
    assert_eq!(interface(&h, &id).await.ipv6_addresses().len(), 2);
    let again = assign().ipv6_addresses(&got[0]).send().await.unwrap();
    assert_eq!(again.assigned_ipv6_addresses(), [got[0].clone()]);
    let (code, _) = err(h
        .ec2
        .unassign_ipv6_addresses()
        .network_interface_id("eni-0fffffffffffffff1")
        .ipv6_addresses(&got[0])
        .send()
        .await);
    assert_eq!(code, "InvalidNetworkInterfaceID.NotFound");
}

#[tokio::test]
async fn interface_attributes_are_read_and_changed_one_at_a_time() {
    let h = start().await;
    let n = net(&h).await;
    let instance_id = launch(&h, &n.ds[0]).await;
    let eni = interface_of(&h, &instance_id).await;
    let id = eni.network_interface_id().unwrap().to_owned();
    let extra = group(&h, &n.vpc, "extra").await;
    let default_group = eni.groups()[0].group_id().unwrap().to_owned();

    // CAPA's getNetworkInterfaceSecurityGroups, then attachSecurityGroupsToNetworkInterface.
    let groups = |attr: NetworkInterfaceAttribute| {
        h.ec2
            .describe_network_interface_attribute()
            .network_interface_id(&id)
            .attribute(attr)
            .send()
    };
    let out = groups(NetworkInterfaceAttribute::GroupSet).await.unwrap();
    let ids: Vec<&str> = out.groups().iter().filter_map(|g| g.group_id()).collect();
    assert_eq!(ids, [default_group.as_str()]);
    let modify = || {
        h.ec2
            .modify_network_interface_attribute()
            .network_interface_id(&id)
    };
    modify()
        .groups(&default_group)
        .groups(&extra)
        .send()
        .await
        .unwrap();
    let out = groups(NetworkInterfaceAttribute::GroupSet).await.unwrap();
    assert_eq!(out.groups().len(), 2);
    let described = h
        .ec2
        .describe_instances()
        .instance_ids(&instance_id)
        .send()
        .await
        .unwrap();
    let inst = &described.reservations()[0].instances()[0];
    assert_eq!(inst.network_interfaces()[0].groups().len(), 2);

    modify()
        .description(AttributeValue::builder().value("control plane").build())
        .send()
        .await
        .unwrap();
    let out = groups(NetworkInterfaceAttribute::Description)
        .await
        .unwrap();
    assert_eq!(
        out.description().and_then(|d| d.value()),
        Some("control plane")
    );
    modify()
        .source_dest_check(AttributeBooleanValue::builder().value(false).build())
        .send()
        .await
        .unwrap();
    let out = groups(NetworkInterfaceAttribute::SourceDestCheck)
        .await
        .unwrap();
    assert_eq!(out.source_dest_check().and_then(|v| v.value()), Some(false));
    let attachment_id = eni
        .attachment()
        .unwrap()
        .attachment_id()
        .unwrap()
        .to_owned();
    modify()
        .attachment(
            NetworkInterfaceAttachmentChanges::builder()
                .attachment_id(&attachment_id)
                .delete_on_termination(false)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = groups(NetworkInterfaceAttribute::Attachment).await.unwrap();
    assert_eq!(
        out.attachment().and_then(|a| a.delete_on_termination()),
        Some(false)
    );

    // Refusals: no attribute, two at once, an unknown group, another VPC's
    // group, a wrong attachment id, a NAT gateway's interface.
    let (code, message) = err(modify().send().await);
    assert_eq!(code, "InvalidParameterCombination");
    assert_eq!(message, "No attributes specified.");
    let (code, _) = err(modify()
        .groups(&extra)
        .source_dest_check(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    let (code, _) = err(modify().groups("sg-0fffffffffffffff1").send().await);
    assert_eq!(code, "InvalidGroup.NotFound");
    let other = vpc(&h, "10.9.0.0/16", false).await;
    let foreign = group(&h, &other, "elsewhere").await;
    let (code, _) = err(modify().groups(&foreign).send().await);
    assert_eq!(code, "InvalidParameter");
    let (code, _) = err(modify()
        .attachment(
            NetworkInterfaceAttachmentChanges::builder()
                .attachment_id("eni-attach-0fffffffffffffff1")
                .delete_on_termination(true)
                .build(),
        )
        .send()
        .await);
    assert_eq!(code, "InvalidAttachmentID.NotFound");
    let nat_id = private_nat(&h, &n.v4[0]).await;
    let nat_eni = nat_interface(&h, &nat_id).await;
    let (code, _) = err(h
        .ec2
        .modify_network_interface_attribute()
        .network_interface_id(&nat_eni)
        .groups(&extra)
        .send()
        .await);
    assert_eq!(code, "OperationNotPermitted");
    let (code, _) = err(h
        .ec2
        .describe_network_interface_attribute()
        .network_interface_id(&id)
        .send()
        .await);
    assert_eq!(code, "MissingParameter");
}
