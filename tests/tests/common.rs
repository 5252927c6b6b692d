//! Helpers shared by the workspace tests.

use libtest_mimic::{Failed, Trial};
use serde::Serialize;

/// The stack each trial runs on. An apply through the SDK polls deeply
/// nested futures, and a debug build's frames are large: the cross product
/// measured between 1.6 and 2 MiB, and libtest-mimic's threads have 2 MiB.
const TRIAL_STACK: usize = 16 << 20;

/// A trial whose body runs on a thread of its own with [`TRIAL_STACK`];
/// a panic in it is the trial's panic.
pub fn trial(
    name: impl Into<String>,
    body: impl FnOnce() -> Result<(), Failed> + Send + 'static,
) -> Trial {
    let name = name.into();
    let thread = name.clone();
    Trial::test(name, move || {
        std::thread::Builder::new()
            .name(thread)
            .stack_size(TRIAL_STACK)
            .spawn(body)
            .expect("a trial thread")
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// A runtime per trial: trials run on libtest-mimic's threads.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A readable dump for failure messages.
pub fn yaml<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// Everything the fake holds that carries the cluster's owned tag, as ids.
pub fn owned_ids(clients: &provisioner::target::Clients, cluster: &str) -> Vec<String> {
    let (fake, _) = clients.fake.as_ref().expect("embedded");
    let key = provisioner::plan::tags::owned_key(cluster);
    fake.view(|v| v.ids_tagged(&key, None))
}
