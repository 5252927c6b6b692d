//! The cluster's NAT gateways (deleted, then waited for: they hold their
//! Elastic IPs and subnets until gone), then its Elastic IPs.

use crate::reconcile::{Kind, Kit, Result, Step};
use crate::sdk::filter;

pub(super) async fn delete_gateways(k: &Kit<'_>) -> Result<()> {
    const KIND: Kind = Kind::NatGateway;
    let live = filter("state", &["pending", "available", "failed", "deleting"]);
    let describe = k.ec2.describe_nat_gateways();
    let out = k
        .call(KIND, k.cluster, "DescribeNatGateways")
        .once(describe.clone().filter(k.owned()).filter(live).send())
        .await?;
    let listed = k.listed_all(out.nat_gateways())?;
    for (id, name) in &listed {
        k.call(KIND, name, "DeleteNatGateway")
            .gone_ok(k.ec2.delete_nat_gateway().nat_gateway_id(id).send())
            .await?;
        k.deleted(KIND, name, id);
    }
    if listed.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = listed.into_iter().map(|(id, _)| id).collect();
    k.poll(KIND, k.cluster, || async {
        let out = k
            .call(KIND, k.cluster, "DescribeNatGateways")
            .once(
                describe
                    .clone()
                    .set_nat_gateway_ids(Some(ids.clone()))
                    .send(),
            )
            .await?;
        let gone = out
            .nat_gateways()
            .iter()
            .all(|n| n.state().map(|s| s.as_str()) == Some("deleted"));
        Ok(Step::done_when(gone, "NAT gateways were not deleted"))
    })
    .await
}

pub(super) async fn release_addresses(k: &Kit<'_>) -> Result<()> {
    let out = k
        .call(Kind::ElasticIp, k.cluster, "DescribeAddresses")
        .once(k.ec2.describe_addresses().filters(k.owned()).send())
        .await?;
    for (id, name) in k.listed_all(out.addresses())? {
        k.remove(Kind::ElasticIp, (&id, &name), "ReleaseAddress", || {
            k.ec2.release_address().allocation_id(&id).send()
        })
        .await?;
    }
    Ok(())
}
