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
