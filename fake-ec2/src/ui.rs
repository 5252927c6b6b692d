//! `GET /_fake/ui`: the fake's live state as pictures, one self-contained
//! HTML page. For every account and region that has VPCs, one picture per
//! VPC ([`network`], drawn by [`topology::svg`]); then the journal, newest
//! first and filtered by `action=` and `code=`; then the active fault
//! rules. The page polls `GET /_fake/ui/version` ([`version`]) every second
//! and reloads itself when a request (or a reset, a fault change ...) has
//! moved it on.
//!
//! Everything is read under the fake's lock through a [`View`] and never
//! changes the state: reading the page settles no transitional state, as a
//! Describe call would. The same state always gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use topology::svg::esc;
use topology::{
    Gateway, GatewayKind, Listener, LoadBalancer, Machine, Network, Route, RouteTable,
    SecurityGroup, Subnet, TargetGroup, Vpc, Zone, ZoneKind,
};

use crate::ec2::route_tables::Target;
use crate::ec2::security_groups::{Peer, SecurityGroupRule};
use crate::ec2::vpc_endpoints::EndpointType;
use crate::ec2::vpcs;
use crate::fake::Fake;
use crate::index::By;
use crate::journal::JournalEntry;
use crate::region::Region;
use crate::view::View;

/// The tag CAPA gives a machine's role (`control-plane`, `node`, `bastion`).
pub const ROLE_TAG: &str = "sigs.k8s.io/cluster-api-provider-aws/role";

/// The most journal entries the page shows (the newest that match).
pub const MAX_JOURNAL_ROWS: usize = 500;

/// Where the page's script polls for its version.
pub const VERSION_PATH: &str = "/_fake/ui/version";

const NAME: &str = "Name";

/// The VPCs of one account in one region, as pictures' networks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionNetworks {
    pub account: String,
    pub region: String,
    pub networks: Vec<Network>,
}

/// One network per VPC of every account and region (by account, region and
/// VPC id); regions without VPCs are left out.
pub fn networks(view: &View<'_>) -> Vec<RegionNetworks> {
    view.regions()
        .filter(|r| !r.ec2.vpcs.is_empty())
        .map(|r| RegionNetworks {
            account: r.account.clone(),
            region: r.name.clone(),
            networks: r.ec2.vpcs.values().map(|v| network(r, v)).collect(),
        })
        .collect()
}

fn tag(tags: &BTreeMap<String, String>, key: &str) -> Option<String> {
    tags.get(key).cloned()
}

fn name_or(tags: &BTreeMap<String, String>, id: &str) -> String {
    tag(tags, NAME).unwrap_or_else(|| id.to_owned())
}

/// One VPC of `region` as a picture's network: its blocks, the zones of its
/// subnets (in the catalog's order), subnets, gateways, route tables, load
/// balancers, instances and security groups, in id order; notes say what
/// is not settled (a pending NAT gateway, a provisioning load balancer ...)
/// and what the picture has no place for (EKS clusters, interface
/// endpoints).
pub fn network(region: &Region, vpc: &vpcs::Vpc) -> Network {
    let ec2 = &region.ec2;
    let vpc_id = vpc.vpc_id.as_str();
    let mut notes = Vec::new();
    if vpc.is_default {
        notes.push("The region's default VPC.".to_owned());
    }
    if vpc.state != "available" {
        notes.push(format!("The VPC is {}.", vpc.state));
    }

    let mut ipv4: Vec<String> = vpc.ipv4_blocks().map(|b| b.to_string()).collect();
    if ipv4.is_empty() {
        ipv4.push(vpc.cidr_block.to_string());
    }
    let picture_vpc = Vpc {
        id: vpc.vpc_id.clone(),
        name: tag(&vpc.tags, NAME),
        ipv4,
        ipv6: vpc.ipv6_blocks().map(|b| b.to_string()).collect(),
        existing: false,
    };

    let vpc_subnets: Vec<&crate::ec2::subnets::Subnet> = ec2.subnets.in_vpc(vpc_id).collect();
    let zones: Vec<Zone> = region
        .zones
        .iter()
        .filter(|z| vpc_subnets.iter().any(|s| s.availability_zone == z.name))
        .map(|z| Zone {
            name: z.name.clone(),
            kind: ZoneKind::from_aws(z.zone_type.as_str()),
        })
        .collect();

    let subnets: Vec<Subnet> = vpc_subnets
        .iter()
        .map(|s| {
            let public = ec2.route_table_of(s).is_some_and(|t| {
                t.routes.iter().any(|r| {
                    r.state != "blackhole"
                        && match &r.target {
                            Target::Gateway(g) => g.starts_with("igw-"),
                            Target::CarrierGateway(_) => true,
                            _ => false,
                        }
                })
            });
            Subnet {
                id: s.subnet_id.clone(),
                label: name_or(&s.tags, &s.subnet_id),
                zone: Some(s.availability_zone.clone()),
                public,
                ipv4: s.cidr_block.map(|c| c.to_string()),
                ipv6: s.ipv6_block().map(|c| c.to_string()),
                dns64: s.enable_dns64,
                auto_ipv6: s.assign_ipv6_address_on_creation,
                public_ipv4: s.map_public_ip_on_launch,
                existing: false,
            }
        })
        .collect();

    let mut gateways = Vec::new();
    for g in ec2.internet_gateways.find(By::Vpc, vpc_id) {
        gateways.push(Gateway::edge(
            &g.internet_gateway_id,
            GatewayKind::Internet,
            name_or(&g.tags, &g.internet_gateway_id),
        ));
    }
    for g in ec2.egress_only_internet_gateways.find(By::Vpc, vpc_id) {
        gateways.push(Gateway::edge(
            &g.egress_only_internet_gateway_id,
            GatewayKind::EgressOnly,
            name_or(&g.tags, &g.egress_only_internet_gateway_id),
        ));
    }
    for g in ec2.carrier_gateways.find(By::Vpc, vpc_id) {
        gateways.push(Gateway::edge(
            &g.carrier_gateway_id,
            GatewayKind::Carrier,
            name_or(&g.tags, &g.carrier_gateway_id),
        ));
    }
    for e in ec2.vpc_endpoints.values().filter(|e| e.vpc_id == vpc_id) {
        if e.vpc_endpoint_type == EndpointType::Gateway {
            gateways.push(Gateway::edge(
                &e.vpc_endpoint_id,
                GatewayKind::Endpoint,
                tag(&e.tags, NAME).unwrap_or_else(|| e.service_name.clone()),
            ));
        } else {
            notes.push(format!(
                "{} endpoint {} for {} in {}.",
                e.vpc_endpoint_type.as_str(),
                e.vpc_endpoint_id,
                e.service_name,
                list(&e.subnet_ids)
            ));
        }
    }
    for n in ec2.nat_gateways.find(By::Vpc, vpc_id) {
        if n.state == "deleted" {
            continue;
        }
        if n.state != "available" {
            let mut note = format!("NAT gateway {} is {}", n.nat_gateway_id, n.state);
            if let Some(code) = &n.failure_code {
                let _ = write!(note, " ({code})");
            }
            note.push('.');
            notes.push(note);
        }
        gateways.push(Gateway {
            id: n.nat_gateway_id.clone(),
            kind: GatewayKind::Nat,
            label: name_or(&n.tags, &n.nat_gateway_id),
            subnet: Some(n.subnet_id.clone()),
            addresses: n.public_ip.iter().map(|ip| ip.to_string()).collect(),
            existing: false,
        });
    }

    let route_tables: Vec<RouteTable> = ec2
        .route_tables
        .find(By::Vpc, vpc_id)
        .map(|t| {
            let mut subnets: Vec<String> = t
                .associations
                .iter()
                .filter_map(|a| a.subnet_id.clone())
                .collect();
            if t.is_main() {
                subnets.extend(
                    vpc_subnets
                        .iter()
                        .filter(|s| !ec2.has_explicit_route_table(&s.subnet_id))
                        .map(|s| s.subnet_id.clone()),
                );
            }
            subnets.sort();
            subnets.dedup();
            RouteTable {
                id: t.route_table_id.clone(),
                subnets,
                routes: t
                    .route_views()
                    .into_iter()
                    .map(|r| Route {
                        blackhole: r.state == "blackhole",
                        destination: r.destination,
                        target: r.target,
                    })
                    .collect(),
            }
        })
        .collect();

    let load_balancers = load_balancers(region, vpc_id, &mut notes);

    let mut machines = Vec::new();
    for i in ec2.instances.find(By::Vpc, vpc_id) {
        if i.is_terminated() || i.vpc_id != vpc_id {
            continue;
        }
        if i.state != "running" {
            notes.push(format!("Instance {} is {}.", i.instance_id, i.state));
        }
        let mut interfaces: Vec<_> = i.network_interfaces.iter().collect();
        interfaces.sort_by_key(|n| n.device_index);
        let mut addresses = Vec::new();
        let mut security_groups: Vec<String> = Vec::new();
        for n in &interfaces {
            addresses.extend(n.private_ip_address.map(|a| a.to_string()));
            addresses.extend(n.ipv6_addresses.iter().map(|a| a.address.to_string()));
            addresses.extend(n.public_ip.map(|a| format!("{a} (public)")));
            for g in &n.security_group_ids {
                if !security_groups.contains(g) {
                    security_groups.push(g.clone());
                }
            }
        }
        machines.push(Machine {
            id: i.instance_id.clone(),
            name: name_or(&i.tags, &i.instance_id),
            role: tag(&i.tags, ROLE_TAG).unwrap_or_default(),
            subnet: i.subnet_id.clone(),
            instance_type: i.instance_type.clone(),
            addresses,
            security_groups,
        });
    }

    let group_names: BTreeMap<&str, &str> = ec2
        .security_groups
        .values()
        .map(|g| (g.group_id.as_str(), g.group_name.as_str()))
        .collect();
    let security_groups = ec2
        .security_groups
        .find(By::Vpc, vpc_id)
        .map(|g| SecurityGroup {
            id: g.group_id.clone(),
            name: g.group_name.clone(),
            rules: g
                .ingress
                .iter()
                .map(|r| rule_line(r, &group_names))
                .collect(),
        })
        .collect();

    for c in region.eks.clusters.values().filter(|c| c.vpc_id == vpc_id) {
        notes.push(format!(
            "EKS cluster {} ({}, Kubernetes {}, {}) in {}.",
            c.name,
            c.status,
            c.version,
            c.ip_family,
            list(&c.subnet_ids)
        ));
    }

    Network {
        title: format!(
            "VPC {vpc_id} in {}, account {} (live)",
            region.name, region.account
        ),
        vpc: picture_vpc,
        zones,
        subnets,
        gateways,
        route_tables,
        load_balancers,
        machines,
        security_groups,
        notes,
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "no subnets".to_owned()
    } else {
        items.join(", ")
    }
}

/// The VPC's ELBv2 load balancers (listeners by port, each with the target
/// group its forward action names and the targets registered there), then
/// its classic ones.
fn load_balancers(region: &Region, vpc_id: &str, notes: &mut Vec<String>) -> Vec<LoadBalancer> {
    let elbv2 = &region.elbv2;
    let mut out = Vec::new();
    for lb in elbv2.load_balancers.find(By::Vpc, vpc_id) {
        if lb.state != "active" {
            let mut note = format!("Load balancer {} is {}", lb.name, lb.state);
            if let Some(reason) = &lb.failure_reason {
                let _ = write!(note, ": {reason}");
            }
            note.push('.');
            notes.push(note);
        }
        let mut listeners: Vec<_> = elbv2
            .listeners
            .find(By::LoadBalancer, &lb.load_balancer_arn)
            .collect();
        listeners.sort_by_key(|l| l.port);
        out.push(LoadBalancer {
            id: lb.load_balancer_arn.clone(),
            name: lb.name.clone(),
            kind: lb.lb_type.clone(),
            scheme: lb.scheme.as_str().to_owned(),
            ip_address_type: lb.ip_address_type.as_str().to_owned(),
            subnets: lb
                .availability_zones
                .iter()
                .map(|z| z.subnet_id.clone())
                .collect(),
            listeners: listeners
                .into_iter()
                .map(|l| Listener {
                    protocol: l.protocol.clone(),
                    port: l.port.unwrap_or(0),
                    target_group: l
                        .target_group_arns()
                        .next()
                        .and_then(|arn| elbv2.target_groups.get(arn))
                        .map(|g| TargetGroup {
                            name: g.name.clone(),
                            protocol: g.protocol.clone().unwrap_or_default(),
                            port: g.port.unwrap_or(0),
                            ip_address_type: g.ip_address_type.as_str().to_owned(),
                            targets: g
                                .targets
                                .iter()
                                .filter(|t| t.draining_reads.is_none())
                                .map(|t| t.id.clone())
                                .collect(),
                        }),
                })
                .collect(),
            security_groups: lb.security_groups.clone(),
        });
    }
    for lb in region.elb.load_balancers.values() {
        if lb.vpc_id != vpc_id {
            continue;
        }
        let targets: Vec<String> = lb.instances.iter().map(|i| i.instance_id.clone()).collect();
        out.push(LoadBalancer {
            id: lb.name.clone(),
            name: lb.name.clone(),
            kind: "classic".to_owned(),
            scheme: lb.scheme.as_str().to_owned(),
            ip_address_type: "ipv4".to_owned(),
            subnets: lb.zones.iter().map(|z| z.subnet_id.clone()).collect(),
            listeners: lb
                .listeners
                .iter()
                .map(|l| Listener {
                    protocol: l.protocol.clone(),
                    port: l.load_balancer_port,
                    target_group: Some(TargetGroup {
                        name: "instances".to_owned(),
                        protocol: l.instance_protocol.clone(),
                        port: l.instance_port,
                        ip_address_type: "ipv4".to_owned(),
                        targets: targets.clone(),
                    }),
                })
                .collect(),
            security_groups: lb.security_groups.clone(),
        });
    }
    out
}

/// An ingress rule as one line: `tcp/6443 from ::/0`, `all from sg-name`,
/// `icmpv6 from 10.0.0.0/16`; a group by its name when the region has it.
pub fn rule_line(r: &SecurityGroupRule, group_names: &BTreeMap<&str, &str>) -> String {
    let ports = topology::rule_ports(&r.ip_protocol, r.from_port, r.to_port);
    let peer = match &r.peer {
        Peer::Ipv4(n) => n.to_string(),
        Peer::Ipv6(n) => n.to_string(),
        Peer::PrefixList(l) => l.clone(),
        Peer::Group { group_id, .. } => group_names
            .get(group_id.as_str())
            .map_or_else(|| group_id.clone(), |n| (*n).to_owned()),
    };
    format!("{ports} from {peer}")
}

/// Which journal entries the page shows: `action=` and `code=` (the error
/// code), each an exact match; empty or absent matches any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalFilter {
    pub action: Option<String>,
    pub code: Option<String>,
}

impl JournalFilter {
    /// The filter a query string names (`action=CreateSubnet&code=...`);
    /// other parameters are ignored.
    pub fn from_query(query: Option<&str>) -> Self {
        let mut f = Self::default();
        for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let v = v.trim();
            let v = (!v.is_empty()).then(|| v.to_owned());
            match k.as_ref() {
                "action" => f.action = v,
                "code" => f.code = v,
                _ => {}
            }
        }
        f
    }

    pub fn matches(&self, e: &JournalEntry) -> bool {
        self.action.as_ref().is_none_or(|a| *a == e.action)
            && self
                .code
                .as_ref()
                .is_none_or(|c| e.error_code.as_ref() == Some(c))
    }

    fn is_empty(&self) -> bool {
        self.action.is_none() && self.code.is_none()
    }
}

/// What the page's script compares: the journal's newest `seq` and the
/// fake's [`Fake::generation`], as JSON.
fn version_text(seq: u64, generation: u64) -> String {
    serde_json::json!({"seq": seq, "generation": generation}).to_string()
}

fn last_seq(view: &View<'_>) -> u64 {
    view.journal().last().map_or(0, |e| e.seq)
}

/// `GET /_fake/ui/version`: `{"generation":G,"seq":S}`, which moves on with
/// every journaled request and every change made otherwise.
pub fn version(fake: &Fake) -> String {
    // Read under the lock, as every change counts itself under it.
    fake.view(|v| version_text(last_seq(v), fake.generation()))
}

/// What the page shows, read under one lock.
struct Snapshot {
    regions: Vec<RegionNetworks>,
    /// The newest matching entries, newest first.
    journal: Vec<JournalEntry>,
    matching: usize,
    total: usize,
    faults: Vec<crate::faults::FaultRule>,
    version: String,
}

fn snapshot(fake: &Fake, filter: &JournalFilter) -> Snapshot {
    fake.view(|v| {
        let all = v.journal();
        let mut journal = Vec::new();
        let mut matching = 0;
        for e in all.iter().rev().filter(|e| filter.matches(e)) {
            matching += 1;
            if journal.len() < MAX_JOURNAL_ROWS {
                journal.push(e.clone());
            }
        }
        Snapshot {
            regions: networks(v),
            journal,
            matching,
            total: all.len(),
            faults: v.fault_rules(),
            version: version_text(last_seq(v), fake.generation()),
        }
    })
}

/// The parameters of a request, briefly: `Key=value, ...`, long values cut.
fn brief_params(params: &BTreeMap<String, String>) -> String {
    const VALUE: usize = 60;
    const TOTAL: usize = 300;
    let mut out = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if out.chars().count() > TOTAL {
            let _ = write!(out, " … ({} more)", params.len() - i);
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{k}={}", cut(v, VALUE));
    }
    out
}

fn cut(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(chars).collect();
    s.push('…');
    s
}

/// The page's script: every second it asks for the version and reloads
/// the page (query string kept) once it differs from the one the page was
/// built at.
fn script(version: &str) -> String {
    let shown = serde_json::to_string(version).unwrap_or_else(|_| "\"\"".to_owned());
    format!(
        "(function(){{var shown={shown};\
function poll(){{fetch('{VERSION_PATH}',{{cache:'no-store'}})\
.then(function(r){{return r.text();}})\
.then(function(v){{if(v!==shown){{location.reload();}}else{{setTimeout(poll,1000);}}}})\
.catch(function(){{setTimeout(poll,1000);}});}}\
setTimeout(poll,1000);}})();"
    )
}

fn filter_form(filter: &JournalFilter) -> String {
    let value = |v: &Option<String>| esc(v.as_deref().unwrap_or(""));
    format!(
        "<form class=\"journal-filter\" method=\"get\" action=\"/_fake/ui\">\
<label>action <input name=\"action\" value=\"{}\" placeholder=\"CreateSubnet\"></label> \
<label>error code <input name=\"code\" value=\"{}\" placeholder=\"InvalidParameterValue\"></label> \
<button type=\"submit\">Filter</button> <a href=\"/_fake/ui\">all entries</a></form>",
        value(&filter.action),
        value(&filter.code)
    )
}

/// `GET /_fake/ui`: the whole page (see the module's documentation).
pub fn page(fake: &Fake, filter: &JournalFilter) -> String {
    let snap = snapshot(fake, filter);
    let mut page = topology::html::Page::new("fake-ec2: live state");
    page.status(
        "note",
        "What the fake holds now; the page reloads itself when a request arrives.",
    );

    if snap.regions.is_empty() {
        page.paragraph("No VPCs in any account or region yet.");
    }
    for r in &snap.regions {
        page.heading(
            2,
            &format!(
                "Account {}, region {}: {} VPC{}",
                r.account,
                r.region,
                r.networks.len(),
                if r.networks.len() == 1 { "" } else { "s" }
            ),
        );
        for n in &r.networks {
            page.markup(&topology::svg::render(n));
        }
    }

    page.heading(2, "Journal");
    page.markup(&filter_form(filter));
    let hidden = snap.matching - snap.journal.len();
    let mut said = if filter.is_empty() {
        format!("{} entries, newest first", snap.total)
    } else {
        format!(
            "{} of {} entries match, newest first",
            snap.matching, snap.total
        )
    };
    if hidden > 0 {
        let _ = write!(
            said,
            "; the newest {MAX_JOURNAL_ROWS} are shown, {hidden} older hidden (all of them: /_fake/journal)"
        );
    }
    said.push('.');
    page.paragraph(&said);
    let rows: Vec<Vec<String>> = snap
        .journal
        .iter()
        .map(|e| {
            let mut status = e.status.to_string();
            if e.injected {
                status.push_str(" (injected)");
            }
            if e.dry_run {
                status.push_str(" (dry run)");
            }
            vec![
                e.seq.to_string(),
                e.service.as_str().to_owned(),
                format!("{}/{}", e.account, e.region),
                e.action.clone(),
                status,
                e.error_code.clone().unwrap_or_default(),
                brief_params(&e.params),
            ]
        })
        .collect();
    if !rows.is_empty() {
        page.table(
            "journal",
            &[
                "seq",
                "service",
                "account/region",
                "action",
                "status",
                "error code",
                "parameters",
            ],
            &rows,
        );
    }

    page.heading(2, "Fault rules");
    if snap.faults.is_empty() {
        page.paragraph("No fault rules (PUT /_fake/faults sets them).");
    } else {
        let rows: Vec<Vec<String>> = snap
            .faults
            .iter()
            .enumerate()
            .map(|(i, f)| {
                vec![
                    (i + 1).to_string(),
                    f.service.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                    f.action.clone().unwrap_or_default(),
                    f.error.clone().unwrap_or_default(),
                    serde_json::to_string(f).unwrap_or_default(),
                ]
            })
            .collect();
        page.table(
            "faults",
            &["#", "service", "action", "error", "rule"],
            &rows,
        );
    }
    page.link("/_fake/state", "The whole state as JSON");
    page.link("/_fake/journal", "The whole journal as JSON");
    page.script(&script(&snap.version));
    page.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::RawRequest;

    fn call(fake: &Fake, body: &str) {
        let answer = fake.handle(&RawRequest {
            body: body.as_bytes(),
            ..RawRequest::default()
        });
        assert_eq!(answer.status, 200, "{body}: {}", answer.body);
    }

    /// A dualstack VPC with a public dualstack subnet (internet gateway, a
    /// NAT gateway), a private IPv6-only one with DNS64 (egress-only
    /// gateway, NAT64), a security group rule; plus the default VPC.
    fn built(seed: &str) -> Fake {
        let fake = Fake::from_seed(crate::Seed::from_yaml(seed).unwrap()).unwrap();
        call(
            &fake,
            "Action=CreateVpc&CidrBlock=10.0.0.0/16&AmazonProvidedIpv6CidrBlock=true",
        );
        // Settled (under `settle_reads: 1` too).
        call(&fake, "Action=DescribeVpcs");
        call(&fake, "Action=DescribeVpcs");
        let block = fake.view(|v| {
            v.regions()
                .flat_map(|r| r.ec2.vpcs.values())
                .find(|v| !v.is_default)
                .and_then(|v| v.ipv6_blocks().next())
                .unwrap()
        });
        let sub = |k: usize| block.subnets(64).unwrap().nth(k).unwrap().to_string();
        let vpc = "vpc-00000000000000001";
        call(
            &fake,
            &format!(
                "Action=CreateSubnet&VpcId={vpc}&AvailabilityZone=us-east-1a&CidrBlock=10.0.0.0/24&Ipv6CidrBlock={}",
                sub(0)
            ),
        );
        call(
            &fake,
            &format!(
                "Action=CreateSubnet&VpcId={vpc}&AvailabilityZone=us-east-1b&Ipv6Native=true&Ipv6CidrBlock={}",
                sub(1)
            ),
        );
        call(
            &fake,
            "Action=ModifySubnetAttribute&SubnetId=subnet-00000000000000002&EnableDns64.Value=true",
        );
        call(&fake, "Action=CreateInternetGateway");
        call(
            &fake,
            &format!(
                "Action=AttachInternetGateway&VpcId={vpc}&InternetGatewayId=igw-00000000000000001"
            ),
        );
        call(
            &fake,
            &format!("Action=CreateEgressOnlyInternetGateway&VpcId={vpc}"),
        );
        call(&fake, &format!("Action=CreateRouteTable&VpcId={vpc}"));
        call(&fake, &format!("Action=CreateRouteTable&VpcId={vpc}"));
        let public = "rtb-00000000000000002";
        let private = "rtb-00000000000000003";
        call(
            &fake,
            &format!(
                "Action=AssociateRouteTable&RouteTableId={public}&SubnetId=subnet-00000000000000001"
            ),
        );
        call(
            &fake,
            &format!(
                "Action=AssociateRouteTable&RouteTableId={private}&SubnetId=subnet-00000000000000002"
            ),
        );
        call(
            &fake,
            &format!(
                "Action=CreateRoute&RouteTableId={public}&DestinationCidrBlock=0.0.0.0/0&GatewayId=igw-00000000000000001"
            ),
        );
        call(&fake, "Action=AllocateAddress&Domain=vpc");
        call(
            &fake,
            "Action=CreateNatGateway&SubnetId=subnet-00000000000000001&AllocationId=eipalloc-00000000000000001",
        );
        call(
            &fake,
            &format!(
                "Action=CreateRoute&RouteTableId={private}&DestinationIpv6CidrBlock=::/0&EgressOnlyInternetGatewayId=eigw-00000000000000001"
            ),
        );
        call(
            &fake,
            &format!(
                "Action=CreateRoute&RouteTableId={private}&DestinationIpv6CidrBlock=64:ff9b::/96&NatGatewayId=nat-00000000000000001"
            ),
        );
        call(
            &fake,
            &format!("Action=CreateSecurityGroup&VpcId={vpc}&GroupName=api&GroupDescription=api"),
        );
        call(
            &fake,
            "Action=AuthorizeSecurityGroupIngress&GroupId=sg-00000000000000002&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=6443&IpPermissions.1.ToPort=6443&IpPermissions.1.Ipv6Ranges.1.CidrIpv6=::/0",
        );
        fake
    }

    /// The same state gives the same networks and the same bytes, twice
    /// over; what they hold is what was built.
    #[test]
    fn networks_are_deterministic() {
        let fake = built("{}");
        let first = fake.view(networks);
        let second = fake.view(networks);
        assert_eq!(first, second);
        let svg = |n: &[RegionNetworks]| -> Vec<String> {
            n.iter()
                .flat_map(|r| r.networks.iter().map(topology::svg::render))
                .collect()
        };
        assert_eq!(svg(&first), svg(&second));
        let filter = JournalFilter::default();
        assert_eq!(page(&fake, &filter), page(&fake, &filter));

        // The default VPC and the one built, in id order.
        assert_eq!(first.len(), 1);
        let nets = &first[0].networks;
        assert_eq!(nets.len(), 2);
        let n = &nets[0];
        assert_eq!(n.vpc.id, "vpc-00000000000000001");
        assert!(nets[1].vpc.id.starts_with("vpc-d"), "{}", nets[1].vpc.id);
        assert_eq!(
            n.title,
            "VPC vpc-00000000000000001 in us-east-1, account 123456789012 (live)"
        );
        assert_eq!(n.vpc.ipv4, ["10.0.0.0/16"]);
        assert_eq!(n.vpc.ipv6.len(), 1);
        let zones: Vec<&str> = n.zones.iter().map(|z| z.name.as_str()).collect();
        assert_eq!(zones, ["us-east-1a", "us-east-1b"]);
        let families: Vec<(&str, bool, topology::Family, bool)> = n
            .subnets
            .iter()
            .map(|s| (s.id.as_str(), s.public, s.family(), s.dns64))
            .collect();
        assert_eq!(
            families,
            [
                (
                    "subnet-00000000000000001",
                    true,
                    topology::Family::Dualstack,
                    false
                ),
                (
                    "subnet-00000000000000002",
                    false,
                    topology::Family::Ipv6Only,
                    true
                ),
            ]
        );
        let kinds: Vec<(GatewayKind, &str)> =
            n.gateways.iter().map(|g| (g.kind, g.id.as_str())).collect();
        assert_eq!(
            kinds,
            [
                (GatewayKind::Internet, "igw-00000000000000001"),
                (GatewayKind::EgressOnly, "eigw-00000000000000001"),
                (GatewayKind::Nat, "nat-00000000000000001"),
            ]
        );
        let nat = &n.gateways[2];
        assert_eq!(nat.subnet.as_deref(), Some("subnet-00000000000000001"));
        assert_eq!(nat.addresses.len(), 1);
        // The main table covers no subnet (both are associated); the
        // private table routes ::/0 and NAT64.
        let private = n
            .route_tables
            .iter()
            .find(|t| t.id == "rtb-00000000000000003")
            .unwrap();
        assert_eq!(private.subnets, ["subnet-00000000000000002"]);
        let routes: Vec<(&str, &str)> = private
            .routes
            .iter()
            .map(|r| (r.destination.as_str(), r.target.as_str()))
            .collect();
        assert!(
            routes.contains(&("::/0", "eigw-00000000000000001")),
            "{routes:?}"
        );
        assert!(
            routes.contains(&("64:ff9b::/96", "nat-00000000000000001")),
            "{routes:?}"
        );
        let main = n
            .route_tables
            .iter()
            .find(|t| t.id == "rtb-00000000000000001")
            .unwrap();
        assert!(main.subnets.is_empty(), "{:?}", main.subnets);
        let api = n.security_groups.iter().find(|g| g.name == "api").unwrap();
        assert_eq!(api.rules, ["tcp/6443 from ::/0"]);
        // The default VPC's subnets have the main table, which routes to
        // its internet gateway: public.
        assert!(nets[1].subnets.iter().all(|s| s.public));
        assert!(nets[1].notes.iter().any(|n| n.contains("default VPC")));
    }

    /// Reading the page changes nothing: a NAT gateway still pending stays
    /// pending (Describe calls settle it), and the version stays.
    #[test]
    fn the_page_reads_without_changing() {
        let fake = built("settle_reads: 1");
        let dump = serde_json::to_string(&fake.dump()).unwrap();
        let version = version(&fake);
        for _ in 0..3 {
            let html = page(&fake, &JournalFilter::default());
            assert!(html.contains("NAT gateway nat-00000000000000001 is pending."));
        }
        assert_eq!(serde_json::to_string(&fake.dump()).unwrap(), dump);
        assert_eq!(super::version(&fake), version);
        call(&fake, "Action=DescribeNatGateways");
        call(&fake, "Action=DescribeNatGateways");
        assert_ne!(super::version(&fake), version);
        let html = page(&fake, &JournalFilter::default());
        assert!(
            !html.contains("is pending."),
            "settled by the Describe calls"
        );
    }

    #[test]
    fn filters_come_from_the_query() {
        let f = JournalFilter::from_query(Some("action=CreateSubnet&code=&x=1"));
        assert_eq!(f.action.as_deref(), Some("CreateSubnet"));
        assert_eq!(f.code, None);
        let f = JournalFilter::from_query(Some("code=Invalid%2ECode"));
        assert_eq!(f.code.as_deref(), Some("Invalid.Code"));
        assert_eq!(JournalFilter::from_query(None), JournalFilter::default());
    }

    #[test]
    fn rules_read_as_one_line() {
        let names: BTreeMap<&str, &str> = [("sg-1", "nodes")].into();
        let rule = |p: &str, from, to, peer| SecurityGroupRule {
            rule_id: "sgr-1".into(),
            ip_protocol: p.into(),
            from_port: from,
            to_port: to,
            peer,
            description: None,
            tags: Default::default(),
        };
        let v6 = || Peer::Ipv6("::/0".parse().unwrap());
        let group = |id: &str| Peer::Group {
            group_id: id.into(),
            user_id: "123456789012".into(),
        };
        let cases = [
            (
                rule("tcp", Some(6443), Some(6443), v6()),
                "tcp/6443 from ::/0",
            ),
            (
                rule("udp", Some(30000), Some(32767), v6()),
                "udp/30000-32767 from ::/0",
            ),
            (rule("-1", None, None, group("sg-1")), "all from nodes"),
            (rule("-1", None, None, group("sg-9")), "all from sg-9"),
            (rule("icmpv6", Some(-1), Some(-1), v6()), "icmpv6 from ::/0"),
            (
                rule(
                    "icmp",
                    Some(8),
                    Some(-1),
                    Peer::Ipv4("10.0.0.0/16".parse().unwrap()),
                ),
                "icmp/type 8 from 10.0.0.0/16",
            ),
            (
                rule("tcp", Some(443), Some(443), Peer::PrefixList("pl-1".into())),
                "tcp/443 from pl-1",
            ),
        ];
        for (r, line) in cases {
            assert_eq!(rule_line(&r, &names), line);
        }
    }

    #[test]
    fn long_parameters_are_cut() {
        let params: BTreeMap<String, String> = (0..40)
            .map(|i| (format!("Key{i:02}"), "v".repeat(100)))
            .collect();
        let brief = brief_params(&params);
        assert!(brief.chars().count() < 420, "{}", brief.len());
        assert!(brief.ends_with("more)"), "{brief}");
        assert!(brief.starts_with(&format!("Key00={}…", "v".repeat(60))));
    }
}
