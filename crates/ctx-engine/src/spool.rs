//! The blobs of a bundle being imported, kept in a temporary file beside
//! the database until the bundle is verified whole: import holds one blob
//! in memory at a time and writes nothing to the store before then. The
//! file is removed when the spool is dropped, whatever happened.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use ctx_model::BlobHash;

/// Blobs by hash, in a temporary file.
pub(crate) struct Spool {
    file: File,
    path: PathBuf,
    /// Where each blob starts, and its length.
    at: HashMap<BlobHash, (u64, u64)>,
    /// The hashes in the order they came.
    order: Vec<BlobHash>,
    end: u64,
}

impl Spool {
    /// A new, empty spool in `dir`, readable by its owner only.
    pub(crate) fn new(dir: &Path) -> std::io::Result<Self> {
        let pid = std::process::id();
        for n in 0u32.. {
            let path = dir.join(format!(".ctx-import-{pid}-{n}.tmp"));
            let mut options = std::fs::OpenOptions::new();
            options.read(true).write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                options.mode(0o600);
            }
            match options.open(&path) {
                Ok(file) => {
                    return Ok(Self {
                        file,
                        path,
                        at: HashMap::new(),
                        order: Vec::new(),
                        end: 0,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => {}
                Err(e) => return Err(e),
            }
        }
        unreachable!("BUG: the loop returns")
    }

    /// Keeps a blob (a second copy of one is kept once).
    pub(crate) fn put(&mut self, hash: BlobHash, bytes: &[u8]) -> std::io::Result<()> {
        if self.at.contains_key(&hash) {
            return Ok(());
        }
        self.file.seek(SeekFrom::Start(self.end))?;
        self.file.write_all(bytes)?;
        self.at.insert(hash, (self.end, bytes.len() as u64));
        self.order.push(hash);
        self.end += bytes.len() as u64;
        Ok(())
    }

    /// The length of a kept blob.
    pub(crate) fn len(&self, hash: &BlobHash) -> Option<u64> {
        self.at.get(hash).map(|&(_, len)| len)
    }

    /// The bytes of a kept blob.
    pub(crate) fn get(&self, hash: &BlobHash) -> std::io::Result<Option<Vec<u8>>> {
        let Some(&(start, len)) = self.at.get(hash) else {
            return Ok(None);
        };
        let mut file = &self.file;
        file.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::with_capacity(len as usize);
        file.take(len).read_to_end(&mut bytes)?;
        Ok(Some(bytes))
    }

    /// The kept blobs' hashes, in the order they came.
    pub(crate) fn hashes(&self) -> Vec<BlobHash> {
        self.order.clone()
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
