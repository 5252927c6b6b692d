//! Eventual consistency: a resource a create call made (when a fault rule's
//! `not_found_reads` fires) answers its NotFound error to the next calls
//! that name it by id, as AWS's API does for a while after a create. It
//! needs to know every family's ids and errors; the fault rules that decide
//! when it applies are in [`crate::faults`].

use std::collections::BTreeSet;

use crate::journal::Service;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Region;
use crate::registry::id_prefix;
use crate::{ec2, elb, elbv2};

/// Every resource id (or ARN) one region holds.
pub fn resource_ids(region: &Region) -> BTreeSet<String> {
    let ec2 = region.ec2.resources().into_iter().map(|e| e.key);
    let elbv2 = region.elbv2.resources().into_iter().map(|e| e.key);
    let elb = region.elb.resources().into_iter().map(|e| e.key);
    ec2.chain(elbv2).chain(elb).map(str::to_owned).collect()
}

/// Hides the resources a call created (those in `after` but not `before`
/// that its answer names) from the next `reads` calls that name them.
pub fn hide_created(region: &mut Region, before: &BTreeSet<String>, answer: &[Node], reads: u32) {
    let mut text = String::new();
    for n in answer {
        n.write(&mut text);
    }
    for id in resource_ids(region).difference(before) {
        if text.contains(id.as_str()) {
            region.unseen.insert(id.clone(), reads);
        }
    }
}

/// Whether a parameter names resources by id: `VpcId`, `SubnetId.1`,
/// `LoadBalancerArns.member.1`, `Subnets.member.2`, `Targets.member.1.Id`
/// ... but not filter values or tags.
fn names_resource(key: &str) -> bool {
    if key.starts_with("Filter.") || key.starts_with("Tag") {
        return false;
    }
    let last = key
        .rsplit('.')
        .find(|s| *s != "member" && !s.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("");
    last.ends_with("Id")
        || last.ends_with("Ids")
        || last.ends_with("Arn")
        || last.ends_with("Arns")
        || last == "Subnets"
        || last == "SecurityGroups"
        || last == "LoadBalancerName"
        || last == "LoadBalancerNames"
}

/// The NotFound answer for a hidden resource, as the calling service words it.
fn not_found(service: Service, id: &str) -> Option<AwsError> {
    if let Some(rest) = id.strip_prefix("arn:") {
        let resource = rest.splitn(5, ':').nth(4).unwrap_or("");
        let kind = resource.split('/').next()?;
        let family = elbv2::FAMILIES.iter().find(|f| f.prefix == kind)?;
        return Some((family.not_found)(id));
    }
    let prefix = id_prefix(id).unwrap_or("");
    let family = ec2::FAMILIES.iter().find(|f| f.prefix == prefix)?;
    match service {
        Service::Ec2 => Some((family.not_found)(id)),
        Service::Elbv2 => (family.elbv2_not_found)(id),
        Service::Elb => (family.elb_not_found)(id),
        Service::Eks | Service::Sts => None,
    }
}

/// A call that names a hidden resource answers its NotFound error; every
/// hidden resource it names has one read fewer to wait.
pub fn check_unseen(region: &mut Region, service: Service, params: &Params) -> Option<AwsError> {
    if region.unseen.is_empty() {
        return None;
    }
    // In parameter order; the first one decides the answer.
    let mut named: Vec<&str> = Vec::new();
    for (k, v) in params.iter() {
        if names_resource(k) && region.unseen.contains_key(v) && !named.contains(&v) {
            named.push(v);
        }
    }
    let error = named.iter().find_map(|id| {
        // A classic load balancer is named, not numbered: only classic ELB
        // calls name one.
        if region.elb.load_balancers.contains_key(*id) {
            return (service == Service::Elb).then(|| elb::errors::load_balancer_not_found(id));
        }
        not_found(service, id)
    });
    for id in named {
        if let Some(left) = region.unseen.get_mut(id) {
            *left -= 1;
            if *left == 0 {
                region.unseen.remove(id);
            }
        }
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_that_name_resources() {
        for key in [
            "VpcId",
            "SubnetId.3",
            "ResourceId.1",
            "LoadBalancerArns.member.1",
            "LoadBalancerArn",
            "Subnets.member.2",
            "SecurityGroups.member.1",
            "Targets.member.1.Id",
            "IpPermissions.1.Groups.1.GroupId",
            "SubnetMappings.member.1.AllocationId",
            "LoadBalancerName",
            "LoadBalancerNames.member.1",
            "Instances.member.1.InstanceId",
        ] {
            assert!(names_resource(key), "{key}");
        }
        for key in [
            "Filter.1.Value.1",
            "TagSpecification.1.Tag.1.Value",
            "Tag.1.Value",
            "CidrBlock",
            "ClientToken",
            "Action",
        ] {
            assert!(!names_resource(key), "{key}");
        }
    }
}
