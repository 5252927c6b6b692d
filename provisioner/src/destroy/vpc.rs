//! The cluster's VPCs: found first (the gateways go by them), deleted last.

use crate::reconcile::{Kind, Kit, Result};

pub(super) async fn owned(k: &Kit<'_>) -> Result<Vec<String>> {
    let out = k
        .call(Kind::Vpc, k.cluster, "DescribeVpcs")
        .once(k.ec2.describe_vpcs().filters(k.owned()).send())
        .await?;
    Ok(out
        .vpcs()
        .iter()
        .filter_map(|v| v.vpc_id().map(str::to_owned))
        .collect())
}

pub(super) async fn delete(k: &Kit<'_>, vpcs: &[String]) -> Result<()> {
    for vpc in vpcs {
        k.call(Kind::Vpc, vpc, "DeleteVpc")
            .delete(|| k.ec2.delete_vpc().vpc_id(vpc).send())
            .await?;
        k.deleted(Kind::Vpc, &format!("{}-vpc", k.cluster), vpc);
    }
    Ok(())
}
