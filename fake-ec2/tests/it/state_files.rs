//! `Fake::with_state_file` in-process: a save that fails takes the change
//! back and is answered 500 (never 200), and a save costs what the world
//! costs, however long the journal.

use std::fs;

use aws_sdk_ec2::error::ProvideErrorMetadata;
use fake_ec2::{Fake, FaultRule, RawRequest, Seed, StateFile};

use crate::common::*;
use crate::standalone::temp_dir;

fn world_json(fake: &Fake) -> serde_json::Value {
    serde_json::to_value(fake.dump()).unwrap()
}

#[tokio::test]
async fn a_failed_save_takes_the_change_back_and_answers_500() {
    let dir = temp_dir("failed-save");
    let path = dir.join("world.json");
    let fake = Fake::with_state_file(Seed::default(), StateFile::new(&path)).unwrap();
    let server = fake.start().await.unwrap();
    let ec2 = ec2_client(&server.url(), REGION);
    let elb = elb_client(&server.url(), REGION);
    let first = ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .unwrap();
    let first = first.vpc().unwrap().vpc_id().unwrap().to_owned();
    let before = world_json(&fake);

    // The state file cannot be replaced: a directory stands in its place.
    fs::remove_file(&path).unwrap();
    fs::create_dir(&path).unwrap();
    let e = ec2
        .create_vpc()
        .cidr_block("10.1.0.0/16")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(500));
    assert_eq!(e.code(), Some("InternalError"));
    let message = e.message().unwrap();
    assert!(
        message
            .starts_with("The change was not made because the fake could not save it: state file ")
            && message.contains(&path.display().to_string()),
        "{message}"
    );
    let e = elb
        .create_target_group()
        .name("tg")
        .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Tcp)
        .port(80)
        .vpc_id(&first)
        .send()
        .await
        .unwrap_err();
    let raw = e.raw_response().unwrap();
    assert_eq!(raw.status().as_u16(), 500);
    let body = std::str::from_utf8(raw.body().bytes().unwrap()).unwrap();
    assert!(
        body.contains("<Type>Receiver</Type><Code>InternalFailure</Code>"),
        "{body}"
    );
    // A first request in another region leaves no region behind.
    let west = ec2_client(&server.url(), "eu-west-1");
    let e = west
        .create_vpc()
        .cidr_block("10.2.0.0/16")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InternalError"));
    // Reads are answered as usual (they are not saved one by one).
    assert_eq!(made_vpcs(&ec2).await.len(), 1);
    // Nothing changed, and the journal says what the clients were told.
    assert_eq!(world_json(&fake), before);
    let outcomes: Vec<(String, u16, Option<String>)> = fake
        .journal()
        .iter()
        .map(|e| (e.action.clone(), e.status, e.error_code.clone()))
        .collect();
    let refused = |a: &str, c: &str| (a.to_owned(), 500, Some(c.to_owned()));
    assert_eq!(
        outcomes,
        [
            ("CreateVpc".to_owned(), 200, None),
            refused("CreateVpc", "InternalError"),
            refused("CreateTargetGroup", "InternalFailure"),
            refused("CreateVpc", "InternalError"),
            ("DescribeVpcs".to_owned(), 200, None),
        ]
    );
    // The controls are held to the same rule.
    let (status, _, body) = http(
        &server.url(),
        "PUT",
        "/_fake/faults",
        &[],
        br#"{"rules": [{"error": "Throttling"}]}"#,
    )
    .await;
    assert_eq!(status, 500, "{body}");
    assert!(body.contains(&path.display().to_string()), "{body}");
    assert!(fake.with_world(|w| w.fault_rules()).is_empty());
    let (status, _, _) = http(&server.url(), "POST", "/_fake/reset", &[], b"").await;
    assert_eq!(status, 500);
    assert_eq!(world_json(&fake), before);
    assert!(
        fake.try_set_faults(vec![FaultRule::default()], 0)
            .unwrap_err()
            .to_string()
            .starts_with("not changed, because the state file could not be saved: state file ")
    );

    // Once the file can be written, the next create is the one that failed:
    // same id, and the file holds exactly what was acknowledged.
    fs::remove_dir(&path).unwrap();
    let second = ec2
        .create_vpc()
        .cidr_block("10.1.0.0/16")
        .send()
        .await
        .unwrap();
    assert_eq!(
        second.vpc().unwrap().vpc_id(),
        Some("vpc-00000000000000002")
    );
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(&first) && text.contains("vpc-00000000000000002"));
    assert!(!text.contains("vpc-00000000000000003") && !text.contains("eu-west-1"));
    drop(server);
    let _ = fs::remove_dir_all(&dir);
}

/// The journal is not in the state file: after thousands of reads a
/// mutating request saves about what the world holds, not the journal.
#[test]
fn a_save_costs_what_the_world_costs() {
    let dir = temp_dir("save-cost");
    let file = StateFile::new(dir.join("world.json"));
    let fake = Fake::with_state_file(Seed::default(), file.clone()).unwrap();
    let call = |body: &str| {
        let answer = fake.handle(&RawRequest {
            body: body.as_bytes(),
            ..RawRequest::default()
        });
        assert_eq!(answer.status, 200, "{}", answer.body);
    };
    call("Action=CreateVpc&CidrBlock=10.0.0.0/16");
    let one = fs::metadata(file.path()).unwrap().len();
    for _ in 0..3000 {
        call("Action=DescribeVpcs&Filter.1.Name=cidr&Filter.1.Value.1=10.0.0.0/16");
    }
    call("Action=CreateVpc&CidrBlock=10.1.0.0/16");
    let two = fs::metadata(file.path()).unwrap().len();
    assert!(
        two < one + 2048,
        "the state file grew from {one} to {two} bytes for one VPC"
    );
    // The journal is kept beside it, every request on its own line.
    let journal = fs::read_to_string(file.journal_path()).unwrap();
    assert_eq!(journal.lines().count(), 3002);
    assert_eq!(
        file.read_journal().unwrap().unwrap(),
        fake.journal(),
        "the journal file holds the journal"
    );
    let _ = fs::remove_dir_all(&dir);
}
