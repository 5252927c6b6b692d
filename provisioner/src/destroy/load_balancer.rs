//! The cluster's load balancers (by their tags), then its target groups;
//! and its classic ELBs (by their tags).

use crate::plan::tags;
use crate::reconcile::{Kind, Kit, Result};

pub(super) async fn delete(k: &Kit<'_>) -> Result<()> {
    k.both(v2(k), classic(k)).await?;
    Ok(())
}

/// CAPA's `deleteAPIServerELB`: every classic ELB the cluster owns.
async fn classic(k: &Kit<'_>) -> Result<()> {
    const KIND: Kind = Kind::ClassicLoadBalancer;
    let key = tags::owned_key(k.cluster);
    let mut names = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = k
            .call(KIND, k.cluster, "DescribeLoadBalancers")
            .once(
                k.classic
                    .describe_load_balancers()
                    .set_marker(marker.clone())
                    .send(),
            )
            .await?;
        names.extend(
            out.load_balancer_descriptions()
                .iter()
                .filter_map(|d| d.load_balancer_name().map(str::to_owned)),
        );
        marker = out.next_marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    for chunk in names.chunks(20) {
        let tags = k
            .call(KIND, k.cluster, "DescribeTags")
            .once(
                k.classic
                    .describe_tags()
                    .set_load_balancer_names(Some(chunk.to_vec()))
                    .send(),
            )
            .await?;
        for desc in tags.tag_descriptions() {
            let owned = desc
                .tags()
                .iter()
                .any(|t| t.key() == key && t.value() == Some("owned"));
            let Some(name) = desc.load_balancer_name().filter(|_| owned) else {
                continue;
            };
            k.call(KIND, name, "DeleteLoadBalancer")
                .once(
                    k.classic
                        .delete_load_balancer()
                        .load_balancer_name(name)
                        .send(),
                )
                .await?;
            k.deleted(KIND, name, name);
        }
    }
    Ok(())
}

async fn v2(k: &Kit<'_>) -> Result<()> {
    let key = tags::owned_key(k.cluster);
    let out = k
        .call(Kind::LoadBalancer, k.cluster, "DescribeLoadBalancers")
        .once(k.elb.describe_load_balancers().send())
        .await?;
    let lbs: Vec<(String, String)> = out
        .load_balancers()
        .iter()
        .filter_map(|l| {
            Some((
                l.load_balancer_arn()?.to_owned(),
                l.load_balancer_name()?.to_owned(),
            ))
        })
        .collect();
    for (arn, name) in owned(k, &key, lbs).await? {
        k.call(Kind::LoadBalancer, &name, "DeleteLoadBalancer")
            .once(k.elb.delete_load_balancer().load_balancer_arn(&arn).send())
            .await?;
        k.deleted(Kind::LoadBalancer, &name, &arn);
    }
    let out = k
        .call(Kind::TargetGroup, k.cluster, "DescribeTargetGroups")
        .once(k.elb.describe_target_groups().send())
        .await?;
    let tgs: Vec<(String, String)> = out
        .target_groups()
        .iter()
        .filter_map(|t| {
            Some((
                t.target_group_arn()?.to_owned(),
                t.target_group_name()?.to_owned(),
            ))
        })
        .collect();
    for (arn, name) in owned(k, &key, tgs).await? {
        k.call(Kind::TargetGroup, &name, "DeleteTargetGroup")
            .delete(|| k.elb.delete_target_group().target_group_arn(&arn).send())
            .await?;
        k.deleted(Kind::TargetGroup, &name, &arn);
    }
    Ok(())
}

/// The (ARN, name) pairs whose tags say the cluster owns them.
async fn owned(
    k: &Kit<'_>,
    key: &str,
    items: Vec<(String, String)>,
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for chunk in items.chunks(20) {
        let tags = k
            .call(Kind::LoadBalancer, k.cluster, "DescribeTags")
            .once(
                k.elb
                    .describe_tags()
                    .set_resource_arns(Some(chunk.iter().map(|(a, _)| a.clone()).collect()))
                    .send(),
            )
            .await?;
        for desc in tags.tag_descriptions() {
            let owned = desc
                .tags()
                .iter()
                .any(|t| t.key() == Some(key) && t.value() == Some("owned"));
            if owned
                && let Some(item) = chunk
                    .iter()
                    .find(|(a, _)| Some(a.as_str()) == desc.resource_arn())
            {
                out.push(item.clone());
            }
        }
    }
    Ok(out)
}
