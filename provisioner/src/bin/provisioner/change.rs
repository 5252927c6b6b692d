//! `apply` and `destroy`: the commands that change a network.

use std::io::Write;
use std::process::ExitCode;

use provisioner::apply::{self, ApplyError, ApplyOptions};
use provisioner::destroy::{self, DestroyOptions};
use provisioner::pipeline;
use provisioner::report;
use provisioner::target::{self, Clients};
use serde::Serialize;

use super::console::{confirm, progress, slowest};
use super::{Cli, CliError, ManifestArgs, Output, emit, note, open, out, prepare};

pub(super) async fn apply(
    cli: &Cli,
    args: &ManifestArgs,
    dry_run: bool,
    no_validate: bool,
    report_path: Option<&std::path::Path>,
) -> Result<ExitCode, CliError> {
    // A report that cannot be written is found out before anything changes.
    let report_file = match report_path {
        Some(path) => Some((
            path,
            std::fs::File::create(path)
                .map_err(|e| CliError::bad_input(format!("--report {}: {e}", path.display())))?,
        )),
        None => None,
    };
    let (prepared, clients, plan_opts) = prepare(cli, args).await?;
    if !prepared.findings.is_empty() && (cli.output == Output::Text || prepared.refused()) {
        let _ = write!(
            std::io::stderr().lock(),
            "{}",
            report::findings(&prepared.findings)
        );
    }
    if prepared.refused() && !no_validate {
        return Err(CliError::refused(
            "nothing was changed: fix the errors above (or pass --no-validate to let AWS judge)",
        ));
    }
    if cli.output == Output::Text {
        // What is about to be made, before anything is.
        out(&format!("{}\n", report::plan_tree(&prepared.plan)));
    }
    if !dry_run {
        confirm(cli, &clients.target, "apply this plan")?;
    }
    let mut opts = ApplyOptions::for_target(clients.target.is_fake_speed());
    opts.dry_run = dry_run;
    opts.plan = plan_opts;
    opts.progress = progress(cli);
    let applied = apply::apply(
        &clients,
        &prepared.model,
        &prepared.facts,
        &prepared.plan,
        &opts,
    )
    .await;
    // The apply's calls, before the report reads the network back.
    let calls = clients.calls.calls();
    if let Some(report) = report_file {
        write_apply_report(cli, &clients, &prepared, &applied, &calls, dry_run, report).await?;
    }
    let (r, plan) = applied.map_err(|e| CliError::apply(cli, &clients.target, &e))?;
    #[derive(Serialize)]
    struct Out<'a> {
        report: &'a apply::ApplyReport,
        plan: &'a provisioner::plan::Plan,
    }
    let value = Out {
        report: &r,
        plan: &plan,
    };
    emit(cli.output, &value, || {
        report::apply_summary(
            &r.changes,
            r.vpc_ipv6_block.as_deref(),
            r.endpoint.as_deref(),
            dry_run,
        )
    });
    if cli.output == Output::Text
        && let Some(line) = slowest(&r.waits, &calls)
    {
        note(&line);
    }
    Ok(ExitCode::SUCCESS)
}

/// The page `apply --report` writes: the calls the apply made, then the
/// network read back (its own Describe calls are not listed).
async fn write_apply_report(
    cli: &Cli,
    clients: &Clients,
    prepared: &pipeline::Prepared,
    applied: &Result<(apply::ApplyReport, provisioner::plan::Plan), ApplyError>,
    calls: &[target::CallRecord],
    dry_run: bool,
    (path, mut file): (&std::path::Path, std::fs::File),
) -> Result<(), CliError> {
    let plan = match applied {
        Ok((_, plan)) => plan,
        Err(_) => &prepared.plan,
    };
    let vpc_id = match (&plan.vpc.existing_id, dry_run) {
        (_, true) => None,
        (Some(id), _) => Some(id.clone()),
        (None, false) => provisioner::discover::cluster_vpc(&clients.ec2, &plan.cluster)
            .await
            .map_err(|e| CliError::aws(cli, &clients.target, &e))?
            .map(|v| v.vpc_id),
    };
    let network = match vpc_id {
        Some(id) => provisioner::picture::observe(
            clients,
            &id,
            format!("cluster {} in {}: {id} as built", plan.cluster, plan.region),
        )
        .await
        .map_err(|e| CliError::aws(cli, &clients.target, &e))?,
        None => {
            let mut n = provisioner::picture::network(plan, &prepared.facts);
            n.notes.insert(
                0,
                if dry_run {
                    "A dry run: the network as planned, nothing was made.".to_owned()
                } else {
                    "No VPC of the cluster's was found: the network as planned.".to_owned()
                },
            );
            n
        }
    };
    let no_changes = Vec::new();
    let page = provisioner::picture::apply_page(
        &provisioner::picture::ApplyPage {
            cluster: &plan.cluster,
            region: &plan.region,
            target: clients.target.to_string(),
            findings: &prepared.findings,
            changes: applied.as_ref().map_or(&no_changes, |(r, _)| &r.changes),
            calls,
            error: applied
                .as_ref()
                .err()
                .map(|e| CliError::apply(cli, &clients.target, e).message),
            dry_run,
        },
        &network,
    );
    file.write_all(page.as_bytes())
        .map_err(|e| CliError::bad_input(format!("--report {}: {e}", path.display())))?;
    note(&format!("report: {}", path.display()));
    Ok(())
}

pub(super) async fn destroy(cli: &Cli, args: &ManifestArgs) -> Result<ExitCode, CliError> {
    let (model, clients) = open(cli, args).await?;
    confirm(
        cli,
        &clients.target,
        &format!("destroy everything cluster {} owns", model.name),
    )?;
    let mut opts = DestroyOptions::for_target(clients.target.is_fake_speed()).for_model(&model);
    opts.progress = progress(cli);
    let r = destroy::destroy(&clients, &model.name, &opts)
        .await
        .map_err(|e| CliError::apply(cli, &clients.target, &e))?;
    emit(cli.output, &r, || {
        report::destroy_summary(&r.changes, &model.name)
    });
    if cli.output == Output::Text
        && let Some(line) = slowest(&r.waits, &clients.calls.calls())
    {
        note(&line);
    }
    Ok(ExitCode::SUCCESS)
}
