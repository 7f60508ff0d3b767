//! A redb storage backend over a database file this process may not write:
//! reads come from the file, writes stay in memory and are dropped with the
//! backend. It lets redb run its crash recovery on a store that needs it
//! but cannot be written (a read-only file, folder or mount): the repair
//! writes land here, the file keeps every byte, and reads see the last
//! committed state.
//!
//! Locks are taken on the file as a reader would, shared, wherever redb asks
//! for one: a process that may write the file is kept out while the overlay
//! is open (it would repair and change what the overlay reads), and the
//! overlay waits for such a process like any other reader.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard};

use redb::backends::FileBackend;
use redb::{BackendError, StorageBackend};

/// The unit of copy-on-write: a write copies the blocks it touches.
const BLOCK: u64 = 4096;

/// A read-only file with an in-memory layer of writes over it.
#[derive(Debug)]
pub(crate) struct Overlay {
    file: FileBackend,
    layer: Mutex<Layer>,
}

/// What was written over the file.
#[derive(Debug)]
struct Layer {
    /// The length redb has set or written up to.
    len: u64,
    /// The file's bytes still showing: a shrink hides the rest, and what
    /// grows back over it reads as zeros.
    shown: u64,
    /// Written blocks, whole, by index.
    blocks: HashMap<u64, Box<[u8]>>,
}

impl Overlay {
    /// An overlay over `file`, whose length is `len`.
    pub(crate) fn new(file: FileBackend) -> std::io::Result<Self> {
        let len = file.len()?;
        Ok(Self {
            file,
            layer: Mutex::new(Layer {
                len,
                shown: len,
                blocks: HashMap::new(),
            }),
        })
    }

    fn layer(&self) -> MutexGuard<'_, Layer> {
        // A panic while the layer was held leaves it whole: every change
        // below is a single assignment or insert.
        self.layer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Fills `out` with the file's bytes at `offset` where they still show,
    /// zeros past them.
    fn read_file(&self, shown: u64, offset: u64, out: &mut [u8]) -> std::io::Result<()> {
        let from_file =
            usize::try_from(shown.saturating_sub(offset)).map_or(out.len(), |n| n.min(out.len()));
        let (head, tail) = out.split_at_mut(from_file);
        if !head.is_empty() {
            self.file.read(offset, head)?;
        }
        tail.fill(0);
        Ok(())
    }

    /// The current bytes of block `index`: written, or as the file has them.
    fn block(&self, layer: &Layer, index: u64) -> std::io::Result<Box<[u8]>> {
        if let Some(block) = layer.blocks.get(&index) {
            return Ok(block.clone());
        }
        let mut block = vec![0; BLOCK as usize].into_boxed_slice();
        let start = index * BLOCK;
        let within = usize::try_from(layer.len.saturating_sub(start))
            .map_or(block.len(), |n| n.min(block.len()));
        self.read_file(layer.shown, start, &mut block[..within])?;
        Ok(block)
    }
}

fn past_end(offset: u64, len: usize, end: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        format!("read of {len} bytes at {offset} past the end ({end})"),
    )
}

impl StorageBackend for Overlay {
    fn len(&self) -> Result<u64, std::io::Error> {
        Ok(self.layer().len)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        let layer = self.layer();
        let end = offset
            .checked_add(out.len() as u64)
            .filter(|end| *end <= layer.len)
            .ok_or_else(|| past_end(offset, out.len(), layer.len))?;
        // Runs of blocks nothing was written to are read from the file in
        // one call: redb reads whole pages, often many blocks long.
        let mut at = offset;
        let mut run_start = offset;
        while at < end {
            let index = at / BLOCK;
            let block_end = ((index + 1) * BLOCK).min(end);
            if let Some(block) = layer.blocks.get(&index) {
                let lo = (run_start - offset) as usize;
                let hi = (at - offset) as usize;
                self.read_file(layer.shown, run_start, &mut out[lo..hi])?;
                let within = (at - index * BLOCK) as usize;
                let n = (block_end - at) as usize;
                out[hi..hi + n].copy_from_slice(&block[within..within + n]);
                run_start = block_end;
            }
            at = block_end;
        }
        let lo = (run_start - offset) as usize;
        self.read_file(layer.shown, run_start, &mut out[lo..])
    }

    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        let mut layer = self.layer();
        if len < layer.len {
            layer.shown = layer.shown.min(len);
            layer.blocks.retain(|index, _| index * BLOCK < len);
            let index = len / BLOCK;
            let within = (len % BLOCK) as usize;
            if within > 0
                && let Some(block) = layer.blocks.get_mut(&index)
            {
                block[within..].fill(0);
            }
        }
        layer.len = len;
        Ok(())
    }

    fn sync_data(&self) -> Result<(), std::io::Error> {
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        let mut layer = self.layer();
        let end = offset.checked_add(data.len() as u64).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "write past u64::MAX")
        })?;
        let mut at = offset;
        while at < end {
            let index = at / BLOCK;
            let block_end = ((index + 1) * BLOCK).min(end);
            let mut block = self.block(&layer, index)?;
            let within = (at - index * BLOCK) as usize;
            let from = (at - offset) as usize;
            let n = (block_end - at) as usize;
            block[within..within + n].copy_from_slice(&data[from..from + n]);
            layer.blocks.insert(index, block);
            at = block_end;
        }
        layer.len = layer.len.max(end);
        Ok(())
    }

    fn close(&self) -> Result<(), std::io::Error> {
        self.file.close()
    }

    // Every lock is taken shared: the overlay only ever reads the file.

    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.file.try_lock_shared_range(start, end)
    }

    fn try_lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, BackendError> {
        self.file.try_lock_shared_range(start, end)
    }

    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.file.lock_shared_range(start, end)
    }

    fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.file.lock_shared_range(start, end)
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.file.unlock_range(start, end)
    }

    fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.file.query_lock_range(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Write(u64, Vec<u8>),
        SetLen(u64),
        Read(u64, usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        let at = 0..5 * BLOCK;
        prop_oneof![
            (
                at.clone(),
                proptest::collection::vec(any::<u8>(), 0..2 * BLOCK as usize)
            )
                .prop_map(|(o, d)| Op::Write(o, d)),
            at.clone().prop_map(Op::SetLen),
            (at, 0..2 * BLOCK as usize).prop_map(|(o, n)| Op::Read(o, n)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The overlay behaves like a file holding the same bytes, and the
        /// file under it never changes.
        #[test]
        fn acts_like_a_file_and_leaves_it_alone(
            initial in proptest::collection::vec(any::<u8>(), 0..3 * BLOCK as usize),
            ops in proptest::collection::vec(op(), 1..40),
        ) {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("file");
            std::fs::write(&path, &initial).expect("write");
            let file = std::fs::File::open(&path).expect("open read-only");
            let overlay = Overlay::new(FileBackend::new(file).expect("backend")).expect("overlay");
            let mut model = initial.clone();
            for op in ops {
                match op {
                    Op::Write(offset, data) => {
                        overlay.write(offset, &data).expect("write");
                        let end = offset as usize + data.len();
                        if model.len() < end {
                            model.resize(end, 0);
                        }
                        model[offset as usize..end].copy_from_slice(&data);
                    }
                    Op::SetLen(len) => {
                        overlay.set_len(len).expect("set_len");
                        model.resize(len as usize, 0);
                    }
                    Op::Read(offset, n) => {
                        let mut out = vec![0xa5; n];
                        let got = overlay.read(offset, &mut out);
                        if offset as usize + n <= model.len() {
                            prop_assert!(got.is_ok());
                            prop_assert_eq!(&out[..], &model[offset as usize..offset as usize + n]);
                        } else {
                            prop_assert!(got.is_err());
                        }
                    }
                }
                prop_assert_eq!(overlay.len().expect("len"), model.len() as u64);
            }
            let mut all = vec![0; model.len()];
            overlay.read(0, &mut all).expect("read all");
            prop_assert_eq!(all, model);
            prop_assert_eq!(std::fs::read(&path).expect("read"), initial);
        }
    }
}
