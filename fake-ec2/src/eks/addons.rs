//! EKS managed add-ons: CreateAddon, DescribeAddon, ListAddons,
//! UpdateAddon, DeleteAddon, DescribeAddonVersions (from
//! [`super::catalog`]).
//!
//! Status: CREATING, then ACTIVE after `settle_reads` DescribeAddon reads;
//! UPDATING for at least one read after UpdateAddon; DELETING in the
//! DeleteAddon answer and at least one read after it, then gone. A deleted
//! cluster takes its add-ons with it.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::catalog::{self, ADDONS, AddonInfo};
use super::clusters::{self, Update};
use super::errors;
use super::{Request, Tags, epoch, tags_in};
use crate::ids::Timestamp;
use crate::protocol::error::AwsResult;
use crate::region::Ctx;

pub const CREATING: &str = "CREATING";
pub const ACTIVE: &str = "ACTIVE";
pub const UPDATING: &str = "UPDATING";
pub const DELETING: &str = "DELETING";
pub const DEGRADED: &str = "DEGRADED";
const RESOLVE_CONFLICTS: [&str; 3] = ["NONE", "OVERWRITE", "PRESERVE"];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Addon {
    pub addon_name: String,
    pub cluster_name: String,
    pub status: String,
    pub addon_version: String,
    pub addon_arn: String,
    pub created_at: Timestamp,
    pub modified_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration_values: Option<String>,
    pub tags: Tags,
    #[serde(default, skip_serializing_if = "crate::bookkeeping::hidden_in_dump")]
    pub reads_left: u32,
}

impl Addon {
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "addonName": self.addon_name,
            "clusterName": self.cluster_name,
            "status": self.status,
            "addonVersion": self.addon_version,
            "health": {"issues": []},
            "addonArn": self.addon_arn,
            "createdAt": epoch(self.created_at),
            "modifiedAt": epoch(self.modified_at),
            "tags": self.tags,
            "publisher": "eks",
            "owner": "aws",
        });
        let o = out.as_object_mut().expect("an object");
        if let Some(r) = &self.service_account_role_arn {
            o.insert("serviceAccountRoleArn".into(), json!(r));
        }
        if let Some(c) = &self.configuration_values {
            o.insert("configurationValues".into(), json!(c));
        }
        out
    }

    /// Moves a transitional status on by one read; true when a deleted
    /// add-on is gone.
    fn observe(&mut self, updates: &mut std::collections::BTreeMap<String, Update>) -> bool {
        if ![CREATING, UPDATING, DELETING].contains(&self.status.as_str()) {
            return false;
        }
        if self.reads_left > 0 {
            self.reads_left -= 1;
            return false;
        }
        if self.status == DELETING {
            return true;
        }
        self.status = ACTIVE.to_owned();
        for u in updates.values_mut() {
            if u.addon_name.as_deref() == Some(self.addon_name.as_str()) && u.status == "InProgress"
            {
                u.status = "Successful".to_owned();
            }
        }
        false
    }
}

/// The add-on a call names, read (its status moves on; a deleted one is
/// removed once its last DELETING read has passed).
pub fn observe_addon<'a>(
    ctx: &'a mut Ctx<'_>,
    cluster: &str,
    name: &str,
) -> AwsResult<&'a mut Addon> {
    let c = clusters::observe(ctx, cluster)?;
    let Some(addon) = c.addons.get_mut(name) else {
        return Err(errors::addon_not_found(cluster, name));
    };
    if addon.observe(&mut c.updates) {
        c.addons.remove(name);
        return Err(errors::addon_not_found(cluster, name));
    }
    Ok(c.addons.get_mut(name).expect("observed above"))
}

fn info_for(name: &str, minor: u32) -> AwsResult<&'static AddonInfo> {
    catalog::addon(name).ok_or_else(|| {
        errors::invalid_parameter(format!(
            "Addon {name} specified is not supported in 1.{minor} kubernetes version"
        ))
    })
}

fn check_version(info: &AddonInfo, version: &str, minor: u32, ipv6: bool) -> AwsResult<()> {
    if !info.runs(version, minor) {
        return Err(errors::invalid_parameter(
            "Addon version specified is not supported",
        ));
    }
    if ipv6
        && info.name == "vpc-cni"
        && catalog::semver(version).is_some_and(|v| v < catalog::VPC_CNI_IPV6_MIN)
    {
        let (a, b, c) = catalog::VPC_CNI_IPV6_MIN;
        return Err(errors::invalid_parameter(format!(
            "Addon version {version} of vpc-cni does not support IPv6 clusters: IPv6 needs v{a}.{b}.{c} or later"
        )));
    }
    Ok(())
}

fn check_resolve_conflicts(req: &Request) -> AwsResult<Option<String>> {
    match req.string("resolveConflicts")? {
        None => Ok(None),
        Some(r) if RESOLVE_CONFLICTS.contains(&r) => Ok(Some(r.to_owned())),
        Some(r) => Err(errors::invalid_parameter(format!(
            "Invalid resolveConflicts value {r}: valid values are NONE, OVERWRITE, PRESERVE"
        ))),
    }
}

/// `configurationValues`: a JSON or YAML object (`""` clears it).
fn check_configuration(req: &Request) -> AwsResult<Option<Option<String>>> {
    let Some(text) = req.string("configurationValues")? else {
        return Ok(None);
    };
    if text.trim().is_empty() {
        return Ok(Some(None));
    }
    let is_object = match serde_json::from_str::<Value>(text) {
        Ok(v) => v.is_object(),
        Err(_) => matches!(serde_saphyr::from_str::<Value>(text), Ok(Value::Object(_))),
    };
    if !is_object {
        return Err(errors::invalid_parameter(
            "ConfigurationValue provided in request is not supported: it must be a JSON or YAML object",
        ));
    }
    Ok(Some(Some(text.to_owned())))
}

/// `serviceAccountRoleArn`: an IAM role ARN (`""` clears it).
fn check_role(req: &Request) -> AwsResult<Option<Option<String>>> {
    let Some(arn) = req.string("serviceAccountRoleArn")? else {
        return Ok(None);
    };
    if arn.is_empty() {
        return Ok(Some(None));
    }
    let ok = arn.len() <= 255
        && arn.starts_with("arn:aws")
        && arn.contains(":iam::")
        && arn.contains(":role/");
    if !ok {
        return Err(errors::invalid_parameter(format!(
            "The serviceAccountRoleArn {arn} is not a valid IAM role ARN"
        )));
    }
    Ok(Some(Some(arn.to_owned())))
}

/// A cluster add-on calls may change: one in ACTIVE or UPDATING status.
fn cluster_ready<'a>(ctx: &'a mut Ctx<'_>, name: &str) -> AwsResult<&'a mut clusters::Cluster> {
    let cluster = clusters::find_mut(ctx, name)?;
    if cluster.status != clusters::ACTIVE && cluster.status != clusters::UPDATING {
        return Err(errors::invalid_request(format!(
            "Cluster '{name}' is not in ACTIVE status"
        )));
    }
    Ok(cluster)
}

pub fn create_addon(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let cluster_name = req.label(0).to_owned();
    let name = req.required_string("addonName")?.to_owned();
    let resolve = check_resolve_conflicts(req)?;
    let config = check_configuration(req)?.flatten();
    let role = check_role(req)?.flatten();
    let tags = tags_in(&req.body, "tags")?;
    super::check_tags(&tags, errors::invalid_parameter)?;
    let requested = req.string("addonVersion")?.map(str::to_owned);
    let cluster = cluster_ready(ctx, &cluster_name)?;
    let (minor, ipv6) = (cluster.minor(), cluster.is_ipv6());
    if cluster.addons.contains_key(&name) {
        return Err(errors::in_use("Addon already exists."));
    }
    let info = info_for(&name, minor)?;
    let version = match requested {
        Some(v) => v,
        None => info
            .default_for(minor)
            .expect("every catalog add-on runs on every minor")
            .to_owned(),
    };
    check_version(info, &version, minor, ipv6)?;
    let _ = resolve;
    let id = clusters::uuid(ctx, "eks-addon");
    let arn = ctx
        .region
        .arn("eks", &format!("addon/{cluster_name}/{name}/{id}"));
    let (now, settle) = (ctx.now, ctx.region.settle_reads);
    let addon = Addon {
        addon_name: name.clone(),
        cluster_name: cluster_name.clone(),
        status: CREATING.to_owned(),
        addon_version: version,
        addon_arn: arn,
        created_at: now,
        modified_at: now,
        service_account_role_arn: role,
        configuration_values: config,
        tags,
        reads_left: settle,
    };
    let answer = json!({ "addon": addon.to_json() });
    clusters::find_mut(ctx, &cluster_name)?
        .addons
        .insert(name, addon);
    Ok(answer)
}

pub fn describe_addon(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let addon = observe_addon(ctx, req.label(0), req.label(1))?;
    Ok(json!({ "addon": addon.to_json() }))
}

pub fn list_addons(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let cluster_name = req.label(0).to_owned();
    let names: Vec<String> = clusters::observe(ctx, &cluster_name)?
        .addons
        .keys()
        .cloned()
        .collect();
    let mut live = Vec::new();
    for name in names {
        if observe_addon(ctx, &cluster_name, &name).is_ok() {
            live.push((name.clone(), name));
        }
    }
    let (page, next) = super::page(req, &live)?;
    let mut out = json!({ "addons": page });
    if let Some(t) = next {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}

pub fn update_addon(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let (cluster_name, name) = (req.label(0).to_owned(), req.label(1).to_owned());
    let resolve = check_resolve_conflicts(req)?;
    let config = check_configuration(req)?;
    let role = check_role(req)?;
    let requested = req.string("addonVersion")?.map(str::to_owned);
    let cluster = cluster_ready(ctx, &cluster_name)?;
    let (minor, ipv6) = (cluster.minor(), cluster.is_ipv6());
    let addon = cluster
        .addons
        .get(&name)
        .ok_or_else(|| errors::addon_not_found(&cluster_name, &name))?;
    if addon.status != ACTIVE && addon.status != DEGRADED {
        return Err(errors::in_use(format!(
            "Addon {name} cannot be updated as it is currently in {} state",
            addon.status
        )));
    }
    let info = info_for(&name, minor)?;
    let mut params = Vec::new();
    if let Some(v) = &requested {
        check_version(info, v, minor, ipv6)?;
        params.push(("AddonVersion".to_owned(), v.clone()));
    }
    if let Some(r) = &resolve {
        params.push(("ResolveConflicts".to_owned(), r.clone()));
    }
    if let Some(c) = &config {
        params.push((
            "ConfigurationValues".to_owned(),
            c.clone().unwrap_or_default(),
        ));
    }
    if let Some(r) = &role {
        params.push((
            "ServiceAccountRoleArn".to_owned(),
            r.clone().unwrap_or_default(),
        ));
    }
    let id = clusters::uuid(ctx, "eks-update");
    let (now, settle) = (ctx.now, ctx.region.settle_reads.max(1));
    let cluster = clusters::find_mut(ctx, &cluster_name)?;
    let update = Update {
        id: id.clone(),
        kind: "AddonUpdate".to_owned(),
        status: "InProgress".to_owned(),
        params,
        created_at: now,
        addon_name: Some(name.clone()),
    };
    let answer = json!({ "update": update.to_json() });
    cluster.updates.insert(id, update);
    let addon = cluster.addons.get_mut(&name).expect("checked above");
    if let Some(v) = requested {
        addon.addon_version = v;
    }
    if let Some(c) = config {
        addon.configuration_values = c;
    }
    if let Some(r) = role {
        addon.service_account_role_arn = r;
    }
    addon.status = UPDATING.to_owned();
    addon.reads_left = settle;
    addon.modified_at = now;
    Ok(answer)
}

pub fn delete_addon(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let (cluster_name, name) = (req.label(0).to_owned(), req.label(1).to_owned());
    match req.query_one("preserve") {
        None | Some("true" | "false") => {}
        Some(v) => {
            return Err(errors::invalid_parameter(format!(
                "Invalid preserve value {v}: expected true or false"
            )));
        }
    }
    let (now, settle) = (ctx.now, ctx.region.settle_reads.max(1));
    let cluster = clusters::find_mut(ctx, &cluster_name)?;
    let addon = cluster
        .addons
        .get_mut(&name)
        .ok_or_else(|| errors::addon_not_found(&cluster_name, &name))?;
    if addon.status != DELETING {
        addon.status = DELETING.to_owned();
        addon.reads_left = settle;
        addon.modified_at = now;
    }
    Ok(json!({ "addon": addon.to_json() }))
}

fn version_json(info: &AddonInfo, v: &catalog::AddonVersion, only: Option<u32>) -> Value {
    let minors: Vec<u32> = (v.minors.0..=v.minors.1)
        .filter(|m| only.is_none_or(|o| o == *m))
        .collect();
    let compat: Vec<Value> = minors
        .iter()
        .map(|m| {
            json!({
                "clusterVersion": format!("1.{m}"),
                "platformVersions": ["*"],
                "defaultVersion": info.default_for(*m) == Some(v.version),
            })
        })
        .collect();
    json!({
        "addonVersion": v.version,
        "architecture": ["amd64", "arm64"],
        "computeTypes": ["ec2"],
        "compatibilities": compat,
        "requiresConfiguration": false,
        "requiresIamPermissions": info.name == "vpc-cni",
    })
}

pub fn describe_addon_versions(_ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let minor = match req.query_one("kubernetesVersion") {
        None => None,
        Some(v) => match catalog::supported_minor(v) {
            Some(m) => Some(m),
            // An unknown version lists nothing.
            None => return Ok(json!({ "addons": [] })),
        },
    };
    let name = req.query_one("addonName");
    let types = req.query_all("types");
    let publishers = req.query_all("publishers");
    let owners = req.query_all("owners");
    let mut items: Vec<(String, Value)> = Vec::new();
    for info in ADDONS {
        if name.is_some_and(|n| n != info.name)
            || (!types.is_empty() && !types.contains(&info.kind))
            || (!publishers.is_empty() && !publishers.contains(&"eks"))
            || (!owners.is_empty() && !owners.contains(&"aws"))
        {
            continue;
        }
        let versions: Vec<Value> = info
            .versions
            .iter()
            .filter(|v| minor.is_none_or(|m| (v.minors.0..=v.minors.1).contains(&m)))
            .map(|v| version_json(info, v, minor))
            .collect();
        if versions.is_empty() {
            continue;
        }
        items.push((
            info.name.to_owned(),
            json!({
                "addonName": info.name,
                "type": info.kind,
                "addonVersions": versions,
                "publisher": "eks",
                "owner": "aws",
                "defaultNamespace": "kube-system",
            }),
        ));
    }
    let (page, next) = super::page(req, &items)?;
    let mut out = json!({ "addons": page });
    if let Some(t) = next {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}
