//! What the kit knows of each AWS resource type it reads back: its kind,
//! the Describe that lists it, the field that holds its id, and (for EC2)
//! its tags. With it, an id AWS left out of an answer is an error in one
//! line ([`existing_id`], [`made_id`], [`Kit::listed`]), never an `""` sent on.

use aws_sdk_ec2::types as ec2;
use aws_sdk_elasticloadbalancingv2::types as elbv2;

use std::future::Future;

use aws_sdk_ec2::error::ProvideErrorMetadata;

use super::call::SdkResult;
use super::{Kind, Kit, Result, name_of, need, pending};

/// An AWS resource as an SDK answer carries it.
pub trait Resource {
    const KIND: Kind;
    /// The Describe call that lists it.
    const DESCRIBE: &'static str;
    /// The name of the field that holds its id (or ARN).
    const ID_FIELD: &'static str;
    fn id(&self) -> Option<&str>;
}

/// An EC2 resource, which carries its tags.
pub trait Tagged: Resource {
    fn tags(&self) -> &[ec2::Tag];
}

macro_rules! resources {
    ($($ty:ty => $kind:ident, $describe:literal, $field:literal, $id:ident;)*) => {$(
        impl Resource for $ty {
            const KIND: Kind = Kind::$kind;
            const DESCRIBE: &'static str = $describe;
            const ID_FIELD: &'static str = $field;
            fn id(&self) -> Option<&str> {
                self.$id()
            }
        }
    )*};
}

macro_rules! tagged {
    ($($ty:ty),*) => {$(
        impl Tagged for $ty {
            fn tags(&self) -> &[ec2::Tag] {
                <$ty>::tags(self)
            }
        }
    )*};
}

resources! {
    ec2::Vpc => Vpc, "DescribeVpcs", "VpcId", vpc_id;
    ec2::Subnet => Subnet, "DescribeSubnets", "SubnetId", subnet_id;
    ec2::InternetGateway => InternetGateway, "DescribeInternetGateways",
        "InternetGatewayId", internet_gateway_id;
    ec2::EgressOnlyInternetGateway => EgressOnlyInternetGateway,
        "DescribeEgressOnlyInternetGateways", "EgressOnlyInternetGatewayId",
        egress_only_internet_gateway_id;
    ec2::CarrierGateway => CarrierGateway, "DescribeCarrierGateways", "CarrierGatewayId",
        carrier_gateway_id;
    ec2::NatGateway => NatGateway, "DescribeNatGateways", "NatGatewayId", nat_gateway_id;
    ec2::Address => ElasticIp, "DescribeAddresses", "AllocationId", allocation_id;
    ec2::RouteTable => RouteTable, "DescribeRouteTables", "RouteTableId", route_table_id;
    ec2::VpcEndpoint => VpcEndpoint, "DescribeVpcEndpoints", "VpcEndpointId", vpc_endpoint_id;
    ec2::SecurityGroup => SecurityGroup, "DescribeSecurityGroups", "GroupId", group_id;
    ec2::Instance => Instance, "DescribeInstances", "InstanceId", instance_id;
    ec2::IpamPool => IpamPool, "DescribeIpamPools", "IpamPoolId", ipam_pool_id;
    elbv2::LoadBalancer => LoadBalancer, "DescribeLoadBalancers", "LoadBalancerArn",
        load_balancer_arn;
    elbv2::TargetGroup => TargetGroup, "DescribeTargetGroups", "TargetGroupArn",
        target_group_arn;
    elbv2::Listener => Listener, "DescribeListeners", "ListenerArn", listener_arn;
}

tagged!(
    ec2::Vpc,
    ec2::Subnet,
    ec2::InternetGateway,
    ec2::EgressOnlyInternetGateway,
    ec2::CarrierGateway,
    ec2::NatGateway,
    ec2::Address,
    ec2::RouteTable,
    ec2::VpcEndpoint,
    ec2::SecurityGroup,
    ec2::Instance
);

/// The id of `r`, which `R::DESCRIBE` listed as `name`.
pub fn existing_id<R: Resource>(name: &str, r: &R) -> Result<String> {
    need(R::KIND, name, R::DESCRIBE, R::ID_FIELD, r.id())
}

/// The id of what `action` made for `name` (`None`: it answered without it).
pub fn made_id<R: Resource>(name: &str, action: &'static str, r: Option<&R>) -> Result<String> {
    need(R::KIND, name, action, R::ID_FIELD, r.and_then(R::id))
}

impl Kit<'_> {
    /// What the cluster's Describe listed: its id and its Name tag (else
    /// the id).
    pub fn listed<R: Tagged>(&self, r: &R) -> Result<(String, String)> {
        let id = need(R::KIND, self.cluster, R::DESCRIBE, R::ID_FIELD, r.id())?;
        let name = name_of(r.tags(), &id);
        Ok((id, name))
    }

    /// The id of `r`, found by a lookup for `name` and recorded as
    /// existing; `None` when the lookup found nothing.
    pub fn found<R: Resource>(&self, name: &str, r: Option<&R>) -> Result<Option<String>> {
        let Some(r) = r else { return Ok(None) };
        let id = existing_id(name, r)?;
        self.exists(R::KIND, name, &id);
        Ok(Some(id))
    }

    /// The id of what `action` made for `name`, recorded as created.
    pub fn made<R: Resource>(
        &self,
        name: &str,
        action: &'static str,
        r: Option<&R>,
    ) -> Result<String> {
        let id = made_id(name, action, r)?;
        self.created(R::KIND, name, &id);
        Ok(id)
    }

    /// A dry run's create of `name` that AWS cannot be asked about (a
    /// service without `DryRun`, or a parent not made yet): a placeholder id
    /// recorded as what would be created.
    pub fn would_create_unasked(&self, kind: Kind, name: &str) -> String {
        let id = pending(name);
        self.created(kind, name, &id);
        id
    }

    /// A dry run's create of `name`: AWS is asked first when `ask` is a
    /// request (sent with `DryRun=true`: every id it needs exists), then a
    /// placeholder id is recorded as what would be created.
    pub async fn would_create<T, E>(
        &self,
        kind: Kind,
        name: &str,
        action: &'static str,
        ask: Option<impl Future<Output = SdkResult<T, E>>>,
    ) -> Result<String>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        if let Some(ask) = ask {
            // Boxed: the caller's future holds `ask` already, and an SDK
            // call's future is large enough that holding it twice
            // overflows a test thread's stack in a debug build.
            self.call(kind, name, action).dry_run(Box::pin(ask)).await?;
        }
        Ok(self.would_create_unasked(kind, name))
    }

    /// Every resource in `rs`, listed (see [`Kit::listed`]).
    pub fn listed_all<'r, R: Tagged + 'r>(
        &self,
        rs: impl IntoIterator<Item = &'r R>,
    ) -> Result<Vec<(String, String)>> {
        rs.into_iter().map(|r| self.listed(r)).collect()
    }
}
