//! Property tests of bad input, in-process through `Fake::handle`: real
//! actions with random parameter names and values, and fully random bytes,
//! never panic and always get HTTP 200 or an AWS error status with a
//! well-formed envelope of the right service (`fake_ec2::fuzzing` checks it).
//! A handler panic that the guard turns into a 500 fails them too (the
//! guard itself: `dispatch::tests::handler_panic_guard_holds`).

use fake_ec2::fuzzing::{self, PARAM_NAMES, PARAM_VALUES};
use fake_ec2::{ec2, elbv2};
use proptest::prelude::*;
use proptest::sample::select;

fn action() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(ec2::ACTIONS).prop_map(str::to_owned),
        3 => select(elbv2::ACTIONS).prop_map(str::to_owned),
        1 => "[A-Za-z]{0,24}",
        1 => any::<String>(),
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => select(PARAM_NAMES).prop_map(str::to_owned),
        2 => (select(PARAM_NAMES), 0u32..2000).prop_map(|(n, i)| format!("{n}.{i}")),
        1 => "[A-Za-z][A-Za-z0-9.]{0,30}",
        1 => any::<String>(),
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => select(PARAM_VALUES).prop_map(str::to_owned),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => "[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}",
        1 => "[0-9a-f]{1,4}(:[0-9a-f]{0,4}){1,7}/[0-9]{1,3}",
        1 => "(vpc|subnet|igw|eigw|nat|rtb|sg|i|eipalloc|ipam-pool)-[0-9a-f]{17}",
        2 => any::<String>(),
    ]
}

/// One structured request, encoded for `fuzzing::decode`.
fn request() -> impl Strategy<Value = Vec<u8>> {
    (
        0u8..3,
        action(),
        prop_oneof![
            Just(ec2::API_VERSION.to_owned()),
            Just(elbv2::API_VERSION.to_owned()),
            "[0-9-]{0,12}",
        ],
        prop::collection::vec((name(), value()), 0..12),
        any::<bool>(),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(scope, action, version, params, in_query, verify)| {
            let body = fuzzing::form_body(
                &action,
                &version,
                params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
            let mut input = if in_query {
                fuzzing::encode(scope, Some(&String::from_utf8_lossy(&body)), b"")
            } else {
                fuzzing::encode(scope, None, &body)
            };
            if verify {
                // Signatures checked: every request is refused, in AWS's words.
                input[0] |= 4;
            }
            input
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Sequences of real actions with random parameters against a world
    /// that has resources (so ids name real things and creates succeed).
    #[test]
    fn structured_requests_get_aws_answers(requests in prop::collection::vec(request(), 1..8)) {
        let fake = fuzzing::seeded_fake();
        for r in &requests {
            if let Err(e) = fuzzing::run_one(&fake, r) {
                prop_assert!(false, "{e}\ninput: {:?}", String::from_utf8_lossy(r));
            }
        }
        // The world still dumps, and round-trips through the state file format.
        serde_json::to_string(&fake.dump()).unwrap();
    }

    /// Fully random bytes as the Authorization header, query and body.
    #[test]
    fn random_bytes_get_aws_answers(data in prop::collection::vec(any::<u8>(), 0..512)) {
        let fake = fuzzing::seeded_fake();
        if let Err(e) = fuzzing::run_one(&fake, &data) {
            prop_assert!(false, "{e}\ninput: {data:?}");
        }
    }

    /// Random form text (valid encoding, arbitrary keys and values).
    #[test]
    fn random_forms_get_aws_answers(pairs in prop::collection::vec((any::<String>(), any::<String>()), 0..16), scope in 0u8..3) {
        let fake = fuzzing::seeded_fake();
        let mut form = String::new();
        for (k, v) in &pairs {
            form.push_str(&format!("{k}={v}&"));
        }
        let data = fuzzing::encode(scope, None, form.as_bytes());
        if let Err(e) = fuzzing::run_one(&fake, &data) {
            prop_assert!(false, "{e}\ninput: {form:?}");
        }
    }
}

/// After any sequence of requests the world saved to a state file loads
/// back to the same state and journal.
#[test]
fn state_files_round_trip_after_random_requests() {
    let dir = crate::standalone::temp_dir("bad-input-round-trip");
    let mut rng = fuzzing::Rng::new(42);
    for case in 0..40 {
        let path = dir.join(format!("state-{case}.json"));
        let seed = fake_ec2::Seed::from_yaml(fuzzing::SEED_YAML).unwrap();
        let fake =
            fake_ec2::Fake::with_state_file(seed.clone(), fake_ec2::StateFile::new(&path)).unwrap();
        for _ in 0..30 {
            let input = fuzzing::generate(&mut rng);
            fuzzing::run_one(&fake, &input).unwrap();
        }
        fake.save_state().unwrap();
        // The files as a restart finds them, under another name (the
        // running fake holds the lock on its own).
        let file = fake_ec2::StateFile::new(&path);
        let copy = fake_ec2::StateFile::new(dir.join(format!("copy-{case}.json")));
        std::fs::copy(file.path(), copy.path()).unwrap();
        std::fs::copy(file.journal_path(), copy.journal_path()).unwrap();
        let loaded = fake_ec2::Fake::with_state_file(seed, copy).unwrap();
        assert_eq!(
            serde_json::to_value(loaded.dump()).unwrap(),
            serde_json::to_value(fake.dump()).unwrap(),
            "case {case}"
        );
        assert_eq!(loaded.journal(), fake.journal(), "case {case}");
        // Both go on the same way: the same next answer.
        let next = fuzzing::generate(&mut rng);
        let a = fuzzing::decode(&next).answer(&fake);
        let b = fuzzing::decode(&next).answer(&loaded);
        assert_eq!(a, b, "case {case}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
