//! The cluster's route tables: disassociated, then deleted. The VPC's main
//! table goes with the VPC.

use crate::reconcile::{Kind, Kit, Result, listed};

pub(super) async fn delete(k: &Kit<'_>) -> Result<()> {
    const KIND: Kind = Kind::RouteTable;
    let out = k
        .call(KIND, k.cluster, "DescribeRouteTables")
        .once(k.ec2.describe_route_tables().filters(k.owned()).send())
        .await?;
    for t in out.route_tables() {
        let (id, name) = listed(
            KIND,
            k.cluster,
            "DescribeRouteTables",
            "RouteTableId",
            t.route_table_id(),
            t.tags(),
        )?;
        if t.associations().iter().any(|a| a.main() == Some(true)) {
            continue;
        }
        for a in t.associations() {
            if let Some(assoc) = a.route_table_association_id() {
                k.call(KIND, &name, "DisassociateRouteTable")
                    .gone_ok(
                        k.ec2
                            .disassociate_route_table()
                            .association_id(assoc)
                            .send(),
                    )
                    .await?;
            }
        }
        k.call(KIND, &name, "DeleteRouteTable")
            .delete(|| k.ec2.delete_route_table().route_table_id(&id).send())
            .await?;
        k.deleted(KIND, &name, &id);
    }
    Ok(())
}
