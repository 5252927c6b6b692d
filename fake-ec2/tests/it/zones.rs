//! Availability, Local and Wavelength Zones and regions:
//! DescribeAvailabilityZones, ModifyAvailabilityZoneGroup, DescribeRegions.

use aws_sdk_ec2::types::{AvailabilityZoneOptInStatus, Filter, ModifyAvailabilityZoneOptInStatus};

use crate::common::*;

async fn zone_names(
    b: aws_sdk_ec2::operation::describe_availability_zones::builders::DescribeAvailabilityZonesFluentBuilder,
) -> Vec<String> {
    b.send()
        .await
        .unwrap()
        .availability_zones()
        .iter()
        .map(|z| z.zone_name().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn zones_not_opted_into_are_listed_only_when_asked_for() {
    let h = start().await;
    let d = || h.ec2.describe_availability_zones();
    let plain = zone_names(d()).await;
    assert_eq!(
        plain,
        [
            "us-east-1a",
            "us-east-1b",
            "us-east-1c",
            "us-east-1d",
            "us-east-1e",
            "us-east-1f"
        ]
    );
    let nyc = "us-east-1-nyc-1a".to_owned();
    let all = zone_names(d().all_availability_zones(true)).await;
    assert!(all.contains(&nyc), "{all:?}");
    assert!(
        all.contains(&"us-east-1-wl1-bos-wlz-1".to_owned()),
        "{all:?}"
    );
    assert_eq!(
        zone_names(d().zone_names(&nyc)).await,
        std::slice::from_ref(&nyc)
    );
    assert_eq!(
        zone_names(d().zone_ids("use1-nyc1-az1")).await,
        std::slice::from_ref(&nyc)
    );
    let by_status = zone_names(
        d().filters(
            Filter::builder()
                .name("opt-in-status")
                .values("not-opted-in")
                .build(),
        ),
    )
    .await;
    assert!(by_status.contains(&nyc), "{by_status:?}");
    assert!(!by_status.contains(&"us-east-1a".to_owned()));
    // Another filter alone does not show them.
    let lz = zone_names(
        d().filters(
            Filter::builder()
                .name("zone-type")
                .values("local-zone")
                .build(),
        ),
    )
    .await;
    assert!(lz.is_empty(), "{lz:?}");
    // Once opted in, the group's zones are listed like any other.
    h.ec2
        .modify_availability_zone_group()
        .group_name("us-east-1-nyc-1")
        .opt_in_status(ModifyAvailabilityZoneOptInStatus::OptedIn)
        .send()
        .await
        .unwrap();
    let out = d().send().await.unwrap();
    let z = out
        .availability_zones()
        .iter()
        .find(|z| z.zone_name() == Some(nyc.as_str()))
        .expect("listed once opted in");
    assert_eq!(
        z.opt_in_status(),
        Some(&AvailabilityZoneOptInStatus::OptedIn)
    );
    assert_eq!(out.availability_zones().len(), 7);
}

#[tokio::test]
async fn zone_names_and_ids_exist() {
    let h = start().await;
    let (code, msg) = err(h
        .ec2
        .describe_availability_zones()
        .zone_names("us-east-1a")
        .zone_names("us-east-1z")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "Invalid availability zone: [us-east-1z]"
        )
    );
    let (code, msg) = err(h
        .ec2
        .describe_availability_zones()
        .zone_ids("use1-az99")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "Invalid availability zone ID: [use1-az99]"
        )
    );
    // A zone of another region does not exist here.
    let (code, _) = err(h
        .ec2
        .describe_availability_zones()
        .zone_names("us-west-2a")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    let out = h
        .ec2
        .describe_availability_zones()
        .zone_names("us-east-1b")
        .zone_ids("use1-az1")
        .send()
        .await
        .unwrap();
    assert_eq!(out.availability_zones().len(), 2);
}

#[tokio::test]
async fn modify_availability_zone_group_rules() {
    let h = start().await;
    let m = |group: &str, status: &str| {
        h.ec2
            .modify_availability_zone_group()
            .group_name(group)
            .opt_in_status(ModifyAvailabilityZoneOptInStatus::from(status))
            .send()
    };
    let (code, msg) = err(m("us-east-1-nyc-1", "maybe").await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "Value (maybe) for parameter optInStatus is invalid."
        )
    );
    let (code, msg) = err(m("us-east-1-xyz-1", "opted-in").await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "Value (us-east-1-xyz-1) for parameter groupName is invalid."
        )
    );
    let (code, msg) = err(m("us-east-1", "opted-in").await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "The zone group 'us-east-1' does not require opt-in."
        )
    );
    // A Wavelength group opts in all of its zones, and out again.
    m("us-east-1-wl1", "opted-in").await.unwrap();
    let status = || async {
        h.ec2
            .describe_availability_zones()
            .zone_names("us-east-1-wl1-bos-wlz-1")
            .send()
            .await
            .unwrap()
            .availability_zones()[0]
            .opt_in_status()
            .cloned()
    };
    assert_eq!(status().await, Some(AvailabilityZoneOptInStatus::OptedIn));
    m("us-east-1-wl1", "not-opted-in").await.unwrap();
    assert_eq!(
        status().await,
        Some(AvailabilityZoneOptInStatus::NotOptedIn)
    );
}

#[tokio::test]
async fn describe_regions_names_and_filters() {
    let h = start().await;
    let names = |out: aws_sdk_ec2::operation::describe_regions::DescribeRegionsOutput| {
        out.regions()
            .iter()
            .map(|r| r.region_name().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let all = names(h.ec2.describe_regions().send().await.unwrap());
    assert!(all.contains(&"us-east-1".to_owned()) && all.contains(&"eu-west-1".to_owned()));
    let (code, msg) = err(h
        .ec2
        .describe_regions()
        .region_names("us-east-1")
        .region_names("mars-north-1")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("InvalidParameterValue", "Invalid region: mars-north-1")
    );
    let one = h
        .ec2
        .describe_regions()
        .region_names("us-west-2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        one.regions()[0].endpoint(),
        Some("ec2.us-west-2.amazonaws.com")
    );
    let filter = |name: &str, value: &str| {
        h.ec2
            .describe_regions()
            .filters(Filter::builder().name(name).values(value).build())
            .send()
    };
    assert_eq!(
        names(filter("region-name", "eu-*").await.unwrap()),
        ["eu-west-1", "eu-central-1"]
    );
    assert_eq!(
        names(
            filter("endpoint", "ec2.us-east-2.amazonaws.com")
                .await
                .unwrap()
        ),
        ["us-east-2"]
    );
    assert_eq!(
        names(
            filter("opt-in-status", "opt-in-not-required")
                .await
                .unwrap()
        )
        .len(),
        all.len()
    );
    let (code, msg) = err(filter("zone-name", "us-east-1a").await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("InvalidParameterValue", "The filter 'zone-name' is invalid")
    );
}
