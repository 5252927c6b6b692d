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
    let dump = serde_json::to_value(fake.dump()).expect("state serialises");
    let mut out = Vec::new();
    collect_tagged(&dump, &key, &mut out);
    out.sort();
    out
}

fn collect_tagged(v: &serde_json::Value, key: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            let tagged = match map.get("tags") {
                Some(serde_json::Value::Object(t)) => t.contains_key(key),
                Some(serde_json::Value::Array(t)) => t
                    .iter()
                    .any(|p| p.get(0).and_then(|k| k.as_str()) == Some(key)),
                _ => false,
            };
            let live = !matches!(
                map.get("state").and_then(|s| s.as_str()),
                Some("terminated" | "deleted")
            );
            if tagged && live {
                let id = map
                    .iter()
                    .find(|(k, v)| (k.ends_with("_id") || k.ends_with("_arn")) && v.is_string())
                    .map(|(_, v)| v.as_str().unwrap_or_default().to_owned())
                    .unwrap_or_else(|| "?".into());
                out.push(id);
            }
            for v in map.values() {
                collect_tagged(v, key, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_tagged(i, key, out)),
        _ => {}
    }
}
