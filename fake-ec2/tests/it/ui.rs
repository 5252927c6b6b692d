//! `GET /_fake/ui`: the live state as pictures, the journal (filtered by
//! `action=` and `code=`) and the fault rules on one page; its version at
//! `/_fake/ui/version`; the Host check as on every `/_fake/` route.

use aws_sdk_ec2::types::{AttributeBooleanValue, InstanceType, ResourceType};
use aws_sdk_elasticloadbalancingv2::types as elb_types;
use fake_ec2::FaultRule;

use crate::common::*;
use crate::gateways::{attached_igw, eigw, eip, public_nat, tag_spec};

/// The page, checked to be an HTML answer.
async fn page(url: &str, path: &str) -> String {
    let (status, headers, body) = get(url, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(body.starts_with("<!DOCTYPE html>"), "{body}");
    assert!(body.ends_with("</body></html>\n"));
    body
}

/// The journal table's rows: each row's cells.
fn journal_rows(html: &str) -> Vec<Vec<String>> {
    let Some(start) = html.find("<table class=\"journal\">") else {
        return Vec::new();
    };
    let table = &html[start..];
    let table = &table[..table.find("</table>").expect("the table ends")];
    let body = &table[table.find("<tbody>").expect("a body")..];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td>")
                .skip(1)
                .map(|cell| cell.split("</td>").next().unwrap_or("").to_owned())
                .collect()
        })
        .collect()
}

/// The action column (the 4th) of the journal's rows.
fn actions(html: &str) -> Vec<String> {
    journal_rows(html)
        .into_iter()
        .map(|r| r[3].clone())
        .collect()
}

async fn version(url: &str) -> String {
    let (status, headers, body) = get(url, "/_fake/ui/version").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(header(&headers, "content-type"), Some("application/json"));
    let v: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert!(v["seq"].is_u64() && v["generation"].is_u64(), "{v}");
    body
}

/// A dualstack network as CAPA builds one, drawn from the live state: the
/// VPC, a public dualstack subnet (internet gateway, NAT gateway, an
/// internet-facing dualstack NLB forwarding to an instance) and a private
/// IPv6-only one with DNS64 (egress-only gateway, NAT64), their routes,
/// the security group's rule; the journal below, newest first.
#[tokio::test]
async fn the_page_draws_the_live_network() {
    let h = start().await;
    let url = h.server.url();
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let block = vpc_ipv6_block(&h, &vpc_id).await;
    let public = subnet(
        &h,
        &vpc_id,
        "us-east-1a",
        Some("10.0.0.0/24"),
        Some(&sub_block(&block, 64, 0)),
    )
    .await;
    let private = subnet(
        &h,
        &vpc_id,
        "us-east-1b",
        None,
        Some(&sub_block(&block, 64, 1)),
    )
    .await;
    h.ec2
        .modify_subnet_attribute()
        .subnet_id(&private)
        .enable_dns64(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .unwrap();
    let igw = attached_igw(&h, &vpc_id).await;
    let eigw = eigw(&h, &vpc_id).await;
    let allocation = eip(&h).await;
    let nat = public_nat(&h, &public, &allocation).await;

    let table = |name: &'static str| {
        let ec2 = h.ec2.clone();
        let vpc_id = vpc_id.clone();
        async move {
            ec2.create_route_table()
                .vpc_id(vpc_id)
                .tag_specifications(tag_spec(ResourceType::RouteTable, "Name", name))
                .send()
                .await
                .unwrap()
                .route_table
                .and_then(|t| t.route_table_id)
                .unwrap()
        }
    };
    let public_rt = table("ui-public").await;
    let private_rt = table("ui-private").await;
    for (rt, subnet) in [(&public_rt, &public), (&private_rt, &private)] {
        h.ec2
            .associate_route_table()
            .route_table_id(rt)
            .subnet_id(subnet)
            .send()
            .await
            .unwrap();
    }
    h.ec2
        .create_route()
        .route_table_id(&public_rt)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();
    h.ec2
        .create_route()
        .route_table_id(&public_rt)
        .destination_ipv6_cidr_block("::/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();
    h.ec2
        .create_route()
        .route_table_id(&private_rt)
        .destination_ipv6_cidr_block("::/0")
        .egress_only_internet_gateway_id(&eigw)
        .send()
        .await
        .unwrap();
    h.ec2
        .create_route()
        .route_table_id(&private_rt)
        .destination_ipv6_cidr_block("64:ff9b::/96")
        .nat_gateway_id(&nat)
        .send()
        .await
        .unwrap();

    let group = h
        .ec2
        .create_security_group()
        .vpc_id(&vpc_id)
        .group_name("ui-apiserver")
        .description("the API server")
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    h.ec2
        .authorize_security_group_ingress()
        .group_id(&group)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(6443)
                .to_port(6443)
                .ipv6_ranges(
                    aws_sdk_ec2::types::Ipv6Range::builder()
                        .cidr_ipv6("::/0")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    let instance = h
        .ec2
        .run_instances()
        .image_id(ami())
        .instance_type(InstanceType::T3Medium)
        .min_count(1)
        .max_count(1)
        .subnet_id(&public)
        .security_group_ids(&group)
        .tag_specifications(
            aws_sdk_ec2::types::TagSpecification::builder()
                .resource_type(ResourceType::Instance)
                .tags(
                    aws_sdk_ec2::types::Tag::builder()
                        .key("sigs.k8s.io/cluster-api-provider-aws/role")
                        .value("control-plane")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .instances()[0]
        .instance_id()
        .unwrap()
        .to_owned();

    let lb = nlb(
        &h,
        "ui-apiserver",
        elb_types::IpAddressType::Dualstack,
        std::slice::from_ref(&public),
    )
    .send()
    .await
    .unwrap()
    .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let tg = tg(
        &h,
        "ui-apiserver-tg",
        &vpc_id,
        elb_types::TargetGroupIpAddressTypeEnum::Ipv4,
        elb_types::TargetTypeEnum::Instance,
    )
    .await;
    h.elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(elb_types::ProtocolEnum::Tcp)
        .port(6443)
        .default_actions(forward(&tg))
        .send()
        .await
        .unwrap();
    h.elb
        .register_targets()
        .target_group_arn(&tg)
        .targets(
            elb_types::TargetDescription::builder()
                .id(&instance)
                .build(),
        )
        .send()
        .await
        .unwrap();

    // The NAT gateway's Elastic IP.
    let ip = h
        .ec2
        .describe_addresses()
        .allocation_ids(&allocation)
        .send()
        .await
        .unwrap()
        .addresses()[0]
        .public_ip()
        .unwrap()
        .to_owned();
    let html = page(&url, "/_fake/ui").await;
    let has = |needle: &str| assert!(html.contains(needle), "the page lacks {needle:?}:\n{html}");
    has(&format!("aria-label=\"VPC {vpc_id}\""));
    has(&format!(
        "VPC {vpc_id} in us-east-1, account 123456789012 (live)"
    ));
    has(&format!(
        "data-id=\"{public}\" data-family=\"dualstack\" data-public=\"true\""
    ));
    has(&format!(
        "data-id=\"{private}\" data-family=\"ipv6-only\" data-public=\"false\""
    ));
    has(&format!("aria-label=\"internet gateway {igw}\""));
    has(&format!(
        "aria-label=\"egress-only internet gateway {eigw}\""
    ));
    has(&format!("aria-label=\"NAT gateway {nat}\""));
    has("data-kind=\"network\"");
    has("data-ip-address-type=\"dualstack\"");
    has("aria-label=\"network load balancer ui-apiserver\"");
    has(&format!("aria-label=\"machine {instance}\""));
    has("data-role=\"control-plane\"");
    has("aria-label=\"security group ui-apiserver\"");
    has("tcp/6443 from ::/0");
    has(&format!("::/0 → EIGW {eigw}"));
    // Cut to the subnet's width in the text; whole on the drawn line.
    has("64:ff9b::/96 → NAT nat-");
    has(&format!("<title>64:ff9b::/96 → {nat}</title>"));
    has(&format!("<title>::/0 → {eigw}</title>"));
    has(&format!("0.0.0.0/0 → IGW {igw}"));
    has("DNS64");
    has(&ip);
    // No external assets: nothing is fetched but the version.
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    assert!(html.contains("fetch('/_fake/ui/version'"), "{html}");
    assert!(html.contains("location.reload()"));

    // The journal, newest first: every request so far, seq descending.
    let rows = journal_rows(&html);
    let journal = h.fake.journal();
    assert_eq!(rows.len(), journal.len());
    assert!(rows.len() > 20, "{rows:?}");
    let seqs: Vec<u64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    let want: Vec<u64> = journal.iter().rev().map(|e| e.seq).collect();
    assert_eq!(seqs, want);
    assert_eq!(rows[0][3], "DescribeAddresses");
    assert_eq!(rows[1][3], "RegisterTargets");
    assert_eq!(rows.last().unwrap()[3], "CreateVpc");
    let create_vpc = rows.last().unwrap();
    assert_eq!(create_vpc[1], "ec2");
    assert_eq!(create_vpc[4], "200");
    assert!(
        create_vpc[6].contains("CidrBlock=10.0.0.0/16"),
        "{create_vpc:?}"
    );
    assert!(actions(&html).contains(&"RegisterTargets".to_owned()));
    let elbv2_row = rows.iter().find(|r| r[3] == "CreateListener").unwrap();
    assert_eq!(elbv2_row[1], "elbv2");

    // Only CreateSubnet rows under ?action=CreateSubnet, the pictures all there.
    let only = page(&url, "/_fake/ui?action=CreateSubnet").await;
    assert_eq!(actions(&only), ["CreateSubnet", "CreateSubnet"]);
    assert!(only.contains(&format!("aria-label=\"VPC {vpc_id}\"")));
    assert!(
        only.contains("value=\"CreateSubnet\""),
        "the form shows the filter"
    );
    assert!(only.contains(&format!("2 of {} entries match", journal.len())));
}

/// A refused call shows under `?code=` (and only it); the filters combine;
/// an empty filter matches every entry.
#[tokio::test]
async fn the_journal_filters_by_error_code() {
    let h = start().await;
    let url = h.server.url();
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let refused = h
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("192.168.0.0/24")
        .send()
        .await;
    let code = code(refused);
    let html = page(&url, &format!("/_fake/ui?code={code}")).await;
    let rows = journal_rows(&html);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][3], "CreateSubnet");
    assert_eq!(rows[0][4], "400");
    assert_eq!(rows[0][5], code);
    let both = page(&url, &format!("/_fake/ui?action=CreateVpc&code={code}")).await;
    assert!(journal_rows(&both).is_empty());
    assert!(both.contains("0 of 2 entries match"), "{both}");
    let none = page(&url, "/_fake/ui?action=&code=").await;
    assert_eq!(actions(&none), ["CreateSubnet", "CreateVpc"]);
    let other = page(&url, "/_fake/ui?code=RequestLimitExceeded").await;
    assert!(journal_rows(&other).is_empty());
}

/// `/_fake/ui/version` moves on with a request (a read too: it is
/// journaled and may settle state) and with a fault rule change, not with
/// reading the page or the version; the page shows the fault rules.
#[tokio::test]
async fn the_version_moves_with_requests_and_faults() {
    let h = start().await;
    let url = h.server.url();
    let v0 = version(&url).await;
    assert_eq!(v0, r#"{"generation":0,"seq":0}"#);
    page(&url, "/_fake/ui").await;
    assert_eq!(version(&url).await, v0, "reading the page changes nothing");
    h.ec2.describe_vpcs().send().await.unwrap();
    let v1 = version(&url).await;
    assert_ne!(v1, v0);
    let html = page(&url, "/_fake/ui").await;
    assert!(
        html.contains(&serde_json::to_string(&v1).unwrap()),
        "the script starts at {v1}"
    );
    assert!(html.contains("No fault rules"));
    assert!(html.contains("No VPCs in any account or region yet."));

    let rule = FaultRule {
        action: Some("CreateVpc".to_owned()),
        error: Some("RequestLimitExceeded".to_owned()),
        nth: Some(1),
        ..FaultRule::default()
    };
    h.fake.set_faults(vec![rule], 7);
    let v2 = version(&url).await;
    assert_ne!(v2, v1);
    let html = page(&url, "/_fake/ui").await;
    let faults = &html[html
        .find("<table class=\"faults\">")
        .expect("a faults table")..];
    assert!(
        faults.contains("<td>CreateVpc</td><td>RequestLimitExceeded</td>"),
        "{faults}"
    );
    let refused = h.ec2.create_vpc().cidr_block("10.0.0.0/16").send().await;
    assert_eq!(code(refused), "RequestLimitExceeded");
    assert_ne!(version(&url).await, v2);
    let html = page(&url, "/_fake/ui?code=RequestLimitExceeded").await;
    let rows = journal_rows(&html);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][4], "503 (injected)");
}

/// At most the newest 500 entries are shown, and the page says how many
/// it left out.
#[tokio::test]
async fn the_journal_shows_the_newest_500() {
    let h = start().await;
    let url = h.server.url();
    for _ in 0..510 {
        raw_post(&url, None, "Action=DescribeVpcs&Version=2016-11-15").await;
    }
    let html = page(&url, "/_fake/ui").await;
    let rows = journal_rows(&html);
    assert_eq!(rows.len(), 500);
    assert_eq!(rows[0][0], "510");
    assert_eq!(rows[499][0], "11");
    assert!(
        html.contains("510 entries, newest first; the newest 500 are shown, 10 older hidden"),
        "{html}"
    );
}

/// A page for another host is refused, as on every `/_fake/` route (a
/// DNS-rebinding page could read the state otherwise).
#[tokio::test]
async fn the_page_is_for_loopback_hosts_only() {
    let h = start().await;
    let url = h.server.url();
    let evil = format!("evil.example:{}", h.server.addr().port());
    for path in ["/_fake/ui", "/_fake/ui/version"] {
        let (status, _, body) = http(&url, "GET", path, &[("Host", &evil)], b"").await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(
            body.contains("answers only requests for a loopback host"),
            "{body}"
        );
        let local = format!("localhost:{}", h.server.addr().port());
        let (status, _, _) = http(&url, "GET", path, &[("Host", &local)], b"").await;
        assert_eq!(status, 200, "{path}");
    }
}
