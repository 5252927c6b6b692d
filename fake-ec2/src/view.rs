//! A read-only view of the fake's state in plain values, for callers that
//! summarise or check it (scenario summaries, tests) without reaching into
//! how a family keeps its resources: routes and security group rules as
//! strings and small structs, and the ids a tag marks.
//!
//! ```no_run
//! let fake = fake_ec2::Fake::new();
//! let owned = fake.view(|v| v.ids_tagged("kubernetes.io/cluster/demo", Some("owned")));
//! ```

use crate::ec2::Ec2State;
use crate::ec2::route_tables::{Destination, RouteTable, Target};
use crate::ec2::security_groups::{Peer, SecurityGroup, SecurityGroupRule};
use crate::ec2::subnets::Subnet;
use crate::faults::FaultRule;
use crate::index::By;
use crate::journal::JournalEntry;
use crate::region::Region;
use crate::state::StateDump;
use crate::world::World;

/// A route as AWS prints it: destination, target, state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteView {
    /// A CIDR block or a prefix list id.
    pub destination: String,
    /// `local`, or the target's id (gateway, NAT gateway, instance ...).
    pub target: String,
    /// `active` or `blackhole`.
    pub state: String,
}

/// Whom a security group rule admits (ingress) or reaches (egress).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerView {
    /// A CIDR block or a prefix list id.
    Range(String),
    /// Another security group, by id.
    Group(String),
}

/// A security group rule in plain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleView {
    /// `-1` (all), `tcp`, `udp`, `icmp`, `icmpv6` or a protocol number.
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub peer: PeerView,
}

impl RouteTable {
    /// The table's routes, in order.
    pub fn route_views(&self) -> Vec<RouteView> {
        self.routes
            .iter()
            .map(|r| RouteView {
                destination: match &r.destination {
                    Destination::Ipv4(n) => n.to_string(),
                    Destination::Ipv6(n) => n.to_string(),
                    Destination::PrefixList(p) => p.clone(),
                },
                target: match &r.target {
                    Target::Local => "local".to_owned(),
                    Target::Gateway(g)
                    | Target::EgressOnlyInternetGateway(g)
                    | Target::NatGateway(g)
                    | Target::Instance(g)
                    | Target::NetworkInterface(g)
                    | Target::VpcPeeringConnection(g)
                    | Target::TransitGateway(g)
                    | Target::CarrierGateway(g) => g.clone(),
                },
                state: r.state.clone(),
            })
            .collect()
    }
}

fn rule_view(r: &SecurityGroupRule) -> RuleView {
    RuleView {
        protocol: r.ip_protocol.clone(),
        from_port: r.from_port,
        to_port: r.to_port,
        peer: match &r.peer {
            Peer::Ipv4(n) => PeerView::Range(n.to_string()),
            Peer::Ipv6(n) => PeerView::Range(n.to_string()),
            Peer::Group { group_id, .. } => PeerView::Group(group_id.clone()),
            Peer::PrefixList(p) => PeerView::Range(p.clone()),
        },
    }
}

impl Ec2State {
    /// A VPC's main route table (the one its main association marks).
    pub fn main_route_table(&self, vpc_id: &str) -> Option<&RouteTable> {
        self.route_tables
            .find(By::Vpc, vpc_id)
            .find(|t| t.is_main())
    }

    /// The route table a subnet's traffic uses: the one it is associated
    /// with, else its VPC's main table.
    pub fn route_table_of(&self, subnet: &Subnet) -> Option<&RouteTable> {
        self.route_tables
            .first(By::Subnet, &subnet.subnet_id)
            .or_else(|| self.main_route_table(&subnet.vpc_id))
    }

    /// Whether a subnet has an explicit route table association.
    pub fn has_explicit_route_table(&self, subnet_id: &str) -> bool {
        self.route_tables.any(By::Subnet, subnet_id)
    }
}

impl SecurityGroup {
    /// The group's ingress rules, in order.
    pub fn ingress_views(&self) -> Vec<RuleView> {
        self.ingress.iter().map(rule_view).collect()
    }

    /// The group's egress rules, in order.
    pub fn egress_views(&self) -> Vec<RuleView> {
        self.egress.iter().map(rule_view).collect()
    }
}

/// The fake's state, read through [`crate::Fake::view`].
#[derive(Debug)]
pub struct View<'a> {
    world: &'a World,
}

impl<'a> View<'a> {
    pub(crate) fn new(world: &'a World) -> Self {
        Self { world }
    }

    /// Every (account, region) the fake has made, by account then region.
    pub fn regions(&self) -> impl Iterator<Item = &'a Region> + 'a {
        self.world.regions()
    }

    /// The journal, oldest first.
    pub fn journal(&self) -> &'a [JournalEntry] {
        self.world.journal()
    }

    /// The active fault rules (what `GET /_fake/faults` answers).
    pub fn fault_rules(&self) -> Vec<FaultRule> {
        self.world.fault_rules()
    }

    /// The whole state as [`crate::Fake::dump`] gives it.
    pub fn dump(&self) -> StateDump {
        StateDump::of(self.world)
    }

    /// Every resource that exists, in any region, as `region/id` (ARNs for
    /// ELBv2 and names for classic load balancers), and each zone opted
    /// into as `region/zone:<name>`; gone resources (a terminated instance,
    /// a deleted NAT gateway) are left out. Sorted: two calls compare to
    /// show what a run left behind.
    pub fn live_ids(&self) -> Vec<String> {
        let mut out = Vec::new();
        for region in self.world.regions() {
            let name = &region.name;
            let ec2 = region.ec2.resources().into_iter().map(|e| (e.id, e.gone));
            let elbv2 = region.elbv2.resources().into_iter().map(|e| (e.id, e.gone));
            let elb = region.elb.resources().into_iter().map(|e| (e.id, e.gone));
            for (id, gone) in ec2.chain(elbv2).chain(elb) {
                if !gone {
                    out.push(format!("{name}/{id}"));
                }
            }
            for z in &region.zones {
                if z.opt_in_status == crate::ec2::zones::OptInStatus::OptedIn {
                    out.push(format!("{name}/zone:{}", z.name));
                }
            }
        }
        out.sort();
        out
    }

    /// The ids (ARNs for ELBv2) of every resource, in any region, that
    /// carries the tag `key` (with `value`, when given) and is not gone
    /// (a terminated instance, a deleted NAT gateway); security group rules
    /// count too. Sorted.
    pub fn ids_tagged(&self, key: &str, value: Option<&str>) -> Vec<String> {
        let wanted = |v: &str| value.is_none_or(|w| w == v);
        let mut out = Vec::new();
        for region in self.world.regions() {
            for e in region.ec2.resources() {
                if e.tags.get(key).is_some_and(|v| wanted(v)) && !e.gone {
                    out.push(e.id.to_owned());
                }
            }
            for g in region.ec2.security_groups.values() {
                for r in g.ingress.iter().chain(&g.egress) {
                    if r.tags.get(key).is_some_and(|v| wanted(v)) {
                        out.push(r.rule_id.clone());
                    }
                }
            }
            for e in region
                .elbv2
                .resources()
                .into_iter()
                .chain(region.elb.resources())
            {
                if e.tags.iter().any(|(k, v)| k == key && wanted(v)) && !e.gone {
                    out.push(e.id.to_owned());
                }
            }
        }
        out.sort();
        out
    }
}
