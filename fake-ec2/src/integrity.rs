//! Checks a state file's regions before they are used: every map of
//! resources is keyed by the resource's own id (handlers look a resource up
//! by the id it holds, so a key that differs would make it unreachable or
//! panic), and the references handlers index by are there.
//!
//! Both state structs are destructured without `..`: a new map in either
//! does not compile until it is checked here.

use std::collections::BTreeMap;

use crate::ec2::Ec2State;
use crate::elbv2::Elbv2State;
use crate::region::Region;

/// The first inconsistency in a region, worded for the operator.
pub fn check_region(region: &Region) -> Result<(), String> {
    let at = |e: String| format!("region {} of account {}: {e}", region.name, region.account);
    check_ec2(&region.ec2).map_err(at)?;
    check_elbv2(&region.elbv2).map_err(at)
}

/// Every entry's key is its id.
fn keyed<'a, V: 'a>(
    map: &str,
    entries: impl IntoIterator<Item = (&'a String, &'a V)>,
    id: impl Fn(&V) -> &str,
) -> Result<(), String> {
    for (key, value) in entries {
        let inner = id(value);
        if key != inner {
            return Err(format!(
                "{map}: the entry keyed '{key}' holds the id '{inner}'"
            ));
        }
    }
    Ok(())
}

fn check_ec2(state: &Ec2State) -> Result<(), String> {
    let Ec2State {
        vpcs,
        subnets,
        internet_gateways,
        egress_only_internet_gateways,
        addresses,
        nat_gateways,
        route_tables,
        security_groups,
        instances,
        ipv6_pools,
        ipams,
        ipam_scopes,
        ipam_pools,
    } = state;
    keyed("vpcs", vpcs, |v| &v.vpc_id)?;
    keyed("subnets", subnets.iter(), |s| &s.subnet_id)?;
    keyed("internet_gateways", internet_gateways, |g| {
        &g.internet_gateway_id
    })?;
    keyed(
        "egress_only_internet_gateways",
        egress_only_internet_gateways,
        |g| &g.egress_only_internet_gateway_id,
    )?;
    keyed("addresses", addresses, |a| &a.allocation_id)?;
    keyed("nat_gateways", nat_gateways, |n| &n.nat_gateway_id)?;
    keyed("route_tables", route_tables, |r| &r.route_table_id)?;
    keyed("security_groups", security_groups, |g| &g.group_id)?;
    keyed("instances", instances, |i| &i.instance_id)?;
    keyed("ipv6_pools", ipv6_pools, |p| &p.pool_id)?;
    keyed("ipams", ipams, |i| &i.ipam_id)?;
    keyed("ipam_scopes", ipam_scopes, |s| &s.ipam_scope_id)?;
    keyed("ipam_pools", ipam_pools, |p| &p.ipam_pool_id)?;
    references(
        "ipam_pools",
        ipam_pools,
        |p| p.source_ipam_pool_id.as_deref(),
        "source pool",
        ipam_pools,
    )
}

fn check_elbv2(state: &Elbv2State) -> Result<(), String> {
    let Elbv2State {
        load_balancers,
        target_groups,
        listeners,
    } = state;
    keyed("load_balancers", load_balancers, |l| &l.load_balancer_arn)?;
    keyed("target_groups", target_groups, |t| &t.target_group_arn)?;
    keyed("listeners", listeners, |l| &l.listener_arn)
}

/// Every reference an entry makes names an entry of `to`.
fn references<V, W>(
    map: &str,
    from: &BTreeMap<String, V>,
    reference: impl Fn(&V) -> Option<&str>,
    what: &str,
    to: &BTreeMap<String, W>,
) -> Result<(), String> {
    for (key, value) in from {
        if let Some(target) = reference(value)
            && !to.contains_key(target)
        {
            return Err(format!(
                "{map}: '{key}' names the {what} '{target}', which is not in the file"
            ));
        }
    }
    Ok(())
}
