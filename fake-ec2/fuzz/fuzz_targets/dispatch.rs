//! Bytes in, one request through `Fake::handle`: the answer must be HTTP 200
//! or an AWS error status with a well-formed envelope of the right service
//! (`fake_ec2::fuzzing::check_answer`). A panic anywhere, or a 500 (a handler
//! panic the guard caught), is a crash. Input format: `fuzzing::decode`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A fresh world per input keeps every crash reproducible on its own.
    let fake = fake_ec2::fuzzing::seeded_fake();
    if let Err(why) = fake_ec2::fuzzing::run_one(&fake, data) {
        panic!("{why}");
    }
});
