//! Shared test setup: a fake on 127.0.0.1, an SDK client pointed at it, and
//! helpers to read AWS error codes and messages.

#![allow(dead_code)]

use aws_sdk_ec2::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::error::SdkError;
use aws_sdk_elasticloadbalancingv2::types as elb_types;
use fake_ec2::{Fake, Seed, Server};

pub const REGION: &str = "us-east-1";

/// A machine image that exists in `REGION` (CAPA's x86_64 Ubuntu 24.04
/// build for Kubernetes v1.31.0): RunInstances refuses any other id.
pub fn ami() -> String {
    ami_in(REGION)
}

/// The same image's id in `region` (ids differ per region, as on AWS).
pub fn ami_in(region: &str) -> String {
    fake_ec2::ec2::images::capa_image_id(region, "1.31.0").expect("the catalog holds v1.31.0")
}

pub struct Harness {
    pub fake: Fake,
    pub server: Server,
    pub ec2: aws_sdk_ec2::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    /// Classic ELB (API 2012-06-01), on the same URL.
    pub classic: aws_sdk_elasticloadbalancing::Client,
    /// EKS (restJson1), on the same URL.
    pub eks: aws_sdk_eks::Client,
}

/// A fake whose regions have no default VPC: most tests count what they
/// made. `default_vpc.rs` tests the world of a new account.
pub async fn start() -> Harness {
    start_with(Seed::default()).await
}

/// As [`start`], unless the seed says whether regions have a default VPC.
pub async fn start_with(mut seed: Seed) -> Harness {
    seed.default_vpc.get_or_insert(false);
    let fake = Fake::from_seed(seed).expect("valid seed");
    let server = fake.start().await.expect("bind 127.0.0.1:0");
    let ec2 = ec2_client(&server.url(), REGION);
    let elb = elb_client(&server.url(), REGION);
    let classic = classic_client(&server.url(), REGION);
    let eks = eks_client(&server.url(), REGION);
    Harness {
        fake,
        server,
        ec2,
        elb,
        classic,
        eks,
    }
}

/// The ids of the VPCs a test made: every VPC but the default one.
pub async fn made_vpcs(ec2: &aws_sdk_ec2::Client) -> Vec<String> {
    let out = ec2.describe_vpcs().send().await.expect("DescribeVpcs");
    out.vpcs()
        .iter()
        .filter(|v| v.is_default() != Some(true))
        .filter_map(|v| v.vpc_id().map(str::to_owned))
        .collect()
}

pub async fn start_yaml(seed: &str) -> Harness {
    start_with(Seed::from_yaml(seed).expect("valid seed YAML")).await
}

/// An EC2 client that reads nothing from the environment and never retries,
/// so every error reaches the test as the fake sent it.
pub fn ec2_client(url: &str, region: &str) -> aws_sdk_ec2::Client {
    let conf = aws_sdk_ec2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new(
            "AKIDTEST",
            "not-a-secret",
            None,
            None,
            "test",
        ))
        .endpoint_url(url)
        .retry_config(aws_sdk_ec2::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

/// An ELBv2 client set up like [`ec2_client`].
pub fn elb_client(url: &str, region: &str) -> aws_sdk_elasticloadbalancingv2::Client {
    use aws_sdk_elasticloadbalancingv2::config::{Builder, retry::RetryConfig};
    let conf = Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new(
            "AKIDTEST",
            "not-a-secret",
            None,
            None,
            "test",
        ))
        .endpoint_url(url)
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_elasticloadbalancingv2::Client::from_conf(conf)
}

/// A classic ELB client set up like [`ec2_client`].
pub fn classic_client(url: &str, region: &str) -> aws_sdk_elasticloadbalancing::Client {
    use aws_sdk_elasticloadbalancing::config::{Builder, retry::RetryConfig};
    let conf = Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new(
            "AKIDTEST",
            "not-a-secret",
            None,
            None,
            "test",
        ))
        .endpoint_url(url)
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_elasticloadbalancing::Client::from_conf(conf)
}

/// An EKS client set up like [`ec2_client`].
pub fn eks_client(url: &str, region: &str) -> aws_sdk_eks::Client {
    use aws_sdk_eks::config::{Builder, retry::RetryConfig};
    let conf = Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new(
            "AKIDTEST",
            "not-a-secret",
            None,
            None,
            "test",
        ))
        .endpoint_url(url)
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_eks::Client::from_conf(conf)
}

/// The AWS error code and message of a failed call; panics if it succeeded.
pub fn err<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, SdkError<E>>,
) -> (String, String) {
    match result {
        Ok(v) => panic!("expected an AWS error, got {v:?}"),
        Err(e) => {
            let code = e.code().map(str::to_owned);
            let message = e.message().map(str::to_owned);
            match (code, message) {
                (Some(c), m) => (c, m.unwrap_or_default()),
                (None, _) => panic!("not a service error: {e:?}"),
            }
        }
    }
}

/// The code alone.
pub fn code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, SdkError<E>>,
) -> String {
    err(result).0
}

/// `OK` when the call succeeded, else the error code.
pub fn code_of<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, SdkError<E>>,
) -> String {
    if r.is_ok() { "OK".to_owned() } else { code(r) }
}

/// Creates a VPC and returns its id.
pub async fn vpc(h: &Harness, cidr: &str, ipv6: bool) -> String {
    h.ec2
        .create_vpc()
        .cidr_block(cidr)
        .set_amazon_provided_ipv6_cidr_block(ipv6.then_some(true))
        .send()
        .await
        .expect("create VPC")
        .vpc
        .and_then(|v| v.vpc_id)
        .expect("vpc id")
}

/// The first IPv6 block of a VPC.
pub async fn vpc_ipv6_block(h: &Harness, vpc_id: &str) -> String {
    let vpcs = h
        .ec2
        .describe_vpcs()
        .vpc_ids(vpc_id)
        .send()
        .await
        .unwrap()
        .vpcs
        .unwrap();
    vpcs[0].ipv6_cidr_block_association_set()[0]
        .ipv6_cidr_block()
        .unwrap()
        .to_owned()
}

/// Sends a raw form body and returns (status, headers, body).
pub async fn raw_post(
    url: &str,
    authorization: Option<&str>,
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let auth = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    // Written beside the reading: a server may answer (and close) before
    // it has read the whole body, as it does for one that is too large.
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(request.as_bytes()).await;
        wr
    });
    let mut raw = Vec::new();
    if let Err(e) = rd.read_to_end(&mut raw).await {
        assert!(!raw.is_empty(), "no answer: {e}");
    }
    drop(writer.await);
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("header/body split");
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

/// A GET of one of the fake's own endpoints: (status, headers, body).
pub async fn get(url: &str, path: &str) -> (u16, Vec<(String, String)>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("header/body split");
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A SigV4 header with the given scope (the signature is not checked).
pub fn sigv4(region: &str, service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261125/{region}/{service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000"
    )
}

/// The `index`th block of `prefix` inside an IPv6 block, e.g. the 3rd /64 of a /56.
pub fn sub_block(block: &str, prefix: u8, index: usize) -> String {
    let net: ipnet::Ipv6Net = block.parse().expect("IPv6 CIDR");
    net.subnets(prefix)
        .expect("longer prefix")
        .nth(index)
        .expect("index in range")
        .to_string()
}

/// Creates a subnet; `ipv4`/`ipv6` None leave that family out.
pub async fn subnet(
    h: &Harness,
    vpc_id: &str,
    az: &str,
    ipv4: Option<&str>,
    ipv6: Option<&str>,
) -> String {
    h.ec2
        .create_subnet()
        .vpc_id(vpc_id)
        .availability_zone(az)
        .set_cidr_block(ipv4.map(str::to_owned))
        .set_ipv6_cidr_block(ipv6.map(str::to_owned))
        .set_ipv6_native(ipv4.is_none().then_some(true))
        .send()
        .await
        .expect("create subnet")
        .subnet
        .and_then(|s| s.subnet_id)
        .expect("subnet id")
}

/// One raw HTTP/1.1 request with `Connection: close`: (status, headers, body).
/// `Host` is the server's address unless `headers` names another one.
pub async fn http(
    url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    parse_response(&raw)
}

/// (status, lower-cased headers, body) of one raw HTTP/1.1 response.
pub fn parse_response(raw: &[u8]) -> (u16, Vec<(String, String)>, String) {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no header/body split in {text:?}"));
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

// ELBv2 setups shared by the load balancer, target group, listener, target,
// tag and fault tests.

/// A dualstack VPC with, per AZ (a, b): one IPv4-only, one dualstack and one
/// IPv6-only subnet.
pub struct Net {
    pub vpc: String,
    pub block: String,
    pub v4: Vec<String>,
    pub ds: Vec<String>,
    pub v6: Vec<String>,
}

pub async fn net(h: &Harness) -> Net {
    let vpc_id = vpc(h, "10.0.0.0/16", true).await;
    let block = vpc_ipv6_block(h, &vpc_id).await;
    let mut n = Net {
        vpc: vpc_id.clone(),
        block: block.clone(),
        v4: vec![],
        ds: vec![],
        v6: vec![],
    };
    for (i, az) in ["us-east-1a", "us-east-1b"].iter().enumerate() {
        n.v4.push(subnet(h, &vpc_id, az, Some(&format!("10.0.{i}.0/24")), None).await);
        n.ds.push(
            subnet(
                h,
                &vpc_id,
                az,
                Some(&format!("10.0.{}.0/24", 10 + i)),
                Some(&sub_block(&block, 64, 10 + i)),
            )
            .await,
        );
        n.v6.push(subnet(h, &vpc_id, az, None, Some(&sub_block(&block, 64, 20 + i))).await);
    }
    n
}

pub fn nlb(h: &Harness, name: &str, ip: elb_types::IpAddressType, subnets: &[String]) -> aws_sdk_elasticloadbalancingv2::operation::create_load_balancer::builders::CreateLoadBalancerFluentBuilder{
    h.elb
        .create_load_balancer()
        .name(name)
        .r#type(elb_types::LoadBalancerTypeEnum::Network)
        .scheme(elb_types::LoadBalancerSchemeEnum::InternetFacing)
        .ip_address_type(ip)
        .set_subnets(Some(subnets.to_vec()))
}

pub async fn tg(
    h: &Harness,
    name: &str,
    vpc: &str,
    ip: elb_types::TargetGroupIpAddressTypeEnum,
    kind: elb_types::TargetTypeEnum,
) -> String {
    h.elb
        .create_target_group()
        .name(name)
        .protocol(elb_types::ProtocolEnum::Tcp)
        .port(6443)
        .vpc_id(vpc)
        .target_type(kind)
        .ip_address_type(ip)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_owned()
}

pub fn forward(tg: &str) -> elb_types::Action {
    elb_types::Action::builder()
        .r#type(elb_types::ActionTypeEnum::Forward)
        .target_group_arn(tg)
        .build()
}
