//! The CAPA and Cluster API objects the provisioner reads, as serde types.
//! Field names are the CRDs' JSON names; every field is optional on input so
//! that real manifests parse unchanged, and unknown fields are ignored.
//! Defaults CAPA applies are applied by the model (`crate::model`), not here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub type Tags = BTreeMap<String, String>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ObjectMeta {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// A reference to another object (`controlPlaneRef`, `infrastructureRef`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    pub name: String,
}

// ---------------------------------------------------------------- Cluster

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cluster {
    pub metadata: ObjectMeta,
    pub spec: ClusterSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterSpec {
    pub cluster_network: Option<ClusterNetwork>,
    pub control_plane_ref: Option<ObjectRef>,
    pub infrastructure_ref: Option<ObjectRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterNetwork {
    pub pods: Option<NetworkRanges>,
    pub services: Option<NetworkRanges>,
    pub service_domain: Option<String>,
    pub api_server_port: Option<u16>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NetworkRanges {
    pub cidr_blocks: Vec<String>,
}

// ---------------------------------------------------------------- AWSCluster

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AwsCluster {
    pub metadata: ObjectMeta,
    pub spec: AwsClusterSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AwsClusterSpec {
    pub region: Option<String>,
    pub ssh_key_name: Option<String>,
    pub network: NetworkSpec,
    pub control_plane_load_balancer: Option<LoadBalancerSpec>,
    pub secondary_control_plane_load_balancer: Option<LoadBalancerSpec>,
    pub additional_tags: Tags,
    pub bastion: Option<Bastion>,
    pub s3_bucket: Option<S3Bucket>,
}

/// `AWSCluster.spec.s3Bucket`: the bucket CAPA keeps Ignition bootstrap
/// data in (behind its `BootstrapFormatIgnition` feature gate). Its one
/// network effect is an S3 gateway endpoint in a managed VPC.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct S3Bucket {
    pub name: String,
    #[serde(rename = "controlPlaneIAMInstanceProfile")]
    pub control_plane_iam_instance_profile: String,
    #[serde(rename = "nodesIAMInstanceProfiles")]
    pub nodes_iam_instance_profiles: Vec<String>,
    #[serde(rename = "presignedURLDuration")]
    pub presigned_url_duration: Option<String>,
    pub best_effort_delete_objects: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Bastion {
    pub enabled: bool,
    #[serde(rename = "allowedCIDRBlocks")]
    pub allowed_cidr_blocks: Vec<String>,
    pub disable_ingress_rules: bool,
    pub instance_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NetworkSpec {
    pub vpc: VpcSpec,
    pub subnets: Vec<SubnetSpec>,
    pub cni: Option<CniSpec>,
    pub security_group_overrides: BTreeMap<String, String>,
    pub additional_control_plane_ingress_rules: Vec<IngressRule>,
    pub additional_node_ingress_rules: Vec<IngressRule>,
    pub node_port_ingress_rule_cidr_blocks: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VpcSpec {
    pub id: Option<String>,
    pub cidr_block: Option<String>,
    pub secondary_cidr_blocks: Vec<SecondaryCidr>,
    pub ipam_pool: Option<IpamPoolRef>,
    /// IPv6 is on exactly when this is present (`ipv6: {}` included).
    pub ipv6: Option<Ipv6Spec>,
    pub internet_gateway_id: Option<String>,
    pub carrier_gateway_id: Option<String>,
    pub tags: Tags,
    pub availability_zone_usage_limit: Option<u32>,
    pub availability_zone_selection: Option<String>,
    #[serde(rename = "emptyRoutesDefaultVPCSecurityGroup")]
    pub empty_routes_default_vpc_security_group: bool,
    pub private_dns_hostname_type_on_launch: Option<String>,
    pub subnet_schema: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SecondaryCidr {
    pub ipv4_cidr_block: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IpamPoolRef {
    pub id: Option<String>,
    pub name: Option<String>,
    pub netmask_length: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Ipv6Spec {
    pub cidr_block: Option<String>,
    pub pool_id: Option<String>,
    pub egress_only_internet_gateway_id: Option<String>,
    pub ipam_pool: Option<IpamPoolRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SubnetSpec {
    pub id: String,
    #[serde(rename = "resourceID")]
    pub resource_id: Option<String>,
    pub cidr_block: Option<String>,
    pub ipv6_cidr_block: Option<String>,
    pub availability_zone: Option<String>,
    pub is_public: bool,
    pub is_ipv6: bool,
    pub route_table_id: Option<String>,
    pub nat_gateway_id: Option<String>,
    pub tags: Tags,
    pub zone_type: Option<String>,
    pub parent_zone_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CniSpec {
    pub cni_ingress_rules: Vec<CniIngressRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CniIngressRule {
    pub description: String,
    pub protocol: String,
    pub from_port: i64,
    pub to_port: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IngressRule {
    pub description: String,
    pub protocol: String,
    pub from_port: i64,
    pub to_port: i64,
    pub cidr_blocks: Vec<String>,
    pub ipv6_cidr_blocks: Vec<String>,
    pub source_security_group_ids: Vec<String>,
    pub source_security_group_roles: Vec<String>,
    #[serde(rename = "natGatewaysIPsSource")]
    pub nat_gateways_ips_source: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LoadBalancerSpec {
    pub name: Option<String>,
    pub scheme: Option<String>,
    pub cross_zone_load_balancing: bool,
    /// Health check timings for the API target group.
    pub health_check: Option<TargetGroupHealthCheckSpec>,
    pub subnets: Vec<String>,
    pub health_check_protocol: Option<String>,
    pub additional_security_groups: Vec<String>,
    pub additional_listeners: Vec<AdditionalListener>,
    pub ingress_rules: Vec<IngressRule>,
    pub load_balancer_type: Option<String>,
    #[serde(rename = "preserveClientIP")]
    pub preserve_client_ip: bool,
    #[serde(rename = "targetGroupIPType")]
    pub target_group_ip_type: Option<String>,
    /// This project's extension: the load balancer's IP address type
    /// (`ipv4` or `dualstack`), the seed's "Load Balancer IP Type" column.
    pub ip_address_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TargetGroupHealthCheckSpec {
    /// Additional listeners only (the API target group's protocol is
    /// `healthCheckProtocol`).
    pub protocol: Option<String>,
    pub port: Option<String>,
    pub path: Option<String>,
    pub interval_seconds: Option<i64>,
    pub timeout_seconds: Option<i64>,
    pub threshold_count: Option<i64>,
    pub unhealthy_threshold_count: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AdditionalListener {
    pub port: i64,
    pub protocol: Option<String>,
    #[serde(rename = "targetGroupIPType")]
    pub target_group_ip_type: Option<String>,
    pub health_check: Option<TargetGroupHealthCheckSpec>,
}

// ---------------------------------------------------------------- EKS

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AwsManagedControlPlane {
    pub metadata: ObjectMeta,
    pub spec: AwsManagedControlPlaneSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AwsManagedControlPlaneSpec {
    pub eks_cluster_name: Option<String>,
    pub network: NetworkSpec,
    pub region: Option<String>,
    pub ssh_key_name: Option<String>,
    pub version: Option<String>,
    pub role_name: Option<String>,
    pub endpoint_access: EndpointAccess,
    /// Only the private subnets go to EKS (CAPA's `restrictPrivateSubnets`).
    pub restrict_private_subnets: bool,
    pub addons: Option<Vec<EksAddon>>,
    pub additional_tags: Tags,
}

/// `spec.endpointAccess`: unset fields are left to EKS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EndpointAccess {
    pub public: Option<bool>,
    pub private: Option<bool>,
    #[serde(rename = "publicCIDRs")]
    pub public_cidrs: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EksAddon {
    pub name: String,
    pub version: String,
    pub conflict_resolution: Option<String>,
    /// JSON or YAML handed to the add-on (`configurationValues`).
    pub configuration: Option<String>,
    #[serde(rename = "serviceAccountRoleARN")]
    pub service_account_role_arn: Option<String>,
}

// ---------------------------------------------------------------- machines

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KubeadmControlPlane {
    pub metadata: ObjectMeta,
    pub spec: KubeadmControlPlaneSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KubeadmControlPlaneSpec {
    pub replicas: Option<u32>,
    pub version: Option<String>,
    pub machine_template: Option<KcpMachineTemplate>,
    pub kubeadm_config_spec: KubeadmConfigSpec,
}

/// The parts of Cluster API's `KubeadmConfigSpec` an IPv6 cluster needs
/// set (see [`crate::kubeadm`]); the rest is not read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KubeadmConfigSpec {
    pub cluster_configuration: KubeadmClusterConfiguration,
    pub init_configuration: KubeadmNodeConfiguration,
    pub join_configuration: KubeadmNodeConfiguration,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KubeadmClusterConfiguration {
    pub api_server: KubeadmComponent,
    pub controller_manager: KubeadmComponent,
    pub scheduler: KubeadmComponent,
}

/// `extraArgs`: a map in v1beta1, a list of `{name, value}` in v1beta2;
/// read as written and interpreted by [`crate::kubeadm::arg`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KubeadmComponent {
    pub extra_args: serde_json::Value,
}

/// `initConfiguration` or `joinConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KubeadmNodeConfiguration {
    pub node_registration: KubeadmNodeRegistration,
    #[serde(rename = "localAPIEndpoint")]
    pub local_api_endpoint: KubeadmApiEndpoint,
    /// `joinConfiguration.controlPlane` (control-plane joins only).
    pub control_plane: Option<KubeadmJoinControlPlane>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KubeadmNodeRegistration {
    /// As [`KubeadmComponent::extra_args`].
    pub kubelet_extra_args: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KubeadmApiEndpoint {
    pub advertise_address: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KubeadmJoinControlPlane {
    #[serde(rename = "localAPIEndpoint")]
    pub local_api_endpoint: KubeadmApiEndpoint,
}

/// A MachineDeployment's `spec.template.spec.bootstrap`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Bootstrap {
    pub config_ref: Option<ObjectRef>,
}

/// A worker's bootstrap configuration (`bootstrap.cluster.x-k8s.io`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KubeadmConfigTemplate {
    pub metadata: ObjectMeta,
    pub spec: KubeadmConfigTemplateSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KubeadmConfigTemplateSpec {
    pub template: KubeadmConfigTemplateResource,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KubeadmConfigTemplateResource {
    pub spec: KubeadmConfigSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KcpMachineTemplate {
    pub infrastructure_ref: Option<ObjectRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AwsMachineTemplate {
    pub metadata: ObjectMeta,
    pub spec: AwsMachineTemplateSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AwsMachineTemplateSpec {
    pub template: AwsMachineTemplateResource,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AwsMachineTemplateResource {
    pub spec: AwsMachineSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AwsMachineSpec {
    pub instance_type: Option<String>,
    pub subnet: Option<SubnetRef>,
    #[serde(rename = "assignPrimaryIPv6")]
    pub assign_primary_ipv6: Option<String>,
    pub private_dns_name: Option<PrivateDnsName>,
    pub instance_metadata_options: Option<InstanceMetadataOptions>,
    #[serde(rename = "publicIP")]
    pub public_ip: Option<bool>,
    pub ssh_key_name: Option<String>,
    pub additional_security_groups: Vec<SecurityGroupRef>,
    pub ami: Option<AmiRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AmiRef {
    pub id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SubnetRef {
    pub id: Option<String>,
    pub filters: Vec<SubnetFilter>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubnetFilter {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecurityGroupRef {
    pub id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PrivateDnsName {
    #[serde(rename = "enableResourceNameDnsAAAARecord")]
    pub enable_resource_name_dns_aaaa_record: Option<bool>,
    pub enable_resource_name_dns_a_record: Option<bool>,
    pub hostname_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct InstanceMetadataOptions {
    pub http_endpoint: Option<String>,
    pub http_protocol_ipv6: Option<String>,
    pub http_put_response_hop_limit: Option<i64>,
    pub http_tokens: Option<String>,
    pub instance_metadata_tags: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MachineDeployment {
    pub metadata: ObjectMeta,
    pub spec: MachineDeploymentSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MachineDeploymentSpec {
    pub cluster_name: Option<String>,
    pub replicas: Option<u32>,
    pub template: MachineTemplateSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MachineTemplateSpec {
    pub spec: MachineSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MachineSpec {
    pub infrastructure_ref: Option<ObjectRef>,
    pub bootstrap: Option<Bootstrap>,
    pub version: Option<String>,
    pub failure_domain: Option<String>,
}
