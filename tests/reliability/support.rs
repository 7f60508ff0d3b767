//! What every reliability case shares: the soak factor, a seeded RNG, and
//! file modes.

/// How many times to multiply each case's iterations: 1 by default,
/// `CTX_SOAK=1` means 10, any larger number is taken as the factor itself.
pub fn soak() -> usize {
    match std::env::var("CTX_SOAK")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        None | Some(0) => 1,
        Some(1) => 10,
        Some(n) => n,
    }
}

/// A small deterministic generator (splitmix64), so each case is seeded and
/// a failure names the seed that reproduces it.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

#[test]
fn rng_is_deterministic_and_spreads() {
    let a: Vec<u64> = (0..4)
        .map({
            let mut r = Rng::new(7);
            move |_| r.next_u64()
        })
        .collect();
    let b: Vec<u64> = (0..4)
        .map({
            let mut r = Rng::new(7);
            move |_| r.next_u64()
        })
        .collect();
    assert_eq!(a, b);
    let mut r = Rng::new(1);
    let hits = (0..1000).filter(|_| r.below(2) == 0).count();
    assert!((400..600).contains(&hits), "{hits}");
}

/// How one process ended under [`run_bounded`].
#[derive(Debug)]
pub struct Bounded {
    /// The exit code; `None` when a signal ended it or it was killed.
    pub code: Option<i32>,
    /// Killed after running past the limit.
    pub timed_out: bool,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Bounded {
    /// A clean outcome: success, or a documented exit code (1 to 6) with
    /// stderr ending in one error block: a single `error:` line followed
    /// only by `caused by:` and `hint:` lines (status lines may come first,
    /// as `ctx fsck` prints its summary). Clap's usage errors add usage
    /// and `--help` lines, so code 2 from clap only needs its `error:` line.
    pub fn is_clean(&self) -> bool {
        match self.code {
            Some(0) => true,
            Some(2) if self.stderr.contains("try '--help'") => self.stderr.starts_with("error: "),
            Some(1..=6) => self.is_one_error_block(),
            _ => false,
        }
    }

    /// stderr ends in exactly one `error:` line followed only by
    /// `caused by:` and `hint:` lines.
    pub fn is_one_error_block(&self) -> bool {
        let lines: Vec<&str> = self.stderr.lines().collect();
        let errors: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].starts_with("error: "))
            .collect();
        errors.len() == 1
            && lines[errors[0] + 1..]
                .iter()
                .all(|l| l.starts_with("  caused by: ") || l.starts_with("hint: "))
    }

    /// One line for a failure message.
    pub fn describe(&self) -> String {
        format!(
            "code {:?}{}, stderr: {:?}",
            self.code,
            if self.timed_out { " (timed out)" } else { "" },
            self.stderr
        )
    }
}

/// Runs `cmd` with stdin closed, killing it once it runs past `limit`, so a
/// hang is a failed assertion instead of a stuck suite.
pub fn run_bounded(mut cmd: std::process::Command, limit: std::time::Duration) -> Bounded {
    use std::process::Stdio;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ctx");
    let (out, timed_out) = crate::child::wait_within(child, limit);
    Bounded {
        code: if timed_out { None } else { out.status.code() },
        timed_out,
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The permission bits of `path` itself (a link is not followed).
pub fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

/// Sets the permission bits of `path`.
pub fn chmod(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// Whether this process runs as root: `/proc/self` belongs to the
/// process's effective user.
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}
