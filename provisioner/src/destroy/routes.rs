//! The cluster's route tables: disassociated, then deleted. The VPC's main
//! table goes with the VPC.

use crate::reconcile::{Kind, Kit, Result};

pub(super) async fn delete(k: &Kit<'_>) -> Result<()> {
    const KIND: Kind = Kind::RouteTable;
    let out = k
        .call(KIND, k.cluster, "DescribeRouteTables")
        .once(k.ec2.describe_route_tables().filters(k.owned()).send())
        .await?;
    for t in out.route_tables() {
        let (id, name) = k.listed(t)?;
        if t.associations().iter().any(|a| a.main() == Some(true)) {
            continue;
        }
        let associations = t
            .associations()
            .iter()
            .filter_map(|a| a.route_table_association_id());
        for assoc in associations {
            k.call(KIND, &name, "DisassociateRouteTable")
                .gone_ok(
                    k.ec2
                        .disassociate_route_table()
                        .association_id(assoc)
                        .send(),
                )
                .await?;
        }
        k.remove(KIND, (&id, &name), "DeleteRouteTable", || {
            k.ec2.delete_route_table().route_table_id(&id).send()
        })
        .await?;
    }
    Ok(())
}
