//! The cluster's internet gateways (attached to one of its VPCs: detached,
//! then deleted; attached nowhere: an interrupted destroy detached it; one
//! attached to a VPC the cluster does not own is left alone) and its
//! egress-only gateways (only those that carry the cluster's tag AND are
//! attached to its VPC).

use crate::reconcile::{Kind, Kit, Result, listed};

pub(super) async fn delete_internet(k: &Kit<'_>, vpcs: &[String]) -> Result<()> {
    const KIND: Kind = Kind::InternetGateway;
    let out = k
        .call(KIND, k.cluster, "DescribeInternetGateways")
        .once(k.ec2.describe_internet_gateways().filters(k.owned()).send())
        .await?;
    for g in out.internet_gateways() {
        let (id, name) = listed(
            KIND,
            k.cluster,
            "DescribeInternetGateways",
            "InternetGatewayId",
            g.internet_gateway_id(),
            g.tags(),
        )?;
        let attached: Vec<String> = g
            .attachments()
            .iter()
            .filter_map(|a| a.vpc_id().map(str::to_owned))
            .collect();
        if attached.iter().any(|v| !vpcs.contains(v)) {
            continue;
        }
        for vpc in &attached {
            k.call(KIND, &name, "DetachInternetGateway")
                .delete(|| {
                    k.ec2
                        .detach_internet_gateway()
                        .internet_gateway_id(&id)
                        .vpc_id(vpc)
                        .send()
                })
                .await?;
        }
        k.call(KIND, &name, "DeleteInternetGateway")
            .delete(|| {
                k.ec2
                    .delete_internet_gateway()
                    .internet_gateway_id(&id)
                    .send()
            })
            .await?;
        k.deleted(KIND, &name, &id);
    }
    Ok(())
}

pub(super) async fn delete_egress_only(k: &Kit<'_>, vpc: &str) -> Result<()> {
    const KIND: Kind = Kind::EgressOnlyInternetGateway;
    let out = k
        .call(KIND, k.cluster, "DescribeEgressOnlyInternetGateways")
        .once(
            k.ec2
                .describe_egress_only_internet_gateways()
                .filters(k.owned())
                .send(),
        )
        .await?;
    for g in out.egress_only_internet_gateways() {
        if !g.attachments().iter().any(|a| a.vpc_id() == Some(vpc)) {
            continue;
        }
        let (id, name) = listed(
            KIND,
            k.cluster,
            "DescribeEgressOnlyInternetGateways",
            "EgressOnlyInternetGatewayId",
            g.egress_only_internet_gateway_id(),
            g.tags(),
        )?;
        k.call(KIND, &name, "DeleteEgressOnlyInternetGateway")
            .delete(|| {
                k.ec2
                    .delete_egress_only_internet_gateway()
                    .egress_only_internet_gateway_id(&id)
                    .send()
            })
            .await?;
        k.deleted(KIND, &name, &id);
    }
    Ok(())
}
