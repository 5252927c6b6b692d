//! The whole configuration cross product: public subnet family x private
//! subnet family x load balancer (an NLB of each IP type, or CAPA's default
//! classic ELB) x target group IP type (NLBs only) x scheme; and the EKS
//! flavour (an AWSManagedControlPlane in two zones, no load balancer) for
//! each pair of families.
//! For every cell the provisioner runs twice against a fresh fake: with
//! its validation (its verdict), and without (AWS's verdict, as the fake
//! gives it). The two must agree: valid cells provision both times;
//! invalid ones are refused by the provisioner and by AWS. The table of
//! verdicts is snapshotted, and README.md's support matrix is generated
//! from it.

use std::collections::BTreeMap;

use libtest_mimic::{Failed, Trial};
use provisioner::apply::{self, ApplyOptions};
use provisioner::pipeline;
use provisioner::plan::PlanOptions;
use provisioner::spec::{Manifests, Vars};
use provisioner::target::Clients;

use crate::common::runtime;

pub const FAMILIES: [&str; 3] = ["ipv4", "dualstack", "ipv6-only"];
/// An NLB's IP address types, and `classic`: no `loadBalancerType`, so
/// CAPA's default classic ELB (which has no IP type or target group). The
/// EKS cells say `eks` here: EKS makes the control plane's endpoint.
pub const LB_TYPES: [&str; 4] = ["ipv4", "dualstack", "ipv6", "classic"];
pub const TG_TYPES: [&str; 2] = ["ipv4", "ipv6"];
pub const SCHEMES: [&str; 2] = ["internet-facing", "internal"];

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Cell {
    pub public: &'static str,
    pub private: &'static str,
    pub lb: &'static str,
    pub tg: &'static str,
    pub scheme: &'static str,
}

/// One cell's verdicts.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verdict {
    pub cell: Cell,
    /// `ok` or `refused: rule, rule`.
    pub provisioner: String,
    /// `ok` or `refused: ErrorCode (Action)`.
    pub aws: String,
}

impl Verdict {
    pub fn agrees(&self) -> bool {
        (self.provisioner == "ok") == (self.aws == "ok")
    }
}

pub fn cells() -> Vec<Cell> {
    let mut out = Vec::new();
    for public in FAMILIES {
        for private in FAMILIES {
            for lb in LB_TYPES {
                let tgs: &[&'static str] = if lb == "classic" { &["-"] } else { &TG_TYPES };
                for &tg in tgs {
                    for scheme in SCHEMES {
                        out.push(Cell {
                            public,
                            private,
                            lb,
                            tg,
                            scheme,
                        });
                    }
                }
            }
        }
    }
    for public in FAMILIES {
        for private in FAMILIES {
            out.push(Cell {
                public,
                private,
                lb: "eks",
                tg: "-",
                scheme: "-",
            });
        }
    }
    out
}

fn subnet(id: &str, family: &str, n: u8, public: bool) -> String {
    zone_subnet(id, family, n, public, "us-east-1a")
}

fn zone_subnet(id: &str, family: &str, n: u8, public: bool, zone: &str) -> String {
    let body = match family {
        "ipv4" => format!("cidrBlock: 10.0.{n}.0/24"),
        "dualstack" => format!("cidrBlock: 10.0.{n}.0/24, isIpv6: true"),
        _ => "isIpv6: true".to_owned(),
    };
    format!("    - {{id: {id}, {body}, isPublic: {public}, availabilityZone: {zone}}}\n")
}

/// The add-ons an IPv6 EKS cluster needs (seed), at versions EKS runs on
/// Kubernetes 1.31 (the fake's DescribeAddonVersions catalog).
const EKS_ADDONS: &str = "  addons:
  - {name: vpc-cni, version: v1.20.1-eksbuild.3, conflictResolution: overwrite}
  - {name: coredns, version: v1.11.4-eksbuild.24}
  - {name: kube-proxy, version: v1.31.14-eksbuild.9}
";

/// An EKS cell: an AWSManagedControlPlane on Kubernetes 1.31 with the
/// three add-ons, a public and a private subnet in each of two zones (EKS
/// places its control plane in two).
fn eks_manifests(c: &Cell) -> String {
    let ipv6 = c.public != "ipv4" || c.private != "ipv4";
    format!(
        "apiVersion: cluster.x-k8s.io/v1beta1
kind: Cluster
metadata: {{name: cell}}
spec:
  controlPlaneRef: {{kind: AWSManagedControlPlane, apiVersion: controlplane.cluster.x-k8s.io/v1beta2, name: cell-cp}}
  infrastructureRef: {{kind: AWSManagedCluster, apiVersion: infrastructure.cluster.x-k8s.io/v1beta2, name: cell}}
---
apiVersion: infrastructure.cluster.x-k8s.io/v1beta2
kind: AWSManagedCluster
metadata: {{name: cell}}
spec: {{}}
---
apiVersion: controlplane.cluster.x-k8s.io/v1beta2
kind: AWSManagedControlPlane
metadata: {{name: cell-cp}}
spec:
  region: us-east-1
  version: v1.31.0
{EKS_ADDONS}  network:
    vpc:
      cidrBlock: 10.0.0.0/16
{v6}    subnets:
{}{}{}{}",
        zone_subnet("cell-public-a", c.public, 1, true, "us-east-1a"),
        zone_subnet("cell-public-b", c.public, 3, true, "us-east-1b"),
        zone_subnet("cell-private-a", c.private, 2, false, "us-east-1a"),
        zone_subnet("cell-private-b", c.private, 4, false, "us-east-1b"),
        v6 = if ipv6 { "      ipv6: {}\n" } else { "" },
    )
}

/// The manifests of a cell: one zone, a public and a private subnet, an
/// NLB (or no load balancer type: a classic ELB), one control-plane
/// machine. Pods follow the private subnets' family.
pub fn manifests(c: &Cell) -> String {
    if c.lb == "eks" {
        return eks_manifests(c);
    }
    let lb = if c.lb == "classic" {
        format!("    scheme: {}\n", c.scheme)
    } else {
        format!(
            "    loadBalancerType: nlb\n    scheme: {}\n    ipAddressType: {}\n    targetGroupIPType: {}\n",
            c.scheme, c.lb, c.tg
        )
    };
    let ipv6 = c.public != "ipv4" || c.private != "ipv4";
    let pods = match c.private {
        "ipv4" => "[192.168.0.0/16]",
        "dualstack" => "[192.168.0.0/16, fd01::/48]",
        _ => "[fd01::/48]",
    };
    let services = match c.private {
        "ipv4" => "[172.30.0.0/16]",
        "dualstack" => "[172.30.0.0/16, fd02::/112]",
        _ => "[fd02::/112]",
    };
    format!(
        "apiVersion: cluster.x-k8s.io/v1beta1
kind: Cluster
metadata: {{name: cell}}
spec:
  clusterNetwork:
    pods: {{cidrBlocks: {pods}}}
    services: {{cidrBlocks: {services}}}
  controlPlaneRef: {{kind: KubeadmControlPlane, name: cell-cp}}
  infrastructureRef: {{kind: AWSCluster, name: cell}}
---
apiVersion: infrastructure.cluster.x-k8s.io/v1beta2
kind: AWSCluster
metadata: {{name: cell}}
spec:
  region: us-east-1
  controlPlaneLoadBalancer:
{lb}  network:
    cni:
      cniIngressRules:
      - {{description: VXLAN (calico), protocol: udp, fromPort: 4789, toPort: 4789}}
    vpc:
      cidrBlock: 10.0.0.0/16
{v6}    subnets:
{public}{private}---
apiVersion: controlplane.cluster.x-k8s.io/v1beta1
kind: KubeadmControlPlane
metadata: {{name: cell-cp}}
spec:
  kubeadmConfigSpec: {{}}
  replicas: 1
  version: v1.31.0
  machineTemplate:
    infrastructureRef: {{kind: AWSMachineTemplate, name: cell-cp}}
---
apiVersion: infrastructure.cluster.x-k8s.io/v1beta2
kind: AWSMachineTemplate
metadata: {{name: cell-cp}}
spec:
  template:
    spec:
      instanceType: m5.large
      instanceMetadataOptions: {{httpProtocolIpv6: enabled}}
",
        v6 = if ipv6 { "      ipv6: {}\n" } else { "" },
        public = subnet("cell-public", c.public, 1, true),
        private = subnet("cell-private", c.private, 2, false),
    )
}

async fn verdict(text: &str, validate: bool) -> Result<String, Failed> {
    let fake = provisioner::target::embedded_fake(fake_ec2::Seed::default(), "us-east-1")?;
    let server = fake.start().await.map_err(|e| e.to_string())?;
    let clients = Clients::for_fake(fake, server, "us-east-1");
    let m = Manifests::load_str(text, "cell.yaml", &Vars::only(BTreeMap::new()))
        .map_err(|e| e.to_string())?;
    let model = pipeline::model(&m).map_err(|e| e.to_string())?;
    let p = pipeline::prepare(&clients, model, None, &PlanOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    if validate && p.refused() {
        let mut rules: Vec<&str> = p
            .findings
            .iter()
            .filter(|f| f.is_error())
            .map(|f| f.rule.id())
            .collect();
        rules.sort_unstable();
        rules.dedup();
        return Ok(format!("refused: {}", rules.join(", ")));
    }
    let mut opts = ApplyOptions::for_target(true);
    opts.sequential = true;
    Ok(
        match apply::apply(&clients, &p.model, &p.facts, &p.plan, &opts).await {
            Ok(_) => "ok".to_owned(),
            Err(apply::ApplyError::Aws { source, .. }) => {
                format!(
                    "refused: {} ({})",
                    source.code.unwrap_or_default(),
                    source.action
                )
            }
            Err(e) => format!("refused: {e}"),
        },
    )
}

/// Every cell's two verdicts, computed once for both trials that read them.
/// Cells are independent (each has its own fake), so they are shared out
/// over one thread per core, each with its own runtime; the result keeps
/// the cells' order.
pub fn verdicts() -> Result<&'static [Verdict], Failed> {
    static VERDICTS: std::sync::OnceLock<Result<Vec<Verdict>, String>> = std::sync::OnceLock::new();
    VERDICTS
        .get_or_init(compute_verdicts)
        .as_deref()
        .map_err(|e| e.clone().into())
}

fn compute_verdicts() -> Result<Vec<Verdict>, String> {
    let cells = cells();
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let chunk = cells.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = cells
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| e.to_string())?;
                    rt.block_on(async {
                        let mut out = Vec::with_capacity(part.len());
                        for cell in part {
                            let text = manifests(cell);
                            let provisioner = verdict(&text, true).await.map_err(failed)?;
                            let aws = verdict(&text, false).await.map_err(failed)?;
                            out.push(Verdict {
                                cell: cell.clone(),
                                provisioner,
                                aws,
                            });
                        }
                        Ok::<_, String>(out)
                    })
                })
            })
            .collect();
        let mut all = Vec::with_capacity(cells.len());
        for w in workers {
            let part = w
                .join()
                .map_err(|_| "a cross-product thread panicked".to_owned())??;
            all.extend(part);
        }
        Ok(all)
    })
}

fn failed(f: Failed) -> String {
    f.message().unwrap_or("failed").to_owned()
}

fn table(vs: &[Verdict]) -> String {
    let mut s = String::from("public | private | lb | tg | scheme | provisioner | aws\n");
    for v in vs {
        s.push_str(&format!(
            "{} | {} | {} | {} | {} | {} | {}\n",
            v.cell.public,
            v.cell.private,
            v.cell.lb,
            v.cell.tg,
            v.cell.scheme,
            v.provisioner,
            v.aws
        ));
    }
    s
}

fn cross_product() -> Result<(), Failed> {
    let vs = verdicts()?;
    let disagree: Vec<&Verdict> = vs.iter().filter(|v| !v.agrees()).collect();
    if !disagree.is_empty() {
        return Err(format!(
            "{} of {} cells disagree (provisioner vs AWS):\n{}",
            disagree.len(),
            vs.len(),
            table(&disagree.into_iter().cloned().collect::<Vec<_>>())
        )
        .into());
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!("cross_product", table(vs)));
    Ok(())
}

pub fn trials() -> Vec<Trial> {
    vec![
        crate::common::trial("matrix::cross_product_verdicts_agree", cross_product),
        readme_trial(),
    ]
}

/// The README's support matrix: each seed row, proved by a scenario file in
/// `scenarios/matrix/`. Rows come from the files themselves (their
/// configuration from the manifests, their verdict from running them).
pub fn readme_trial() -> Trial {
    crate::common::trial("matrix::readme_support_matrix_is_up_to_date", || {
        runtime().block_on(readme_is_up_to_date())
    })
}

const START: &str =
    "<!-- support-matrix:start (generated by `cargo test`; UPDATE_README=1 rewrites it) -->";
const END: &str = "<!-- support-matrix:end -->";

async fn readme_is_up_to_date() -> Result<(), Failed> {
    use provisioner::scenario::{Outcome, Scenario};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("scenarios/matrix");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort_by_key(|p| {
        let n = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let row: u32 = n
            .trim_start_matches("row-")
            .split('-')
            .next()
            .and_then(|d| d.parse().ok())
            .unwrap_or(99);
        (row, n)
    });
    let mut rows = String::from(
        "| Public subnet | Private subnet | LB IP type | Target group IP type | Verdict | Proved by |\n|---|---|---|---|---|---|\n",
    );
    for f in &files {
        let sc = Scenario::load(f).map_err(|e| e.to_string())?;
        let m = sc.manifests(&sc.text).map_err(|e| e.to_string())?;
        let model = pipeline::model(&m).map_err(|e| e.to_string())?;
        let (subnets, _) =
            provisioner::layout::subnets(&model, &provisioner::facts::Facts::default());
        let fams = |public: bool| {
            let mut v: Vec<&str> = subnets
                .iter()
                .filter(|s| s.public == public)
                .map(|s| s.family.as_str())
                .collect();
            v.sort_unstable();
            v.dedup();
            v.join(", ")
        };
        let report = provisioner::scenario::run_embedded(&sc).await?;
        let first = report
            .steps
            .first()
            .ok_or("a matrix scenario needs a step")?;
        let verdict = match first.outcome {
            Outcome::Ok => "✅ supported".to_owned(),
            _ => {
                let rules: Vec<String> = first
                    .findings
                    .iter()
                    .filter(|f| f.starts_with("error "))
                    .filter_map(|f| f.split(' ').nth(1).map(|r| format!("`{r}`")))
                    .collect();
                format!("❌ refused: {}", rules.join(", "))
            }
        };
        let rel = f
            .strip_prefix(&root)
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        rows.push_str(&format!(
            "| {} | {} | {} | {} | {verdict} | [{}]({rel}) |\n",
            fams(true),
            fams(false),
            model.lb_ip_address_type(),
            provisioner::layout::target_group_ip_type(&model, &subnets),
            f.file_name().unwrap_or_default().to_string_lossy(),
        ));
    }
    let vs = verdicts()?;
    let ok = vs.iter().filter(|v| v.provisioner == "ok").count();
    let agree = vs.iter().filter(|v| v.agrees()).count();
    rows.push_str(&format!(
        "\nThe whole cross product (public family x private family x LB IP type x target group IP type x scheme, and the EKS flavour for each pair of families: {} cells) is checked by `matrix::cross_product_verdicts_agree`: {ok} cells provision, {} are refused, and the provisioner's verdict agrees with AWS's (the fake's, with validation off) in {agree} of {} cells. The table is in [`tests/snapshots/cross_product.snap`](tests/snapshots/cross_product.snap).\n",
        vs.len(),
        vs.len() - ok,
        vs.len()
    ));
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).map_err(|e| e.to_string())?;
    let (Some(a), Some(b)) = (readme.find(START), readme.find(END)) else {
        return Err(format!("README.md has no {START} ... {END} markers").into());
    };
    let wanted = format!("{}{START}\n{rows}{}", &readme[..a], &readme[b..]);
    if wanted == readme {
        return Ok(());
    }
    if std::env::var_os("UPDATE_README").is_some() {
        std::fs::write(&readme_path, wanted).map_err(|e| e.to_string())?;
        return Ok(());
    }
    Err(format!(
        "README.md's support matrix is out of date; run `UPDATE_README=1 cargo test -p tests -- matrix::readme` and commit README.md. It should read:\n{rows}"
    )
    .into())
}
