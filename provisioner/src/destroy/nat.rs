//! The cluster's NAT gateways (deleted, then waited for: they hold their
//! Elastic IPs and subnets until gone), then its Elastic IPs.

use crate::discover::filter;
use crate::reconcile::{Kind, Kit, Result, Step, listed, name_of};

pub(super) async fn delete_gateways(k: &Kit<'_>) -> Result<()> {
    const KIND: Kind = Kind::NatGateway;
    let out = k
        .call(KIND, k.cluster, "DescribeNatGateways")
        .once(
            k.ec2
                .describe_nat_gateways()
                .filter(k.owned())
                .filter(filter(
                    "state",
                    &["pending", "available", "failed", "deleting"],
                ))
                .send(),
        )
        .await?;
    let ids: Vec<(String, String)> = out
        .nat_gateways()
        .iter()
        .filter_map(|n| {
            Some((
                n.nat_gateway_id()?.to_owned(),
                name_of(n.tags(), n.nat_gateway_id()?),
            ))
        })
        .collect();
    for (id, name) in &ids {
        k.call(KIND, name, "DeleteNatGateway")
            .gone_ok(k.ec2.delete_nat_gateway().nat_gateway_id(id).send())
            .await?;
        k.deleted(KIND, name, id);
    }
    if ids.is_empty() {
        return Ok(());
    }
    let all_ids: Vec<String> = ids.iter().map(|(i, _)| i.clone()).collect();
    k.poll(KIND, k.cluster, || async {
        let out = k
            .call(KIND, k.cluster, "DescribeNatGateways")
            .once(
                k.ec2
                    .describe_nat_gateways()
                    .set_nat_gateway_ids(Some(all_ids.clone()))
                    .send(),
            )
            .await?;
        let gone = out
            .nat_gateways()
            .iter()
            .all(|n| n.state().map(|s| s.as_str()) == Some("deleted"));
        Ok(if gone {
            Step::Done(())
        } else {
            Step::Wait("NAT gateways were not deleted".into())
        })
    })
    .await
}

pub(super) async fn release_addresses(k: &Kit<'_>) -> Result<()> {
    const KIND: Kind = Kind::ElasticIp;
    let out = k
        .call(KIND, k.cluster, "DescribeAddresses")
        .once(k.ec2.describe_addresses().filters(k.owned()).send())
        .await?;
    for a in out.addresses() {
        let (id, name) = listed(
            KIND,
            k.cluster,
            "DescribeAddresses",
            "AllocationId",
            a.allocation_id(),
            a.tags(),
        )?;
        k.call(KIND, &name, "ReleaseAddress")
            .delete(|| k.ec2.release_address().allocation_id(&id).send())
            .await?;
        k.deleted(KIND, &name, &id);
    }
    Ok(())
}
