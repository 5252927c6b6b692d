//! Small builders and readers of the AWS SDK's EC2 shapes, shared by
//! discovery, apply, destroy, the picture's read-back and the scenario
//! world: a `Filter`, and the CIDR blocks of a VPC or subnet that are
//! associated (not associating, disassociated or failed).

use aws_sdk_ec2::types::{
    Filter, Subnet, SubnetIpv6CidrBlockAssociation, Vpc, VpcCidrBlockAssociation,
    VpcIpv6CidrBlockAssociation,
};

/// A Describe filter: `name` matching any of `values`.
pub fn filter(name: &str, values: &[&str]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.iter().map(|v| (*v).to_owned()).collect()))
        .build()
}

/// A VPC's IPv4 blocks that are associated (not associating, not
/// disassociated or failed).
pub fn vpc_ipv4_associations(v: &Vpc) -> impl Iterator<Item = &VpcCidrBlockAssociation> {
    v.cidr_block_association_set().iter().filter(|a| {
        associated(
            a.cidr_block_state()
                .and_then(|s| s.state())
                .map(|s| s.as_str()),
        )
    })
}

/// A VPC's associated IPv6 blocks.
pub fn vpc_ipv6_associations(v: &Vpc) -> impl Iterator<Item = &VpcIpv6CidrBlockAssociation> {
    v.ipv6_cidr_block_association_set().iter().filter(|a| {
        associated(
            a.ipv6_cidr_block_state()
                .and_then(|s| s.state())
                .map(|s| s.as_str()),
        )
    })
}

/// A subnet's associated IPv6 blocks.
pub fn subnet_ipv6_associations(
    s: &Subnet,
) -> impl Iterator<Item = &SubnetIpv6CidrBlockAssociation> {
    s.ipv6_cidr_block_association_set().iter().filter(|a| {
        associated(
            a.ipv6_cidr_block_state()
                .and_then(|s| s.state())
                .map(|s| s.as_str()),
        )
    })
}

fn associated(state: Option<&str>) -> bool {
    state == Some("associated")
}
