//! Helpers shared by the workspace tests.

use serde::Serialize;

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
