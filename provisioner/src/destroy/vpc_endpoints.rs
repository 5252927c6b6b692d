//! CAPA `deleteVPCEndpoints`: every VPC endpoint the cluster owns, in one
//! DeleteVpcEndpoints call, before the route tables they route (CAPA's
//! first step of `DeleteNetwork`). A BYO VPC's endpoints carry no owned
//! tag and stay.

use crate::aws_error::AwsCallError;
use crate::reconcile::{Error, Kind, Kit, Result};
use crate::target::Service;

const KIND: Kind = Kind::VpcEndpoint;

/// What DeleteVpcEndpoints answers for an endpoint that is already gone.
const GONE: &str = "InvalidVpcEndpoint.NotFound";

pub(super) async fn delete(k: &Kit<'_>) -> Result<()> {
    let mut listed = Vec::new();
    let mut pages = k
        .ec2
        .describe_vpc_endpoints()
        .filters(k.owned())
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = k
            .call(KIND, k.cluster, "DescribeVpcEndpoints")
            .once(async { page })
            .await?;
        for e in page.vpc_endpoints() {
            let (id, _) = k.listed(e)?;
            // No Name tag (CAPA gives none): the service names it.
            listed.push((id, e.service_name().unwrap_or(k.cluster).to_owned()));
        }
    }
    if listed.is_empty() {
        return Ok(());
    }
    let mut req = k.ec2.delete_vpc_endpoints();
    for (id, _) in &listed {
        req = req.vpc_endpoint_ids(id);
    }
    let out = k
        .call(KIND, k.cluster, "DeleteVpcEndpoints")
        .once(req.send())
        .await?;
    // AWS answers per endpoint: a refusal is in `unsuccessful`, not an error.
    for item in out.unsuccessful() {
        let code = item.error().and_then(|e| e.code()).unwrap_or_default();
        if code == GONE {
            continue;
        }
        let id = item.resource_id().unwrap_or_default();
        let name = listed
            .iter()
            .find(|(i, _)| i == id)
            .map_or(k.cluster, |(_, n)| n.as_str());
        return Err(Error::Aws {
            kind: KIND,
            name: name.to_owned(),
            source: Box::new(AwsCallError {
                action: "DeleteVpcEndpoints",
                service: Service::Ec2,
                code: Some(code.to_owned()).filter(|c| !c.is_empty()),
                message: item
                    .error()
                    .and_then(|e| e.message())
                    .map_or_else(|| format!("{id} was not deleted"), str::to_owned),
                request_id: None,
                chain: String::new(),
            }),
        });
    }
    for (id, name) in &listed {
        k.deleted(KIND, name, id);
    }
    Ok(())
}
