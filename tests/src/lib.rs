//! Workspace-level tests live in `tests/workspace.rs` (one binary, custom
//! harness); this library is empty.
