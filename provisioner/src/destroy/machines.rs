//! The cluster's instances: terminated, and waited for until terminated
//! (their interfaces hold subnet addresses and security groups).

use crate::reconcile::{Kind, Kit, Result, Step};
use crate::sdk::filter;

pub(super) async fn delete(k: &Kit<'_>) -> Result<()> {
    const KIND: Kind = Kind::Instance;
    let live = filter(
        "instance-state-name",
        &["pending", "running", "stopping", "stopped", "shutting-down"],
    );
    let describe = k.ec2.describe_instances();
    let out = k
        .call(KIND, k.cluster, "DescribeInstances")
        .once(describe.clone().filters(k.owned()).filters(live).send())
        .await?;
    let listed = k.listed_all(out.reservations().iter().flat_map(|r| r.instances()))?;
    if listed.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = listed.iter().map(|(id, _)| id.clone()).collect();
    k.call(KIND, k.cluster, "TerminateInstances")
        .once(
            k.ec2
                .terminate_instances()
                .set_instance_ids(Some(ids.clone()))
                .send(),
        )
        .await?;
    for (id, name) in &listed {
        k.deleted(KIND, name, id);
    }
    k.poll(KIND, k.cluster, || async {
        let out = k
            .call(KIND, k.cluster, "DescribeInstances")
            .once(describe.clone().set_instance_ids(Some(ids.clone())).send())
            .await?;
        let done = out
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .all(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str()) == Some("terminated"));
        Ok(Step::done_when(done, "instances did not terminate"))
    })
    .await
}
