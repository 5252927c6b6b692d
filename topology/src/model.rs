//! What a picture shows. Every list keeps the order it is given in (the
//! picture is deterministic when its input is); references between items
//! are by `id`.

/// One VPC and what it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Network {
    /// The picture's heading, e.g. `cluster c1 in us-east-1 (plan)`.
    pub title: String,
    pub vpc: Vpc,
    /// The zones, in column order. Subnets in a zone not listed get a
    /// column of their own after these.
    pub zones: Vec<Zone>,
    pub subnets: Vec<Subnet>,
    pub gateways: Vec<Gateway>,
    pub route_tables: Vec<RouteTable>,
    pub load_balancers: Vec<LoadBalancer>,
    pub machines: Vec<Machine>,
    pub security_groups: Vec<SecurityGroup>,
    /// Lines said under the picture (what it cannot show, e.g. blocks
    /// assigned at apply time).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vpc {
    /// The VPC's id, or what stands for it before it exists.
    pub id: String,
    /// Its Name tag.
    pub name: Option<String>,
    /// IPv4 blocks (or how they will be chosen, e.g. `a /16 from IPAM pool ...`).
    pub ipv4: Vec<String>,
    /// IPv6 blocks (or their source, e.g. `Amazon-provided /56`).
    pub ipv6: Vec<String>,
    /// Not the cluster's: found and used, never changed.
    pub existing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub name: String,
    pub kind: ZoneKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZoneKind {
    #[default]
    Availability,
    Local,
    Wavelength,
}

impl ZoneKind {
    /// A CSS-friendly name: `availability`, `local`, `wavelength`.
    pub fn slug(self) -> &'static str {
        match self {
            ZoneKind::Availability => "availability",
            ZoneKind::Local => "local",
            ZoneKind::Wavelength => "wavelength",
        }
    }

    /// AWS's `ZoneType`: `availability-zone`, `local-zone`, `wavelength-zone`.
    pub fn from_aws(zone_type: &str) -> Self {
        match zone_type {
            "local-zone" => ZoneKind::Local,
            "wavelength-zone" => ZoneKind::Wavelength,
            _ => ZoneKind::Availability,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ZoneKind::Availability => "Availability Zone",
            ZoneKind::Local => "Local Zone",
            ZoneKind::Wavelength => "Wavelength Zone",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subnet {
    /// What routes, gateways, load balancers and machines name it by.
    pub id: String,
    /// Its Name tag, else its id.
    pub label: String,
    /// The zone's name; `None`: AWS picks one.
    pub zone: Option<String>,
    pub public: bool,
    /// The IPv4 block (or a placeholder before it is known).
    pub ipv4: Option<String>,
    /// The IPv6 block (or a placeholder, e.g. `B+1`).
    pub ipv6: Option<String>,
    pub dns64: bool,
    /// `AssignIpv6AddressOnCreation`.
    pub auto_ipv6: bool,
    /// `MapPublicIpOnLaunch`.
    pub public_ipv4: bool,
    pub existing: bool,
}

/// A subnet's IP family, as its blocks say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    Ipv4,
    Dualstack,
    Ipv6Only,
    /// Neither block known.
    Unknown,
}

impl Family {
    pub fn label(self) -> &'static str {
        match self {
            Family::Ipv4 => "IPv4",
            Family::Dualstack => "dualstack",
            Family::Ipv6Only => "IPv6-only",
            Family::Unknown => "no blocks",
        }
    }

    /// A CSS-friendly name: `ipv4`, `dualstack`, `ipv6-only`, `unknown`.
    pub fn slug(self) -> &'static str {
        match self {
            Family::Ipv4 => "ipv4",
            Family::Dualstack => "dualstack",
            Family::Ipv6Only => "ipv6-only",
            Family::Unknown => "unknown",
        }
    }
}

impl Subnet {
    pub fn family(&self) -> Family {
        match (self.ipv4.is_some(), self.ipv6.is_some()) {
            (true, false) => Family::Ipv4,
            (true, true) => Family::Dualstack,
            (false, true) => Family::Ipv6Only,
            (false, false) => Family::Unknown,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gateway {
    pub id: String,
    pub kind: GatewayKind,
    /// Its Name tag, else its id.
    pub label: String,
    /// A NAT gateway's subnet.
    pub subnet: Option<String>,
    /// A NAT gateway's Elastic IPs (or a placeholder before they exist).
    pub addresses: Vec<String>,
    pub existing: bool,
}

impl Gateway {
    /// A gateway at the VPC's edge (internet, egress-only, carrier,
    /// endpoint): in no subnet, with no addresses, made by the cluster.
    pub fn edge(id: impl Into<String>, kind: GatewayKind, label: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            kind,
            label: label.into(),
            subnet: None,
            addresses: Vec::new(),
            existing: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GatewayKind {
    Internet,
    EgressOnly,
    Carrier,
    Nat,
    /// A gateway VPC endpoint (S3), routed by prefix list.
    Endpoint,
}

impl GatewayKind {
    /// A CSS-friendly name: `internet`, `egress-only`, `carrier`, `nat`, `endpoint`.
    pub fn slug(self) -> &'static str {
        match self {
            GatewayKind::Internet => "internet",
            GatewayKind::EgressOnly => "egress-only",
            GatewayKind::Carrier => "carrier",
            GatewayKind::Nat => "nat",
            GatewayKind::Endpoint => "endpoint",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            GatewayKind::Internet => "internet gateway",
            GatewayKind::EgressOnly => "egress-only internet gateway",
            GatewayKind::Carrier => "carrier gateway",
            GatewayKind::Nat => "NAT gateway",
            GatewayKind::Endpoint => "gateway endpoint",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteTable {
    pub id: String,
    /// The subnets associated with it.
    pub subnets: Vec<String>,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// A CIDR (`0.0.0.0/0`, `::/0`, `64:ff9b::/96`) or a prefix list.
    pub destination: String,
    /// A gateway's id, or `local`.
    pub target: String,
    /// A route whose target is gone (`blackhole`).
    pub blackhole: bool,
}

impl Route {
    /// What the route is for, which decides its colour.
    pub fn kind(&self) -> RouteKind {
        if self.target == "local" {
            RouteKind::Local
        } else if self.destination == "64:ff9b::/96" {
            RouteKind::Nat64
        } else if self.destination.contains(':') {
            RouteKind::Ipv6
        } else if self.destination.starts_with(|c: char| c.is_ascii_digit()) {
            RouteKind::Ipv4
        } else {
            RouteKind::PrefixList
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RouteKind {
    Ipv4,
    Ipv6,
    Nat64,
    PrefixList,
    Local,
}

impl RouteKind {
    pub fn slug(self) -> &'static str {
        match self {
            RouteKind::Ipv4 => "ipv4",
            RouteKind::Ipv6 => "ipv6",
            RouteKind::Nat64 => "nat64",
            RouteKind::PrefixList => "prefix-list",
            RouteKind::Local => "local",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadBalancer {
    pub id: String,
    pub name: String,
    /// `network`, `application` or `classic`.
    pub kind: String,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    /// `ipv4`, `dualstack` or `dualstack-without-public-ipv4`.
    pub ip_address_type: String,
    pub subnets: Vec<String>,
    pub listeners: Vec<Listener>,
    /// Security group ids.
    pub security_groups: Vec<String>,
}

impl LoadBalancer {
    /// `network load balancer`, `classic load balancer`, ...
    pub fn kind_label(&self) -> String {
        format!("{} load balancer", self.kind)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listener {
    pub protocol: String,
    pub port: u16,
    pub target_group: Option<TargetGroup>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetGroup {
    pub name: String,
    pub protocol: String,
    pub port: u16,
    /// `ipv4` or `ipv6`.
    pub ip_address_type: String,
    /// Machine ids registered.
    pub targets: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Machine {
    pub id: String,
    pub name: String,
    /// `control-plane`, `node`, `bastion`.
    pub role: String,
    pub subnet: String,
    pub instance_type: String,
    /// Its addresses, or what it will get (e.g. `primary IPv6`).
    pub addresses: Vec<String>,
    /// Security group ids.
    pub security_groups: Vec<String>,
}

/// A rule's protocol and ports as a picture writes them: `tcp/6443`,
/// `udp/30000-32767`, `all` (protocol `-1`), `icmpv6` (any type),
/// `icmp/type 8`, `icmp/type 3 code 4`, or the protocol alone when it has
/// no ports (`4`).
pub fn rule_ports(protocol: &str, from: Option<i32>, to: Option<i32>) -> String {
    let p = protocol;
    let icmp = matches!(p, "icmp" | "icmpv6" | "1" | "58");
    match (from, to) {
        _ if p == "-1" => "all".to_owned(),
        (None, _) | (_, None) => p.to_owned(),
        (Some(-1), _) if icmp => p.to_owned(),
        (Some(t), Some(-1)) if icmp => format!("{p}/type {t}"),
        (Some(t), Some(c)) if icmp => format!("{p}/type {t} code {c}"),
        (Some(a), Some(b)) if a == b => format!("{p}/{a}"),
        (Some(a), Some(b)) => format!("{p}/{a}-{b}"),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    /// Its ingress rules, one line each (`tcp/6443 from ::/0`).
    pub rules: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::rule_ports;

    #[test]
    fn rule_ports_read_as_aws_means_them() {
        assert_eq!(rule_ports("tcp", Some(6443), Some(6443)), "tcp/6443");
        assert_eq!(
            rule_ports("udp", Some(30000), Some(32767)),
            "udp/30000-32767"
        );
        assert_eq!(rule_ports("-1", None, None), "all");
        assert_eq!(rule_ports("-1", Some(-1), Some(-1)), "all");
        assert_eq!(rule_ports("icmpv6", Some(-1), Some(-1)), "icmpv6");
        assert_eq!(rule_ports("icmp", Some(8), Some(-1)), "icmp/type 8");
        assert_eq!(rule_ports("icmp", Some(3), Some(4)), "icmp/type 3 code 4");
        assert_eq!(rule_ports("4", None, None), "4");
    }
}
