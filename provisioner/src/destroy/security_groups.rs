//! The cluster's security groups: first the rules that reference another
//! group (they keep it alive), then the groups.

use aws_sdk_ec2::types::{IpPermission, SecurityGroup, UserIdGroupPair};

use crate::reconcile::{Kind, Kit, Result, existing_id};

pub(super) async fn delete(k: &Kit<'_>) -> Result<()> {
    const KIND: Kind = Kind::SecurityGroup;
    let out = k
        .call(KIND, k.cluster, "DescribeSecurityGroups")
        .once(k.ec2.describe_security_groups().filters(k.owned()).send())
        .await?;
    let groups = out.security_groups();
    for g in groups {
        let (id, name) = k.listed(g)?;
        let refs = group_references(g);
        if !refs.is_empty() {
            let revoke = k.ec2.revoke_security_group_ingress().group_id(&id);
            k.call(KIND, &name, "RevokeSecurityGroupIngress")
                .gone_ok(revoke.set_ip_permissions(Some(refs)).send())
                .await?;
        }
    }
    for g in groups {
        let id = existing_id(k.cluster, g)?;
        let name = g.group_name().unwrap_or(&id).to_owned();
        k.remove(KIND, (&id, &name), "DeleteSecurityGroup", || {
            k.ec2.delete_security_group().group_id(&id).send()
        })
        .await?;
    }
    Ok(())
}

/// The group's rules whose peer is another group, to revoke.
fn group_references(g: &SecurityGroup) -> Vec<IpPermission> {
    g.ip_permissions()
        .iter()
        .filter(|p| !p.user_id_group_pairs().is_empty())
        .map(|p| {
            IpPermission::builder()
                .set_ip_protocol(p.ip_protocol().map(str::to_owned))
                .set_from_port(p.from_port())
                .set_to_port(p.to_port())
                .set_user_id_group_pairs(Some(
                    p.user_id_group_pairs()
                        .iter()
                        .map(|u| {
                            UserIdGroupPair::builder()
                                .set_group_id(u.group_id().map(str::to_owned))
                                .build()
                        })
                        .collect(),
                ))
                .build()
        })
        .collect()
}
