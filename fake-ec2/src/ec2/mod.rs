//! EC2 (`ec2Query`, API version 2016-11-15): per-region state, the action
//! table, and one module per resource family.

pub mod addresses;
pub mod carrier_gateways;
pub mod default_vpc;
pub mod describe;
pub mod egress_only_internet_gateways;
pub mod errors;
pub mod filters;
pub mod idempotency;
pub mod images;
pub mod instance_types;
pub mod instances;
pub mod internet_gateways;
pub mod key_pairs;
pub mod nat_gateways;
pub mod network_interfaces;
pub mod paging;
pub mod pools;
pub mod route_tables;
pub mod security_groups;
pub mod subnets;
pub mod tags;
pub mod vpc_endpoints;
pub mod vpcs;
pub mod zones;

use crate::index::Indexed;
use crate::protocol::error::AwsResult;
use crate::protocol::{Node, Params};
use crate::region::Ctx;

pub const XMLNS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
pub const API_VERSION: &str = "2016-11-15";

crate::registry::families! {
    /// Every EC2 resource of one account in one region, keyed by id: one
    /// line a family registers it (see [`crate::registry`]).
    pub struct Ec2State<Tags = tags::Tags> {
        vpcs: vpcs::Vpc,
        subnets: subnets::Subnet => subnets::Subnets,
        internet_gateways: internet_gateways::InternetGateway => Indexed<internet_gateways::InternetGateway>,
        egress_only_internet_gateways: egress_only_internet_gateways::EgressOnlyInternetGateway => Indexed<egress_only_internet_gateways::EgressOnlyInternetGateway>,
        carrier_gateways: carrier_gateways::CarrierGateway => Indexed<carrier_gateways::CarrierGateway>,
        addresses: addresses::Address,
        nat_gateways: nat_gateways::NatGateway => Indexed<nat_gateways::NatGateway>,
        route_tables: route_tables::RouteTable => Indexed<route_tables::RouteTable>,
        security_groups: security_groups::SecurityGroup => Indexed<security_groups::SecurityGroup>,
        instances: instances::Instance => Indexed<instances::Instance>,
        ipv6_pools: pools::Ipv6Pool,
        ipams: pools::Ipam,
        ipam_scopes: pools::IpamScope,
        ipam_pools: pools::IpamPool,
        network_interfaces: network_interfaces::NetworkInterface => Indexed<network_interfaces::NetworkInterface>,
        key_pairs: key_pairs::KeyPair,
        vpc_endpoints: vpc_endpoints::VpcEndpoint,
    }
}

impl Ec2State {
    /// The region's default VPC, if it has one (see `default_vpc.rs`).
    pub fn default_vpc(&self) -> Option<&vpcs::Vpc> {
        self.vpcs.values().find(|v| v.is_default)
    }
}

/// An action handler: parameters in, the children of `<ActionResponse>` out.
pub type Handler = fn(&mut Ctx<'_>, &Params) -> AwsResult<Vec<Node>>;

crate::registry::actions! {
    /// The EC2 action table.
    Handler {
        "CreateVpc" => vpcs::create_vpc,
        "DescribeVpcs" => vpcs::describe_vpcs,
        "CreateDefaultVpc" => default_vpc::create_default_vpc,
        "CreateDefaultSubnet" => default_vpc::create_default_subnet,
        "DescribeAccountAttributes" => default_vpc::describe_account_attributes,
        "DeleteVpc" => vpcs::delete_vpc,
        "ModifyVpcAttribute" => vpcs::modify_vpc_attribute,
        "DescribeVpcAttribute" => vpcs::describe_vpc_attribute,
        "AssociateVpcCidrBlock" => vpcs::associate_vpc_cidr_block,
        "DisassociateVpcCidrBlock" => vpcs::disassociate_vpc_cidr_block,
        "CreateSubnet" => subnets::create_subnet,
        "DescribeSubnets" => subnets::describe_subnets,
        "DeleteSubnet" => subnets::delete_subnet,
        "ModifySubnetAttribute" => subnets::modify_subnet_attribute,
        "AssociateSubnetCidrBlock" => subnets::associate_subnet_cidr_block,
        "DisassociateSubnetCidrBlock" => subnets::disassociate_subnet_cidr_block,
        "CreateInternetGateway" => internet_gateways::create_internet_gateway,
        "DescribeInternetGateways" => internet_gateways::describe_internet_gateways,
        "DeleteInternetGateway" => internet_gateways::delete_internet_gateway,
        "AttachInternetGateway" => internet_gateways::attach_internet_gateway,
        "DetachInternetGateway" => internet_gateways::detach_internet_gateway,
        "CreateEgressOnlyInternetGateway" => egress_only_internet_gateways::create_egress_only_internet_gateway,
        "DescribeEgressOnlyInternetGateways" => egress_only_internet_gateways::describe_egress_only_internet_gateways,
        "DeleteEgressOnlyInternetGateway" => egress_only_internet_gateways::delete_egress_only_internet_gateway,
        "CreateCarrierGateway" => carrier_gateways::create_carrier_gateway,
        "DescribeCarrierGateways" => carrier_gateways::describe_carrier_gateways,
        "DeleteCarrierGateway" => carrier_gateways::delete_carrier_gateway,
        "CreateVpcEndpoint" => vpc_endpoints::create_vpc_endpoint,
        "DescribeVpcEndpoints" => vpc_endpoints::describe_vpc_endpoints,
        "ModifyVpcEndpoint" => vpc_endpoints::modify_vpc_endpoint,
        "DeleteVpcEndpoints" => vpc_endpoints::delete_vpc_endpoints,
        "AllocateAddress" => addresses::allocate_address,
        "DescribeAddresses" => addresses::describe_addresses,
        "ReleaseAddress" => addresses::release_address,
        "AssociateAddress" => addresses::associate_address,
        "DisassociateAddress" => addresses::disassociate_address,
        "CreateNatGateway" => nat_gateways::create_nat_gateway,
        "DescribeNatGateways" => nat_gateways::describe_nat_gateways,
        "DeleteNatGateway" => nat_gateways::delete_nat_gateway,
        "CreateRouteTable" => route_tables::create_route_table,
        "DescribeRouteTables" => route_tables::describe_route_tables,
        "DeleteRouteTable" => route_tables::delete_route_table,
        "CreateRoute" => route_tables::create_route,
        "ReplaceRoute" => route_tables::replace_route,
        "DeleteRoute" => route_tables::delete_route,
        "AssociateRouteTable" => route_tables::associate_route_table,
        "DisassociateRouteTable" => route_tables::disassociate_route_table,
        "CreateSecurityGroup" => security_groups::create_security_group,
        "DescribeSecurityGroups" => security_groups::describe_security_groups,
        "DeleteSecurityGroup" => security_groups::delete_security_group,
        "AuthorizeSecurityGroupIngress" => security_groups::authorize_ingress,
        "AuthorizeSecurityGroupEgress" => security_groups::authorize_egress,
        "RevokeSecurityGroupIngress" => security_groups::revoke_ingress,
        "RevokeSecurityGroupEgress" => security_groups::revoke_egress,
        "DescribeSecurityGroupRules" => security_groups::describe_security_group_rules,
        "CreateTags" => tags::create_tags,
        "DeleteTags" => tags::delete_tags,
        "DescribeTags" => tags::describe_tags,
        "DescribeAvailabilityZones" => zones::describe_availability_zones,
        "DescribeRegions" => zones::describe_regions,
        "ModifyAvailabilityZoneGroup" => zones::modify_availability_zone_group,
        "DescribeInstanceTypes" => instance_types::describe_instance_types,
        "DescribeInstanceTypeOfferings" => instance_types::describe_instance_type_offerings,
        "DescribeImages" => images::describe_images,
        "CreateKeyPair" => key_pairs::create_key_pair,
        "ImportKeyPair" => key_pairs::import_key_pair,
        "DescribeKeyPairs" => key_pairs::describe_key_pairs,
        "DeleteKeyPair" => key_pairs::delete_key_pair,
        "RunInstances" => instances::run_instances,
        "ModifyInstanceMetadataOptions" => instances::modify_instance_metadata_options,
        "DescribeInstances" => instances::describe_instances,
        "TerminateInstances" => instances::terminate_instances,
        "DescribeNetworkInterfaces" => network_interfaces::describe_network_interfaces,
        "CreateNetworkInterface" => network_interfaces::create_network_interface,
        "DeleteNetworkInterface" => network_interfaces::delete_network_interface,
        "AssignIpv6Addresses" => network_interfaces::assign_ipv6_addresses,
        "UnassignIpv6Addresses" => network_interfaces::unassign_ipv6_addresses,
        "ModifyNetworkInterfaceAttribute" => network_interfaces::modify_network_interface_attribute,
        "DescribeNetworkInterfaceAttribute" => network_interfaces::describe_network_interface_attribute,
        "DescribeIpv6Pools" => pools::describe_ipv6_pools,
        "CreateIpam" => pools::create_ipam,
        "DescribeIpams" => pools::describe_ipams,
        "DeleteIpam" => pools::delete_ipam,
        "DescribeIpamScopes" => pools::describe_ipam_scopes,
        "CreateIpamPool" => pools::create_ipam_pool,
        "DescribeIpamPools" => pools::describe_ipam_pools,
        "DeleteIpamPool" => pools::delete_ipam_pool,
        "ProvisionIpamPoolCidr" => pools::provision_ipam_pool_cidr,
        "GetIpamPoolCidrs" => pools::get_ipam_pool_cidrs,
        "GetIpamPoolAllocations" => pools::get_ipam_pool_allocations,
    }
}
