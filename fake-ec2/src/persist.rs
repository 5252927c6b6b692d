//! The standalone fake's state file (`--state-file`): the world as JSON,
//! saved after every mutating request and loaded at start; beside it the
//! journal, appended as requests are answered, and a lock file.
//!
//! A save never leaves a half-written file: it writes a new temporary file
//! in the same directory (a random name, created exclusively, so a symlink
//! planted there is never followed; mode 0600 whatever the umask), fsyncs
//! it, renames it over the state file and fsyncs the directory. A process
//! killed at any moment leaves either the previous state or the new one.
//! Credentials are never written.
//!
//! The journal lives in `FILE.journal`, one JSON entry per line, appended
//! (not fsynced: it is a record, not state) after each answer, so a save
//! costs what the world costs however long the journal is. It is rewritten
//! with the entries the fake keeps when it has grown to twice the journal's
//! limits. `FILE.lock` is held (an advisory `flock`) for the process's
//! life, so a second fake-ec2 on the same file is refused.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::journal::JournalEntry;
use crate::protocol::sigv4::Credentials;
use crate::world::{JOURNAL_BYTE_LIMIT, JOURNAL_LIMIT, World, WorldFile};

#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    #[error("state file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The file is not a state file this version can read, or it does not
    /// hold together (a map key that is not its resource's id, ...).
    #[error("state file {path}: {message}")]
    Invalid { path: String, message: String },
    /// Another process holds the state file's lock.
    #[error(
        "state file {path}: another fake-ec2 is using it (it holds {lock}); stop that one or give this one another --state-file"
    )]
    Locked { path: String, lock: String },
    /// There was no state file and the seed to start from is refused.
    #[error(transparent)]
    Seed(#[from] crate::seed::SeedError),
}

/// Where a world is kept between runs.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
}

/// The state file's lock, held until dropped (the fake holds it for its life).
#[derive(Debug)]
pub struct StateLock {
    _file: File,
}

/// Files the fake writes are its user's alone, whatever the umask.
const MODE: u32 = 0o600;

impl StateFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `FILE.journal`: the journal, one JSON entry per line.
    pub fn journal_path(&self) -> PathBuf {
        self.sibling("journal")
    }

    /// `FILE.lock`: what [`StateFile::lock`] takes.
    pub fn lock_path(&self) -> PathBuf {
        self.sibling("lock")
    }

    fn sibling(&self, ext: &str) -> PathBuf {
        let mut name = self
            .path
            .file_name()
            .map_or_else(|| "state".into(), std::ffi::OsStr::to_os_string);
        name.push(".");
        name.push(ext);
        self.path.with_file_name(name)
    }

    fn dir(&self) -> &Path {
        self.path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    }

    /// Takes the exclusive lock on the file, or says who has it. The lock
    /// file is opened without following a symlink.
    pub fn lock(&self) -> Result<StateLock, StateFileError> {
        let lock = self.lock_path();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(MODE)
            .custom_flags(nofollow())
            .open(&lock)
            .map_err(|e| self.io_at(&lock, e))?;
        match file.try_lock() {
            Ok(()) => Ok(StateLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => Err(StateFileError::Locked {
                path: self.path.display().to_string(),
                lock: lock.display().to_string(),
            }),
            Err(fs::TryLockError::Error(e)) => Err(self.io_at(&lock, e)),
        }
    }

    /// The world the file holds, with the journal kept beside it, or `None`
    /// when there is no file yet.
    pub fn load(&self, credentials: Option<Credentials>) -> Result<Option<World>, StateFileError> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(self.io(source)),
        };
        let file: WorldFile =
            serde_json::from_slice(&bytes).map_err(|e| self.invalid(e.to_string()))?;
        let mut world = World::from_file(file, credentials).map_err(|m| self.invalid(m))?;
        if let Some(entries) = self.read_journal()? {
            world.restore_journal(entries);
        }
        Ok(Some(world))
    }

    /// The entries of the journal file, oldest first; `None` without one.
    /// A last line cut short (a process killed while appending) is dropped.
    pub fn read_journal(&self) -> Result<Option<Vec<JournalEntry>>, StateFileError> {
        let path = self.journal_path();
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io_at(&path, e)),
        };
        let mut entries = Vec::new();
        let mut lines = BufReader::new(file).lines().enumerate().peekable();
        while let Some((i, line)) = lines.next() {
            let line = line.map_err(|e| self.io_at(&path, e))?;
            match serde_json::from_str::<JournalEntry>(&line) {
                Ok(entry) => entries.push(entry),
                Err(_) if lines.peek().is_none() => break,
                Err(e) => {
                    return Err(StateFileError::Invalid {
                        path: path.display().to_string(),
                        message: format!("line {}: {e}", i + 1),
                    });
                }
            }
        }
        Ok(Some(entries))
    }

    /// Replaces the file with the world, atomically.
    pub fn save(&self, world: &World) -> Result<(), StateFileError> {
        let bytes = crate::bookkeeping::with_bookkeeping(|| serde_json::to_vec(&world.to_file()))
            .map_err(|e| self.invalid(e.to_string()))?;
        self.replace(&self.path, &bytes)
    }

    /// Replaces the journal file with these entries, atomically.
    pub fn save_journal(&self, entries: &[JournalEntry]) -> Result<(), StateFileError> {
        let mut text = Vec::new();
        for e in entries {
            serde_json::to_writer(&mut text, e).map_err(|e| self.invalid(e.to_string()))?;
            text.push(b'\n');
        }
        self.replace(&self.journal_path(), &text)
    }

    /// Writes `bytes` to a new temporary file beside `target` and renames
    /// it over `target`; the rename reaches the disk too.
    fn replace(&self, target: &Path, bytes: &[u8]) -> Result<(), StateFileError> {
        let name = target
            .file_name()
            .map_or_else(|| "state".into(), |n| n.to_string_lossy().into_owned());
        let write = || -> std::io::Result<()> {
            let mut temp = tempfile::Builder::new()
                .prefix(&format!(".{name}."))
                .suffix(".tmp")
                .permissions(Permissions::from_mode(MODE))
                .tempfile_in(self.dir())?;
            // The umask may have taken bits from the mode asked for at creation.
            temp.as_file()
                .set_permissions(Permissions::from_mode(MODE))?;
            temp.write_all(bytes)?;
            temp.as_file().sync_all()?;
            temp.persist(target).map_err(|e| e.error)?;
            File::open(self.dir())?.sync_all()
        };
        write().map_err(|e| self.io_at(target, e))
    }

    fn io(&self, source: std::io::Error) -> StateFileError {
        self.io_at(&self.path, source)
    }

    fn io_at(&self, path: &Path, source: std::io::Error) -> StateFileError {
        StateFileError::Io {
            path: path.display().to_string(),
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

/// `O_NOFOLLOW`: open the path itself, never what a symlink there points to.
fn nofollow() -> i32 {
    // The flag's bits fit an i32 on every platform (it is a C int flag).
    i32::try_from(rustix::fs::OFlags::NOFOLLOW.bits()).unwrap_or(0)
}

/// Appends journal entries to the journal file as requests are answered.
#[derive(Debug)]
pub(crate) struct JournalWriter {
    file: Option<File>,
    /// The newest `seq` written.
    written: u64,
    /// Lines and bytes in the file since it was last rewritten.
    lines: usize,
    bytes: usize,
    /// An append failed; logged once until one works again.
    failing: bool,
}

impl JournalWriter {
    /// Starts the journal file afresh with the world's journal.
    pub(crate) fn start(state: &StateFile, world: &World) -> Result<Self, StateFileError> {
        let mut writer = Self {
            file: None,
            written: 0,
            lines: 0,
            bytes: 0,
            failing: false,
        };
        writer.rewrite(state, world)?;
        Ok(writer)
    }

    /// Rewrites the file with the entries the world keeps, then appends there.
    pub(crate) fn rewrite(
        &mut self,
        state: &StateFile,
        world: &World,
    ) -> Result<(), StateFileError> {
        let journal = world.journal();
        state.save_journal(journal)?;
        let path = state.journal_path();
        let file = OpenOptions::new()
            .append(true)
            .custom_flags(nofollow())
            .open(&path)
            .map_err(|e| state.io_at(&path, e))?;
        self.file = Some(file);
        self.written = journal.last().map_or(world.request_count(), |e| e.seq);
        self.lines = journal.len();
        self.bytes = world.journal_bytes();
        Ok(())
    }

    /// Appends the entries newer than the last one written; rewrites the
    /// file once it holds twice what the world keeps. A failure is logged,
    /// never answered to the client: the journal is a record, not state.
    pub(crate) fn append(&mut self, state: &StateFile, world: &World) {
        let journal = world.journal();
        let new = journal.partition_point(|e| e.seq <= self.written);
        if new == journal.len() {
            return;
        }
        let full = self.lines >= 2 * JOURNAL_LIMIT || self.bytes >= 2 * JOURNAL_BYTE_LIMIT;
        let result = match self.file.as_mut() {
            Some(file) if !full => {
                let mut text = Vec::new();
                for e in &journal[new..] {
                    // Entries are plain data; serialising one cannot fail.
                    let _ = serde_json::to_writer(&mut text, e);
                    text.push(b'\n');
                }
                let path = state.journal_path();
                file.write_all(&text)
                    .map_err(|e| state.io_at(&path, e))
                    .map(|()| {
                        self.lines += journal.len() - new;
                        self.bytes += text.len();
                        self.written = journal.last().map_or(self.written, |e| e.seq);
                    })
            }
            _ => self.rewrite(state, world),
        };
        match result {
            Ok(()) => self.failing = false,
            Err(e) => {
                if !self.failing {
                    tracing::error!(error = %e, "journal file not written");
                }
                self.failing = true;
                // Try a fresh file next time.
                self.file = None;
            }
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

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("fake-ec2-persist-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    /// Another local user's symlinks where the temporary file used to be
    /// (`.world.json.tmp`) and where the lock and journal go are never
    /// followed: their targets stay as they were. The state file and the
    /// journal file are 0600 and no temporary file is left behind.
    #[test]
    fn saves_never_follow_planted_symlinks_and_files_are_0600() {
        use std::os::unix::fs::symlink;
        let dir = temp_dir("symlinks");
        let victim = dir.join("victim");
        fs::write(&victim, "precious").unwrap();
        let file = StateFile::new(dir.join("world.json"));
        symlink(&victim, dir.join(".world.json.tmp")).unwrap();
        let mut world = World::default();
        call(&mut world, "Action=CreateVpc&CidrBlock=10.0.0.0/16");
        file.save(&world).unwrap();
        file.save(&world).unwrap();
        file.save_journal(world.journal()).unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert!(
            fs::symlink_metadata(dir.join(".world.json.tmp"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(mode(file.path()), 0o600);
        assert_eq!(mode(&file.journal_path()), 0o600);
        let left: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp") && n != ".world.json.tmp")
            .collect();
        assert!(left.is_empty(), "{left:?}");
        assert!(
            fs::read_to_string(file.path())
                .unwrap()
                .contains("vpc-00000000000000001")
        );

        // A symlink at the lock's or the journal's place: refused, not followed.
        symlink(&victim, file.lock_path()).unwrap();
        let e = file.lock().unwrap_err().to_string();
        assert!(e.contains("world.json.lock"), "{e}");
        fs::remove_file(file.lock_path()).unwrap();
        fs::remove_file(file.journal_path()).unwrap();
        symlink(&victim, file.journal_path()).unwrap();
        let mut writer = JournalWriter {
            file: None,
            written: 0,
            lines: 0,
            bytes: 0,
            failing: false,
        };
        writer.append(&file, &world);
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        let _ = fs::remove_dir_all(&dir);
    }

    /// One fake per state file: the lock is held for the fake's life and a
    /// second one is refused, naming the file.
    #[test]
    fn a_second_fake_on_the_same_file_is_refused() {
        let dir = temp_dir("lock");
        let path = dir.join("world.json");
        let first =
            crate::Fake::with_state_file(crate::Seed::default(), StateFile::new(&path)).unwrap();
        let e = crate::Fake::with_state_file(crate::Seed::default(), StateFile::new(&path))
            .unwrap_err();
        assert!(matches!(e, StateFileError::Locked { .. }), "{e}");
        assert_eq!(
            e.to_string(),
            format!(
                "state file {}: another fake-ec2 is using it (it holds {}.lock); stop that one or give this one another --state-file",
                path.display(),
                path.display()
            )
        );
        drop(first);
        crate::Fake::with_state_file(crate::Seed::default(), StateFile::new(&path)).unwrap();
        let _ = fs::remove_dir_all(&dir);
    }

    /// A world with at least one entry in every keyed map of every service.
    fn world_with_everything() -> World {
        let seed = crate::Seed::from_yaml(&format!(
            "{}    ipv6_pools:\n      - pool_id: ipv6pool-ec2-0123456789abcdef0\n        cidrs: [\"2001:db8:1200::/40\"]\n    ipam_pools:\n      - ipam_pool_id: ipam-pool-0123456789abcdef0\n        address_family: ipv6\n        cidrs: [\"2001:db8:ab00::/40\"]\n",
            crate::fuzzing::SEED_YAML
        ))
        .unwrap();
        let mut world = World::new(seed).unwrap();
        let vpc = "vpc-0a1b2c3d4e5f60001";
        let (a, b) = ("subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002");
        for body in [
            format!(
                "Action=RunInstances&ImageId=ami-05013502c4cfad526&InstanceType=m5.large&SubnetId={a}&MinCount=1&MaxCount=1"
            ),
            format!("Action=CreateSecurityGroup&GroupName=web&GroupDescription=web&VpcId={vpc}"),
            "Action=CreateKeyPair&KeyName=k&KeyType=ed25519".to_owned(),
            format!("Action=CreateCarrierGateway&VpcId={vpc}"),
            format!("Action=CreateVpcEndpoint&VpcId={vpc}&ServiceName=com.amazonaws.us-east-1.s3"),
            format!("Action=CreateNetworkInterface&SubnetId={b}&Description=own"),
            format!(
                "Action=CreateTargetGroup&Version=2015-12-01&Name=tg&Protocol=TCP&Port=80&VpcId={vpc}"
            ),
            format!(
                "Action=CreateLoadBalancer&Version=2015-12-01&Name=lb&Type=network&Subnets.member.1={a}&Subnets.member.2={b}"
            ),
            format!(
                "Action=CreateLoadBalancer&Version=2012-06-01&LoadBalancerName=classic&Listeners.member.1.Protocol=TCP&Listeners.member.1.LoadBalancerPort=6443&Listeners.member.1.InstancePort=6443&Subnets.member.1={a}"
            ),
        ] {
            let answer = call(&mut world, &body);
            assert!(!answer.contains("<Error>"), "{body}: {answer}");
        }
        let region = world.regions().next().unwrap();
        let lb = region.elbv2.load_balancers.keys().next().unwrap().clone();
        let tg = region.elbv2.target_groups.keys().next().unwrap().clone();
        let answer = call(
            &mut world,
            &format!(
                "Action=CreateListener&Version=2015-12-01&LoadBalancerArn={lb}&Protocol=TCP&Port=80&DefaultActions.member.1.Type=forward&DefaultActions.member.1.TargetGroupArn={tg}"
            ),
        );
        assert!(!answer.contains("<Error>"), "{answer}");
        // An EKS cluster (its security group and network interfaces too).
        let body = format!(
            r#"{{"name":"c1","roleArn":"arn:aws:iam::123456789012:role/eks","resourcesVpcConfig":{{"subnetIds":["{a}","{b}"]}}}}"#
        );
        let answer = process(
            &mut world,
            &RawRequest {
                body: body.as_bytes(),
                method: "POST",
                path: "/clusters",
                ..RawRequest::default()
            },
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        world
    }

    /// A state file whose map key differs from the id inside is refused at
    /// load, naming the file, the region, the map and both ids, for every
    /// keyed map of the state (a Describe would otherwise panic on it).
    #[test]
    fn inconsistent_state_files_are_refused_for_every_keyed_map() {
        let dir = temp_dir("consistency");
        let file = StateFile::new(dir.join("world.json"));
        file.save(&world_with_everything()).unwrap();
        let good: serde_json::Value =
            serde_json::from_slice(&fs::read(file.path()).unwrap()).unwrap();
        let maps = [
            ("ec2", "vpcs"),
            ("ec2", "subnets"),
            ("ec2", "internet_gateways"),
            ("ec2", "egress_only_internet_gateways"),
            ("ec2", "carrier_gateways"),
            ("ec2", "addresses"),
            ("ec2", "nat_gateways"),
            ("ec2", "route_tables"),
            ("ec2", "security_groups"),
            ("ec2", "instances"),
            ("ec2", "ipv6_pools"),
            ("ec2", "ipams"),
            ("ec2", "ipam_scopes"),
            ("ec2", "ipam_pools"),
            ("ec2", "network_interfaces"),
            ("ec2", "key_pairs"),
            ("ec2", "vpc_endpoints"),
            ("elbv2", "load_balancers"),
            ("elbv2", "target_groups"),
            ("elbv2", "listeners"),
            ("elb", "load_balancers"),
            ("eks", "clusters"),
        ];
        // Every map of the state is in the list (and non-empty here).
        let region = &good["regions"][0];
        let listed: usize = ["ec2", "elbv2", "elb", "eks"]
            .iter()
            .map(|s| region[s].as_object().unwrap().len())
            .sum();
        assert_eq!(listed, maps.len(), "a map of the state is not checked here");
        for (service, map) in maps {
            let mut bad = good.clone();
            let entries = bad["regions"][0][service][map].as_object_mut().unwrap();
            let (key, value) = entries
                .iter()
                .next()
                .map(|(k, v)| (k.clone(), v.clone()))
                .unwrap_or_else(|| panic!("{map} is empty"));
            entries.remove(&key);
            let wrong = format!("{key}0");
            entries.insert(wrong.clone(), value);
            fs::write(file.path(), serde_json::to_vec(&bad).unwrap()).unwrap();
            let e = file.load(None).unwrap_err().to_string();
            assert_eq!(
                e,
                format!(
                    "state file {}: region us-east-1 of account 123456789012: {map}: the entry keyed '{wrong}' holds the id '{key}'",
                    file.path().display()
                ),
            );
        }
        // A pool whose source pool is missing, and a region twice.
        let mut bad = good.clone();
        let pools = bad["regions"][0]["ec2"]["ipam_pools"]
            .as_object_mut()
            .unwrap();
        let (id, pool) = pools.iter_mut().next().unwrap();
        let id = id.clone();
        pool["source_ipam_pool_id"] = serde_json::json!("ipam-pool-gone");
        fs::write(file.path(), serde_json::to_vec(&bad).unwrap()).unwrap();
        let e = file.load(None).unwrap_err().to_string();
        assert!(e.ends_with(&format!("ipam_pools: '{id}' names the source pool 'ipam-pool-gone', which is not in the file")), "{e}");
        let mut bad = good.clone();
        let region = bad["regions"][0].clone();
        bad["regions"].as_array_mut().unwrap().push(region);
        fs::write(file.path(), serde_json::to_vec(&bad).unwrap()).unwrap();
        let e = file.load(None).unwrap_err().to_string();
        assert!(
            e.ends_with("region us-east-1 of account 123456789012 is in the file twice"),
            "{e}"
        );
        // The good one loads.
        fs::write(file.path(), serde_json::to_vec(&good).unwrap()).unwrap();
        file.load(None).unwrap().unwrap();
        let _ = fs::remove_dir_all(&dir);
    }
}
