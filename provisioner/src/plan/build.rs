//! [`plan`]: the model, the facts and the laid-out subnets, made into the
//! desired network.

use super::compute::machines;
use super::security_groups::security_groups;
use super::*;

use crate::facts::ZoneType;
use crate::layout::LaidOutSubnet;
use crate::model::{ClusterModel, Family, LbRole};

pub fn plan(
    model: &ClusterModel,
    subnets: &[LaidOutSubnet],
    region: &str,
    opts: &PlanOptions,
) -> Plan {
    let name = &model.name;
    let managed = model.byo_vpc().is_none();
    let mut notes = Vec::new();

    let vpc_cidr = model
        .network
        .vpc
        .cidr_block
        .as_deref()
        .and_then(crate::cidr::parse_v4)
        .map_or_else(|| "10.0.0.0/16".parse().expect("valid"), |n| n.trunc());
    let ipv6 = model.network.vpc.ipv6.as_ref().map(|v6| {
        let cidr = v6.cidr_block.as_deref().and_then(crate::cidr::parse_v6);
        // CAPA's createVPC switch: a given block first (with poolId as
        // given, even empty), then an IPAM pool, else an Amazon-provided /56;
        // a poolId without a block is not used.
        let block = v6.cidr_block.clone().filter(|c| !c.is_empty());
        if !managed {
            Ipv6Plan::Existing { cidr }
        } else if let Some(block) = block {
            Ipv6Plan::Byoip {
                pool_id: v6.pool_id.clone().unwrap_or_default(),
                cidr: Some(block),
            }
        } else if let Some(ipam) = &v6.ipam_pool {
            Ipv6Plan::Ipam {
                pool_id: ipam.id.clone().filter(|s| !s.is_empty()),
                pool_name: ipam.name.clone().filter(|s| !s.is_empty()),
                netmask_length: ipam
                    .netmask_length
                    .and_then(|n| u8::try_from(n).ok())
                    .unwrap_or(56),
            }
        } else {
            Ipv6Plan::Amazon
        }
    });
    let mut vpc_tags = base_tags(model, &format!("{name}-vpc"), "common");
    vpc_tags.extend(model.network.vpc.tags.clone());
    let vpc = VpcPlan {
        existing_id: model.byo_vpc().map(str::to_owned),
        managed_id: model
            .vpc_owned
            .then(|| model.given_vpc_id().map(str::to_owned))
            .flatten(),
        cidr_block: vpc_cidr,
        cidr_block_text: model
            .network
            .vpc
            .cidr_block
            .clone()
            .unwrap_or_else(|| vpc_cidr.to_string()),
        ipv4_ipam: model.network.vpc.ipam_pool.as_ref().map(|p| IpamRef {
            pool_id: p.id.clone().filter(|s| !s.is_empty()),
            pool_name: p.name.clone().filter(|s| !s.is_empty()),
            // CAPA's default for IPv4 pools.
            netmask_length: p
                .netmask_length
                .and_then(|n| u8::try_from(n).ok())
                .unwrap_or(16),
        }),
        ipv6,
        secondary_cidr_blocks: if managed {
            model
                .network
                .vpc
                .secondary_cidr_blocks
                .iter()
                .map(|c| c.ipv4_cidr_block.clone())
                .collect()
        } else {
            Vec::new()
        },
        tags: vpc_tags,
    };

    let hostname_type = model
        .network
        .vpc
        .private_dns_hostname_type_on_launch
        .clone();
    let subnet_plans: Vec<SubnetPlan> = subnets
        .iter()
        .map(|s| {
            let role = if s.public { "public" } else { "private" };
            let az = s.availability_zone.clone().unwrap_or_default();
            let mut t = base_tags(model, &format!("{name}-subnet-{role}-{az}"), role);
            if !s.key.starts_with("subnet-") {
                t.insert(tags::NAME.into(), s.key.clone());
            }
            if !s.is_edge() {
                let elb = if s.public {
                    "kubernetes.io/role/elb"
                } else {
                    "kubernetes.io/role/internal-elb"
                };
                t.insert(elb.into(), "1".into());
            }
            t.insert(
                tags::kubernetes_key(model.kubernetes_cluster_name()),
                "owned".into(),
            );
            t.extend(s.tags.clone());
            SubnetPlan {
                key: s.key.clone(),
                managed: s.managed,
                resource_id: s.resource_id.clone(),
                availability_zone: s.availability_zone.clone(),
                public: s.public,
                family: s.family,
                cidr_block: s.cidr_block,
                ipv6: s.ipv6,
                cidr_text: s.cidr_text.clone(),
                ipv6_text: s.ipv6_text.clone(),
                assign_ipv6_address_on_creation: s.family.has_ipv6(),
                // DNS64 on the IPv6-only private subnets CAPA creates (seed: NAT64/DNS64).
                enable_dns64: s.family == Family::Ipv6Only && !s.public,
                // Public IPv4 on launch; an IPv6-only subnet has no IPv4 to map
                // (CAPA sets it anyway and AWS refuses).
                map_public_ip_on_launch: s.public
                    && s.family.has_ipv4()
                    && s.zone_type != ZoneType::WavelengthZone,
                hostname_type: hostname_type.clone(),
                tags: t,
            }
        })
        .collect();

    // NAT gateways: one per zone with private subnets, in that zone's first
    // public subnet (CAPA); edge zones fall back to the parent zone's NAT.
    let mut nat_gateways: Vec<NatGatewayPlan> = Vec::new();
    if managed {
        let mut zones: Vec<&str> = subnets
            .iter()
            .filter(|s| !s.public && !s.is_edge())
            .filter_map(|s| s.availability_zone.as_deref())
            .collect();
        zones.sort_unstable();
        zones.dedup();
        for az in zones {
            if let Some(public) = subnets
                .iter()
                .find(|s| s.public && !s.is_edge() && s.availability_zone.as_deref() == Some(az))
            {
                nat_gateways.push(NatGatewayPlan {
                    availability_zone: az.to_owned(),
                    subnet_key: public.key.clone(),
                    tags: base_tags(model, &format!("{name}-nat"), "common"),
                });
            }
        }
    }
    // CAPA getNatGatewayForSubnet: the subnet's own zone's NAT gateway; an
    // edge subnet falls back to its parent zone's, then to the first one.
    let nat_for = |s: &LaidOutSubnet| -> Option<String> {
        let has = |z: &str| nat_gateways.iter().any(|n| n.availability_zone == z);
        let own = s.availability_zone.as_deref().filter(|z| has(z));
        if !s.is_edge() {
            return own.map(str::to_owned);
        }
        own.or(s.parent_zone_name.as_deref().filter(|z| has(z)))
            .map(str::to_owned)
            .or_else(|| nat_gateways.first().map(|n| n.availability_zone.clone()))
    };

    let mut route_tables = Vec::new();
    if managed {
        for s in subnets {
            let role = if s.public { "public" } else { "private" };
            let az = s.availability_zone.clone().unwrap_or_default();
            let mut routes = Vec::new();
            if s.public && s.zone_type == ZoneType::WavelengthZone {
                // CAPA getRoutesToPublicSubnet: a Wavelength Zone's public
                // subnet reaches out through the carrier gateway, IPv4 only.
                routes.push(RoutePlan {
                    destination: Destination::AnyIpv4,
                    target: RouteTarget::CarrierGateway,
                });
            } else if s.public {
                routes.push(RoutePlan {
                    destination: Destination::AnyIpv4,
                    target: RouteTarget::InternetGateway,
                });
                if s.family.has_ipv6() {
                    routes.push(RoutePlan {
                        destination: Destination::AnyIpv6,
                        target: RouteTarget::InternetGateway,
                    });
                }
            } else {
                if let Some(nat) = nat_for(s) {
                    routes.push(RoutePlan {
                        destination: Destination::AnyIpv4,
                        target: RouteTarget::NatGateway(nat.clone()),
                    });
                    if s.family == Family::Ipv6Only {
                        routes.push(RoutePlan {
                            destination: Destination::Nat64,
                            target: RouteTarget::NatGateway(nat),
                        });
                    }
                }
                if s.family.has_ipv6() {
                    routes.push(RoutePlan {
                        destination: Destination::AnyIpv6,
                        target: RouteTarget::EgressOnlyInternetGateway,
                    });
                }
            }
            let mut t = base_tags(model, &format!("{name}-rt-{role}-{az}"), "common");
            t.insert(
                tags::kubernetes_key(model.kubernetes_cluster_name()),
                "owned".into(),
            );
            route_tables.push(RouteTablePlan {
                subnet_key: s.key.clone(),
                routes,
                tags: t,
            });
        }
    }

    let security_groups = security_groups(model);
    let load_balancer = model
        .primary_lb()
        .and_then(|lb| compute::load_balancer(model, lb, subnets, &mut notes));
    let secondary_load_balancer = model
        .control_plane_lbs()
        .into_iter()
        .find(|lb| lb.role == LbRole::Secondary)
        .and_then(|lb| compute::load_balancer(model, lb, subnets, &mut notes));
    let classic_load_balancer = model
        .primary_lb()
        .filter(|lb| lb.lb_type() == "classic")
        .map(|lb| compute::classic_load_balancer(model, lb, subnets));
    let machines = machines(model, subnets, opts);
    let eks = eks::plan(model, subnets);
    if eks.is_some() {
        notes.push(Note(
            "EKS: the control plane and its add-ons are created; node groups \
                (AWSManagedMachinePool) are not"
                .into(),
        ));
    }
    if let Some(bucket) = &model.s3_bucket {
        notes.push(Note(format!(
            "S3: the bucket {:?} and its policy are not created (the provisioner \
                makes no S3 calls); only its network side, the S3 gateway endpoint \
                of a managed VPC, is",
            bucket.name
        )));
    }

    Plan {
        cluster: name.clone(),
        region: region.to_owned(),
        flavor: model.flavor,
        vpc,
        subnets: subnet_plans,
        internet_gateway: managed,
        carrier_gateway: managed
            && subnets
                .iter()
                .any(|s| s.public && s.zone_type == ZoneType::WavelengthZone),
        egress_only_internet_gateway: match (&model.network.vpc.ipv6, managed) {
            (None, _) => None,
            (Some(_), true) => Some(EgressOnlyPlan::Create),
            (Some(v6), false) => v6
                .egress_only_internet_gateway_id
                .clone()
                .filter(|s| !s.is_empty())
                .map(EgressOnlyPlan::Existing),
        },
        nat_gateways,
        vpc_endpoints: vpc_endpoints(model, region, managed, &route_tables),
        route_tables,
        security_groups,
        load_balancer,
        secondary_load_balancer,
        classic_load_balancer,
        machines,
        eks,
        notes,
    }
}

/// CAPA `reconcileVPCEndpoints`: an S3 gateway endpoint when the cluster
/// has an S3 bucket, in a managed VPC that has route tables.
fn vpc_endpoints(
    model: &ClusterModel,
    region: &str,
    managed: bool,
    route_tables: &[RouteTablePlan],
) -> Vec<VpcEndpointPlan> {
    if !managed || model.s3_bucket.is_none() || route_tables.is_empty() {
        return Vec::new();
    }
    let mut tags = base_tags(model, "", "common");
    tags.remove(tags::NAME);
    vec![VpcEndpointPlan {
        service_name: format!("com.amazonaws.{region}.s3"),
        tags,
    }]
}
