//! The cluster's internet gateways (attached to one of its VPCs: detached,
//! then deleted; attached nowhere: an interrupted destroy detached it; one
//! attached to a VPC the cluster does not own is left alone) and its
//! egress-only gateways (only those that carry the cluster's tag AND are
//! attached to its VPC) and its carrier gateways (owned, in its VPC).

use crate::reconcile::{Kind, Kit, Result};

pub(super) async fn delete_internet(k: &Kit<'_>, vpcs: &[String]) -> Result<()> {
    const KIND: Kind = Kind::InternetGateway;
    let out = k
        .call(KIND, k.cluster, "DescribeInternetGateways")
        .once(k.ec2.describe_internet_gateways().filters(k.owned()).send())
        .await?;
    for g in out.internet_gateways() {
        let (id, name) = k.listed(g)?;
        let attached: Vec<&str> = g.attachments().iter().filter_map(|a| a.vpc_id()).collect();
        if attached.iter().any(|v| !vpcs.iter().any(|o| o == v)) {
            continue;
        }
        for vpc in attached {
            let detach = k.ec2.detach_internet_gateway().internet_gateway_id(&id);
            k.call(KIND, &name, "DetachInternetGateway")
                .delete(|| detach.clone().vpc_id(vpc).send())
                .await?;
        }
        k.remove(KIND, (&id, &name), "DeleteInternetGateway", || {
            k.ec2
                .delete_internet_gateway()
                .internet_gateway_id(&id)
                .send()
        })
        .await?;
    }
    Ok(())
}

pub(super) async fn delete_egress_only(k: &Kit<'_>, vpc: &str) -> Result<()> {
    const KIND: Kind = Kind::EgressOnlyInternetGateway;
    let describe = k.ec2.describe_egress_only_internet_gateways();
    let out = k
        .call(KIND, k.cluster, "DescribeEgressOnlyInternetGateways")
        .once(describe.filters(k.owned()).send())
        .await?;
    let attached = out
        .egress_only_internet_gateways()
        .iter()
        .filter(|g| g.attachments().iter().any(|a| a.vpc_id() == Some(vpc)));
    for (id, name) in k.listed_all(attached)? {
        let delete = k.ec2.delete_egress_only_internet_gateway();
        k.remove(
            KIND,
            (&id, &name),
            "DeleteEgressOnlyInternetGateway",
            || delete.clone().egress_only_internet_gateway_id(&id).send(),
        )
        .await?;
    }
    Ok(())
}

/// CAPA `deleteCarrierGateway`: the carrier gateway of each of the
/// cluster's VPCs, when the cluster owns it (a BYO VPC's is left alone).
pub(super) async fn delete_carrier(k: &Kit<'_>, vpcs: &[String]) -> Result<()> {
    const KIND: Kind = Kind::CarrierGateway;
    let out = k
        .call(KIND, k.cluster, "DescribeCarrierGateways")
        .once(k.ec2.describe_carrier_gateways().filters(k.owned()).send())
        .await?;
    let mine = out
        .carrier_gateways()
        .iter()
        .filter(|g| g.vpc_id().is_some_and(|v| vpcs.iter().any(|o| o == v)));
    for (id, name) in k.listed_all(mine)? {
        let delete = k.ec2.delete_carrier_gateway();
        k.remove(KIND, (&id, &name), "DeleteCarrierGateway", || {
            delete.clone().carrier_gateway_id(&id).send()
        })
        .await?;
    }
    Ok(())
}
