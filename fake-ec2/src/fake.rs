//! The fake itself: one world of accounts and regions behind a lock, its
//! state file and journal when it has them, and what its controls change
//! (faults, credentials, a reset). Serving it over HTTP is `server`'s.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::dispatch::{self, RawRequest, RawResponse};
use crate::faults::FaultRule;
use crate::journal::JournalEntry;
use crate::persist::{JournalWriter, StateFile, StateFileError, StateLock};
use crate::protocol::sigv4::Credentials;
use crate::seed::{Seed, SeedError};
use crate::state::StateDump;
use crate::world::{Undo, World};

/// Why a change to the fake through its controls did not happen.
#[derive(Debug, thiserror::Error)]
pub enum FakeError {
    /// A fault rule AWS could never answer; says which and why.
    #[error("invalid fault rules: {0}")]
    InvalidFaults(String),
    /// The change could not be saved to the state file, so it was not made.
    #[error("not changed, because the state file could not be saved: {0}")]
    NotSaved(#[from] StateFileError),
}

/// A handle to one fake: cheap to clone, shared by the server and tests.
#[derive(Clone, Debug, Default)]
pub struct Fake {
    world: Arc<Mutex<World>>,
    persist: Option<Arc<Persistence>>,
    /// Counts the changes made other than by a request ([`Fake::generation`]).
    generation: Arc<AtomicU64>,
}

/// A fake kept in a state file: the file, its lock (held for the fake's
/// life) and the journal file's writer.
#[derive(Debug)]
struct Persistence {
    file: StateFile,
    _lock: StateLock,
    journal: Mutex<JournalWriter>,
}

impl Persistence {
    /// Saves the world; on failure takes `undo` back (when given) and logs
    /// where the save failed.
    fn save_or_undo(&self, world: &mut World, undo: Option<Undo>) -> Result<(), StateFileError> {
        let result = self.file.save(world);
        if let Err(e) = &result {
            tracing::error!(error = %e, "state file not saved; the change is taken back");
            if let Some(undo) = undo {
                world.undo(undo);
            }
        }
        result
    }

    fn journal(&self) -> MutexGuard<'_, JournalWriter> {
        self.journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Fake {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_seed(seed: Seed) -> Result<Self, SeedError> {
        Ok(Self {
            world: Arc::new(Mutex::new(World::new(seed)?)),
            persist: None,
            generation: Arc::default(),
        })
    }

    /// A fake whose world lives in a state file: read from it when it
    /// exists (the seed then only gives the SigV4 settings), else built from
    /// the seed and saved. The file's lock is taken first and held for the
    /// fake's life: a second fake on the same file is refused
    /// ([`StateFileError::Locked`]). Every mutating request, reset and fault
    /// change saves the world before the answer goes out; one whose save
    /// fails is taken back and answered 500. The journal is appended to
    /// `FILE.journal` ([`StateFile::journal_path`]).
    pub fn with_state_file(seed: Seed, file: StateFile) -> Result<Self, StateFileError> {
        let lock = file.lock()?;
        let credentials = seed
            .verify_sigv4
            .then(|| Credentials::new(seed.credentials.clone()));
        let world = match file.load(credentials)? {
            Some(world) => world,
            None => {
                let world = World::new(seed)?;
                file.save(&world)?;
                world
            }
        };
        let journal = JournalWriter::start(&file, &world)?;
        Ok(Self {
            world: Arc::new(Mutex::new(world)),
            persist: Some(Arc::new(Persistence {
                file,
                _lock: lock,
                journal: Mutex::new(journal),
            })),
            generation: Arc::default(),
        })
    }

    /// Saves the state file now (the binary does at shutdown, so reads that
    /// settled states since the last mutating request are kept too).
    pub fn save_state(&self) -> Result<(), StateFileError> {
        match &self.persist {
            Some(p) => p.file.save(&self.lock()),
            None => Ok(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A handler panic is caught inside the lock; the state stays usable.
        self.world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` with exclusive access to the world (which counts as a
    /// change: [`Fake::generation`]).
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let mut world = self.lock();
        self.changed();
        f(&mut world)
    }

    /// How many changes were made to the fake other than by a request:
    /// resets, fault rule changes, journal clears and [`Fake::with_world`]
    /// calls. With the journal's newest `seq`, what `GET /_fake/ui/version`
    /// answers, so the live page reloads when either moves.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Counts a change; called with the world's lock held, so a reader
    /// under the lock sees the count and the change together.
    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Answers one request in-process (no socket, no latency). With a state
    /// file, a mutating request is saved before the answer; when the save
    /// fails its change is taken back and the answer is a 500
    /// (`InternalError` for EC2, `InternalFailure` for ELBv2) naming the
    /// file and the failure.
    pub fn handle(&self, req: &RawRequest<'_>) -> RawResponse {
        let mut world = self.lock();
        let Some(p) = &self.persist else {
            return dispatch::process(&mut world, req);
        };
        let (mut answer, undo) = dispatch::process_undoable(&mut world, req);
        if let Some(undo) = undo {
            let seq = undo.seq();
            if let Err(e) = p.save_or_undo(&mut world, Some(undo)) {
                answer = dispatch::not_saved(&mut world, &answer, seq, &e.to_string());
            }
        }
        p.journal().append(&p.file, &world);
        answer
    }

    /// A request id for an answer the fake gives before a request reaches
    /// [`Fake::handle`] (a body that never arrived, ...): requests are
    /// numbered all the same, but such answers are not journaled.
    pub fn next_request_id(&self) -> String {
        crate::ids::request_id(self.lock().next_request())
    }

    pub fn journal(&self) -> Vec<JournalEntry> {
        self.lock().journal().to_vec()
    }

    /// Empties the journal (and the journal file: a failure to rewrite it
    /// is logged).
    pub fn clear_journal(&self) {
        let mut world = self.lock();
        world.clear_journal();
        self.changed();
        if let Some(p) = &self.persist
            && let Err(e) = p.journal().rewrite(&p.file, &world)
        {
            tracing::error!(error = %e, "journal file not cleared");
        }
    }

    /// The whole state, deterministic (sorted by account, region and id).
    pub fn dump(&self) -> StateDump {
        StateDump::of(&self.lock())
    }

    /// Reads the state through a [`crate::view::View`] (under the lock:
    /// requests wait until `f` returns).
    pub fn view<R>(&self, f: impl FnOnce(&crate::view::View<'_>) -> R) -> R {
        f(&crate::view::View::new(&self.lock()))
    }

    /// Back to the seeded state, journal and counters included. Panics when
    /// the state file cannot be saved ([`Fake::try_reset`] says why).
    pub fn reset(&self) {
        if let Err(e) = self.try_reset() {
            panic!("reset: {e}");
        }
    }

    /// Back to the seeded state, or, when the state file cannot be saved,
    /// nothing changes and the error says why.
    pub fn try_reset(&self) -> Result<(), FakeError> {
        let mut world = self.lock();
        let Some(p) = &self.persist else {
            world.reset();
            self.changed();
            return Ok(());
        };
        let mut fresh = World::new(world.seed().clone())
            .map_err(|e| FakeError::NotSaved(StateFileError::Seed(e)))?;
        fresh.set_credentials(world.credentials.clone());
        let old = world.replace(fresh);
        if let Err(e) = p.file.save(&world) {
            tracing::error!(error = %e, "state file not saved; the reset is taken back");
            world.replace(old);
            return Err(e.into());
        }
        self.changed();
        if let Err(e) = p.journal().rewrite(&p.file, &world) {
            tracing::error!(error = %e, "journal file not cleared");
        }
        Ok(())
    }

    /// Replaces the fault rules. Panics on a rule [`FaultRule::check`]
    /// refuses (a status outside 400-599, a probability outside 0-1, ...) or
    /// when the state file cannot be saved; [`Fake::try_set_faults`] returns
    /// the reason instead.
    pub fn set_faults(&self, rules: Vec<FaultRule>, seed: u64) {
        if let Err(e) = self.try_set_faults(rules, seed) {
            panic!("set_faults: {e}");
        }
    }

    /// Replaces the fault rules, or says why not (nothing changes then).
    pub fn try_set_faults(&self, rules: Vec<FaultRule>, seed: u64) -> Result<(), FakeError> {
        crate::faults::check_rules("rules", &rules).map_err(FakeError::InvalidFaults)?;
        let mut world = self.lock();
        let old = std::mem::replace(&mut world.faults, crate::faults::Faults::new(rules, seed));
        if let Some(p) = &self.persist
            && let Err(e) = p.file.save(&world)
        {
            tracing::error!(error = %e, "state file not saved; the fault rules are taken back");
            world.faults = old;
            return Err(e.into());
        }
        self.changed();
        Ok(())
    }

    /// Turns SigV4 verification on with these keys, or off with `None`.
    pub fn set_credentials(&self, credentials: Option<Credentials>) {
        self.lock().set_credentials(credentials);
    }
}
