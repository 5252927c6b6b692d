//! Taking a scenario's world away again, last made first.

use super::{Made, World, err, wait_nat};
use crate::target::Clients;

fn is_gone(message: &str) -> bool {
    message.contains(".NotFound") || message.contains("NotFound:")
}

/// Removes what [`super::build`] made, last made first. A resource already gone
/// (a scenario's destroy may delete an owned VPC) is not an error; what
/// could not be removed is returned.
pub async fn remove(clients: &Clients, world: World) -> Vec<String> {
    let ec2 = &clients.ec2;
    let mut left = Vec::new();
    for made in world.made.into_iter().rev() {
        let result: Result<(), String> = match &made {
            Made::OptIn(group) => ec2
                .modify_availability_zone_group()
                .group_name(group)
                .opt_in_status(aws_sdk_ec2::types::ModifyAvailabilityZoneOptInStatus::NotOptedIn)
                .send()
                .await
                .map(drop)
                .map_err(err("ModifyAvailabilityZoneGroup")),
            Made::KeyPair(name) => ec2
                .delete_key_pair()
                .key_name(name)
                .send()
                .await
                .map(drop)
                .map_err(err("DeleteKeyPair")),
            Made::Ipam(id) => ec2
                .delete_ipam()
                .ipam_id(id)
                .cascade(true)
                .send()
                .await
                .map(drop)
                .map_err(err("DeleteIpam")),
            Made::NatGateway(id) => match ec2
                .delete_nat_gateway()
                .nat_gateway_id(id)
                .send()
                .await
                .map_err(err("DeleteNatGateway"))
            {
                Ok(_) => wait_nat(clients, id, "deleted").await,
                Err(e) => Err(e),
            },
            Made::Address(id) => ec2
                .release_address()
                .allocation_id(id)
                .send()
                .await
                .map(drop)
                .map_err(err("ReleaseAddress")),
            Made::RouteTable(id) => remove_route_table(clients, id).await,
            Made::EgressOnlyGateway(id) => ec2
                .delete_egress_only_internet_gateway()
                .egress_only_internet_gateway_id(id)
                .send()
                .await
                .map(drop)
                .map_err(err("DeleteEgressOnlyInternetGateway")),
            Made::InternetGateway { id, vpc } => {
                let detached = ec2
                    .detach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc)
                    .send()
                    .await
                    .map(drop)
                    .map_err(err("DetachInternetGateway"));
                match detached {
                    Err(e) if !is_gone(&e) && !e.contains("Gateway.NotAttached") => Err(e),
                    _ => ec2
                        .delete_internet_gateway()
                        .internet_gateway_id(id)
                        .send()
                        .await
                        .map(drop)
                        .map_err(err("DeleteInternetGateway")),
                }
            }
            Made::Subnet(id) => ec2
                .delete_subnet()
                .subnet_id(id)
                .send()
                .await
                .map(drop)
                .map_err(err("DeleteSubnet")),
            Made::Vpc(id) => ec2
                .delete_vpc()
                .vpc_id(id)
                .send()
                .await
                .map(drop)
                .map_err(err("DeleteVpc")),
        };
        if let Err(e) = result
            && !is_gone(&e)
        {
            left.push(format!("{made:?}: {e}"));
        }
    }
    left
}

async fn remove_route_table(clients: &Clients, id: &str) -> Result<(), String> {
    let ec2 = &clients.ec2;
    let out = ec2
        .describe_route_tables()
        .route_table_ids(id)
        .send()
        .await
        .map_err(err("DescribeRouteTables"))?;
    for a in out
        .route_tables()
        .iter()
        .flat_map(|t| t.associations())
        .filter_map(|a| a.route_table_association_id())
    {
        ec2.disassociate_route_table()
            .association_id(a)
            .send()
            .await
            .map_err(err("DisassociateRouteTable"))?;
    }
    ec2.delete_route_table()
        .route_table_id(id)
        .send()
        .await
        .map(drop)
        .map_err(err("DeleteRouteTable"))
}
