//! The cluster's instances: terminated, and waited for until terminated
//! (their interfaces hold subnet addresses and security groups).

use crate::discover::filter;
use crate::reconcile::{Kind, Kit, Result, Step, name_of};

pub(super) async fn delete(k: &Kit<'_>) -> Result<()> {
    let out = k
        .call(Kind::Instance, k.cluster, "DescribeInstances")
        .once(
            k.ec2
                .describe_instances()
                .filters(k.owned())
                .filters(filter(
                    "instance-state-name",
                    &["pending", "running", "stopping", "stopped", "shutting-down"],
                ))
                .send(),
        )
        .await?;
    let ids: Vec<(String, String)> = out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .filter_map(|i| {
            Some((
                i.instance_id()?.to_owned(),
                name_of(i.tags(), i.instance_id()?),
            ))
        })
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let all_ids: Vec<String> = ids.iter().map(|(i, _)| i.clone()).collect();
    k.call(Kind::Instance, k.cluster, "TerminateInstances")
        .once(
            k.ec2
                .terminate_instances()
                .set_instance_ids(Some(all_ids.clone()))
                .send(),
        )
        .await?;
    for (id, name) in &ids {
        k.deleted(Kind::Instance, name, id);
    }
    k.poll(Kind::Instance, k.cluster, || async {
        let out = k
            .call(Kind::Instance, k.cluster, "DescribeInstances")
            .once(
                k.ec2
                    .describe_instances()
                    .set_instance_ids(Some(all_ids.clone()))
                    .send(),
            )
            .await?;
        let done = out
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .all(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str()) == Some("terminated"));
        Ok(if done {
            Step::Done(())
        } else {
            Step::Wait("instances did not terminate".into())
        })
    })
    .await
}
