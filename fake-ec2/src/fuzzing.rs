//! Bad input, on purpose: turn arbitrary bytes into a request, answer it,
//! and check the answer is what AWS would send: HTTP 200 or an AWS error
//! status, and a well-formed envelope of the service the request went to.
//!
//! Shared by the property tests (`tests/it/bad_input.rs`), the cargo-fuzz
//! target (`fuzz/fuzz_targets/dispatch.rs`, nightly) and the stable runner
//! (`cargo run -p fake-ec2 --features fuzzing --bin fake-ec2-fuzz`). Behind
//! the `fuzzing` feature. Answers are read with quick-xml, deliberately
//! apart from the fake's own XML writer.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::dispatch::{RawRequest, RawResponse};
use crate::journal::Service;
use crate::protocol::sigv4::{Credentials, SecretKey};
use crate::server::Fake;

/// The seed of the world inputs run against: a VPC with subnets, gateways,
/// a NAT gateway and route tables, so ids in inputs can name real things.
pub const SEED_YAML: &str = "regions:
  us-east-1:
    vpcs:
      - vpc_id: vpc-0a1b2c3d4e5f60001
        cidr_block: 10.0.0.0/16
        amazon_ipv6: true
        subnets:
          - subnet_id: subnet-0a1b2c3d4e5f60001
            availability_zone: us-east-1a
            cidr_block: 10.0.0.0/24
          - subnet_id: subnet-0a1b2c3d4e5f60002
            availability_zone: us-east-1b
            cidr_block: 10.0.1.0/24
        internet_gateway:
          id: igw-0a1b2c3d4e5f60001
        egress_only_internet_gateway:
          id: eigw-0a1b2c3d4e5f60001
        nat_gateways:
          - nat_gateway_id: nat-0a1b2c3d4e5f60001
            subnet_id: subnet-0a1b2c3d4e5f60001
        route_tables:
          - main: true
            routes:
              - {destination: 0.0.0.0/0, target: igw-0a1b2c3d4e5f60001}
";

/// A fresh fake holding [`SEED_YAML`].
pub fn seeded_fake() -> Fake {
    let seed = crate::Seed::from_yaml(SEED_YAML).expect("the fuzzing seed parses");
    Fake::from_seed(seed).expect("the fuzzing seed loads")
}

/// A request decoded from fuzz bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnedRequest {
    pub authorization: Option<String>,
    pub query: Option<String>,
    pub body: Vec<u8>,
    /// Check the signature (against [`fuzz_credentials`]).
    pub verify_sigv4: bool,
    /// An EKS (REST) request's method and path; `POST /` when absent.
    pub rest: Option<(String, String)>,
}

/// The one key fuzzed requests may sign with when checking is on.
pub fn fuzz_credentials() -> Credentials {
    let mut keys = Credentials::default();
    keys.insert("AKIDFUZZ", SecretKey::new("fuzz-secret"));
    keys
}

impl OwnedRequest {
    /// Answers the request as a POST to `/` with its `Authorization`, a
    /// `Host` and an `X-Amz-Date` header, checking the signature or not.
    pub fn answer(&self, fake: &Fake) -> RawResponse {
        let mut headers = vec![("host", "fake"), ("x-amz-date", "20261125T000000Z")];
        if let Some(a) = &self.authorization {
            headers.push(("authorization", a));
        }
        fake.set_credentials(self.verify_sigv4.then(fuzz_credentials));
        let (method, path) = self
            .rest
            .as_ref()
            .map_or(("POST", "/"), |(m, p)| (m.as_str(), p.as_str()));
        fake.handle(&RawRequest {
            authorization: self.authorization.as_deref(),
            query: self.query.as_deref(),
            body: &self.body,
            method,
            path,
            headers: &headers,
        })
    }
}

/// `Authorization` headers byte 0 of an input chooses from (index 3: the
/// input's own first line).
const SCOPES: [&str; 3] = [
    "",
    "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20261125/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00",
    "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20261125/us-east-1/elasticloadbalancing/aws4_request, SignedHeaders=host, Signature=00",
];

/// The EKS scope an EKS input (bit 3 of byte 0) signs with.
const EKS_SCOPE: &str = "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20261125/us-east-1/eks/aws4_request, SignedHeaders=host, Signature=00";

/// Decodes fuzz bytes: byte 0 picks the `Authorization` header (bits 0-1:
/// none, an EC2 scope, an ELBv2 scope, or the next line of the input) and
/// whether signatures are checked (bit 2); then the query string up to the
/// first NUL byte, if there is one; the rest is the body. With bit 3 set
/// the input is an EKS request: the next line is `METHOD PATH[?QUERY]`,
/// any scope but none is EKS's, and the rest is the (JSON) body.
pub fn decode(data: &[u8]) -> OwnedRequest {
    let Some((&selector, mut rest)) = data.split_first() else {
        return OwnedRequest::default();
    };
    let verify_sigv4 = selector & 4 != 0;
    if selector & 8 != 0 {
        let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        let line = String::from_utf8_lossy(&rest[..end]).into_owned();
        let body = rest.get(end + 1..).unwrap_or_default().to_vec();
        let (method, target) = line.split_once(' ').unwrap_or(("GET", line.as_str()));
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (target.to_owned(), None),
        };
        return OwnedRequest {
            authorization: (selector % 4 != 0).then(|| EKS_SCOPE.to_owned()),
            query,
            body,
            verify_sigv4,
            rest: Some((method.to_owned(), path)),
        };
    }
    let authorization = match selector % 4 {
        0 => None,
        3 => {
            let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
            let header = String::from_utf8_lossy(&rest[..end]).into_owned();
            rest = rest.get(end + 1..).unwrap_or_default();
            Some(header)
        }
        i => Some(SCOPES[usize::from(i)].to_owned()),
    };
    let (query, body) = match rest.iter().position(|b| *b == 0) {
        Some(nul) => (
            Some(String::from_utf8_lossy(&rest[..nul]).into_owned()),
            rest[nul + 1..].to_vec(),
        ),
        None => (None, rest.to_vec()),
    };
    OwnedRequest {
        authorization,
        query,
        body,
        verify_sigv4,
        rest: None,
    }
}

/// Encodes an EKS request the way [`decode`] reads it back.
pub fn encode_eks(signed: bool, method: &str, target: &str, body: &[u8]) -> Vec<u8> {
    let mut out = vec![if signed { 9 } else { 8 }];
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.replace('\n', "").as_bytes());
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

/// Encodes a request the way [`decode`] reads it back (`scope`: 0 none,
/// 1 EC2, 2 ELBv2).
pub fn encode(scope: u8, query: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut out = vec![scope % 3];
    if let Some(q) = query {
        out.extend_from_slice(q.replace('\0', "").as_bytes());
        out.push(0);
    }
    out.extend_from_slice(body);
    out
}

/// A form body: `Action`, `Version` and the parameters, URL-encoded.
pub fn form_body<'a>(
    action: &str,
    version: &str,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<u8> {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Action", action);
    form.append_pair("Version", version);
    for (k, v) in params {
        form.append_pair(k, v);
    }
    form.finish().into_bytes()
}

/// Answers one input and checks the answer.
pub fn run_one(fake: &Fake, data: &[u8]) -> Result<(), String> {
    check_answer(&decode(data).answer(fake))
}

/// HTTP statuses AWS answers these services with.
pub const AWS_STATUSES: &[u16] = &[200, 400, 401, 403, 404, 409, 412, 413, 429, 500, 503];

/// Checks an answer: an AWS status, and a well-formed envelope of its
/// service (success or error). A 500 means a handler panicked (the guard
/// turned it into `InternalError`): a bug, so it fails too.
pub fn check_answer(resp: &RawResponse) -> Result<(), String> {
    if !AWS_STATUSES.contains(&resp.status) {
        return Err(format!("status {} is not one AWS answers", resp.status));
    }
    if resp.service == Service::Eks {
        return check_json_answer(resp);
    }
    let doc = resp
        .body
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .ok_or("the body does not start with the XML declaration")?;
    let root = parse_xml(doc).map_err(|e| format!("malformed XML ({e}): {}", resp.body))?;
    let fail = |why: &str| Err(format!("{why}: {}", resp.body));
    if resp.status == 200 {
        if !root.name.ends_with("Response") || root.name == "ErrorResponse" {
            return fail("a success whose root is not <ActionResponse>");
        }
        let request_id = match resp.service {
            Service::Ec2 => root.child("requestId"),
            Service::Elbv2 | Service::Elb | Service::Eks | Service::Sts => root
                .child("ResponseMetadata")
                .and_then(|m| m.child("RequestId")),
        };
        if request_id.map(|r| r.text.as_str()) != Some(resp.request_id.as_str()) {
            return fail("a success without its request id");
        }
        return Ok(());
    }
    let (code, message) = match resp.service {
        Service::Ec2 => {
            let names: Vec<&str> = root.children.iter().map(|c| c.name.as_str()).collect();
            if root.name != "Response" || names != ["Errors", "RequestID"] {
                return fail("not an EC2 error envelope");
            }
            let errors = &root.children[0];
            if errors.children.len() != 1 || errors.children[0].name != "Error" {
                return fail("EC2 <Errors> must hold one <Error>");
            }
            if root.children[1].text != resp.request_id {
                return fail("the RequestID is not the request's");
            }
            let error = &errors.children[0];
            if error.names() != ["Code", "Message"] {
                return fail("an EC2 <Error> is <Code> and <Message>");
            }
            (
                error.children[0].text.clone(),
                error.children[1].text.clone(),
            )
        }
        Service::Elbv2 | Service::Elb | Service::Eks | Service::Sts => {
            if root.name != "ErrorResponse" || root.names() != ["Error", "RequestId"] {
                return fail("not an ELBv2 error envelope");
            }
            if root.children[1].text != resp.request_id {
                return fail("the RequestId is not the request's");
            }
            let error = &root.children[0];
            if error.names() != ["Type", "Code", "Message"] {
                return fail("an ELBv2 <Error> is <Type>, <Code> and <Message>");
            }
            let expected = if resp.status >= 500 {
                "Receiver"
            } else {
                "Sender"
            };
            if error.children[0].text != expected {
                return fail("the error <Type> does not match the status");
            }
            (
                error.children[1].text.clone(),
                error.children[2].text.clone(),
            )
        }
    };
    if code.is_empty() || code.contains(char::is_whitespace) {
        return fail("the error code is empty or has spaces");
    }
    if message.is_empty() {
        return fail("the error message is empty");
    }
    if resp.status == 500 {
        return fail("InternalError: a handler panicked");
    }
    Ok(())
}

/// An EKS answer: a JSON object; an error one has a code (its
/// `x-amzn-ErrorType`) and a `message`.
fn check_json_answer(resp: &RawResponse) -> Result<(), String> {
    let fail = |why: &str| Err(format!("{why}: {}", resp.body));
    let Ok(serde_json::Value::Object(doc)) = serde_json::from_str(&resp.body) else {
        return fail("not a JSON object");
    };
    if resp.status == 200 {
        return if resp.error_code.is_none() {
            Ok(())
        } else {
            fail("a success with an error code")
        };
    }
    let code = resp.error_code.as_deref().unwrap_or("");
    if code.is_empty() || code.contains(char::is_whitespace) {
        return fail("the error code is empty or has spaces");
    }
    if doc
        .get("message")
        .and_then(serde_json::Value::as_str)
        .is_none_or(str::is_empty)
    {
        return fail("the error has no message");
    }
    if resp.status == 500 {
        return fail("ServerException: a handler panicked");
    }
    Ok(())
}

/// An XML element: its name, child elements and text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    pub name: String,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    fn names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }
}

/// Reads one XML element (no declaration) with quick-xml: names,
/// attributes, nesting, entities, characters XML 1.0 allows, and no text
/// mixed with elements. Comments, CDATA, processing instructions and
/// doctypes are refused: the fake writes none.
pub fn parse_xml(doc: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(doc);
    let mut open: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| format!("{e} at {}", reader.error_position()))?;
        let after_root = open.is_empty() && root.is_some();
        match event {
            Event::Start(_) | Event::Empty(_) if after_root => {
                return Err(format!("content after the root element at {at}"));
            }
            Event::Start(tag) => open.push(start(&tag)?),
            Event::Empty(tag) => close(start(&tag)?, &mut open, &mut root)?,
            Event::End(_) => {
                // quick-xml has checked the end tag's name against the start's.
                let element = open.pop().ok_or("an end tag without a start")?;
                close(element, &mut open, &mut root)?;
            }
            Event::Text(text) => {
                check_text(&text)?;
                match open.last_mut() {
                    Some(element) => element.text.push_str(&text.xml10_content()),
                    None if text.trim().is_empty() => {}
                    None if root.is_some() => {
                        return Err(format!("content after the root element at {at}"));
                    }
                    None => return Err(format!("text before the root element at {at}")),
                }
            }
            Event::GeneralRef(entity) => {
                let decoded = resolve(&entity)?;
                let element = open
                    .last_mut()
                    .ok_or_else(|| format!("an entity outside the root element at {at}"))?;
                element.text.push_str(&decoded);
            }
            Event::Eof => break,
            Event::CData(_)
            | Event::Comment(_)
            | Event::Decl(_)
            | Event::PI(_)
            | Event::DocType(_) => {
                return Err(format!("not an element, text or entity at {at}"));
            }
        }
    }
    if let Some(element) = open.last() {
        return Err(format!("<{}> is not closed", element.name));
    }
    root.ok_or_else(|| "no root element".to_owned())
}

/// A new element from a start tag, its name and attributes checked.
fn start(tag: &BytesStart<'_>) -> Result<Element, String> {
    let qname = tag.name();
    let name = check_name(qname.as_ref())?;
    for attribute in tag.attributes() {
        let attribute = attribute.map_err(|e| format!("bad attribute in <{name}>: {e}"))?;
        check_name(attribute.key.as_ref())?;
        if attribute.value.contains('<') {
            return Err("'<' in an attribute value".to_owned());
        }
        check_text(&attribute.value)?;
        attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| format!("bad attribute value in <{name}>: {e}"))?;
    }
    Ok(Element {
        name: name.to_owned(),
        ..Element::default()
    })
}

/// Closes an element: into its parent, or as the root.
fn close(element: Element, open: &mut [Element], root: &mut Option<Element>) -> Result<(), String> {
    if !element.children.is_empty() && !element.text.trim().is_empty() {
        return Err(format!("text mixed with elements in <{}>", element.name));
    }
    match open.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
    Ok(())
}

/// A name: letters, digits, `_`, `-`, `.`, `:`, not starting with a digit or `-`.
fn check_name(name: &str) -> Result<&str, String> {
    let ok = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'));
    if ok {
        Ok(name)
    } else {
        Err(format!("bad name {name:?}"))
    }
}

/// One of the five named entities, or a character reference to a
/// character XML 1.0 allows.
fn resolve(entity: &BytesRef<'_>) -> Result<String, String> {
    let name: &str = entity;
    if entity.is_char_ref() {
        let c = entity
            .resolve_char_ref()
            .map_err(|e| format!("bad character reference &{name};: {e}"))?
            .ok_or_else(|| format!("bad character reference &{name};"))?;
        let text = c.to_string();
        check_text(&text)?;
        return Ok(text);
    }
    resolve_predefined_entity(name)
        .map(str::to_owned)
        .ok_or_else(|| format!("unknown entity &{name};"))
}

/// Text must hold only characters XML 1.0 allows, and no `]]>`.
fn check_text(text: &str) -> Result<(), String> {
    for c in text.chars() {
        let ok = matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}';
        if !ok {
            return Err(format!(
                "character U+{:04X} is not allowed in XML",
                c as u32
            ));
        }
    }
    if text.contains("]]>") {
        return Err("']]>' in text".to_owned());
    }
    Ok(())
}

/// Parameter names the fake's actions read, for structured inputs.
pub const PARAM_NAMES: &[&str] = &[
    "VpcId",
    "VpcId.1",
    "SubnetId",
    "SubnetId.1",
    "CidrBlock",
    "Ipv6CidrBlock",
    "AmazonProvidedIpv6CidrBlock",
    "Ipv6Pool",
    "Ipv4IpamPoolId",
    "Ipv6IpamPoolId",
    "Ipv6NetmaskLength",
    "Ipv4NetmaskLength",
    "AvailabilityZone",
    "AvailabilityZoneId",
    "Ipv6Native",
    "InternetGatewayId",
    "EgressOnlyInternetGatewayId",
    "NatGatewayId",
    "NatGatewayId.1",
    "AllocationId",
    "ConnectivityType",
    "PrivateIpAddress",
    "RouteTableId",
    "DestinationCidrBlock",
    "DestinationIpv6CidrBlock",
    "GatewayId",
    "InstanceId",
    "InstanceId.1",
    "AssociationId",
    "GroupId",
    "GroupId.1",
    "GroupName",
    "Description",
    "IpPermissions.1.IpProtocol",
    "IpPermissions.1.FromPort",
    "IpPermissions.1.ToPort",
    "IpPermissions.1.IpRanges.1.CidrIp",
    "IpPermissions.1.Ipv6Ranges.1.CidrIpv6",
    "IpPermissions.1.Groups.1.GroupId",
    "ImageId",
    "InstanceType",
    "MinCount",
    "MaxCount",
    "Ipv6AddressCount",
    "Ipv6Address.1.Ipv6Address",
    "NetworkInterface.1.DeviceIndex",
    "NetworkInterface.1.SubnetId",
    "NetworkInterface.1.Ipv6AddressCount",
    "SecurityGroupId.1",
    "MapPublicIpOnLaunch.Value",
    "AssignIpv6AddressOnCreation.Value",
    "EnableDns64.Value",
    "EnableDnsHostnames.Value",
    "ResourceId.1",
    "Tag.1.Key",
    "Tag.1.Value",
    "TagSpecification.1.ResourceType",
    "TagSpecification.1.Tag.1.Key",
    "TagSpecification.1.Tag.1.Value",
    "Filter.1.Name",
    "Filter.1.Value.1",
    "MaxResults",
    "NextToken",
    "DryRun",
    "ClientToken",
    "Domain",
    "GroupName.1",
    "ZoneName.1",
    "OptInStatus",
    "InstanceType.1",
    "IpamId",
    "IpamPoolId",
    "IpamScopeId",
    "AddressFamily",
    "Locale",
    "Cidr",
    "Name",
    "Names.member.1",
    "Type",
    "Scheme",
    "IpAddressType",
    "Subnets.member.1",
    "Subnets.member.2",
    "SubnetMappings.member.1.SubnetId",
    "SubnetMappings.member.1.AllocationId",
    "SubnetMappings.member.1.IPv6Address",
    "SecurityGroups.member.1",
    "SecurityGroups",
    "LoadBalancerArn",
    "LoadBalancerArns.member.1",
    "TargetGroupArn",
    "TargetGroupArns.member.1",
    "TargetType",
    "Protocol",
    "Port",
    "HealthCheckPort",
    "HealthCheckProtocol",
    "ListenerArn",
    "DefaultActions.member.1.Type",
    "DefaultActions.member.1.TargetGroupArn",
    "Targets.member.1.Id",
    "Targets.member.1.Port",
    "Attributes.member.1.Key",
    "Attributes.member.1.Value",
    "ResourceArns.member.1",
    "Tags.member.1.Key",
    "Tags.member.1.Value",
    "TagKeys.member.1",
    "PageSize",
    "Marker",
    "EnablePrefixForIpv6SourceNat",
    "LoadBalancerName",
    "LoadBalancerNames.member.1",
    "Listeners.member.1.Protocol",
    "Listeners.member.1.LoadBalancerPort",
    "Listeners.member.1.InstancePort",
    "AvailabilityZones.member.1",
    "Instances.member.1.InstanceId",
    "HealthCheck.Target",
    "HealthCheck.Interval",
    "LoadBalancerAttributes.ConnectionSettings.IdleTimeout",
    "LoadBalancerAttributes.AdditionalAttributes.member.1.Key",
];

/// Values worth trying: ids the seeded world holds, CIDRs good and bad,
/// numbers at the edges, booleans, and text that stresses escaping.
pub const PARAM_VALUES: &[&str] = &[
    "vpc-0a1b2c3d4e5f60001",
    "vpc-00000000000000001",
    "subnet-0a1b2c3d4e5f60001",
    "subnet-0a1b2c3d4e5f60002",
    "subnet-00000000000000001",
    "igw-0a1b2c3d4e5f60001",
    "eigw-0a1b2c3d4e5f60001",
    "nat-0a1b2c3d4e5f60001",
    "rtb-00000000000000001",
    "sg-00000000000000001",
    "i-00000000000000001",
    "eipalloc-00000000000000001",
    "ami-05013502c4cfad526",
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/lb/0000000000000001",
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0000000000000001",
    "10.0.0.0/16",
    "10.0.2.0/24",
    "10.0.0.0/8",
    "10.0.0.1/24",
    "0.0.0.0/0",
    "::/0",
    "64:ff9b::/96",
    "2600:1f18:0:100::/56",
    "2600:1f18:0:100::/64",
    "2600:1f18:0:100::/60",
    "2001:db8::/32",
    "300.1.1.1/24",
    "10.0.0.0/33",
    "::/129",
    "us-east-1a",
    "us-east-1-wl1-bos-wlz-1",
    "use1-az1",
    "m5.large",
    "t2.micro",
    "a1.metal",
    "true",
    "false",
    "TRUE",
    "yes",
    "0",
    "1",
    "-1",
    "65535",
    "65536",
    "4294967296",
    "18446744073709551616",
    "99999999999999999999999999",
    "",
    " ",
    "network",
    "application",
    "gateway",
    "dualstack",
    "dualstack-without-public-ipv4",
    "ipv4",
    "ipv6",
    "internal",
    "internet-facing",
    "TCP",
    "UDP",
    "TCP_UDP",
    "HTTP",
    "forward",
    "instance",
    "ip",
    "vpc",
    "tcp",
    "icmpv6",
    "58",
    "all",
    "private",
    "public",
    "<>&\"'",
    "]]>",
    "\u{0}\u{1}\u{1f}",
    "\u{FFFE}\u{FFFF}",
    "é漢字🙂",
    "m-ffffffffffffffff",
    "%",
    "a.b.c",
];

/// A small seeded generator (splitmix64), so a run is repeatable.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % n as u64).unwrap_or(0)
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    pub fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

/// The parameters the main actions read, so generated calls get past
/// `MissingParameter` and into the rules.
#[rustfmt::skip]
const ACTION_PARAMS: &[(&str, &[&str])] = &[
    ("CreateVpc", &["CidrBlock", "AmazonProvidedIpv6CidrBlock", "Ipv6CidrBlock", "Ipv6Pool", "Ipv6IpamPoolId", "Ipv6NetmaskLength", "Ipv6CidrBlockNetworkBorderGroup"]),
    ("AssociateVpcCidrBlock", &["VpcId", "CidrBlock", "AmazonProvidedIpv6CidrBlock", "Ipv6CidrBlock", "Ipv6Pool", "Ipv6IpamPoolId", "Ipv6NetmaskLength"]),
    ("DisassociateVpcCidrBlock", &["AssociationId"]),
    ("ModifyVpcAttribute", &["VpcId", "EnableDnsHostnames.Value", "EnableDnsSupport.Value"]),
    ("DescribeVpcAttribute", &["VpcId", "Attribute"]),
    ("DeleteVpc", &["VpcId"]),
    ("CreateSubnet", &["VpcId", "CidrBlock", "Ipv6CidrBlock", "AvailabilityZone", "AvailabilityZoneId", "Ipv6Native"]),
    ("ModifySubnetAttribute", &["SubnetId", "MapPublicIpOnLaunch.Value", "AssignIpv6AddressOnCreation.Value", "EnableDns64.Value", "PrivateDnsHostnameTypeOnLaunch", "EnableResourceNameDnsAAAARecordOnLaunch.Value"]),
    ("AssociateSubnetCidrBlock", &["SubnetId", "Ipv6CidrBlock"]),
    ("DisassociateSubnetCidrBlock", &["AssociationId"]),
    ("DeleteSubnet", &["SubnetId"]),
    ("AttachInternetGateway", &["InternetGatewayId", "VpcId"]),
    ("DetachInternetGateway", &["InternetGatewayId", "VpcId"]),
    ("DeleteInternetGateway", &["InternetGatewayId"]),
    ("CreateEgressOnlyInternetGateway", &["VpcId"]),
    ("DeleteEgressOnlyInternetGateway", &["EgressOnlyInternetGatewayId"]),
    ("CreateCarrierGateway", &["VpcId", "ClientToken"]),
    ("DescribeCarrierGateways", &["CarrierGatewayId.1", "Filter.1.Name", "Filter.1.Value.1"]),
    ("DeleteCarrierGateway", &["CarrierGatewayId"]),
    ("CreateVpcEndpoint", &["VpcId", "ServiceName", "VpcEndpointType", "RouteTableId.1", "SubnetId.1", "SecurityGroupId.1", "IpAddressType", "DnsOptions.DnsRecordIpType", "PrivateDnsEnabled", "PolicyDocument", "ClientToken"]),
    ("DescribeVpcEndpoints", &["VpcEndpointId.1", "Filter.1.Name", "Filter.1.Value.1"]),
    ("ModifyVpcEndpoint", &["VpcEndpointId", "AddRouteTableId.1", "RemoveRouteTableId.1", "AddSubnetId.1", "RemoveSubnetId.1", "AddSecurityGroupId.1", "IpAddressType", "PrivateDnsEnabled", "ResetPolicy"]),
    ("DeleteVpcEndpoints", &["VpcEndpointId.1"]),
    ("CreateNetworkInterface", &["SubnetId", "SecurityGroupId.1", "Description", "PrivateIpAddress", "Ipv6AddressCount", "Ipv6Addresses.1.Ipv6Address", "EnablePrimaryIpv6", "InterfaceType", "ClientToken"]),
    ("DeleteNetworkInterface", &["NetworkInterfaceId"]),
    ("AssignIpv6Addresses", &["NetworkInterfaceId", "Ipv6AddressCount", "Ipv6Addresses.1"]),
    ("UnassignIpv6Addresses", &["NetworkInterfaceId", "Ipv6Addresses.1"]),
    ("ModifyNetworkInterfaceAttribute", &["NetworkInterfaceId", "Description.Value", "SourceDestCheck.Value", "SecurityGroupId.1", "Attachment.AttachmentId", "Attachment.DeleteOnTermination"]),
    ("DescribeNetworkInterfaceAttribute", &["NetworkInterfaceId", "Attribute"]),
    ("AllocateAddress", &["Domain", "NetworkBorderGroup"]),
    ("ReleaseAddress", &["AllocationId"]),
    ("AssociateAddress", &["AllocationId", "InstanceId", "NetworkInterfaceId", "PrivateIpAddress", "AllowReassociation"]),
    ("DisassociateAddress", &["AssociationId"]),
    ("ModifyInstanceMetadataOptions", &["InstanceId", "HttpTokens", "HttpPutResponseHopLimit", "HttpEndpoint", "HttpProtocolIpv6", "InstanceMetadataTags"]),
    ("CreateNatGateway", &["SubnetId", "AllocationId", "ConnectivityType", "PrivateIpAddress", "ClientToken"]),
    ("DeleteNatGateway", &["NatGatewayId"]),
    ("CreateRouteTable", &["VpcId"]),
    ("DeleteRouteTable", &["RouteTableId"]),
    ("CreateRoute", &["RouteTableId", "DestinationCidrBlock", "DestinationIpv6CidrBlock", "GatewayId", "EgressOnlyInternetGatewayId", "NatGatewayId", "InstanceId", "CarrierGatewayId"]),
    ("ReplaceRoute", &["RouteTableId", "DestinationCidrBlock", "DestinationIpv6CidrBlock", "GatewayId", "NatGatewayId"]),
    ("DeleteRoute", &["RouteTableId", "DestinationCidrBlock", "DestinationIpv6CidrBlock"]),
    ("AssociateRouteTable", &["RouteTableId", "SubnetId", "GatewayId"]),
    ("DisassociateRouteTable", &["AssociationId"]),
    ("CreateSecurityGroup", &["GroupName", "Description", "VpcId"]),
    ("DeleteSecurityGroup", &["GroupId", "GroupName"]),
    ("AuthorizeSecurityGroupIngress", &["GroupId", "IpPermissions.1.IpProtocol", "IpPermissions.1.FromPort", "IpPermissions.1.ToPort", "IpPermissions.1.IpRanges.1.CidrIp", "IpPermissions.1.Ipv6Ranges.1.CidrIpv6", "IpPermissions.1.Groups.1.GroupId", "CidrIp", "IpProtocol", "FromPort", "ToPort"]),
    ("AuthorizeSecurityGroupEgress", &["GroupId", "IpPermissions.1.IpProtocol", "IpPermissions.1.FromPort", "IpPermissions.1.ToPort", "IpPermissions.1.Ipv6Ranges.1.CidrIpv6"]),
    ("RevokeSecurityGroupIngress", &["GroupId", "IpPermissions.1.IpProtocol", "IpPermissions.1.FromPort", "IpPermissions.1.ToPort", "IpPermissions.1.IpRanges.1.CidrIp", "SecurityGroupRuleId.1"]),
    ("CreateTags", &["ResourceId.1", "Tag.1.Key", "Tag.1.Value"]),
    ("DeleteTags", &["ResourceId.1", "Tag.1.Key"]),
    ("ModifyAvailabilityZoneGroup", &["GroupName", "OptInStatus"]),
    ("RunInstances", &["ImageId", "InstanceType", "MinCount", "MaxCount", "SubnetId", "Ipv6AddressCount", "SecurityGroupId.1", "NetworkInterface.1.DeviceIndex", "NetworkInterface.1.SubnetId", "NetworkInterface.1.Ipv6AddressCount", "PrivateDnsNameOptions.HostnameType", "MetadataOptions.HttpProtocolIpv6", "ClientToken"]),
    ("TerminateInstances", &["InstanceId.1"]),
    ("CreateIpamPool", &["IpamScopeId", "AddressFamily", "Locale", "AllocationDefaultNetmaskLength", "AllocationMinNetmaskLength", "AllocationMaxNetmaskLength"]),
    ("ProvisionIpamPoolCidr", &["IpamPoolId", "Cidr"]),
    ("CreateLoadBalancer", &["Name", "Type", "Scheme", "IpAddressType", "Subnets.member.1", "Subnets.member.2", "SubnetMappings.member.1.SubnetId", "SubnetMappings.member.1.AllocationId", "SubnetMappings.member.1.IPv6Address", "SecurityGroups.member.1", "EnablePrefixForIpv6SourceNat"]),
    ("DeleteLoadBalancer", &["LoadBalancerArn"]),
    ("SetIpAddressType", &["LoadBalancerArn", "IpAddressType"]),
    ("SetSubnets", &["LoadBalancerArn", "Subnets.member.1", "Subnets.member.2"]),
    ("SetSecurityGroups", &["LoadBalancerArn", "SecurityGroups.member.1"]),
    ("ModifyLoadBalancerAttributes", &["LoadBalancerArn", "Attributes.member.1.Key", "Attributes.member.1.Value"]),
    ("CreateTargetGroup", &["Name", "Protocol", "Port", "VpcId", "TargetType", "IpAddressType", "HealthCheckProtocol", "HealthCheckPort"]),
    ("DeleteTargetGroup", &["TargetGroupArn"]),
    ("ModifyTargetGroup", &["TargetGroupArn", "HealthCheckProtocol", "HealthCheckPort"]),
    ("CreateListener", &["LoadBalancerArn", "Protocol", "Port", "DefaultActions.member.1.Type", "DefaultActions.member.1.TargetGroupArn"]),
    ("DeleteListener", &["ListenerArn"]),
    ("RegisterTargets", &["TargetGroupArn", "Targets.member.1.Id", "Targets.member.1.Port"]),
    ("DeregisterTargets", &["TargetGroupArn", "Targets.member.1.Id"]),
    ("AddTags", &["ResourceArns.member.1", "Tags.member.1.Key", "Tags.member.1.Value"]),
    ("RemoveTags", &["ResourceArns.member.1", "TagKeys.member.1"]),
    ("DescribeVpcs", &["VpcId.1", "MaxResults", "NextToken", "Filter.1.Name", "Filter.1.Value.1"]),
    ("DescribeSubnets", &["SubnetId.1", "MaxResults", "NextToken", "Filter.1.Name", "Filter.1.Value.1"]),
    ("DescribeInstances", &["InstanceId.1", "MaxResults", "NextToken", "Filter.1.Name", "Filter.1.Value.1"]),
    ("DescribeInstanceTypes", &["InstanceType.1", "MaxResults", "NextToken", "Filter.1.Name", "Filter.1.Value.1"]),
    ("DescribeLoadBalancers", &["LoadBalancerArns.member.1", "Names.member.1", "PageSize", "Marker"]),
    ("DescribeTargetGroups", &["TargetGroupArns.member.1", "LoadBalancerArn", "PageSize", "Marker"]),
];

/// The parameters classic ELB's actions read (their names overlap ELBv2's).
#[rustfmt::skip]
const CLASSIC_ACTION_PARAMS: &[(&str, &[&str])] = &[
    ("CreateLoadBalancer", &["LoadBalancerName", "Listeners.member.1.Protocol", "Listeners.member.1.LoadBalancerPort", "Listeners.member.1.InstanceProtocol", "Listeners.member.1.InstancePort", "Listeners.member.1.SSLCertificateId", "Listeners.member.2.Protocol", "Listeners.member.2.LoadBalancerPort", "Listeners.member.2.InstancePort", "Subnets.member.1", "Subnets.member.2", "AvailabilityZones.member.1", "SecurityGroups.member.1", "Scheme", "Tags.member.1.Key", "Tags.member.1.Value"]),
    ("DescribeLoadBalancers", &["LoadBalancerNames.member.1", "PageSize", "Marker"]),
    ("DeleteLoadBalancer", &["LoadBalancerName"]),
    ("ConfigureHealthCheck", &["LoadBalancerName", "HealthCheck.Target", "HealthCheck.Interval", "HealthCheck.Timeout", "HealthCheck.UnhealthyThreshold", "HealthCheck.HealthyThreshold"]),
    ("DescribeLoadBalancerAttributes", &["LoadBalancerName"]),
    ("ModifyLoadBalancerAttributes", &["LoadBalancerName", "LoadBalancerAttributes.CrossZoneLoadBalancing.Enabled", "LoadBalancerAttributes.ConnectionDraining.Enabled", "LoadBalancerAttributes.ConnectionDraining.Timeout", "LoadBalancerAttributes.ConnectionSettings.IdleTimeout", "LoadBalancerAttributes.AccessLog.Enabled", "LoadBalancerAttributes.AccessLog.S3BucketName", "LoadBalancerAttributes.AccessLog.EmitInterval", "LoadBalancerAttributes.AdditionalAttributes.member.1.Key", "LoadBalancerAttributes.AdditionalAttributes.member.1.Value"]),
    ("RegisterInstancesWithLoadBalancer", &["LoadBalancerName", "Instances.member.1.InstanceId", "Instances.member.2.InstanceId"]),
    ("DeregisterInstancesFromLoadBalancer", &["LoadBalancerName", "Instances.member.1.InstanceId"]),
    ("DescribeInstanceHealth", &["LoadBalancerName", "Instances.member.1.InstanceId"]),
    ("AddTags", &["LoadBalancerNames.member.1", "Tags.member.1.Key", "Tags.member.1.Value"]),
    ("RemoveTags", &["LoadBalancerNames.member.1", "Tags.member.1.Key"]),
    ("DescribeTags", &["LoadBalancerNames.member.1", "LoadBalancerNames.member.2"]),
];

/// Values by what a parameter's name says it holds.
#[rustfmt::skip]
const VALUES_BY_NAME: &[(&str, &[&str])] = &[
    ("NatGatewayId", &["nat-0a1b2c3d4e5f60001", "nat-00000000000000001", "nat-00000000000000002"]),
    ("EgressOnlyInternetGatewayId", &["eigw-0a1b2c3d4e5f60001", "eigw-00000000000000001"]),
    ("InternetGatewayId", &["igw-0a1b2c3d4e5f60001", "igw-00000000000000001"]),
    ("GatewayId", &["igw-0a1b2c3d4e5f60001", "igw-00000000000000001", "eigw-0a1b2c3d4e5f60001", "vgw-1", "local"]),
    ("VpcId", &["vpc-0a1b2c3d4e5f60001", "vpc-00000000000000001", "vpc-00000000000000002"]),
    ("SubnetId", &["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002", "subnet-00000000000000001", "subnet-00000000000000002"]),
    ("Subnets", &["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002", "subnet-00000000000000001"]),
    ("RouteTableId", &["rtb-00000000000000001", "rtb-00000000000000002"]),
    ("GroupId", &["sg-00000000000000001", "sg-00000000000000002"]),
    ("SecurityGroup", &["sg-00000000000000001", "sg-00000000000000002"]),
    ("InstanceId", &["i-00000000000000001", "i-00000000000000002"]),
    ("Targets.member.1.Id", &["i-00000000000000001", "10.0.0.10", "2600:1f18:0:100::10"]),
    ("AllocationId", &["eipalloc-00000000000000001", "eipalloc-00000000000000002", "eipalloc-00000000000000003"]),
    ("AssociationId", &["vpc-cidr-assoc-00000000000000001", "subnet-cidr-assoc-00000000000000001", "rtbassoc-00000000000000001"]),
    ("LoadBalancerArn", &["arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/lb/0000000000000001"]),
    ("TargetGroupArn", &["arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0000000000000001"]),
    ("ListenerArn", &["arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/lb/0000000000000001/0000000000000001"]),
    ("ResourceArns", &["arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/lb/0000000000000001", "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0000000000000001"]),
    ("ResourceId", &["vpc-0a1b2c3d4e5f60001", "subnet-00000000000000001", "sg-00000000000000001", "i-00000000000000001"]),
    ("Ipv6", &["2600:1f18:0:100::/56", "2600:1f18:0:100::/64", "2600:1f18:0:101::/64", "2600:1f18:0:100::/60", "::/0", "64:ff9b::/96", "2001:db8::/64", "2600:1f18:0:100::10"]),
    ("Cidr", &["10.0.2.0/24", "10.0.3.0/24", "10.0.0.0/16", "10.1.0.0/16", "0.0.0.0/0", "10.0.0.0/28", "192.168.0.0/16", "2001:db8:ab00::/40"]),
    ("Zone", &["us-east-1a", "us-east-1b", "us-east-1-nyc-1a", "us-east-1-wl1-bos-wlz-1", "use1-az1"]),
    ("MaxResults", &["0", "4", "5", "1000", "1001", "100000", "-5", "4294967296"]),
    ("PageSize", &["0", "1", "400", "401", "-1", "4294967296"]),
    ("Port", &["80", "443", "6443", "0", "-1", "65535", "65536", "4294967296", "traffic-port"]),
    ("Count", &["0", "1", "2", "3", "10", "1000", "1001", "-1", "4294967295", "18446744073709551615"]),
    ("NetmaskLength", &["56", "48", "64", "44", "60", "0", "8", "32", "128", "129", "255", "-1"]),
    ("Value", &["true", "false"]),
    ("DryRun", &["true", "false"]),
    ("Native", &["true", "false"]),
    ("AmazonProvided", &["true", "false"]),
    ("IpAddressType", &["ipv4", "dualstack", "dualstack-without-public-ipv4", "ipv6"]),
    ("Protocol", &["TCP", "UDP", "TCP_UDP", "TLS", "HTTP", "HTTPS", "tcp", "udp", "icmp", "icmpv6", "-1", "58"]),
    ("Type", &["network", "application", "gateway", "forward", "instance", "ip", "alb", "lambda"]),
    ("Scheme", &["internal", "internet-facing"]),
    ("InstanceType", &["m5.large", "t2.micro", "c5.large", "m6g.medium", "a1.metal"]),
    ("ImageId", &["ami-05013502c4cfad526", "ami-12345678", "ami-0abcdef1234567890"]),
    ("Target", &["TCP:6443", "HTTP:80/healthz", "HTTPS:443/", "SSL:443", "UDP:53", "TCP:0", "HTTP:80"]),
    ("Interval", &["5", "30", "300", "4", "301"]),
    ("Threshold", &["2", "10", "1", "11"]),
    ("Timeout", &["1", "2", "5", "60", "300", "3600", "3601", "0"]),
    ("Enabled", &["true", "false", "yes"]),
    ("EmitInterval", &["5", "60", "10"]),
    ("Name", &["lb", "tg", "web", "a-b", "-bad"]),
    ("Key", &["Name", "kubernetes.io/cluster/x", "aws:reserved"]),
];

fn value_for(rng: &mut Rng, name: &str) -> String {
    if rng.below(5) > 0
        && let Some((_, values)) = VALUES_BY_NAME.iter().find(|(k, _)| name.contains(k))
    {
        return rng.pick(values).to_owned();
    }
    match rng.below(6) {
        0 => String::from_utf8_lossy(&rng.bytes(24)).into_owned(),
        1 => (rng.next_u64() as i64 >> rng.below(64)).to_string(),
        _ => rng.pick(PARAM_VALUES).to_owned(),
    }
}

/// One input in [`decode`]'s format: mostly real actions with their own
/// or random parameters and values, sometimes raw bytes.
pub fn generate(rng: &mut Rng) -> Vec<u8> {
    if rng.below(8) == 0 {
        return rng.bytes(256);
    }
    // One in five is EKS's; of the rest, EC2 four in nine, ELBv2 and classic
    // ELB two in nine each, STS one in nine.
    if rng.below(5) == 0 {
        return generate_eks(rng);
    }
    let service = match rng.below(9) {
        0..=3 => Service::Ec2,
        4 | 5 => Service::Elbv2,
        6 | 7 => Service::Elb,
        _ => Service::Sts,
    };
    let (actions, version, own_params) = match service {
        Service::Ec2 => (crate::ec2::ACTIONS, crate::ec2::API_VERSION, ACTION_PARAMS),
        Service::Elbv2 => (
            crate::elbv2::ACTIONS,
            crate::elbv2::API_VERSION,
            ACTION_PARAMS,
        ),
        Service::Elb | Service::Eks => (
            crate::elb::ACTIONS,
            crate::elb::API_VERSION,
            CLASSIC_ACTION_PARAMS,
        ),
        Service::Sts => (crate::sts::ACTIONS, crate::sts::API_VERSION, ACTION_PARAMS),
    };
    let action = match rng.below(10) {
        0 => String::from_utf8_lossy(&rng.bytes(12)).into_owned(),
        _ => rng.pick(actions).to_owned(),
    };
    let version = match rng.below(10) {
        0 => "1999-01-01",
        _ => version,
    };
    let mut params: Vec<(String, String)> = Vec::new();
    if let Some((_, own)) = own_params.iter().find(|(a, _)| *a == action) {
        for name in own.iter() {
            if rng.below(3) > 0 {
                params.push(((*name).to_owned(), value_for(rng, name)));
            }
        }
    }
    for _ in 0..rng.below(6) {
        let name = match rng.below(8) {
            0 => String::from_utf8_lossy(&rng.bytes(16)).into_owned(),
            1 => format!("{}.{}", rng.pick(PARAM_NAMES), rng.below(1100)),
            _ => rng.pick(PARAM_NAMES).to_owned(),
        };
        let value = value_for(rng, &name);
        params.push((name, value));
    }
    let body = form_body(
        &action,
        version,
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let scope = if rng.below(4) == 0 {
        0
    } else if service == Service::Ec2 {
        1
    } else {
        2
    };
    // Now and then, the parameters come in the query string instead.
    let mut input = if rng.below(6) == 0 {
        encode(scope, Some(&String::from_utf8_lossy(&body)), b"")
    } else {
        encode(scope, None, &body)
    };
    // And now and then signatures are checked (and refused).
    if rng.below(8) == 0 {
        input[0] |= 4;
    }
    input
}

/// EKS's operations: method, path (`{c}` a cluster name, `{a}` an add-on,
/// `{arn}` an encoded ARN, `{u}` an update id) and the body members they read.
#[rustfmt::skip]
const EKS_OPERATIONS: &[(&str, &str, &[&str])] = &[
    ("POST", "/clusters", &["name", "roleArn", "version", "resourcesVpcConfig", "kubernetesNetworkConfig", "logging", "accessConfig", "upgradePolicy", "tags", "clientRequestToken", "encryptionConfig"]),
    ("GET", "/clusters", &[]),
    ("GET", "/clusters/{c}", &[]),
    ("DELETE", "/clusters/{c}", &[]),
    ("POST", "/clusters/{c}/update-config", &["resourcesVpcConfig", "logging", "accessConfig", "upgradePolicy", "kubernetesNetworkConfig"]),
    ("POST", "/clusters/{c}/updates", &["version"]),
    ("GET", "/clusters/{c}/updates", &[]),
    ("GET", "/clusters/{c}/updates/{u}", &[]),
    ("POST", "/clusters/{c}/addons", &["addonName", "addonVersion", "resolveConflicts", "configurationValues", "serviceAccountRoleArn", "tags"]),
    ("GET", "/clusters/{c}/addons", &[]),
    ("GET", "/clusters/{c}/addons/{a}", &[]),
    ("DELETE", "/clusters/{c}/addons/{a}", &[]),
    ("POST", "/clusters/{c}/addons/{a}/update", &["addonVersion", "resolveConflicts", "configurationValues", "serviceAccountRoleArn"]),
    ("GET", "/addons/supported-versions", &[]),
    ("POST", "/tags/{arn}", &["tags"]),
    ("DELETE", "/tags/{arn}", &[]),
    ("GET", "/tags/{arn}", &[]),
];

/// Any one of `items`.
fn choose<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.below(items.len())]
}

/// EKS query strings worth trying.
const EKS_QUERIES: &[&str] = &[
    "",
    "maxResults=1",
    "maxResults=0",
    "maxResults=101",
    "nextToken=zz",
    "nextToken=63",
    "kubernetesVersion=1.31",
    "kubernetesVersion=9.9",
    "addonName=vpc-cni",
    "tagKeys=a&tagKeys=b",
    "preserve=true",
    "preserve=maybe",
    "include=all",
    "include=ALL",
    "addonName=coredns",
];

/// Values for EKS body members, by name.
fn eks_value(rng: &mut Rng, name: &str) -> serde_json::Value {
    use serde_json::json;
    let subnets = json!(["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]);
    match (name, rng.below(6)) {
        (_, 0) => json!(rng.below(3)),
        (_, 1) => json!(String::from_utf8_lossy(&rng.bytes(10))),
        ("name", _) => json!(rng.pick(&["c1", "c2", "-bad", "x_y"])),
        ("roleArn", _) => json!(rng.pick(&["arn:aws:iam::123456789012:role/eks", "nope"])),
        ("version", _) => json!(rng.pick(&["1.20", "1.21", "1.31", "1.32", "1.19", "abc"])),
        ("resourcesVpcConfig", _) => json!({
            "subnetIds": if rng.below(4) == 0 { json!(["subnet-0a1b2c3d4e5f60001"]) } else { subnets },
            "securityGroupIds": choose(rng, &[json!([]), json!(["sg-nope"])]).clone(),
            "endpointPublicAccess": rng.below(2) == 0,
            "endpointPrivateAccess": rng.below(2) == 0,
            "publicAccessCidrs": choose(rng, &[json!(["0.0.0.0/0"]), json!(["::/0"]), json!(["bad"])]).clone(),
        }),
        ("kubernetesNetworkConfig", _) => choose(
            rng,
            &[
                json!({"ipFamily": "ipv6"}),
                json!({"ipFamily": "ipv4", "serviceIpv4Cidr": "172.20.0.0/16"}),
                json!({"ipFamily": "ipv6", "serviceIpv4Cidr": "172.20.0.0/16"}),
                json!({"ipFamily": "ipv5"}),
                json!({"serviceIpv4Cidr": "10.0.0.0/16"}),
            ],
        )
        .clone(),
        ("logging", _) => {
            json!({"clusterLogging": [{"types": [rng.pick(&["api", "audit", "bogus"])], "enabled": true}]})
        }
        ("accessConfig", _) => {
            json!({"authenticationMode": rng.pick(&["API", "CONFIG_MAP", "API_AND_CONFIG_MAP", "X"])})
        }
        ("upgradePolicy", _) => json!({"supportType": rng.pick(&["STANDARD", "EXTENDED", "X"])}),
        ("tags", _) => choose(rng, &[json!({"a": "b"}), json!({"aws:x": "y"}), json!({})]).clone(),
        ("addonName", _) => json!(rng.pick(&["vpc-cni", "coredns", "kube-proxy", "nope"])),
        ("addonVersion", _) => json!(rng.pick(&["v1.20.1-eksbuild.3", "v1.11.0-eksbuild.1", "v9"])),
        ("resolveConflicts", _) => json!(rng.pick(&["NONE", "OVERWRITE", "PRESERVE", "x"])),
        ("configurationValues", _) => {
            json!(rng.pick(&["{\"env\":{}}", "env:\n  A: b\n", "[1]", "{", ""]))
        }
        ("serviceAccountRoleArn", _) => {
            json!(rng.pick(&["arn:aws:iam::123456789012:role/cni", "x", ""]))
        }
        ("encryptionConfig", _) => json!([]),
        _ => json!(null),
    }
}

/// One EKS input: an operation with its own members (some of them), or
/// now and then a broken body or path.
fn generate_eks(rng: &mut Rng) -> Vec<u8> {
    let (method, template, members) = *choose(rng, EKS_OPERATIONS);
    let arn = rng
        .pick(&[
            "arn%3Aaws%3Aeks%3Aus-east-1%3A123456789012%3Acluster%2Fc1",
            "arn%3Aaws%3Aeks%3Aus-east-1%3A123456789012%3Aaddon%2Fc1%2Fvpc-cni%2Fx",
            "not-an-arn",
        ])
        .to_owned();
    let mut path = template
        .replace("{c}", rng.pick(&["c1", "c2", "nope"]))
        .replace("{a}", rng.pick(&["vpc-cni", "coredns", "nope"]))
        .replace(
            "{u}",
            rng.pick(&["00000001-0000-4000-a000-000000000001", "x"]),
        )
        .replace("{arn}", &arn);
    if rng.below(12) == 0 {
        path.push_str("/extra");
    }
    let query = rng.pick(EKS_QUERIES);
    let target = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    let body = match rng.below(12) {
        0 => rng.bytes(40),
        1 => b"[1,2]".to_vec(),
        _ => {
            let mut doc = serde_json::Map::new();
            for m in members {
                if rng.below(4) > 0 {
                    doc.insert((*m).to_owned(), eks_value(rng, m));
                }
            }
            serde_json::Value::Object(doc).to_string().into_bytes()
        }
    };
    let mut input = encode_eks(rng.below(4) > 0, method, &target, &body);
    if rng.below(8) == 0 {
        input[0] |= 4;
    }
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_reads_what_encode_writes() {
        let data = encode(2, Some("Action=DescribeTags"), b"Version=2015-12-01");
        let req = decode(&data);
        assert_eq!(req.authorization.as_deref(), Some(SCOPES[2]));
        assert_eq!(req.query.as_deref(), Some("Action=DescribeTags"));
        assert_eq!(req.body, b"Version=2015-12-01");
        let own = decode(b"\x03Basic abc\nAction=X");
        assert_eq!(own.authorization.as_deref(), Some("Basic abc"));
        assert_eq!(own.body, b"Action=X");
        assert_eq!(decode(b""), OwnedRequest::default());
        assert!(decode(b"\x05").verify_sigv4);
        let refused = decode(b"\x05Action=DescribeVpcs").answer(&seeded_fake());
        assert_eq!(refused.status, 403);
        check_answer(&refused).unwrap();
    }

    #[test]
    fn xml_reader_accepts_envelopes_and_refuses_broken_ones() {
        let ok = parse_xml("<a x=\"1\"><b>t &amp; &#38; &#x26; &#xD;&lt;</b><c/></a>").unwrap();
        assert_eq!(ok.child("b").unwrap().text, "t & & & \r<");
        for bad in [
            "<a><b></a>",
            "<a>&bogus;</a>",
            "<a>x & y</a>",
            "<a>\u{1}</a>",
            "<a>x<b/></a>",
            "<a></a><b/>",
            "<a",
            "<1a/>",
            "<a x=1/>",
            "<a x=\"&nope;\"/>",
            "<a><!-- c --></a>",
            "<a><![CDATA[x]]></a>",
            "<a>&#0;</a>",
            "<a>&#x1;</a>",
            "text<a/>",
            "",
        ] {
            assert!(parse_xml(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn carriage_returns_survive_the_writer_and_a_parser() {
        // A parser turns a raw CR (or CR LF) into LF; the writer's `&#xD;` keeps it.
        let mut doc = String::new();
        crate::protocol::xml::Node::el("a")
            .leaf("b", "x\r\ny\rz")
            .write(&mut doc);
        assert_eq!(doc, "<a><b>x&#xD;\ny&#xD;z</b></a>");
        assert_eq!(
            parse_xml(&doc).unwrap().child("b").unwrap().text,
            "x\r\ny\rz"
        );
        assert_eq!(parse_xml("<b>x\r\ny\rz</b>").unwrap().text, "x\ny\nz");
    }

    #[test]
    fn the_checks_catch_what_they_should() {
        let fake = seeded_fake();
        let answer = |body: &str| decode(&encode(0, None, body.as_bytes())).answer(&fake);
        let good = answer("Action=DescribeVpcs&Version=2016-11-15");
        check_answer(&good).unwrap();
        let error = answer("Action=Nope");
        check_answer(&error).unwrap();
        let mut wrong_service = error.clone();
        wrong_service.service = Service::Elbv2;
        assert!(check_answer(&wrong_service).is_err());
        let mut wrong_status = good.clone();
        wrong_status.status = 302;
        assert!(check_answer(&wrong_status).is_err());
        let mut broken = good;
        broken.body.truncate(broken.body.len() - 3);
        assert!(check_answer(&broken).is_err());
        let mut internal = error;
        internal.status = 500;
        assert!(check_answer(&internal).is_err());
    }

    #[test]
    fn generated_inputs_pass() {
        let fake = seeded_fake();
        let mut rng = Rng::new(1);
        for _ in 0..500 {
            let input = generate(&mut rng);
            run_one(&fake, &input).unwrap_or_else(|e| panic!("{e}\ninput: {input:?}"));
        }
    }
}
