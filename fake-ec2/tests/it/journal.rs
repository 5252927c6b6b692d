//! The journal stays small whatever clients send: long parameter names and
//! values are cut (in error messages too), and it is bounded by bytes as
//! well as entries (`world::tests`).

use fake_ec2::journal::MAX_VALUE_BYTES;
use fake_ec2::{Fake, RawRequest, RawResponse};

fn call(fake: &Fake, body: &str) -> RawResponse {
    fake.handle(&RawRequest {
        body: body.as_bytes(),
        ..RawRequest::default()
    })
}

#[test]
fn long_values_are_cut_in_the_journal_and_in_error_messages() {
    let fake = Fake::new();
    let junk = "x".repeat(7 * 1024 * 1024);
    let answer = call(
        &fake,
        &format!("Action=DescribeVpcs&Version=2016-11-15&Junk={junk}&Short=abc"),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let entry = fake.journal().pop().unwrap();
    let kept = &entry.params["Junk"];
    assert_eq!(
        kept,
        &format!("{}…(truncated, 7340032 bytes)", &junk[..MAX_VALUE_BYTES])
    );
    assert_eq!(entry.params["Short"], "abc");
    // Exactly the limit is kept whole; so are long names' short values.
    let edge = "y".repeat(MAX_VALUE_BYTES);
    let long_name = format!("N{}", "n".repeat(MAX_VALUE_BYTES));
    call(
        &fake,
        &format!("Action=DescribeVpcs&Edge={edge}&{long_name}=v"),
    );
    let entry = fake.journal().pop().unwrap();
    assert_eq!(entry.params["Edge"], edge);
    assert!(
        entry
            .params
            .keys()
            .any(|k| k.ends_with(&format!("…(truncated, {} bytes)", MAX_VALUE_BYTES + 1)))
    );

    // An error that quotes the value quotes it cut, and the answer is small.
    let answer = call(&fake, &format!("Action=DescribeVpcs&VpcId.1=vpc-{junk}"));
    assert_eq!(answer.status, 400);
    assert!(
        answer.body.len() < 3 * MAX_VALUE_BYTES,
        "{}",
        answer.body.len()
    );
    assert!(
        answer.body.contains("…(truncated, 7340036 bytes)"),
        "{}",
        &answer.body[..300]
    );
    let answer = call(&fake, &format!("Action={junk}"));
    assert!(answer.body.contains("<Code>InvalidAction</Code>"));
    assert!(answer.body.len() < 3 * MAX_VALUE_BYTES);
    assert!(
        fake.journal()
            .pop()
            .unwrap()
            .action
            .ends_with("…(truncated, 7340032 bytes)")
    );
    // More such requests keep the journal small (4 KiB and a bit each).
    for _ in 0..10 {
        call(&fake, &format!("Action=DescribeVpcs&Junk={junk}"));
    }
    let bytes = fake.with_world(|w| w.journal_bytes());
    assert!(bytes < 14 * 8 * 1024, "{bytes} bytes of journal");
}
