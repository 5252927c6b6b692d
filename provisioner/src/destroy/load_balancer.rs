//! The cluster's load balancers (by their tags), then its target groups.

use crate::plan::tags;
use crate::reconcile::{Kind, Kit, Result};

pub(super) async fn delete(k: &Kit<'_>) -> Result<()> {
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
