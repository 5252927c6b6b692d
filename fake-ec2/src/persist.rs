//! The standalone fake's state file (`--state-file`): the whole world as
//! JSON, saved after every mutating request and loaded at start.
//!
//! A save never leaves a half-written file: it writes a temporary file in
//! the same directory, fsyncs it, renames it over the state file and fsyncs
//! the directory. A process killed at any moment leaves either the previous
//! state or the new one. Credentials are never written.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::protocol::sigv4::Credentials;
use crate::world::{World, WorldFile};

#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    #[error("state file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The file is not a state file this version can read.
    #[error("state file {path}: {message}")]
    Invalid { path: String, message: String },
    /// There was no state file and the seed to start from is refused.
    #[error(transparent)]
    Seed(#[from] crate::seed::SeedError),
}

/// Where a world is kept between runs.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
    temp: PathBuf,
}

impl StateFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let name = path
            .file_name()
            .map_or_else(|| "state".into(), |n| n.to_string_lossy().into_owned());
        let temp = path.with_file_name(format!(".{name}.tmp"));
        Self { path, temp }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The world the file holds, or `None` when there is no file yet.
    pub fn load(&self, credentials: Option<Credentials>) -> Result<Option<World>, StateFileError> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(self.io(source)),
        };
        let file: WorldFile =
            serde_json::from_slice(&bytes).map_err(|e| self.invalid(e.to_string()))?;
        World::from_file(file, credentials)
            .map(Some)
            .map_err(|m| self.invalid(m))
    }

    /// Replaces the file with the world, atomically.
    pub fn save(&self, world: &World) -> Result<(), StateFileError> {
        let bytes = crate::state::with_bookkeeping(|| serde_json::to_vec(&world.to_file()))
            .map_err(|e| self.invalid(e.to_string()))?;
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&self.temp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&self.temp, &self.path)?;
            // The rename itself must reach the disk too.
            let dir = self
                .path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            File::open(dir)?.sync_all()
        };
        write().map_err(|e| self.io(e))
    }

    fn io(&self, source: std::io::Error) -> StateFileError {
        StateFileError::Io {
            path: self.path.display().to_string(),
            source,
        }
    }

    fn invalid(&self, message: String) -> StateFileError {
        StateFileError::Invalid {
            path: self.path.display().to_string(),
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::{RawRequest, process};
    use crate::state::StateDump;

    fn call(world: &mut World, body: &str) -> String {
        process(
            world,
            &RawRequest {
                body: body.as_bytes(),
                ..RawRequest::default()
            },
        )
        .body
    }

    /// The dump leaves bookkeeping out, as it always has; a state file keeps
    /// it, so a loaded world goes on exactly where the saved one was.
    #[test]
    fn state_files_keep_what_the_dump_leaves_out() {
        let seed = crate::Seed::from_yaml("settle_reads: 2").unwrap();
        let mut world = World::new(seed.clone()).unwrap();
        call(
            &mut world,
            "Action=CreateVpc&CidrBlock=10.0.0.0/16&AmazonProvidedIpv6CidrBlock=true",
        );
        let dump = serde_json::to_string(&StateDump::of(&world)).unwrap();
        assert!(!dump.contains("reads_left"), "{dump}");

        let dir = std::env::temp_dir().join(format!("fake-ec2-persist-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = StateFile::new(dir.join("world.json"));
        file.save(&world).unwrap();
        let text = fs::read_to_string(file.path()).unwrap();
        assert!(text.contains("\"reads_left\":2"), "{text}");
        assert!(!dir.join(".world.json.tmp").exists());
        let mut loaded = file.load(None).unwrap().expect("the file exists");
        assert_eq!(
            serde_json::to_string(&StateDump::of(&loaded)).unwrap(),
            dump
        );
        for _ in 0..3 {
            let a = call(&mut world, "Action=DescribeVpcs");
            let b = call(&mut loaded, "Action=DescribeVpcs");
            assert_eq!(a, b);
        }
        assert!(call(&mut loaded, "Action=DescribeVpcs").contains("<state>associated</state>"));
        // A file that is not a state file stops the load; it is never replaced.
        fs::write(file.path(), b"{\"format\": 99}").unwrap();
        assert!(matches!(
            file.load(None),
            Err(StateFileError::Invalid { .. })
        ));
        let _ = fs::remove_dir_all(&dir);
    }
}
