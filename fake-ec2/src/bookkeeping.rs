//! Which fields a serialisation writes: the dump (`/_fake/state`,
//! snapshots) leaves the bookkeeping out, a state file keeps it. A leaf
//! module, so the resource types name it without importing the dump.

thread_local! {
    static FULL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `skip_serializing_if` for bookkeeping the dump leaves out (reads left
/// before a state settles, request fingerprints) but a state file must keep.
pub(crate) fn hidden_in_dump<T>(_: &T) -> bool {
    !FULL.with(std::cell::Cell::get)
}

/// Runs `f` with every field serialised, bookkeeping included (for state files).
pub(crate) fn with_bookkeeping<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            FULL.with(|c| c.set(self.0));
        }
    }
    let _reset = Reset(FULL.with(|c| c.replace(true)));
    f()
}
