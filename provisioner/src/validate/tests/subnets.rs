//! Cases for subnets, zones, the default layout and IPv6 auto-assignment.

use super::*;

#[test]
pub(super) fn subnet_rules() {
    let ok = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: priv-a, isIpv6: true, availabilityZone: us-east-1a}}\n"
    ));
    let f = rules_of(&case(&ok), &facts(), None);
    assert!(f.is_empty(), "{f:#?}");

    let a = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.300.0/24, availabilityZone: us-east-1a}}\n"
    ));
    expect(Rule::SubnetCidrInvalid, case(&a));
    let a = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: p, isIpv6: true, ipv6CidrBlock: 'zz::/64', availabilityZone: us-east-1a}}\n"
    ));
    expect(Rule::SubnetIpv6CidrInvalid, case(&a));
    let a = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: p, availabilityZone: us-east-1a}}\n"
    ));
    expect(Rule::SubnetIpv4NeedsCidr, case(&a));
    let a = aws(
        "    vpc:\n      cidrBlock: 10.0.0.0/16\n    subnets:\n    - {id: pub-a, cidrBlock: 10.0.0.0/20, isIpv6: true, isPublic: true, availabilityZone: us-east-1a}\n",
    );
    let c = Case {
        aws_cluster: &a,
        cluster_network: "",
        machine: MACHINE,
    };
    expect(Rule::SubnetIsIpv6NeedsVpcIpv6, c);
    let a = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.16.0/20, ipv6CidrBlock: '2001:db8::/64', availabilityZone: us-east-1a}}\n"
    ));
    expect(Rule::SubnetIpv6CidrNeedsIsIpv6, case(&a));
    let a = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.1.0.0/20, isIpv6: true, availabilityZone: us-east-1a}}\n"
    ));
    expect(Rule::SubnetCidrOutsideVpc, case(&a));
    let a = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.16.0/29, isIpv6: true, availabilityZone: us-east-1a}}\n"
    ));
    expect(Rule::SubnetCidrSize, case(&a));
    let a = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: p, isIpv6: true, ipv6CidrBlock: '2001:db8:0:1::/66', availabilityZone: us-east-1a}}\n"
    ));
    expect(Rule::SubnetIpv6CidrSize, case(&a));
    let a = aws(
        "    vpc:\n      ipv6: {poolId: ipv6pool-ec2-1, cidrBlock: '2009:1234:ff00::/56'}\n    subnets:\n    - {id: pub-a, cidrBlock: 10.0.0.0/20, isIpv6: true, isPublic: true, availabilityZone: us-east-1a, ipv6CidrBlock: '2009:1234:ee01::/64'}\n",
    );
    expect(Rule::SubnetIpv6CidrOutsideVpc, case(&a));
    let a = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.8.0/24, isIpv6: true, availabilityZone: us-east-1a}}\n"
    ));
    expect(Rule::SubnetCidrOverlap, case(&a));
    let a = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: pub-a, cidrBlock: 10.0.16.0/20, isIpv6: true, availabilityZone: us-east-1a}}\n"
    ));
    expect(Rule::SubnetDuplicateId, case(&a));
    let a = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.16.0/20, availabilityZone: us-east-1z}}\n"
    ));
    expect(Rule::SubnetAzUnknown, case(&a));
    let a = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.16.0/20, availabilityZone: us-east-1-bos-1a}}\n"
    ));
    expect(Rule::SubnetAzUnknown, case(&a));
    let a = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.16.0/20, availabilityZone: us-east-1-nyc-1a, zoneType: local-zone}}\n"
    ));
    expect(Rule::SubnetEdgeNeedsParentZone, case(&a));
    let a = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.16.0/20, isIpv6: true, availabilityZone: us-east-1-nyc-1a}}\n"
    ));
    expect(Rule::SubnetEdgeIpv6, case(&a));
    let a = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: p, isIpv6: true, availabilityZone: us-east-1-wl1-was-wlz-1}}\n"
    ));
    expect(Rule::SubnetEdgeIpv6, case(&a));
    // An IPv4-only subnet in a Local Zone is fine.
    let a = subnet_list(&format!(
        "{PUBLIC_A}    - {{id: priv-a, isIpv6: true, availabilityZone: us-east-1a}}\n    - {{id: p, cidrBlock: 10.0.16.0/20, availabilityZone: us-east-1-nyc-1a}}\n"
    ));
    let f = rules_of(&case(&a), &facts(), None);
    assert!(f.is_empty(), "{f:#?}");
    let a = subnet_list(
        "    - {id: p, cidrBlock: 10.0.16.0/20, isIpv6: true, availabilityZone: us-east-1a}\n",
    );
    expect(Rule::SubnetNoPublic, case(&a));
    let a = subnet_list(
        "    - {id: pub, isIpv6: true, isPublic: true, availabilityZone: us-east-1a}\n    - {id: p, isIpv6: true, availabilityZone: us-east-1a}\n",
    );
    expect(Rule::NatNeedsIpv4PublicSubnet, case(&a));
    let b = subnet_list(
        "    - {id: pa, cidrBlock: 10.0.0.0/20, isPublic: true, availabilityZone: us-east-1a}
    - {id: pb, cidrBlock: 10.0.64.0/20, availabilityZone: us-east-1b}
",
    );
    let f = rules_of(&case(&b), &facts(), None);
    covers(&f, Rule::NatNeedsPublicSubnetInZone);
    let hit = f
        .iter()
        .find(|x| x.rule == Rule::NatNeedsPublicSubnetInZone)
        .unwrap();
    assert!(
        hit.message
            .starts_with("no nat gateways available in \"us-east-1b\" for private subnet \"pb\""),
        "{hit}"
    );
}

#[test]
pub(super) fn default_layout_needs_zones() {
    let mut f = facts();
    f.zones.retain(|z| z.zone_type.is_edge());
    expect_with(Rule::SubnetDefaultLayout, base(), &f);
}

#[test]
pub(super) fn auto_assign_runs_out_in_a_small_block() {
    // An IPAM /60 holds 16 /64s; 17 IPv6 subnets cannot all get one.
    let mut list = String::from(PUBLIC_A);
    for i in 0..17 {
        list.push_str(&format!(
            "    - {{id: p{i}, isIpv6: true, availabilityZone: us-east-1a}}\n"
        ));
    }
    let a = aws(&format!(
        "    vpc:\n      ipv6: {{poolId: ipv6pool-ec2-1, cidrBlock: '2009:1234:ff00::/60'}}\n    subnets:\n{list}"
    ));
    expect(Rule::SubnetIpv6AutoAssign, case(&a));
}
