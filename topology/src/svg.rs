//! The network as SVG.
//!
//! Layout: the VPC is one box; its edge gateways (internet, egress-only,
//! carrier, endpoints) sit in a row at its top; below them one column per
//! zone, with the public subnets in one row and the private ones in the
//! next (rows line up across zones); load balancers sit under the subnets,
//! each as wide as the zones it spans. A subnet box says its blocks and
//! attributes and holds its NAT gateways and machines, then its routes as
//! text. Each route is also drawn: from the subnet's route line, along the
//! gutter right of its zone, to the gateway it targets. Security groups and
//! a legend of colours follow the VPC.
//!
//! Coordinates are whole pixels and text is measured in characters of a
//! monospace font, so the same network always gives the same bytes.

use std::fmt::Write as _;

use crate::model::{
    Family, Gateway, GatewayKind, LoadBalancer, Machine, Network, Route, RouteKind, Subnet,
    ZoneKind,
};

const MARGIN: i32 = 16;
const PAD: i32 = 8;
const LINE: i32 = 16;
const COL_W: i32 = 300;
/// The gutter right of each zone: one lane per route kind.
const GUTTER: i32 = 44;
const LANE: i32 = 8;
/// Characters that fit a line of a box `COL_W` wide (12 px monospace is
/// about 7.2 px a character).
const CHARS: usize = 39;
const GATEWAY_W: i32 = 220;
const GAP: i32 = 12;
/// The legend's width.
const LEGEND_W: i32 = 720;

/// The picture of `net`, a standalone SVG document (no external assets).
pub fn render(net: &Network) -> String {
    Layout::new(net).draw()
}

/// Where a zone's column is and what it holds.
struct Column<'a> {
    name: String,
    kind: ZoneKind,
    public: Vec<&'a Subnet>,
    private: Vec<&'a Subnet>,
}

/// A drawn box, to route lines to.
#[derive(Clone, Copy)]
struct Rect {
    x: i32,
    y: i32,
    w: i32,
    h: i32,
}

impl Rect {
    fn right(self) -> i32 {
        self.x + self.w
    }
    fn bottom(self) -> i32 {
        self.y + self.h
    }
    fn mid_x(self) -> i32 {
        self.x + self.w / 2
    }
    fn mid_y(self) -> i32 {
        self.y + self.h / 2
    }
}

struct Layout<'a> {
    net: &'a Network,
    columns: Vec<Column<'a>>,
    /// Gateways by id, once drawn, with the column of a NAT gateway's
    /// subnet (`None`: an edge gateway in the top row).
    targets: Vec<(String, Rect, Option<usize>)>,
    /// Route starts: (subnet column, y, route).
    route_starts: Vec<(usize, i32, &'a Route)>,
    /// Each column's x.
    col_x: Vec<i32>,
}

fn lane(kind: RouteKind) -> i32 {
    match kind {
        RouteKind::Ipv4 => 0,
        RouteKind::Ipv6 => 1,
        RouteKind::Nat64 => 2,
        RouteKind::PrefixList => 3,
        RouteKind::Local => 4,
    }
}

impl<'a> Layout<'a> {
    fn new(net: &'a Network) -> Self {
        let mut columns: Vec<Column<'a>> = net
            .zones
            .iter()
            .map(|z| Column {
                name: z.name.clone(),
                kind: z.kind,
                public: Vec::new(),
                private: Vec::new(),
            })
            .collect();
        for s in &net.subnets {
            let zone = s
                .zone
                .clone()
                .unwrap_or_else(|| "zone chosen by AWS".into());
            let i = match columns.iter().position(|c| c.name == zone) {
                Some(i) => i,
                None => {
                    columns.push(Column {
                        name: zone,
                        kind: ZoneKind::Availability,
                        public: Vec::new(),
                        private: Vec::new(),
                    });
                    columns.len() - 1
                }
            };
            if s.public {
                columns[i].public.push(s);
            } else {
                columns[i].private.push(s);
            }
        }
        if columns.is_empty() {
            columns.push(Column {
                name: "no subnets".into(),
                kind: ZoneKind::Availability,
                public: Vec::new(),
                private: Vec::new(),
            });
        }
        Layout {
            net,
            columns,
            targets: Vec::new(),
            route_starts: Vec::new(),
            col_x: Vec::new(),
        }
    }

    fn edge_gateways(&self) -> Vec<&'a Gateway> {
        self.net
            .gateways
            .iter()
            .filter(|g| g.kind != GatewayKind::Nat || g.subnet.is_none())
            .collect()
    }

    fn draw(mut self) -> String {
        let net = self.net;
        let cols = self.columns.len() as i32;
        let vpc_x = MARGIN;
        let inner_x = vpc_x + PAD;
        let vpc_w = 2 * PAD + cols * (COL_W + GUTTER);
        self.col_x = (0..cols).map(|i| inner_x + i * (COL_W + GUTTER)).collect();

        let mut body = String::with_capacity(16 * 1024);

        let mut y = MARGIN;
        // Title.
        let title_y = y + 16;
        y += 28;

        // The VPC's header.
        let vpc_y = y;
        let mut header = vec![format!(
            "VPC {}{}{}",
            net.vpc.id,
            net.vpc
                .name
                .as_deref()
                .map(|n| format!(" · {n}"))
                .unwrap_or_default(),
            if net.vpc.existing { " (existing)" } else { "" }
        )];
        header.push(format!(
            "IPv4 {}",
            if net.vpc.ipv4.is_empty() {
                "none".to_owned()
            } else {
                net.vpc.ipv4.join(", ")
            }
        ));
        header.push(format!(
            "IPv6 {}",
            if net.vpc.ipv6.is_empty() {
                "none".to_owned()
            } else {
                net.vpc.ipv6.join(", ")
            }
        ));
        y += PAD;
        let header_y = y;
        y += header.len() as i32 * LINE + PAD;

        // Edge gateways, in rows that fit the VPC's width.
        let edges = self.edge_gateways();
        let per_row = ((vpc_w - 2 * PAD + GAP) / (GATEWAY_W + GAP)).max(1) as usize;
        let mut gateway_boxes = Vec::new();
        let mut row_h = 0;
        for (i, g) in edges.iter().enumerate() {
            if i > 0 && i % per_row == 0 {
                y += row_h + GAP;
                row_h = 0;
            }
            let lines = 2 + g.addresses.len() as i32;
            let h = lines * LINE + PAD;
            let x = inner_x + (i % per_row) as i32 * (GATEWAY_W + GAP);
            let r = Rect {
                x,
                y,
                w: GATEWAY_W,
                h,
            };
            gateway_boxes.push((*g, r));
            row_h = row_h.max(h);
        }
        if !edges.is_empty() {
            y += row_h + GAP;
        }
        // Lines to edge gateways run along this bus, one lane per kind.
        let bus_y = y + 2;
        y += 5 * 4 + GAP;

        // Zone headings.
        let zone_y = y;
        let zone_h = 2 * LINE;
        y += zone_h + PAD;

        // Subnet rows.
        let public_h = self.row_height(|c| c.public.as_slice());
        let private_h = self.row_height(|c| c.private.as_slice());
        // Each row has a line of its own for its label.
        let public_y = y + if public_h > 0 { LINE } else { 0 };
        let private_y = public_y + public_h + if private_h > 0 { LINE } else { 0 };
        y = private_y + private_h + LINE / 2;
        let subnets_bottom = y;

        // Load balancers.
        let mut lb_boxes = Vec::new();
        for lb in &net.load_balancers {
            let cols_of: Vec<usize> = lb
                .subnets
                .iter()
                .filter_map(|id| self.column_of(id))
                .collect();
            let (first, last) = match (cols_of.iter().min(), cols_of.iter().max()) {
                (Some(a), Some(b)) => (*a, *b),
                _ => (0, self.columns.len() - 1),
            };
            let x = self.col_x[first];
            let w = self.col_x[last] + COL_W - x;
            let h = lb_lines(lb, net).len() as i32 * LINE + PAD;
            lb_boxes.push((lb, Rect { x, y, w, h }, cols_of));
            y += h + GAP;
        }
        let vpc_h = y - vpc_y + PAD;

        // Below the VPC: security groups, legend, notes.
        let mut below_y = vpc_y + vpc_h + 2 * GAP;
        let sg_y = below_y;
        // What sits under the VPC may be wider than one zone: the legend
        // needs about 720 px, a note 7.2 px a character.
        let notes_w = net
            .notes
            .iter()
            .map(|n| n.chars().count() as i32 * 72 / 10)
            .max()
            .unwrap_or(0);
        let content_w = vpc_w.max(LEGEND_W).max(notes_w);
        let sg_per_row = ((content_w + GUTTER) / (COL_W + GUTTER)).max(1);
        let sg_h = self.security_groups_height(sg_per_row);
        below_y += sg_h;
        let legend_y = below_y;
        below_y += 3 * LINE + GAP;
        let notes_y = below_y;
        below_y += net.notes.len() as i32 * LINE;
        let height = below_y + MARGIN;
        let width = vpc_x + content_w + MARGIN;

        // Now draw, back to front.
        let o = &mut body;
        let _ = write!(
            o,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"topology\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
            esc(&net.title)
        );
        let _ = write!(o, "<title>{}</title>", esc(&net.title));
        o.push_str(STYLE);
        o.push_str(
            "<defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"7\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"context-stroke\"/></marker></defs>",
        );
        text(o, MARGIN, title_y, "title", &net.title);

        // The VPC.
        let _ = write!(
            o,
            "<g class=\"vpc\" data-id=\"{}\" aria-label=\"VPC {}\">",
            esc(&net.vpc.id),
            esc(&net.vpc.id)
        );
        rect(
            o,
            Rect {
                x: vpc_x,
                y: vpc_y,
                w: vpc_w,
                h: vpc_h,
            },
            "vpc-box",
        );
        for (i, line) in header.iter().enumerate() {
            let class = if i == 0 { "vpc-title" } else { "vpc-block" };
            text(
                o,
                inner_x,
                header_y + (i as i32 + 1) * LINE - 4,
                class,
                &fit(line, 2 * CHARS + 20),
            );
        }
        o.push_str("</g>");

        for (g, r) in &gateway_boxes {
            gateway(o, g, *r);
            self.targets.push((g.id.clone(), *r, None));
        }

        // Zone columns.
        for (i, c) in self.columns.iter().enumerate() {
            let x = self.col_x[i];
            let _ = write!(
                o,
                "<g class=\"zone\" data-zone=\"{}\" data-kind=\"{}\" aria-label=\"zone {}\">",
                esc(&c.name),
                c.kind.slug(),
                esc(&c.name)
            );
            rect(
                o,
                Rect {
                    x,
                    y: zone_y,
                    w: COL_W,
                    h: subnets_bottom - zone_y - PAD,
                },
                &format!("zone-box zone-{}", c.kind.slug()),
            );
            text(
                o,
                x + PAD,
                zone_y + LINE - 2,
                "zone-title",
                &fit(&c.name, CHARS),
            );
            text(
                o,
                x + PAD,
                zone_y + 2 * LINE - 2,
                "zone-kind",
                c.kind.label(),
            );
            o.push_str("</g>");
        }
        if public_h > 0 {
            text(o, inner_x, public_y - 2, "row-label", "public subnets");
        }
        if private_h > 0 {
            text(o, inner_x, private_y - 2, "row-label", "private subnets");
        }

        // Subnets.
        let columns = std::mem::take(&mut self.columns);
        for (i, c) in columns.iter().enumerate() {
            for (row_y, subnets) in [(public_y, &c.public), (private_y, &c.private)] {
                let mut sy = row_y + 4;
                for s in subnets.iter() {
                    let h = self.subnet_height(s);
                    let r = Rect {
                        x: self.col_x[i],
                        y: sy,
                        w: COL_W,
                        h,
                    };
                    self.subnet(o, s, r, i);
                    sy += h + GAP;
                }
            }
        }
        self.columns = columns;

        // Load balancers.
        for (lb, r, cols_of) in &lb_boxes {
            let mut seen = Vec::new();
            for c in cols_of {
                if seen.contains(c) {
                    continue;
                }
                seen.push(*c);
                let x = self.col_x[*c] + COL_W / 2;
                let _ = write!(
                    o,
                    "<path class=\"lb-link\" d=\"M{x},{} L{x},{}\"/>",
                    r.y,
                    subnets_bottom - PAD
                );
            }
            load_balancer(o, lb, *r, net);
        }

        // Routes, over the boxes.
        o.push_str("<g class=\"routes\">");
        let starts = std::mem::take(&mut self.route_starts);
        for (col, y, route) in starts {
            self.route(o, col, y, route, bus_y);
        }
        o.push_str("</g>");

        // Security groups.
        self.security_groups(o, sg_y, sg_per_row);

        // Legend.
        legend(o, MARGIN, legend_y);
        for (i, n) in net.notes.iter().enumerate() {
            text(o, MARGIN, notes_y + (i as i32 + 1) * LINE - 4, "note", n);
        }
        o.push_str("</svg>\n");
        body
    }

    /// The height of a row: its tallest stack of subnets in one zone.
    fn row_height(&self, row: impl for<'c> Fn(&'c Column<'a>) -> &'c [&'a Subnet]) -> i32 {
        self.columns
            .iter()
            .map(|c| {
                row(c)
                    .iter()
                    .map(|s| self.subnet_height(s) + GAP)
                    .sum::<i32>()
            })
            .max()
            .unwrap_or(0)
    }

    fn column_of(&self, subnet: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.public.iter().chain(&c.private).any(|s| s.id == subnet))
    }

    fn nats_in(&self, subnet: &str) -> Vec<&'a Gateway> {
        self.net
            .gateways
            .iter()
            .filter(|g| g.kind == GatewayKind::Nat && g.subnet.as_deref() == Some(subnet))
            .collect()
    }

    fn machines_in(&self, subnet: &str) -> Vec<&'a Machine> {
        self.net
            .machines
            .iter()
            .filter(|m| m.subnet == subnet)
            .collect()
    }

    fn routes_of(&self, subnet: &str) -> Vec<&'a Route> {
        self.net
            .route_tables
            .iter()
            .filter(|t| t.subnets.iter().any(|s| s == subnet))
            .flat_map(|t| &t.routes)
            .collect()
    }

    fn lbs_in(&self, subnet: &str) -> Vec<&'a LoadBalancer> {
        self.net
            .load_balancers
            .iter()
            .filter(|lb| lb.subnets.iter().any(|s| s == subnet))
            .collect()
    }

    fn subnet_lines(s: &Subnet) -> Vec<(String, &'static str)> {
        let mut lines = vec![
            (s.label.clone(), "subnet-title"),
            (
                format!(
                    "{} · {}{}",
                    if s.public { "public" } else { "private" },
                    s.family().label(),
                    if s.existing { " · existing" } else { "" }
                ),
                "subnet-kind",
            ),
        ];
        if let Some(v4) = &s.ipv4 {
            lines.push((v4.clone(), "block"));
        }
        if let Some(v6) = &s.ipv6 {
            lines.push((v6.clone(), "block"));
        }
        let mut badges = Vec::new();
        if s.dns64 {
            badges.push("DNS64");
        }
        if s.auto_ipv6 {
            badges.push("auto-assign IPv6");
        }
        if s.public_ipv4 {
            badges.push("public IPv4");
        }
        if !badges.is_empty() {
            lines.push((badges.join(" · "), "badge"));
        }
        lines
    }

    fn subnet_height(&self, s: &Subnet) -> i32 {
        let mut h = PAD + Self::subnet_lines(s).len() as i32 * LINE;
        for n in self.nats_in(&s.id) {
            h += (1 + n.addresses.len() as i32) * LINE + PAD + 4;
        }
        for m in self.machines_in(&s.id) {
            h += (2 + m.addresses.len() as i32) * LINE + PAD + 4;
        }
        h += self.lbs_in(&s.id).len() as i32 * LINE;
        let routes = self.routes_of(&s.id);
        if !routes.is_empty() {
            h += LINE * routes.len() as i32;
        }
        h + PAD
    }

    fn subnet(&mut self, o: &mut String, s: &'a Subnet, r: Rect, col: usize) {
        let family = s.family();
        let _ = write!(
            o,
            "<g class=\"subnet\" data-id=\"{}\" data-family=\"{}\" data-public=\"{}\" aria-label=\"subnet {} ({}, {})\">",
            esc(&s.id),
            family.slug(),
            s.public,
            esc(&s.label),
            if s.public { "public" } else { "private" },
            family.label()
        );
        rect(o, r, &format!("subnet-box family-{}", family.slug()));
        let mut y = r.y + PAD;
        for (line, class) in Self::subnet_lines(s) {
            y += LINE;
            text(o, r.x + PAD, y - 4, class, &fit(&line, CHARS));
        }
        for n in self.nats_in(&s.id) {
            let h = (1 + n.addresses.len() as i32) * LINE + PAD;
            let nr = Rect {
                x: r.x + PAD,
                y: y + 4,
                w: COL_W - 2 * PAD,
                h,
            };
            let _ = write!(
                o,
                "<g class=\"gateway nat\" data-id=\"{}\" aria-label=\"NAT gateway {}\">",
                esc(&n.id),
                esc(&n.label)
            );
            rect(o, nr, "nat-box");
            text(
                o,
                nr.x + PAD,
                nr.y + LINE,
                "gateway-title",
                &fit(&format!("NAT gateway {}", n.label), CHARS - 2),
            );
            for (i, a) in n.addresses.iter().enumerate() {
                text(
                    o,
                    nr.x + PAD,
                    nr.y + (i as i32 + 2) * LINE,
                    "address",
                    &fit(&format!("Elastic IP {a}"), CHARS - 2),
                );
            }
            o.push_str("</g>");
            self.targets.push((n.id.clone(), nr, Some(col)));
            y += h + PAD + 4;
        }
        for m in self.machines_in(&s.id) {
            let h = (2 + m.addresses.len() as i32) * LINE + PAD;
            let mr = Rect {
                x: r.x + PAD,
                y: y + 4,
                w: COL_W - 2 * PAD,
                h,
            };
            let groups = self.group_names(&m.security_groups);
            let _ = write!(
                o,
                "<g class=\"machine\" data-id=\"{}\" data-role=\"{}\" aria-label=\"machine {}\"><title>{} ({}, {}){}</title>",
                esc(&m.id),
                esc(&m.role),
                esc(&m.name),
                esc(&m.name),
                esc(&m.role),
                esc(&m.instance_type),
                if groups.is_empty() {
                    String::new()
                } else {
                    esc(&format!("\nsecurity groups: {groups}"))
                }
            );
            rect(o, mr, "machine-box");
            text(
                o,
                mr.x + PAD,
                mr.y + LINE,
                "machine-title",
                &fit(&m.name, CHARS - 2),
            );
            text(
                o,
                mr.x + PAD,
                mr.y + 2 * LINE,
                "machine-kind",
                &fit(&format!("{} · {}", m.role, m.instance_type), CHARS - 2),
            );
            for (i, a) in m.addresses.iter().enumerate() {
                text(
                    o,
                    mr.x + PAD,
                    mr.y + (i as i32 + 3) * LINE,
                    "address",
                    &fit(a, CHARS - 2),
                );
            }
            o.push_str("</g>");
            y += h + PAD + 4;
        }
        for lb in self.lbs_in(&s.id) {
            y += LINE;
            text(
                o,
                r.x + PAD,
                y - 4,
                "lb-in",
                &fit(&format!("◆ {} {}", lb.kind_label(), lb.name), CHARS),
            );
        }
        for route in self.routes_of(&s.id) {
            y += LINE;
            let target = self.target_label(&route.target);
            let line = format!(
                "{} → {}{}",
                route.destination,
                target,
                if route.blackhole { " (blackhole)" } else { "" }
            );
            let _ = write!(
                o,
                "<text x=\"{}\" y=\"{}\" class=\"route-text route-{}\">{}</text>",
                r.x + PAD,
                y - 4,
                route.kind().slug(),
                esc(&fit(&line, CHARS))
            );
            if route.kind() != RouteKind::Local {
                self.route_starts.push((col, y - 8, route));
            }
        }
        o.push_str("</g>");
    }

    fn group_names(&self, ids: &[String]) -> String {
        ids.iter()
            .map(|id| {
                self.net
                    .security_groups
                    .iter()
                    .find(|g| &g.id == id)
                    .map_or(id.as_str(), |g| g.name.as_str())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn target_label(&self, target: &str) -> String {
        if target == "local" {
            return "local".into();
        }
        match self.net.gateways.iter().find(|g| g.id == target) {
            Some(g) if g.label == g.id => format!("{} {}", short_kind(g.kind), g.id),
            Some(g) => format!("{} {}", short_kind(g.kind), g.label),
            None => target.to_owned(),
        }
    }

    /// A route's line: right from the subnet into its zone's gutter, along
    /// the gutter, to the target.
    fn route(&self, o: &mut String, col: usize, y: i32, route: &Route, bus_y: i32) {
        let Some((target, target_col)) = self
            .targets
            .iter()
            .find(|(id, _, _)| id == &route.target)
            .map(|(_, r, c)| (*r, *c))
        else {
            return;
        };
        let kind = route.kind();
        // Each kind of route has its own lane in a zone's gutter.
        let lane_x = |c: usize| self.col_x[c] + COL_W + 8 + lane(kind) * LANE;
        let start_x = self.col_x[col] + COL_W;
        let class = format!(
            "route route-{}{}",
            kind.slug(),
            if route.blackhole { " blackhole" } else { "" }
        );
        let lane_bus = bus_y + lane(kind) * 4;
        let from = format!("M{start_x},{y} L{x},{y}", x = lane_x(col));
        let d = match target_col {
            // An edge gateway at the top: up the gutter to the bus, along
            // it, up into the gateway.
            None => format!(
                "{from} L{x},{lane_bus} L{gx},{lane_bus} L{gx},{gy}",
                x = lane_x(col),
                gx = target.mid_x() + (lane(kind) - 2) * 6,
                gy = target.bottom()
            ),
            Some(c) if c == col => format!(
                "{from} L{x},{ty} L{tx},{ty}",
                x = lane_x(col),
                ty = target.mid_y() + (lane(kind) - 1) * 4,
                tx = target.right()
            ),
            // Another zone's NAT gateway: over the bus to that zone's gutter.
            Some(c) => format!(
                "{from} L{x},{lane_bus} L{other},{lane_bus} L{other},{ty} L{tx},{ty}",
                x = lane_x(col),
                other = lane_x(c),
                ty = target.mid_y() + (lane(kind) - 1) * 4,
                tx = target.right()
            ),
        };
        let _ = write!(
            o,
            "<path class=\"{class}\" d=\"{d}\" marker-end=\"url(#arrow)\"><title>{}</title></path>",
            esc(&format!("{} → {}", route.destination, route.target))
        );
    }

    fn security_groups_height(&self, per_row: i32) -> i32 {
        if self.net.security_groups.is_empty() {
            return 0;
        }
        let per_row = per_row.max(1) as usize;
        let rows: Vec<i32> = self
            .net
            .security_groups
            .chunks(per_row)
            .map(|chunk| {
                chunk
                    .iter()
                    .map(|g| (1 + g.rules.len() as i32) * LINE + PAD)
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        LINE + 4 + rows.iter().map(|h| h + GAP).sum::<i32>()
    }

    fn security_groups(&self, o: &mut String, y: i32, per_row: i32) {
        if self.net.security_groups.is_empty() {
            return;
        }
        text(o, MARGIN, y + LINE - 4, "section-title", "security groups");
        let mut y = y + LINE + 4;
        let per_row = per_row.max(1) as usize;
        for chunk in self.net.security_groups.chunks(per_row) {
            let mut row_h = 0;
            for (i, g) in chunk.iter().enumerate() {
                let h = (1 + g.rules.len() as i32) * LINE + PAD;
                let r = Rect {
                    x: MARGIN + PAD + i as i32 * (COL_W + GUTTER),
                    y,
                    w: COL_W,
                    h,
                };
                let _ = write!(
                    o,
                    "<g class=\"security-group\" data-id=\"{}\" aria-label=\"security group {}\">",
                    esc(&g.id),
                    esc(&g.name)
                );
                rect(o, r, "sg-box");
                text(o, r.x + PAD, r.y + LINE, "sg-title", &fit(&g.name, CHARS));
                for (j, rule) in g.rules.iter().enumerate() {
                    text(
                        o,
                        r.x + PAD,
                        r.y + (j as i32 + 2) * LINE,
                        "sg-rule",
                        &fit(rule, CHARS),
                    );
                }
                o.push_str("</g>");
                row_h = row_h.max(h);
            }
            y += row_h + GAP;
        }
    }
}

fn short_kind(kind: GatewayKind) -> &'static str {
    match kind {
        GatewayKind::Internet => "IGW",
        GatewayKind::EgressOnly => "EIGW",
        GatewayKind::Carrier => "CAGW",
        GatewayKind::Nat => "NAT",
        GatewayKind::Endpoint => "endpoint",
    }
}

fn gateway(o: &mut String, g: &Gateway, r: Rect) {
    let _ = write!(
        o,
        "<g class=\"gateway {}\" data-id=\"{}\" aria-label=\"{} {}\">",
        g.kind.slug(),
        esc(&g.id),
        g.kind.label(),
        esc(&g.label)
    );
    rect(o, r, &format!("gateway-box gateway-{}", g.kind.slug()));
    text(o, r.x + PAD, r.y + LINE, "gateway-title", g.kind.label());
    text(
        o,
        r.x + PAD,
        r.y + 2 * LINE,
        "gateway-id",
        &fit(
            &format!("{}{}", g.label, if g.existing { " (existing)" } else { "" }),
            29,
        ),
    );
    for (i, a) in g.addresses.iter().enumerate() {
        text(
            o,
            r.x + PAD,
            r.y + (i as i32 + 3) * LINE,
            "address",
            &fit(a, 29),
        );
    }
    o.push_str("</g>");
}

fn lb_lines(lb: &LoadBalancer, net: &Network) -> Vec<(String, &'static str)> {
    let mut lines = vec![
        (format!("{} {}", lb.kind_label(), lb.name), "lb-title"),
        (format!("{} · {}", lb.scheme, lb.ip_address_type), "lb-kind"),
    ];
    for l in &lb.listeners {
        let line = match &l.target_group {
            Some(tg) => format!(
                "listener {} {} → target group {} ({} {}, {})",
                l.protocol, l.port, tg.name, tg.protocol, tg.port, tg.ip_address_type
            ),
            None => format!("listener {} {}", l.protocol, l.port),
        };
        lines.push((line, "listener"));
        if let Some(tg) = &l.target_group
            && !tg.targets.is_empty()
        {
            let names: Vec<&str> = tg
                .targets
                .iter()
                .map(|id| {
                    net.machines
                        .iter()
                        .find(|m| &m.id == id)
                        .map_or(id.as_str(), |m| m.name.as_str())
                })
                .collect();
            lines.push((format!("  targets: {}", names.join(", ")), "targets"));
        }
    }
    let subnets: Vec<&str> = lb
        .subnets
        .iter()
        .map(|id| {
            net.subnets
                .iter()
                .find(|s| &s.id == id)
                .map_or(id.as_str(), |s| s.label.as_str())
        })
        .collect();
    lines.push((format!("subnets: {}", subnets.join(", ")), "lb-subnets"));
    lines
}

fn load_balancer(o: &mut String, lb: &LoadBalancer, r: Rect, net: &Network) {
    let groups: Vec<&str> = lb
        .security_groups
        .iter()
        .map(|id| {
            net.security_groups
                .iter()
                .find(|g| &g.id == id)
                .map_or(id.as_str(), |g| g.name.as_str())
        })
        .collect();
    let _ = write!(
        o,
        "<g class=\"load-balancer\" data-id=\"{}\" data-kind=\"{}\" data-ip-address-type=\"{}\" aria-label=\"{} {}\">",
        esc(&lb.id),
        esc(&lb.kind),
        esc(&lb.ip_address_type),
        esc(&lb.kind_label()),
        esc(&lb.name)
    );
    if !groups.is_empty() {
        let _ = write!(
            o,
            "<title>{}</title>",
            esc(&format!("security groups: {}", groups.join(", ")))
        );
    }
    rect(o, r, "lb-box");
    let chars = ((r.w - 2 * PAD) * 10 / 72).max(10) as usize;
    for (i, (line, class)) in lb_lines(lb, net).iter().enumerate() {
        text(
            o,
            r.x + PAD,
            r.y + (i as i32 + 1) * LINE,
            class,
            &fit(line, chars),
        );
    }
    o.push_str("</g>");
}

fn legend(o: &mut String, x: i32, y: i32) {
    o.push_str("<g class=\"legend\">");
    let mut lx = x;
    for f in [Family::Ipv4, Family::Dualstack, Family::Ipv6Only] {
        rect(
            o,
            Rect {
                x: lx,
                y: y + 4,
                w: 14,
                h: 10,
            },
            &format!("swatch family-{}", f.slug()),
        );
        text(
            o,
            lx + 20,
            y + LINE - 2,
            "legend-text",
            &format!("{} subnet", f.label()),
        );
        lx += 150;
    }
    let mut lx = x;
    let ly = y + LINE + 8;
    for (kind, label) in [
        (RouteKind::Ipv4, "IPv4 route"),
        (RouteKind::Ipv6, "IPv6 route"),
        (RouteKind::Nat64, "NAT64 route (64:ff9b::/96)"),
        (RouteKind::PrefixList, "prefix-list route"),
    ] {
        let _ = write!(
            o,
            "<path class=\"route route-{}\" d=\"M{lx},{} L{},{}\"/>",
            kind.slug(),
            ly + 6,
            lx + 24,
            ly + 6
        );
        text(o, lx + 30, ly + 10, "legend-text", label);
        lx += if kind == RouteKind::Nat64 { 240 } else { 150 };
    }
    o.push_str("</g>");
}

const STYLE: &str = "<style>\
.topology{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}\
.topology text{fill:#1d2330}\
.title{font-size:16px;font-weight:bold}\
.vpc-box{fill:#fbfbfd;stroke:#4a5368;stroke-width:1.5}\
.vpc-title{font-weight:bold}\
.zone-box{fill:none;stroke:#b8bfcc;stroke-dasharray:4 3}\
.zone-local{stroke:#c77d00}.zone-wavelength{stroke:#b03aa0}\
.zone-title{font-weight:bold}.zone-kind,.machine-kind{fill:#5b6577}\
.row-label{fill:#5b6577;font-style:italic}\
.subnet-box{stroke-width:1.5}\
.family-ipv4{fill:#e3edff;stroke:#3b6fd8}\
.family-dualstack{fill:#efe7ff;stroke:#7a4cd8}\
.family-ipv6-only{fill:#e0f5e5;stroke:#2e9a4a}\
.family-unknown{fill:#f1f1f1;stroke:#999}\
.subnet-title,.gateway-title,.machine-title,.lb-title,.sg-title,.section-title{font-weight:bold}\
.badge{fill:#8a4b00}\
.gateway-box{fill:#fff8e3;stroke:#c79a1e}\
.nat-box{fill:#fff1db;stroke:#d9822b}\
.machine-box{fill:#ffffff;stroke:#5b6577}\
.lb-box{fill:#fde9f0;stroke:#c2456e;stroke-width:1.5}\
.lb-in{fill:#c2456e}\
.lb-link{stroke:#c2456e;stroke-dasharray:3 3;fill:none}\
.sg-box{fill:#f6f6f6;stroke:#8c93a3}\
.route{fill:none;stroke-width:1.5;opacity:.85}\
.route-ipv4{stroke:#3b6fd8}.route-ipv6{stroke:#2e9a4a}.route-nat64{stroke:#d9822b}.route-prefix-list{stroke:#888}\
text.route-ipv4{fill:#2a55b0;stroke:none}text.route-ipv6{fill:#237a3a;stroke:none}text.route-nat64{fill:#a85f16;stroke:none}text.route-prefix-list{fill:#666;stroke:none}text.route-local{fill:#5b6577;stroke:none}\
.blackhole{stroke-dasharray:2 2;stroke:#c0392b}\
.note,.legend-text{fill:#3a4150}\
</style>";

fn rect(o: &mut String, r: Rect, class: &str) {
    let _ = write!(
        o,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" class=\"{class}\"/>",
        r.x, r.y, r.w, r.h
    );
}

fn text(o: &mut String, x: i32, y: i32, class: &str, content: &str) {
    let _ = write!(
        o,
        "<text x=\"{x}\" y=\"{y}\" class=\"{class}\">{}</text>",
        esc(content)
    );
}

/// At most `chars` characters, the last an ellipsis when cut.
fn fit(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(chars.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// Escapes text for XML (element content and attribute values).
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Gateway, Listener, LoadBalancer, Machine, Route, RouteTable, SecurityGroup, TargetGroup,
        Vpc, Zone,
    };

    fn subnet(id: &str, zone: &str, public: bool, v4: bool, v6: bool) -> Subnet {
        Subnet {
            id: id.into(),
            label: format!("{id}-label"),
            zone: Some(zone.into()),
            public,
            ipv4: v4.then(|| "10.0.0.0/24".to_owned()),
            ipv6: v6.then(|| "2600:1f18::/64".to_owned()),
            dns64: v6 && !v4,
            auto_ipv6: v6,
            ..Subnet::default()
        }
    }

    fn route(destination: &str, target: &str) -> Route {
        Route {
            destination: destination.into(),
            target: target.into(),
            blackhole: false,
        }
    }

    /// Two zones: a public dualstack subnet with the NAT gateway in the
    /// first, a private IPv6-only subnet in the second routing NAT64 to it.
    fn small() -> Network {
        Network {
            title: "cluster c1 <test> & more".into(),
            vpc: Vpc {
                id: "vpc-1".into(),
                name: Some("c1-vpc".into()),
                ipv4: vec!["10.0.0.0/16".into()],
                ipv6: vec!["2600:1f18::/56".into()],
                existing: false,
            },
            zones: vec![
                Zone {
                    name: "us-east-1a".into(),
                    kind: ZoneKind::Availability,
                },
                Zone {
                    name: "us-east-1-nyc-1a".into(),
                    kind: ZoneKind::Local,
                },
            ],
            subnets: vec![
                subnet("pub-a", "us-east-1a", true, true, true),
                subnet("priv-b", "us-east-1-nyc-1a", false, false, true),
            ],
            gateways: vec![
                Gateway {
                    id: "eigw-1".into(),
                    kind: GatewayKind::EgressOnly,
                    label: "c1-eigw".into(),
                    subnet: None,
                    addresses: vec![],
                    existing: false,
                },
                Gateway {
                    id: "nat-1".into(),
                    kind: GatewayKind::Nat,
                    label: "c1-nat".into(),
                    subnet: Some("pub-a".into()),
                    addresses: vec!["203.0.113.7".into()],
                    existing: false,
                },
            ],
            route_tables: vec![RouteTable {
                id: "rtb-1".into(),
                subnets: vec!["priv-b".into()],
                routes: vec![
                    route("10.0.0.0/16", "local"),
                    route("::/0", "eigw-1"),
                    route("64:ff9b::/96", "nat-1"),
                ],
            }],
            load_balancers: vec![LoadBalancer {
                id: "lb-1".into(),
                name: "c1-apiserver".into(),
                kind: "network".into(),
                scheme: "internet-facing".into(),
                ip_address_type: "dualstack".into(),
                subnets: vec!["pub-a".into()],
                listeners: vec![Listener {
                    protocol: "TCP".into(),
                    port: 6443,
                    target_group: Some(TargetGroup {
                        name: "tg".into(),
                        protocol: "TCP".into(),
                        port: 6443,
                        ip_address_type: "ipv6".into(),
                        targets: vec!["i-1".into()],
                    }),
                }],
                security_groups: vec!["sg-1".into()],
            }],
            machines: vec![Machine {
                id: "i-1".into(),
                name: "cp-0".into(),
                role: "control-plane".into(),
                subnet: "priv-b".into(),
                instance_type: "m5.large".into(),
                addresses: vec!["2600:1f18::10".into()],
                security_groups: vec!["sg-1".into()],
            }],
            security_groups: vec![SecurityGroup {
                id: "sg-1".into(),
                name: "c1-controlplane".into(),
                rules: vec!["tcp/6443 from ::/0".into()],
            }],
            notes: vec!["a note".into()],
        }
    }

    #[test]
    fn the_same_network_gives_the_same_bytes() {
        assert_eq!(render(&small()), render(&small()));
    }

    #[test]
    fn what_a_reader_looks_for_is_labelled() {
        let svg = render(&small());
        for label in [
            "aria-label=\"VPC vpc-1\"",
            "aria-label=\"subnet pub-a-label (public, dualstack)\"",
            "aria-label=\"subnet priv-b-label (private, IPv6-only)\"",
            "aria-label=\"egress-only internet gateway c1-eigw\"",
            "aria-label=\"NAT gateway c1-nat\"",
            "aria-label=\"network load balancer c1-apiserver\"",
            "aria-label=\"machine cp-0\"",
            "aria-label=\"security group c1-controlplane\"",
            "data-kind=\"local\"",
            ">Local Zone<",
            ">DNS64 · auto-assign IPv6<",
            ">Elastic IP 203.0.113.7<",
            "targets: cp-0",
        ] {
            assert!(svg.contains(label), "{label} missing from\n{svg}");
        }
        // The title is escaped, in the heading and the accessible name.
        assert!(svg.contains("cluster c1 &lt;test&gt; &amp; more"));
        assert!(!svg.contains("<test>"));
    }

    #[test]
    fn every_route_but_local_is_drawn_to_its_target() {
        let svg = render(&small());
        // ::/0 up to the egress-only gateway; 64:ff9b::/96 across to the
        // other zone's NAT gateway; the local route as text only.
        assert_eq!(
            svg.matches("<path class=\"route route-ipv6\"").count(),
            2,
            "the route and the legend's line"
        );
        assert_eq!(svg.matches("<path class=\"route route-nat64\"").count(), 2);
        assert_eq!(svg.matches("<path class=\"route route-local\"").count(), 0);
        assert!(svg.contains("10.0.0.0/16 → local"));
        assert!(svg.contains("64:ff9b::/96 → NAT c1-nat"));
        // A route to a gateway that is not there is said, not drawn.
        let mut net = small();
        net.route_tables[0].routes = vec![route("0.0.0.0/0", "nat-gone")];
        let svg = render(&net);
        assert!(svg.contains("0.0.0.0/0 → nat-gone"));
        assert_eq!(svg.matches("<path class=\"route route-ipv4\"").count(), 1);
    }

    /// The boxes of one class, as (x, y, width, height).
    fn boxes(svg: &str, class: &str) -> Vec<(i32, i32, i32, i32)> {
        let needle = format!("class=\"{class}");
        svg.split("<rect ")
            .skip(1)
            .filter(|r| r.split("/>").next().is_some_and(|r| r.contains(&needle)))
            .map(|r| {
                let num = |attr: &str| -> i32 {
                    let at = r.find(&format!("{attr}=\"")).expect("attribute") + attr.len() + 2;
                    r[at..]
                        .split('"')
                        .next()
                        .expect("value")
                        .parse()
                        .expect("a number")
                };
                (num("x"), num("y"), num("width"), num("height"))
            })
            .collect()
    }

    #[test]
    fn six_zones_of_ten_subnets_do_not_overlap() {
        let mut net = small();
        net.zones = (0..6)
            .map(|z| Zone {
                name: format!("us-east-1{}", char::from(b'a' + z)),
                kind: ZoneKind::Availability,
            })
            .collect();
        net.subnets.clear();
        net.route_tables.clear();
        for z in 0..6u8 {
            for i in 0..10 {
                let id = format!("s-{z}-{i}");
                net.subnets.push(subnet(
                    &id,
                    &format!("us-east-1{}", char::from(b'a' + z)),
                    i % 2 == 0,
                    i % 3 != 2,
                    i % 3 != 0,
                ));
                net.route_tables.push(RouteTable {
                    id: format!("rtb-{id}"),
                    subnets: vec![id],
                    routes: vec![route("::/0", "eigw-1"), route("64:ff9b::/96", "nat-1")],
                });
            }
        }
        net.gateways[1].subnet = Some("s-0-0".into());
        let svg = render(&net);
        let subnets = boxes(&svg, "subnet-box");
        assert_eq!(subnets.len(), 60);
        for (i, a) in subnets.iter().enumerate() {
            for b in &subnets[i + 1..] {
                let apart =
                    a.0 + a.2 <= b.0 || b.0 + b.2 <= a.0 || a.1 + a.3 <= b.1 || b.1 + b.3 <= a.1;
                assert!(apart, "{a:?} overlaps {b:?}");
            }
        }
        // Every subnet sits inside the VPC's box.
        let vpc = boxes(&svg, "vpc-box")[0];
        for s in &subnets {
            assert!(
                s.0 >= vpc.0
                    && s.1 >= vpc.1
                    && s.0 + s.2 <= vpc.0 + vpc.2
                    && s.1 + s.3 <= vpc.1 + vpc.3,
                "{s:?} outside {vpc:?}"
            );
        }
        // Six columns, about 2,000 px: wide, but one screen-width a zone.
        let width: i32 = svg
            .split("width=\"")
            .nth(1)
            .and_then(|w| w.split('"').next())
            .and_then(|w| w.parse().ok())
            .expect("width");
        assert_eq!(width, 2 * MARGIN + 2 * PAD + 6 * (COL_W + GUTTER));
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        assert_eq!(esc("a<b>&\"'\u{1}"), "a&lt;b&gt;&amp;&quot;&apos;\u{FFFD}");
    }
}
