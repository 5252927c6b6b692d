//! The provisioner's whole life cycle against the fake: apply, apply again
//! (no mutating call), destroy (nothing the cluster owned remains, nothing
//! it did not own is touched), and the six CAPA templates end to end.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fake_ec2::Seed;
use libtest_mimic::{Failed, Trial};
use provisioner::apply::{self, ApplyOptions};
use provisioner::destroy::{self, DestroyOptions};
use provisioner::pipeline;
use provisioner::plan::PlanOptions;
use provisioner::sdk::filter;
use provisioner::spec::{Manifests, Vars};
use provisioner::target::Clients;

use crate::common::{owned_ids, runtime};

pub fn trials() -> Vec<Trial> {
    let mut t = vec![
        crate::common::trial("lifecycle::apply_twice_makes_no_mutating_call", || {
            runtime()
                .block_on(apply_twice(&example(), &Vars::only(BTreeMap::new())))
                .map(drop)
        }),
        // Two NLBs (one with an HTTPS health check and an additional
        // listener), a bastion and workers: the second apply reads the
        // existing cluster's load balancers and changes nothing.
        crate::common::trial(
            "lifecycle::whole_cluster_apply_twice_makes_no_mutating_call",
            || {
                runtime()
                    .block_on(apply_twice(
                        &Path::new(env!("CARGO_MANIFEST_DIR"))
                            .join("../examples/dualstack-whole-cluster.yaml"),
                        &Vars::only(BTreeMap::new()),
                    ))
                    .map(drop)
            },
        ),
        crate::common::trial(
            "lifecycle::destroy_leaves_nothing_the_cluster_owned",
            || runtime().block_on(destroy_leaves_nothing()),
        ),
        crate::common::trial(
            "lifecycle::concurrent_apply_builds_the_same_network",
            || runtime().block_on(concurrent_matches_sequential()),
        ),
        crate::common::trial(
            "lifecycle::concurrent_apply_and_destroy_converge_under_faults",
            || runtime().block_on(concurrent_under_faults()),
        ),
        crate::common::trial("lifecycle::apply_after_destroy_builds_it_again", || {
            runtime().block_on(apply_after_destroy())
        }),
        crate::common::trial("lifecycle::repairs_capa_would_not_make_are_marked", || {
            runtime().block_on(repairs_are_marked())
        }),
        crate::common::trial("lifecycle::dry_run_changes_nothing", || {
            runtime().block_on(dry_run_changes_nothing())
        }),
        crate::common::trial("lifecycle::default_layout_matches_capa_for_a_56", || {
            runtime().block_on(default_layout_matches_capa())
        }),
    ];
    let templates = capa_templates();
    for name in TEMPLATES {
        let path = templates.join(name);
        t.push(crate::common::trial(
            format!("lifecycle::capa_template::{name}"),
            move || runtime().block_on(template_life_cycle(&path)),
        ));
    }
    t
}

/// The six CAPA templates, copied unchanged into `tests/capa-templates/`
/// (provenance in its README); `$CAPA_TEMPLATES` points at another copy.
/// A template that is missing fails its trial.
const TEMPLATES: [&str; 6] = [
    "cluster-template.yaml",
    "cluster-template-ipv6.yaml",
    "cluster-template-dualstack-ipv4-primary.yaml",
    "cluster-template-dualstack-ipv6-primary.yaml",
    "cluster-template-eks.yaml",
    "cluster-template-eks-ipv6.yaml",
];

fn capa_templates() -> PathBuf {
    std::env::var_os("CAPA_TEMPLATES").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("capa-templates"),
        PathBuf::from,
    )
}

/// The variables `clusterctl generate cluster` would fill in. The IPv6 EKS
/// template pins its add-ons at the versions EKS ran on Kubernetes 1.22
/// (vpc-cni v1.11.0, coredns v1.8.7, kube-proxy v1.22.6): it gets 1.22.
fn template_vars(template: &str) -> Vars {
    let version = if template == "cluster-template-eks-ipv6.yaml" {
        "v1.22.9"
    } else {
        "v1.31.0"
    };
    let pairs = [
        ("CLUSTER_NAME", "capa"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_SSH_KEY_NAME", "default"),
        ("KUBERNETES_VERSION", version),
        ("CONTROL_PLANE_MACHINE_COUNT", "3"),
        ("WORKER_MACHINE_COUNT", "2"),
        ("AWS_CONTROL_PLANE_MACHINE_TYPE", "m5.large"),
        ("AWS_NODE_MACHINE_TYPE", "m5.large"),
    ];
    Vars::only(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ipv6-cluster.yaml")
}

async fn fake_clients(seed: Seed) -> Result<Clients, Failed> {
    let fake = provisioner::target::embedded_fake(seed, "us-east-1")?;
    let server = fake.start().await.map_err(|e| e.to_string())?;
    Ok(Clients::for_fake(fake, server, "us-east-1"))
}

fn mutating(clients: &Clients) -> Vec<String> {
    let (fake, _) = clients.fake.as_ref().expect("embedded");
    fake.journal()
        .into_iter()
        .filter(|e| e.mutating && e.status < 300)
        .map(|e| e.action)
        .collect()
}

async fn apply_once(
    clients: &Clients,
    path: &Path,
    vars: &Vars,
    sequential: bool,
) -> Result<apply::ApplyReport, Failed> {
    let m = Manifests::load_files(&[path], vars).map_err(|e| e.to_string())?;
    let model = pipeline::model(&m).map_err(|e| e.to_string())?;
    let p = pipeline::prepare(clients, model, None, &PlanOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    if p.refused() {
        return Err(format!("refused: {:#?}", p.findings).into());
    }
    let mut opts = ApplyOptions::for_target(true);
    opts.sequential = sequential;
    let (r, _) = apply::apply(clients, &p.model, &p.facts, &p.plan, &opts)
        .await
        .map_err(|e| e.to_string())?;
    Ok(r)
}

/// A CAPA template applied, applied again (no change), then destroyed
/// (nothing the cluster owned is left).
async fn template_life_cycle(path: &Path) -> Result<(), Failed> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let vars = template_vars(name);
    let clients = apply_twice(path, &vars).await?;
    let m = Manifests::load_files(&[path], &vars).map_err(|e| e.to_string())?;
    let model = pipeline::model(&m).map_err(|e| e.to_string())?;
    if let Some(eks) = &model.eks {
        eks_cluster_is_up(&clients, eks, model.ipv6()).await?;
    }
    // Each template's MachineDeployment `capa-md-0` asks for
    // WORKER_MACHINE_COUNT (2) workers.
    let workers = clients
        .ec2
        .describe_instances()
        .filters(filter("tag:Name", &["capa-md-0-0", "capa-md-0-1"]))
        .filters(filter("instance-state-name", &["running"]))
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    let n = workers
        .reservations()
        .iter()
        .map(|r| r.instances().len())
        .sum::<usize>();
    if n != 2 {
        return Err(format!("{n} workers running, want the template's 2").into());
    }
    let opts = DestroyOptions::for_target(true).for_model(&model);
    destroy::destroy(&clients, "capa", &opts)
        .await
        .map_err(|e| e.to_string())?;
    let left = owned_ids(&clients, "capa");
    if !left.is_empty() {
        return Err(format!("destroy left {left:?}").into());
    }
    let clusters = clients
        .eks
        .list_clusters()
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    if !clusters.clusters().is_empty() {
        return Err(format!("destroy left EKS clusters {:?}", clusters.clusters()).into());
    }
    Ok(())
}

/// The EKS cluster of an AWSManagedControlPlane is ACTIVE, in the IP family
/// its VPC asks for (ipv6: with the IPv6 service block EKS assigned), and
/// each add-on of the spec is ACTIVE at the spec's version.
async fn eks_cluster_is_up(
    clients: &Clients,
    eks: &provisioner::model::Eks,
    ipv6: bool,
) -> Result<(), Failed> {
    let out = clients
        .eks
        .describe_cluster()
        .name(&eks.cluster_name)
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    let c = out.cluster().ok_or("DescribeCluster without a cluster")?;
    let status = c.status().map(|s| s.as_str().to_owned());
    if status.as_deref() != Some("ACTIVE") {
        return Err(format!("the EKS cluster is {status:?}").into());
    }
    let net = c
        .kubernetes_network_config()
        .ok_or("no kubernetesNetworkConfig")?;
    let family = net.ip_family().map(|f| f.as_str().to_owned());
    match (ipv6, family.as_deref(), net.service_ipv6_cidr()) {
        (true, Some("ipv6"), Some(block)) if block.ends_with("::/108") => {}
        (false, Some("ipv4"), None) => {}
        other => return Err(format!("network config {other:?}").into()),
    }
    for want in eks.addons.iter().flatten() {
        let a = clients
            .eks
            .describe_addon()
            .cluster_name(&eks.cluster_name)
            .addon_name(&want.name)
            .send()
            .await
            .map_err(|e| format!("{}: {e:?}", want.name))?;
        let a = a.addon().ok_or("DescribeAddon without an add-on")?;
        let got = (
            a.addon_version().unwrap_or_default(),
            a.status().map(|s| s.as_str()).unwrap_or_default(),
        );
        if got != (want.version.as_str(), "ACTIVE") {
            return Err(format!("add-on {}: {got:?}", want.name).into());
        }
    }
    Ok(())
}

async fn apply_twice(path: &Path, vars: &Vars) -> Result<Clients, Failed> {
    let clients = fake_clients(Seed::default()).await?;
    let first = apply_once(&clients, path, vars, false).await?;
    if first.created() == 0 {
        return Err("the first apply created nothing".into());
    }
    let before = mutating(&clients).len();
    let second = apply_once(&clients, path, vars, false).await?;
    let after = mutating(&clients);
    if after.len() != before || second.created() != 0 || second.updated() != 0 {
        return Err(format!(
            "the second apply changed things: {:?}\n{:#?}",
            &after[before..],
            second.changes
        )
        .into());
    }
    Ok(clients)
}

async fn destroy_leaves_nothing() -> Result<(), Failed> {
    let clients = fake_clients(Seed::default()).await?;
    // Something the cluster does not own, which destroy must leave alone.
    let other = clients
        .ec2
        .create_egress_only_internet_gateway()
        .vpc_id(
            clients
                .ec2
                .create_vpc()
                .cidr_block("10.9.0.0/16")
                .send()
                .await
                .map_err(|e| format!("{e:?}"))?
                .vpc()
                .and_then(|v| v.vpc_id())
                .unwrap_or_default(),
        )
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    let other_id = other
        .egress_only_internet_gateway()
        .and_then(|g| g.egress_only_internet_gateway_id())
        .unwrap_or_default()
        .to_owned();
    apply_once(&clients, &example(), &Vars::only(BTreeMap::new()), false).await?;
    if owned_ids(&clients, "ipv6-demo").is_empty() {
        return Err("apply made nothing the cluster owns".into());
    }
    // Progress reports each deletion while the destroy goes on: at the first
    // one, the cluster's VPC is still there.
    let (fake, _) = clients.fake.as_ref().expect("embedded");
    let fake = fake.clone();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut opts = DestroyOptions::for_target(true);
    let sink = seen.clone();
    opts.progress = Some(provisioner::reconcile::Progress(std::sync::Arc::new(
        move |e: provisioner::reconcile::Event<'_>| {
            let provisioner::reconcile::Event::Change(c) = e else {
                return;
            };
            let vpcs = fake
                .dump()
                .regions
                .iter()
                .map(|r| r.ec2.vpcs.len())
                .sum::<usize>();
            sink.lock().unwrap().push((c.clone(), vpcs));
        },
    )));
    let report = destroy::destroy(&clients, "ipv6-demo", &opts)
        .await
        .map_err(|e| e.to_string())?;
    let seen = seen.lock().unwrap().clone();
    let reported: Vec<_> = seen.iter().map(|(c, _)| c.clone()).collect();
    if reported != report.changes || reported.is_empty() {
        return Err(format!(
            "progress saw {reported:?}, the report has {:?}",
            report.changes
        )
        .into());
    }
    if seen[0].1 < 2 {
        return Err("progress came after the cluster's VPC was deleted, not as it went".into());
    }
    let left = owned_ids(&clients, "ipv6-demo");
    if !left.is_empty() {
        return Err(format!("destroy left {left:?}").into());
    }
    let still = clients
        .ec2
        .describe_egress_only_internet_gateways()
        .egress_only_internet_gateway_ids(&other_id)
        .send()
        .await
        .map_err(|e| format!("the other egress-only gateway is gone: {e:?}"))?;
    if still.egress_only_internet_gateways().is_empty() {
        return Err("the other egress-only gateway is gone".into());
    }
    Ok(())
}

/// The provisioner as users run it (independent calls at once) against a
/// fake that throttles, fails and answers NotFound for new resources: the
/// apply converges, a second apply changes nothing, the destroy leaves
/// nothing. Several fault seeds, so different calls fail in each run.
async fn concurrent_under_faults() -> Result<(), Failed> {
    let faults = || {
        let mut rules = vec![
            fake_ec2::FaultRule {
                error: Some("RequestLimitExceeded".into()),
                probability: Some(0.2),
                ..Default::default()
            },
            fake_ec2::FaultRule {
                error: Some("InternalError".into()),
                probability: Some(0.05),
                ..Default::default()
            },
        ];
        for action in [
            "CreateSubnet",
            "CreateNatGateway",
            "CreateSecurityGroup",
            "RunInstances",
        ] {
            rules.push(fake_ec2::FaultRule {
                action: Some(action.into()),
                not_found_reads: Some(2),
                ..Default::default()
            });
        }
        rules
    };
    let vars = Vars::only(BTreeMap::new());
    for seed in 1..=6u64 {
        let clients = fake_clients(Seed::default()).await?;
        let (fake, _) = clients.fake.as_ref().expect("embedded");
        fake.set_faults(faults(), seed);
        apply_once(&clients, &example(), &vars, false)
            .await
            .map_err(|e| format!("seed {seed}: apply: {}", e.message().unwrap_or("?")))?;
        let before = mutating(&clients).len();
        apply_once(&clients, &example(), &vars, false)
            .await
            .map_err(|e| format!("seed {seed}: second apply: {}", e.message().unwrap_or("?")))?;
        let again = &mutating(&clients)[before..];
        if !again.is_empty() {
            return Err(format!("seed {seed}: the second apply changed things: {again:?}").into());
        }
        destroy::destroy(&clients, "ipv6-demo", &DestroyOptions::for_target(true))
            .await
            .map_err(|e| format!("seed {seed}: destroy: {e}"))?;
        let left = owned_ids(&clients, "ipv6-demo");
        if !left.is_empty() {
            return Err(format!("seed {seed}: destroy left {left:?}").into());
        }
        // The faults did fire: this run met each kind.
        let journal = fake.journal();
        for code in ["RequestLimitExceeded", "InternalError"] {
            if !journal
                .iter()
                .any(|e| e.error_code.as_deref() == Some(code))
            {
                return Err(format!("seed {seed}: no call answered {code}").into());
            }
        }
        if !journal.iter().any(|e| {
            e.error_code
                .as_deref()
                .is_some_and(|c| c.ends_with("NotFound"))
        }) {
            return Err(format!("seed {seed}: no new resource was answered NotFound").into());
        }
    }
    Ok(())
}

/// A cluster destroyed and applied again under the same name is built
/// afresh: its idempotency tokens name the new parents, so EC2 neither hands
/// back the old NAT gateways and instances nor answers
/// IdempotentParameterMismatch.
async fn apply_after_destroy() -> Result<(), Failed> {
    let clients = fake_clients(Seed::default()).await?;
    let vars = Vars::only(BTreeMap::new());
    let first = apply_once(&clients, &example(), &vars, false).await?;
    let owned = owned_ids(&clients, "ipv6-demo").len();
    destroy::destroy(&clients, "ipv6-demo", &DestroyOptions::for_target(true))
        .await
        .map_err(|e| e.to_string())?;
    let again = apply_once(&clients, &example(), &vars, false).await?;
    let created = |r: &apply::ApplyReport| -> Vec<String> {
        r.changes
            .iter()
            .filter(|c| c.action == provisioner::reconcile::Action::Create)
            .filter_map(|c| c.id.clone())
            .collect()
    };
    let (before, after) = (created(&first), created(&again));
    if before.is_empty() || after.len() != before.len() {
        return Err(format!(
            "the first build created {} things, the second {}",
            before.len(),
            after.len()
        )
        .into());
    }
    let reused: Vec<_> = after.iter().filter(|id| before.contains(id)).collect();
    if !reused.is_empty() {
        return Err(format!("the second build handed back {reused:?} from the first").into());
    }
    let now = owned_ids(&clients, "ipv6-demo").len();
    if now != owned {
        return Err(
            format!("the cluster owns {now} live resources again, {owned} the first time").into(),
        );
    }
    Ok(())
}

/// Concurrent and sequential applies build the same network (ids aside).
async fn concurrent_matches_sequential() -> Result<(), Failed> {
    let vars = Vars::only(BTreeMap::new());
    let a = fake_clients(Seed::default()).await?;
    apply_once(&a, &example(), &vars, false).await?;
    let b = fake_clients(Seed::default()).await?;
    apply_once(&b, &example(), &vars, true).await?;
    let shape = |c: &Clients| {
        let (fake, _) = c.fake.as_ref().expect("embedded");
        let s = provisioner::scenario::summary::summarize(&fake.dump());
        let mut subnets: Vec<String> = s
            .vpcs
            .iter()
            .flat_map(|v| &v.subnets)
            .map(|x| format!("{:?} {:?} {:?} {:?}", x.name, x.cidr, x.ipv6, x.attributes))
            .collect();
        subnets.sort();
        let mut tables: Vec<String> = s
            .vpcs
            .iter()
            .flat_map(|v| &v.route_tables)
            .map(|t| format!("{:?} {}", t.name, t.routes.len()))
            .collect();
        tables.sort();
        (
            subnets,
            tables,
            s.load_balancers.len(),
            s.target_groups
                .iter()
                .map(|t| t.targets.len())
                .sum::<usize>(),
        )
    };
    if shape(&a) != shape(&b) {
        return Err(format!("concurrent: {:#?}\nsequential: {:#?}", shape(&a), shape(&b)).into());
    }
    Ok(())
}

async fn dry_run_changes_nothing() -> Result<(), Failed> {
    let clients = fake_clients(Seed::default()).await?;
    let m = Manifests::load_files(&[example()], &Vars::only(BTreeMap::new()))
        .map_err(|e| e.to_string())?;
    let model = pipeline::model(&m).map_err(|e| e.to_string())?;
    let p = pipeline::prepare(&clients, model, None, &PlanOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let mut opts = ApplyOptions::for_target(true);
    opts.dry_run = true;
    let (r, _) = apply::apply(&clients, &p.model, &p.facts, &p.plan, &opts)
        .await
        .map_err(|e| e.to_string())?;
    let (fake, _) = clients.fake.as_ref().expect("embedded");
    let journal = fake.journal();
    let changed: Vec<&str> = journal
        .iter()
        .filter(|e| e.mutating && e.status < 300)
        .map(|e| e.action.as_str())
        .collect();
    let dry: Vec<&str> = journal
        .iter()
        .filter(|e| e.dry_run)
        .map(|e| e.action.as_str())
        .collect();
    if !changed.is_empty() {
        return Err(format!("a dry run changed things: {changed:?}").into());
    }
    if !dry.contains(&"CreateVpc") {
        return Err(format!("the dry run sent no DryRun CreateVpc: {dry:?}").into());
    }
    if r.changes
        .iter()
        .any(|c| c.action == provisioner::reconcile::Action::Create)
        || !r
            .changes
            .iter()
            .any(|c| c.action == provisioner::reconcile::Action::WouldCreate)
    {
        return Err(format!("a dry run reports only would-create: {:#?}", r.changes).into());
    }
    Ok(())
}

/// The figures: cluster-template-ipv6's shape (the example) in
/// us-east-1 with 3 zones, a /56 `B`: private B+2..B+4 and public B+5..B+7;
/// IPv4 public 10.0.0.0/20, 10.0.16.0/20, 10.0.32.0/20 and private
/// 10.0.64.0/18, 10.0.128.0/18, 10.0.192.0/18; and CAPA's routes.
async fn default_layout_matches_capa() -> Result<(), Failed> {
    let clients = fake_clients(Seed::default()).await?;
    let r = apply_once(&clients, &example(), &Vars::only(BTreeMap::new()), true).await?;
    let b: ipnet::Ipv6Net = r
        .vpc_ipv6_block
        .ok_or("no VPC IPv6 block")?
        .parse()
        .map_err(|e| format!("{e:?}"))?;
    let slot = |k: u128| {
        provisioner::cidr::ipv6_slot(b, k)
            .map(|n| n.to_string())
            .unwrap_or_default()
    };
    let (fake, _) = clients.fake.as_ref().expect("embedded");
    let s = provisioner::scenario::summary::summarize(&fake.dump());
    let vpc = s.vpcs.first().ok_or("no VPC")?;
    let want = [
        ("ipv6-demo-subnet-public-us-east-1a", "10.0.0.0/20", slot(5)),
        (
            "ipv6-demo-subnet-public-us-east-1b",
            "10.0.16.0/20",
            slot(6),
        ),
        (
            "ipv6-demo-subnet-public-us-east-1c",
            "10.0.32.0/20",
            slot(7),
        ),
        (
            "ipv6-demo-subnet-private-us-east-1a",
            "10.0.64.0/18",
            slot(2),
        ),
        (
            "ipv6-demo-subnet-private-us-east-1b",
            "10.0.128.0/18",
            slot(3),
        ),
        (
            "ipv6-demo-subnet-private-us-east-1c",
            "10.0.192.0/18",
            slot(4),
        ),
    ];
    for (name, v4, v6) in want {
        let sn = vpc
            .subnets
            .iter()
            .find(|x| x.name.as_deref() == Some(name))
            .ok_or_else(|| format!("no subnet {name}"))?;
        if sn.cidr.as_deref() != Some(v4) || sn.ipv6.as_deref() != Some(v6.as_str()) {
            return Err(format!("{name}: got {:?} {:?}, want {v4} {v6}", sn.cidr, sn.ipv6).into());
        }
        let rt = vpc
            .route_tables
            .iter()
            .find(|t| t.subnets.contains(&sn.id))
            .ok_or_else(|| format!("no route table for {name}"))?;
        let targets: Vec<String> = rt
            .routes
            .iter()
            .filter(|r| !r.ends_with("-> local"))
            .map(|r| {
                r.split(" -> ")
                    .map(|p| p.split('-').next().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(" -> ")
            })
            .collect();
        let expect: Vec<&str> = if name.contains("public") {
            vec!["0.0.0.0/0 -> igw", "::/0 -> igw"]
        } else {
            vec!["0.0.0.0/0 -> nat", "::/0 -> eigw"]
        };
        if targets != expect {
            return Err(format!("{name}: routes {targets:?}, want {expect:?}").into());
        }
    }
    Ok(())
}

/// Drift CAPA leaves alone: a route taken out of an existing table is put
/// back by the next apply, and reported as a change CAPA would not make
/// (its fixMismatchedRouting only replaces a route's target).
async fn repairs_are_marked() -> Result<(), Failed> {
    let clients = fake_clients(Seed::default()).await?;
    let vars = Vars::only(BTreeMap::new());
    apply_once(&clients, &example(), &vars, false).await?;
    let tables = clients
        .ec2
        .describe_route_tables()
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    let (table, dest) = tables
        .route_tables()
        .iter()
        .find_map(|t| {
            let r = t
                .routes()
                .iter()
                .find(|r| r.destination_ipv6_cidr_block() == Some("::/0"))?;
            Some((
                t.route_table_id()?.to_owned(),
                r.destination_ipv6_cidr_block()?.to_owned(),
            ))
        })
        .ok_or("no ::/0 route")?;
    clients
        .ec2
        .delete_route()
        .route_table_id(&table)
        .destination_ipv6_cidr_block(&dest)
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    let again = apply_once(&clients, &example(), &vars, false).await?;
    let marked: Vec<_> = again
        .changes
        .iter()
        .filter(|c| c.capa_would_not_repair)
        .collect();
    match marked.as_slice() {
        [one] if one.id.as_deref() == Some(table.as_str()) => {}
        other => {
            return Err(format!("expected the route table {table} marked, got {other:?}").into());
        }
    }
    let line = provisioner::report::change_line(marked[0]);
    if !line.ends_with("[CAPA would not repair this]") {
        return Err(line.into());
    }
    Ok(())
}
