//! Subnets: CreateSubnet, DescribeSubnets, DeleteSubnet,
//! ModifySubnetAttribute, Associate/DisassociateSubnetCidrBlock.
//!
//! IPv4 subnets are /16 to /28 inside a VPC IPv4 block; IPv6 subnet blocks are
//! /44 to /64 in steps of 4 inside a VPC IPv6 block; IPv6-only subnets
//! (`Ipv6Native`) have no IPv4 block at all.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};
use serde::Serialize;

use super::Ctx;
use super::tags::Tags;
use super::vpcs::CidrBlockState;
use crate::cidr;
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};

#[derive(Debug, Clone, Serialize)]
pub struct SubnetIpv6Association {
    pub association_id: String,
    pub ipv6_cidr_block: Ipv6Net,
    pub state: CidrBlockState,
}

#[derive(Debug, Clone, Serialize)]
pub struct Subnet {
    pub subnet_id: String,
    pub subnet_arn: String,
    pub vpc_id: String,
    pub owner_id: String,
    pub state: String,
    pub availability_zone: String,
    pub availability_zone_id: String,
    /// None for an IPv6-only subnet.
    pub cidr_block: Option<Ipv4Net>,
    pub ipv6_cidr_block_associations: Vec<SubnetIpv6Association>,
    pub ipv6_native: bool,
    pub assign_ipv6_address_on_creation: bool,
    pub map_public_ip_on_launch: bool,
    pub enable_dns64: bool,
    /// `ip-name` or `resource-name`.
    pub private_dns_hostname_type_on_launch: String,
    pub enable_resource_name_dns_a_record_on_launch: bool,
    pub enable_resource_name_dns_aaaa_record_on_launch: bool,
    pub default_for_az: bool,
    pub tags: Tags,
    /// Addresses handed out in this subnet (instances, NAT gateways, load balancer nodes).
    pub used_ipv4: BTreeSet<Ipv4Addr>,
    pub used_ipv6: BTreeSet<Ipv6Addr>,
}

/// AWS reserves the first four addresses and the last one of every subnet block.
pub const RESERVED_HEAD: u32 = 4;

impl Subnet {
    /// The subnet's active IPv6 blocks (at most one).
    pub fn ipv6_blocks(&self) -> impl Iterator<Item = Ipv6Net> + '_ {
        self.ipv6_cidr_block_associations
            .iter()
            .filter(|a| a.state.is_active())
            .map(|a| a.ipv6_cidr_block)
    }

    pub fn ipv6_block(&self) -> Option<Ipv6Net> {
        self.ipv6_blocks().next()
    }

    pub fn has_ipv6(&self) -> bool {
        self.ipv6_block().is_some()
    }

    /// IPv4 addresses still free (0 for an IPv6-only subnet).
    pub fn available_ip_address_count(&self) -> u64 {
        self.cidr_block.map_or(0, |c| {
            cidr::size_v4(&c)
                .saturating_sub(u64::from(RESERVED_HEAD) + 1 + self.used_ipv4.len() as u64)
        })
    }

    /// Takes the lowest free IPv4 address, if the subnet has IPv4 and room.
    pub fn allocate_ipv4(&mut self) -> Option<Ipv4Addr> {
        let net = self.cidr_block?;
        let size = u32::try_from(cidr::size_v4(&net)).ok()?;
        (RESERVED_HEAD..size.checked_sub(1)?)
            .map(|i| cidr::nth_v4(&net, i))
            .find(|a| !self.used_ipv4.contains(a))
            .inspect(|a| {
                self.used_ipv4.insert(*a);
            })
    }

    /// Takes the lowest free IPv6 address of the subnet's block.
    pub fn allocate_ipv6(&mut self) -> Option<Ipv6Addr> {
        let net = self.ipv6_block()?;
        let size: u128 = 1u128
            .checked_shl(u32::from(128 - net.prefix_len()))
            .unwrap_or(u128::MAX);
        let mut i = u128::from(RESERVED_HEAD);
        while i < size.saturating_sub(1) {
            let a = cidr::nth_v6(&net, i);
            if !self.used_ipv6.contains(&a) {
                self.used_ipv6.insert(a);
                return Some(a);
            }
            i += 1;
        }
        None
    }

    /// Claims a specific IPv6 address; false if it is outside the block, reserved or taken.
    pub fn claim_ipv6(&mut self, addr: Ipv6Addr) -> bool {
        let Some(net) = self.ipv6_block() else {
            return false;
        };
        let offset = u128::from(addr).wrapping_sub(u128::from(net.network()));
        let last = u128::from(net.broadcast());
        if !net.contains(&addr) || offset < u128::from(RESERVED_HEAD) || u128::from(addr) == last {
            return false;
        }
        self.used_ipv6.insert(addr)
    }

    pub fn release_ipv4(&mut self, addr: Ipv4Addr) {
        self.used_ipv4.remove(&addr);
    }

    pub fn release_ipv6(&mut self, addr: Ipv6Addr) {
        self.used_ipv6.remove(&addr);
    }
}

pub fn create_subnet(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("CreateSubnet"))
}

pub fn describe_subnets(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DescribeSubnets"))
}

pub fn delete_subnet(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DeleteSubnet"))
}

pub fn modify_subnet_attribute(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("ModifySubnetAttribute"))
}

pub fn associate_subnet_cidr_block(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("AssociateSubnetCidrBlock"))
}

pub fn disassociate_subnet_cidr_block(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DisassociateSubnetCidrBlock"))
}
