//! The cluster's subnets (a bring-your-own subnet carries no owned tag).

use crate::reconcile::{Kind, Kit, Result, listed};

pub(super) async fn delete(k: &Kit<'_>) -> Result<()> {
    const KIND: Kind = Kind::Subnet;
    let out = k
        .call(KIND, k.cluster, "DescribeSubnets")
        .once(k.ec2.describe_subnets().filters(k.owned()).send())
        .await?;
    for s in out.subnets() {
        let (id, name) = listed(
            KIND,
            k.cluster,
            "DescribeSubnets",
            "SubnetId",
            s.subnet_id(),
            s.tags(),
        )?;
        k.call(KIND, &name, "DeleteSubnet")
            .delete(|| k.ec2.delete_subnet().subnet_id(&id).send())
            .await?;
        k.deleted(KIND, &name, &id);
    }
    Ok(())
}
