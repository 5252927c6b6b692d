//! The cluster's load balancers (by their tags), then its target groups;
//! and its classic ELBs (by their tags).

use std::future::Future;

use aws_sdk_elasticloadbalancingv2::error::ProvideErrorMetadata;

use crate::plan::tags;
use crate::reconcile::call::SdkResult;
use crate::reconcile::{Kind, Kit, Resource, Result, existing_id};

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
    let lbs = arns(k, out.load_balancers(), |l| l.load_balancer_name())?;
    let delete = |arn| k.elb.delete_load_balancer().load_balancer_arn(arn).send();
    let what = (Kind::LoadBalancer, "DeleteLoadBalancer");
    delete_owned(k, what, &key, lbs, delete).await?;
    let out = k
        .call(Kind::TargetGroup, k.cluster, "DescribeTargetGroups")
        .once(k.elb.describe_target_groups().send())
        .await?;
    let tgs = arns(k, out.target_groups(), |t| t.target_group_name())?;
    let delete = |arn| k.elb.delete_target_group().target_group_arn(arn).send();
    let what = (Kind::TargetGroup, "DeleteTargetGroup");
    delete_owned(k, what, &key, tgs, delete).await
}

/// Deletes by `action` each of `items` (ARN, name) that the cluster owns.
async fn delete_owned<T, E, Fut>(
    k: &Kit<'_>,
    (kind, action): (Kind, &'static str),
    key: &str,
    items: Vec<(String, String)>,
    send: impl Fn(String) -> Fut,
) -> Result<()>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    Fut: Future<Output = SdkResult<T, E>>,
{
    for (arn, name) in owned(k, key, items).await? {
        k.remove(kind, (&arn, &name), action, || send(arn.clone()))
            .await?;
    }
    Ok(())
}

/// The (ARN, name) of each listed resource (an error where AWS left out
/// the ARN; named by its ARN where it left out the name).
fn arns<R: Resource>(
    k: &Kit<'_>,
    rs: &[R],
    name: fn(&R) -> Option<&str>,
) -> Result<Vec<(String, String)>> {
    rs.iter()
        .map(|r| {
            let arn = existing_id(k.cluster, r)?;
            let name = name(r).map_or_else(|| arn.clone(), str::to_owned);
            Ok((arn, name))
        })
        .collect()
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
