//! The cluster's VPCs: found first (the gateways go by them), deleted last.

use crate::reconcile::{Kind, Kit, Result};

/// The cluster's VPCs, with the associations of their secondary IPv4 blocks.
pub(super) struct Owned {
    pub id: String,
    secondary: Vec<String>,
}

pub(super) async fn owned(k: &Kit<'_>) -> Result<Vec<Owned>> {
    let out = k
        .call(Kind::Vpc, k.cluster, "DescribeVpcs")
        .once(k.ec2.describe_vpcs().filters(k.owned()).send())
        .await?;
    Ok(out
        .vpcs()
        .iter()
        .filter_map(|v| {
            let primary = v.cidr_block();
            Some(Owned {
                id: v.vpc_id()?.to_owned(),
                secondary: crate::sdk::vpc_ipv4_associations(v)
                    .filter(|a| a.cidr_block() != primary)
                    .filter_map(|a| a.association_id().map(str::to_owned))
                    .collect(),
            })
        })
        .collect())
}

/// CAPA's `disassociateSecondaryCidrs`, then the VPCs.
pub(super) async fn delete(k: &Kit<'_>, vpcs: &[Owned]) -> Result<()> {
    for vpc in vpcs {
        for assoc in &vpc.secondary {
            k.call(Kind::Vpc, &vpc.id, "DisassociateVpcCidrBlock")
                .gone_ok(
                    k.ec2
                        .disassociate_vpc_cidr_block()
                        .association_id(assoc)
                        .send(),
                )
                .await?;
        }
        let vpc = &vpc.id;
        k.call(Kind::Vpc, vpc, "DeleteVpc")
            .delete(|| k.ec2.delete_vpc().vpc_id(vpc).send())
            .await?;
        k.deleted(Kind::Vpc, &format!("{}-vpc", k.cluster), vpc);
    }
    Ok(())
}
