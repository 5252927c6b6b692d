//! The internet gateway (found attached to the VPC, or loose from an
//! interrupted apply, else created and attached), the egress-only
//! internet gateway (CAPA's lookup with its fix for #5683: the cluster's
//! tag and attached to this VPC, never any other) and the carrier gateway
//! of a VPC with a Wavelength Zone public subnet.

use aws_sdk_ec2::types::ResourceType;

use super::client_token;
use crate::plan::{Plan, tags};
use crate::reconcile::{Error, Kind, Kit, Result, ec2_tags, existing_id, is_real, made_id};
use crate::sdk::filter;

pub(super) async fn internet(k: &Kit<'_>, plan: &Plan, vpc_id: &str) -> Result<String> {
    const KIND: Kind = Kind::InternetGateway;
    let name = format!("{}-igw", plan.cluster);
    if is_real(vpc_id) {
        let out = k
            .call(KIND, &name, "DescribeInternetGateways")
            .once(
                k.ec2
                    .describe_internet_gateways()
                    .filters(filter("attachment.vpc-id", &[vpc_id]))
                    .send(),
            )
            .await?;
        if let Some(id) = k.found(&name, out.internet_gateways().first())? {
            return Ok(id);
        }
    }
    let mut t = plan.vpc.tags.clone();
    t.insert(tags::NAME.into(), name.clone());
    let req = k
        .ec2
        .create_internet_gateway()
        .tag_specifications(ec2_tags(ResourceType::InternetGateway, &t));
    if k.dry_run {
        let ask = Some(req.dry_run(true).send());
        return k
            .would_create(KIND, &name, "CreateInternetGateway", ask)
            .await;
    }
    // An earlier, interrupted apply may have created it without attaching it.
    let loose = k
        .call(KIND, &name, "DescribeInternetGateways")
        .once(
            k.ec2
                .describe_internet_gateways()
                .filters(filter("tag:Name", &[&name]))
                .filters(k.tagged())
                .send(),
        )
        .await?;
    let id = match loose
        .internet_gateways()
        .iter()
        .find(|g| g.attachments().is_empty())
    {
        Some(g) => existing_id(&name, g)?,
        None => {
            let out = k
                .call(KIND, &name, "CreateInternetGateway")
                .once(req.send())
                .await?;
            made_id(&name, "CreateInternetGateway", out.internet_gateway())?
        }
    };
    k.call(KIND, &name, "AttachInternetGateway")
        .after_create(|| {
            k.ec2
                .attach_internet_gateway()
                .internet_gateway_id(&id)
                .vpc_id(vpc_id)
                .send()
        })
        .await?;
    k.created(KIND, &name, &id);
    Ok(id)
}

pub(super) async fn egress_only(k: &Kit<'_>, plan: &Plan, vpc_id: &str) -> Result<String> {
    const KIND: Kind = Kind::EgressOnlyInternetGateway;
    let name = format!("{}-eigw", plan.cluster);
    if is_real(vpc_id) {
        let out = k
            .call(KIND, &name, "DescribeEgressOnlyInternetGateways")
            .once(
                k.ec2
                    .describe_egress_only_internet_gateways()
                    .filters(k.tagged())
                    .send(),
            )
            .await?;
        let mine: Vec<String> = out
            .egress_only_internet_gateways()
            .iter()
            .filter(|g| g.attachments().iter().any(|a| a.vpc_id() == Some(vpc_id)))
            .filter_map(|g| g.egress_only_internet_gateway_id().map(str::to_owned))
            .collect();
        match mine.as_slice() {
            [] => {}
            [one] => {
                k.exists(KIND, &name, one);
                return Ok(one.clone());
            }
            many => {
                return Err(Error::stuck(
                    KIND,
                    &name,
                    format!(
                        "expected 1 egress only internet gateway in vpc \"{vpc_id}\", but found {}: [{}]",
                        many.len(),
                        many.join(" ")
                    ),
                ));
            }
        }
    }
    let mut t = plan.vpc.tags.clone();
    t.insert(tags::NAME.into(), name.clone());
    let req = k
        .ec2
        .create_egress_only_internet_gateway()
        .vpc_id(vpc_id)
        .client_token(client_token(&[&plan.cluster, "eigw", vpc_id]))
        .tag_specifications(ec2_tags(ResourceType::EgressOnlyInternetGateway, &t));
    if k.dry_run {
        let ask = (is_real(vpc_id)).then(|| req.dry_run(true).send());
        return k
            .would_create(KIND, &name, "CreateEgressOnlyInternetGateway", ask)
            .await;
    }
    let out = k
        .call(KIND, &name, "CreateEgressOnlyInternetGateway")
        .after_create(|| req.clone().send())
        .await?;
    let id = made_id(
        &name,
        "CreateEgressOnlyInternetGateway",
        out.egress_only_internet_gateway(),
    )?;
    k.created(KIND, &name, &id);
    Ok(id)
}

/// CAPA `reconcileCarrierGateway`: the VPC's carrier gateway (AWS allows
/// one), else a new one. CAPA tags it as it tags the internet gateway
/// (`getGatewayTagParams`: Name `<cluster>-igw`, role `common`). A retried
/// create carries the same `ClientToken`, so an interrupted apply finds
/// the gateway it made rather than a second one.
pub(super) async fn carrier(k: &Kit<'_>, plan: &Plan, vpc_id: &str) -> Result<String> {
    const KIND: Kind = Kind::CarrierGateway;
    let name = format!("{}-igw", plan.cluster);
    if is_real(vpc_id) {
        let out = k
            .call(KIND, &name, "DescribeCarrierGateways")
            .once(
                k.ec2
                    .describe_carrier_gateways()
                    .filters(filter("vpc-id", &[vpc_id]))
                    .send(),
            )
            .await?;
        if let Some(id) = k.found(&name, out.carrier_gateways().first())? {
            return Ok(id);
        }
    }
    let mut t = plan.vpc.tags.clone();
    t.insert(tags::NAME.into(), name.clone());
    let req = k
        .ec2
        .create_carrier_gateway()
        .vpc_id(vpc_id)
        .client_token(client_token(&[&plan.cluster, "cagw", vpc_id]))
        .tag_specifications(ec2_tags(ResourceType::CarrierGateway, &t));
    if k.dry_run {
        let ask = (is_real(vpc_id)).then(|| req.dry_run(true).send());
        return k
            .would_create(KIND, &name, "CreateCarrierGateway", ask)
            .await;
    }
    let out = k
        .call(KIND, &name, "CreateCarrierGateway")
        .after_create(|| req.clone().send())
        .await?;
    let id = made_id(&name, "CreateCarrierGateway", out.carrier_gateway())?;
    k.created(KIND, &name, &id);
    Ok(id)
}
