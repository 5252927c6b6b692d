//! Reads what validation and planning need to know from AWS: the region's
//! zones, the instance types the machines use, a bring-your-own VPC with
//! its subnets and egress-only gateway, and the cluster's own VPC if it
//! was created before. Read-only: only Describe calls.

use std::collections::BTreeMap;

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{InstanceType, InstanceTypeHypervisor, Tag};

use crate::aws_error::{AwsCallError, aws_error};
use crate::facts::{
    EgressOnlyGatewayFact, Facts, InstanceTypeFact, LoadBalancerFact, SubnetFact, TargetGroupFact,
    VpcFact, VpcNameClash, ZoneFact, ZoneType,
};
use crate::model::ClusterModel;
use crate::plan::tags;
use crate::sdk::{filter, subnet_ipv6_associations, vpc_ipv4_associations, vpc_ipv6_associations};

pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_owned(),
                t.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

/// Everything the rules and the planner read.
pub async fn discover(
    clients: &crate::target::Clients,
    model: &ClusterModel,
) -> Result<Facts, AwsCallError> {
    let (ec2, elb) = (&clients.ec2, &clients.elb);
    let mut facts = Facts {
        zones: zones(ec2).await?,
        eks_addon_versions: eks_addon_versions(&clients.eks, model).await?,
        ..Facts::default()
    };
    let mut types: Vec<String> = model
        .control_plane
        .iter()
        .chain(&model.workers)
        .filter_map(|m| m.spec.instance_type.clone())
        .collect();
    types.sort();
    types.dedup();
    let offered = crate::instance_types::offerings(ec2, &types).await?;
    for t in types {
        let mut fact = instance_type(ec2, &t).await?;
        if let Some(f) = &mut fact {
            f.zones = offered.as_ref().and_then(|o| o.get(&t).cloned());
        }
        facts.instance_types.insert(t, fact);
    }
    facts.key_pairs = key_pairs(ec2, &model.key_names()).await?;
    facts.images = images(ec2, model, &facts).await?;
    if let Some(vpc_id) = model.given_vpc_id() {
        let found = vpc_by_id(ec2, vpc_id).await?;
        let key = tags::owned_key(&model.name);
        if found
            .as_ref()
            .is_some_and(|v| v.tags.get(&key).map(String::as_str) == Some("owned"))
        {
            // CAPA's `VPCSpec.IsUnmanaged`: a VPC given by id that carries
            // the cluster's owned tag is the cluster's own, managed VPC.
            facts.given_vpc_owned = true;
            facts.existing_cluster_vpc = found;
            existing_cluster(ec2, elb, model, &mut facts).await?;
            return Ok(facts);
        }
        facts.byo_vpc_checked = true;
        facts.byo_vpc = found;
        if facts.byo_vpc.is_some() {
            facts.byo_subnets = byo_subnets(ec2, vpc_id, model).await?;
        }
        if let Some(id) = model
            .network
            .vpc
            .ipv6
            .as_ref()
            .and_then(|v| v.egress_only_internet_gateway_id.as_deref())
            .filter(|s| !s.is_empty())
        {
            facts.byo_egress_only_gateway = egress_only_gateway(ec2, id).await?;
        }
    } else {
        let (vpc, clash) = cluster_vpc_and_clash(ec2, &model.name).await?;
        facts.existing_cluster_vpc = vpc;
        facts.vpc_name_clash = clash;
        existing_cluster(ec2, elb, model, &mut facts).await?;
    }
    Ok(facts)
}

/// What an existing cluster VPC holds that the plan keeps: its subnets'
/// IPv6 blocks, and the API load balancer's immutable fields.
async fn existing_cluster(
    ec2: &aws_sdk_ec2::Client,
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    model: &ClusterModel,
    facts: &mut Facts,
) -> Result<(), AwsCallError> {
    if let Some(vpc) = &facts.existing_cluster_vpc {
        facts.existing_subnet_ipv6 = cluster_subnet_blocks(ec2, &vpc.vpc_id, &model.name).await?;
        if model.flavor == crate::model::Flavor::SelfManaged {
            let secondary = model
                .secondary_load_balancer
                .as_ref()
                .and_then(|lb| lb.name.as_deref());
            facts.existing_load_balancer =
                cluster_load_balancer(elb, &model.name, secondary).await?;
        }
    }
    Ok(())
}

async fn zones(ec2: &aws_sdk_ec2::Client) -> Result<Vec<ZoneFact>, AwsCallError> {
    let out = ec2
        .describe_availability_zones()
        .all_availability_zones(true)
        .send()
        .await
        .map_err(|e| aws_error("DescribeAvailabilityZones", e))?;
    Ok(out
        .availability_zones()
        .iter()
        .filter_map(|z| {
            let zone_type = ZoneType::parse(z.zone_type()?)?;
            let opt_in = z.opt_in_status().map(|s| s.as_str().to_owned());
            Some(ZoneFact {
                name: z.zone_name()?.to_owned(),
                zone_type,
                parent_zone_name: z.parent_zone_name().map(str::to_owned),
                opt_in_required: opt_in.as_deref() != Some("opt-in-not-required"),
                opted_in: opt_in.as_deref() == Some("opted-in"),
                available: z.state().map(|s| s.as_str()) == Some("available"),
            })
        })
        .collect())
}

/// What DescribeAddonVersions lists for each add-on of an EKS spec on the
/// spec's Kubernetes version (`major.minor`, as CAPA sends it).
async fn eks_addon_versions(
    eks: &aws_sdk_eks::Client,
    model: &ClusterModel,
) -> Result<BTreeMap<String, Vec<String>>, AwsCallError> {
    let mut out = BTreeMap::new();
    let Some(spec) = &model.eks else {
        return Ok(out);
    };
    let Some(version) = spec.version.as_deref() else {
        return Ok(out);
    };
    let k8s = crate::plan::eks::eks_version(version);
    for addon in spec.addons.iter().flatten() {
        if out.contains_key(&addon.name) {
            continue;
        }
        let mut versions = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = eks
                .describe_addon_versions()
                .addon_name(&addon.name)
                .kubernetes_version(&k8s)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| aws_error("DescribeAddonVersions", e))?;
            versions.extend(
                page.addons()
                    .iter()
                    .filter(|a| a.addon_name() == Some(addon.name.as_str()))
                    .flat_map(|a| a.addon_versions())
                    .filter_map(|v| v.addon_version().map(str::to_owned)),
            );
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        out.insert(addon.name.clone(), versions);
    }
    Ok(out)
}

/// CAPA's default image lookups for the machines whose template names no
/// `ami.id` (by instance type, for its architecture) and for the bastion;
/// none without a Kubernetes version (CAPA needs one to look up). An EKS
/// cluster's machines take the EKS-optimized image from SSM Parameter
/// Store instead (`ec2.eksAMILookup`), which the provisioner does not ask:
/// they get no lookup here.
async fn images(
    ec2: &aws_sdk_ec2::Client,
    model: &ClusterModel,
    facts: &Facts,
) -> Result<BTreeMap<String, crate::facts::ImageFact>, AwsCallError> {
    use crate::images::{ImageLookup, architecture_of, find};
    let mut out = BTreeMap::new();
    let mut asks: Vec<(String, ImageLookup)> = Vec::new();
    let eks = model.flavor == crate::model::Flavor::Eks;
    if let Some(version) = model.kubernetes_version.as_deref() {
        for m in model.control_plane.iter().chain(&model.workers) {
            let Some(itype) = m.image_lookup_key() else {
                continue;
            };
            let arch = architecture_of(
                facts
                    .instance_types
                    .get(itype)
                    .and_then(|t| t.as_ref())
                    .map(|t| t.architectures.as_slice()),
            );
            let lookup = if eks {
                ImageLookup::eks(version, &arch)
            } else {
                ImageLookup::machine(version, &arch)
            };
            asks.push((itype.to_owned(), lookup));
        }
    }
    if model.bastion.is_some() {
        asks.push(("bastion".to_owned(), ImageLookup::bastion()));
    }
    let mut found: BTreeMap<ImageLookup, Option<String>> = BTreeMap::new();
    for (key, lookup) in asks {
        if out.contains_key(&key) {
            continue;
        }
        let image_id = match found.get(&lookup) {
            Some(id) => id.clone(),
            None => {
                let id = find(ec2, &lookup).await?;
                found.insert(lookup.clone(), id.clone());
                id
            }
        };
        out.insert(
            key,
            crate::facts::ImageFact {
                lookup: lookup.describe(),
                image_id,
            },
        );
    }
    Ok(out)
}

/// Which of `names` the region has. A filter, not `KeyNames`: AWS refuses
/// a whole `KeyNames` call when one name is missing.
async fn key_pairs(
    ec2: &aws_sdk_ec2::Client,
    names: &[&str],
) -> Result<BTreeMap<String, bool>, AwsCallError> {
    if names.is_empty() {
        return Ok(BTreeMap::new());
    }
    let out = ec2
        .describe_key_pairs()
        .filters(filter("key-name", names))
        .send()
        .await
        .map_err(|e| aws_error("DescribeKeyPairs", e))?;
    let found: Vec<&str> = out
        .key_pairs()
        .iter()
        .filter_map(|k| k.key_name())
        .collect();
    Ok(names
        .iter()
        .map(|n| ((*n).to_owned(), found.contains(n)))
        .collect())
}

async fn instance_type(
    ec2: &aws_sdk_ec2::Client,
    name: &str,
) -> Result<Option<InstanceTypeFact>, AwsCallError> {
    let out = ec2
        .describe_instance_types()
        .instance_types(InstanceType::from(name))
        .send()
        .await;
    let out = match out {
        Ok(o) => o,
        Err(e) if matches!(e.code(), Some("InvalidInstanceType")) => return Ok(None),
        Err(e) => return Err(aws_error("DescribeInstanceTypes", e)),
    };
    Ok(out.instance_types().first().map(|t| {
        let bare_metal = t.bare_metal().unwrap_or(false);
        InstanceTypeFact {
            ipv6_supported: t
                .network_info()
                .and_then(|n| n.ipv6_supported())
                .unwrap_or(false),
            nitro: bare_metal || t.hypervisor() == Some(&InstanceTypeHypervisor::Nitro),
            hypervisor: t.hypervisor().map(|h| h.as_str().to_owned()),
            architectures: t
                .processor_info()
                .map(|p| {
                    p.supported_architectures()
                        .iter()
                        .map(|a| a.as_str().to_owned())
                        .collect()
                })
                .unwrap_or_default(),
            zones: None,
        }
    }))
}

pub fn vpc_fact(v: &aws_sdk_ec2::types::Vpc) -> VpcFact {
    VpcFact {
        vpc_id: v.vpc_id().unwrap_or_default().to_owned(),
        cidr_blocks: vpc_ipv4_associations(v)
            .filter_map(|a| a.cidr_block()?.parse().ok())
            .collect(),
        ipv6_cidr_blocks: vpc_ipv6_associations(v)
            .filter_map(|a| a.ipv6_cidr_block()?.parse().ok())
            .collect(),
        tags: tag_map(v.tags()),
    }
}

async fn vpc_by_id(ec2: &aws_sdk_ec2::Client, id: &str) -> Result<Option<VpcFact>, AwsCallError> {
    match ec2.describe_vpcs().vpc_ids(id).send().await {
        Ok(out) => Ok(out.vpcs().first().map(vpc_fact)),
        Err(e) if matches!(e.code(), Some("InvalidVpcID.NotFound")) => Ok(None),
        Err(e) => Err(aws_error("DescribeVpcs", e)),
    }
}

/// The cluster's own VPC, by CAPA's tags (Name `<cluster>-vpc` and owned).
pub async fn cluster_vpc(
    ec2: &aws_sdk_ec2::Client,
    cluster: &str,
) -> Result<Option<VpcFact>, AwsCallError> {
    Ok(cluster_vpc_and_clash(ec2, cluster).await?.0)
}

/// CAPA's `describeVPCByName`: the VPCs named `<cluster>-vpc`. One that
/// carries the cluster's owned tag is the cluster's; what stops CAPA's
/// reconcile (several namesakes, or one without the tag) is said in words.
async fn cluster_vpc_and_clash(
    ec2: &aws_sdk_ec2::Client,
    cluster: &str,
) -> Result<(Option<VpcFact>, Option<VpcNameClash>), AwsCallError> {
    let name = format!("{cluster}-vpc");
    let out = ec2
        .describe_vpcs()
        .filters(filter("tag:Name", &[&name]))
        .send()
        .await
        .map_err(|e| aws_error("DescribeVpcs", e))?;
    let key = tags::owned_key(cluster);
    let live = |v: &&aws_sdk_ec2::types::Vpc| {
        matches!(v.state().map(|s| s.as_str()), Some("pending" | "available"))
    };
    let vpcs = out.vpcs();
    let owned = vpcs
        .iter()
        .filter(live)
        .find(|v| tag_map(v.tags()).get(&key).map(String::as_str) == Some("owned"))
        .map(vpc_fact);
    let ids: Vec<String> = vpcs
        .iter()
        .filter_map(|v| v.vpc_id().map(str::to_owned))
        .collect();
    let clash = match vpcs {
        [] => None,
        [one] if !live(&one) => None,
        [_] if owned.is_some() => None,
        [one] => Some(VpcNameClash::Untagged(
            one.vpc_id().unwrap_or_default().to_owned(),
        )),
        _ => Some(VpcNameClash::Several(ids)),
    };
    Ok((owned, clash))
}

async fn egress_only_gateway(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
) -> Result<Option<EgressOnlyGatewayFact>, AwsCallError> {
    match ec2
        .describe_egress_only_internet_gateways()
        .egress_only_internet_gateway_ids(id)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .egress_only_internet_gateways()
            .first()
            .map(|g| EgressOnlyGatewayFact {
                id: id.to_owned(),
                vpc_id: g
                    .attachments()
                    .iter()
                    .find(|a| a.state().map(|s| s.as_str()) == Some("attached"))
                    .and_then(|a| a.vpc_id().map(str::to_owned)),
            })),
        Err(e) if e.code().is_some_and(|c| c.ends_with(".NotFound")) => Ok(None),
        Err(e) => Err(aws_error("DescribeEgressOnlyInternetGateways", e)),
    }
}

/// The BYO VPC's subnets the spec names (by id, or by Name tag), with their
/// route facts: public (a route to an internet gateway) and NAT64.
async fn byo_subnets(
    ec2: &aws_sdk_ec2::Client,
    vpc_id: &str,
    model: &ClusterModel,
) -> Result<BTreeMap<String, SubnetFact>, AwsCallError> {
    let mut subnets = Vec::new();
    let mut pages = ec2
        .describe_subnets()
        .filters(filter("vpc-id", &[vpc_id]))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error("DescribeSubnets", e))?;
        subnets.extend(page.subnets().iter().cloned());
    }
    let mut tables = Vec::new();
    let mut pages = ec2
        .describe_route_tables()
        .filters(filter("vpc-id", &[vpc_id]))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error("DescribeRouteTables", e))?;
        tables.extend(page.route_tables().iter().cloned());
    }
    let table_of = |subnet_id: &str| {
        tables
            .iter()
            .find(|t| {
                t.associations()
                    .iter()
                    .any(|a| a.subnet_id() == Some(subnet_id))
            })
            .or_else(|| {
                tables
                    .iter()
                    .find(|t| t.associations().iter().any(|a| a.main() == Some(true)))
            })
    };
    let mut out = BTreeMap::new();
    for spec in &model.network.subnets {
        let found = subnets.iter().find(|s| {
            s.subnet_id() == Some(spec.id.as_str())
                || s.tags()
                    .iter()
                    .any(|t| t.key() == Some("Name") && t.value() == Some(spec.id.as_str()))
        });
        let Some(s) = found else { continue };
        let id = s.subnet_id().unwrap_or_default().to_owned();
        let table = table_of(&id);
        let routes = table.map(|t| t.routes()).unwrap_or_default();
        out.insert(
            spec.id.clone(),
            SubnetFact {
                subnet_id: id.clone(),
                vpc_id: vpc_id.to_owned(),
                availability_zone: s.availability_zone().unwrap_or_default().to_owned(),
                cidr_block: s.cidr_block().and_then(|c| c.parse().ok()),
                ipv6_cidr_block: subnet_ipv6_block(s),
                ipv6_native: s.ipv6_native().unwrap_or(false),
                enable_dns64: s.enable_dns64().unwrap_or(false),
                map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
                public: routes
                    .iter()
                    .any(|r| r.gateway_id().is_some_and(|g| g.starts_with("igw-"))),
                nat64_route: routes.iter().any(|r| {
                    r.destination_ipv6_cidr_block() == Some("64:ff9b::/96")
                        && r.nat_gateway_id().is_some()
                }),
                tags: tag_map(s.tags()),
            },
        );
    }
    Ok(out)
}

/// The IPv6 blocks of the cluster's subnets in its VPC, by Name tag.
async fn cluster_subnet_blocks(
    ec2: &aws_sdk_ec2::Client,
    vpc_id: &str,
    cluster: &str,
) -> Result<BTreeMap<String, ipnet::Ipv6Net>, AwsCallError> {
    let mut out = BTreeMap::new();
    let mut pages = ec2
        .describe_subnets()
        .filters(filter("vpc-id", &[vpc_id]))
        .filters(filter("tag-key", &[&tags::owned_key(cluster)]))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error("DescribeSubnets", e))?;
        for s in page.subnets() {
            let name = tag_map(s.tags()).get("Name").cloned();
            let block = subnet_ipv6_block(s);
            if let (Some(n), Some(b)) = (name, block) {
                out.insert(n, b);
            }
        }
    }
    Ok(out)
}

/// A subnet's IPv6 block, if one is associated (not associating or gone).
fn subnet_ipv6_block(s: &aws_sdk_ec2::types::Subnet) -> Option<ipnet::Ipv6Net> {
    subnet_ipv6_associations(s)
        .next()
        .and_then(|a| a.ipv6_cidr_block()?.parse().ok())
}

/// The cluster's API load balancer and its target group, once the cluster
/// exists: found by the cluster's owned tag and the `apiserver` role, as
/// apply tags them (the secondary one, by its name, left out). Their fields
/// CAPA's webhook keeps immutable are read.
async fn cluster_load_balancer(
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    cluster: &str,
    secondary: Option<&str>,
) -> Result<Option<LoadBalancerFact>, AwsCallError> {
    let mut lbs = Vec::new();
    let mut pages = elb.describe_load_balancers().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error("DescribeLoadBalancers", e))?;
        lbs.extend(
            page.load_balancers()
                .iter()
                .filter(|l| secondary.is_none() || l.load_balancer_name() != secondary)
                .cloned(),
        );
    }
    let key = tags::owned_key(cluster);
    for chunk in lbs.chunks(20) {
        let arns: Vec<String> = chunk
            .iter()
            .filter_map(|l| l.load_balancer_arn().map(str::to_owned))
            .collect();
        if arns.is_empty() {
            continue;
        }
        let described = elb
            .describe_tags()
            .set_resource_arns(Some(arns))
            .send()
            .await
            .map_err(|e| aws_error("DescribeTags", e))?;
        let mine = described.tag_descriptions().iter().find(|d| {
            let has = |k: &str, v: &str| {
                d.tags()
                    .iter()
                    .any(|t| t.key() == Some(k) && t.value() == Some(v))
            };
            has(&key, "owned") && has(tags::ROLE, "apiserver")
        });
        let Some(arn) = mine.and_then(|d| d.resource_arn()) else {
            continue;
        };
        let Some(lb) = chunk.iter().find(|l| l.load_balancer_arn() == Some(arn)) else {
            continue;
        };
        let tgs = elb
            .describe_target_groups()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(|e| aws_error("DescribeTargetGroups", e))?;
        // The API target group (additional listeners have their own).
        let api = tgs
            .target_groups()
            .iter()
            .find(|t| {
                t.target_group_name()
                    .is_some_and(|n| n.starts_with("apiserver-target-"))
            })
            .or_else(|| tgs.target_groups().first());
        let target_group = api.map(|t| TargetGroupFact {
            name: t.target_group_name().unwrap_or_default().to_owned(),
            ip_address_type: t.ip_address_type().map(|x| x.as_str().to_owned()),
            health_check_protocol: t.health_check_protocol().map(|x| x.as_str().to_owned()),
        });
        return Ok(Some(LoadBalancerFact {
            name: lb.load_balancer_name().unwrap_or_default().to_owned(),
            scheme: lb.scheme().map(|x| x.as_str().to_owned()),
            target_group,
        }));
    }
    Ok(None)
}
