//! Checks a state file's regions before they are used: every map of
//! resources is keyed by the resource's own id (handlers look a resource up
//! by the id it holds, so a key that differs would make it unreachable or
//! panic), and the references handlers index by are there.
//!
//! The maps are the registry's ([`crate::registry`]): a new family is
//! checked as soon as it is registered.

use std::collections::BTreeMap;

use crate::ec2::Ec2State;
use crate::eks::EksState;
use crate::elb::ElbState;
use crate::elbv2::Elbv2State;
use crate::region::Region;
use crate::registry::Entry;

/// The first inconsistency in a region, worded for the operator.
pub fn check_region(region: &Region) -> Result<(), String> {
    let at = |e: String| format!("region {} of account {}: {e}", region.name, region.account);
    check_ec2(&region.ec2).map_err(at)?;
    check_elbv2(&region.elbv2).map_err(at)?;
    check_elb(&region.elb).map_err(at)?;
    check_eks(&region.eks).map_err(at)
}

/// Every family's indexes match its resources ([`crate::index::Indexed`]):
/// debug builds check it after every request, so a family that changes a
/// key it promised is stable fails the test that did it.
pub fn check_indexes(region: &Region) -> Result<(), String> {
    region.ec2.verify_indexes()?;
    region.elbv2.verify_indexes()?;
    region.elb.verify_indexes()?;
    region.eks.verify_indexes()
}

/// Every entry's key is the id it holds.
fn keyed<T>(entries: Vec<Entry<'_, T>>) -> Result<(), String> {
    for e in entries {
        if e.key != e.id {
            return Err(format!(
                "{}: the entry keyed '{}' holds the id '{}'",
                e.family.store, e.key, e.id
            ));
        }
    }
    Ok(())
}

fn check_ec2(state: &Ec2State) -> Result<(), String> {
    keyed(state.resources())?;
    references(
        "ipam_pools",
        &state.ipam_pools,
        |p| p.source_ipam_pool_id.as_deref(),
        "source pool",
        &state.ipam_pools,
    )
}

fn check_elbv2(state: &Elbv2State) -> Result<(), String> {
    keyed(state.resources())
}

fn check_elb(state: &ElbState) -> Result<(), String> {
    keyed(state.resources())
}

fn check_eks(state: &EksState) -> Result<(), String> {
    keyed(state.resources())
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
