//! The cluster's subnets (a bring-your-own subnet carries no owned tag).

use crate::reconcile::{Kind, Kit, Result};

pub(super) async fn delete(k: &Kit<'_>) -> Result<()> {
    let out = k
        .call(Kind::Subnet, k.cluster, "DescribeSubnets")
        .once(k.ec2.describe_subnets().filters(k.owned()).send())
        .await?;
    for (id, name) in k.listed_all(out.subnets())? {
        k.remove(Kind::Subnet, (&id, &name), "DeleteSubnet", || {
            k.ec2.delete_subnet().subnet_id(&id).send()
        })
        .await?;
    }
    Ok(())
}
