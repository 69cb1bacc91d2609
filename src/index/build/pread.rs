//! The directory a build writes through: tantivy's own folder directory,
//! except that files are read with positioned reads instead of memory maps.
//!
//! Merging reads whole segments. Through a memory map every page read stays
//! in the process's resident set until the segment is dropped, so the
//! largest merges of a full build added a quarter of the index to peak RSS
//! (about 220 MB at 75,000 reports). Positioned reads go through the page
//! cache, which the kernel owns and can reclaim, and the process keeps only
//! the bytes tantivy holds on to. Serving keeps memory maps: there the same
//! pages are read again and again.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{
    DeleteError, LockError, OpenDirectoryError, OpenReadError, OpenWriteError,
};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes, WatchCallback,
    WatchHandle, WritePtr,
};
use tantivy::HasLen;

/// A folder directory whose reads are positioned reads (see the module
/// docs); everything else is [`MmapDirectory`]'s.
#[derive(Clone, Debug)]
pub struct PreadDirectory {
    root: PathBuf,
    inner: MmapDirectory,
}

impl PreadDirectory {
    /// The directory over the existing folder `root`.
    pub fn open(root: &Path) -> Result<PreadDirectory, OpenDirectoryError> {
        Ok(PreadDirectory {
            root: root.to_path_buf(),
            inner: MmapDirectory::open(root)?,
        })
    }
}

/// One file read with positioned reads; its length is fixed at opening,
/// as tantivy never changes a file once written.
#[derive(Debug)]
struct PreadFile {
    file: File,
    len: usize,
}

impl HasLen for PreadFile {
    fn len(&self) -> usize {
        self.len
    }
}

impl FileHandle for PreadFile {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        use std::os::unix::fs::FileExt;
        if range.end > self.len || range.start > range.end {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("read of {range:?} past a file of {} bytes", self.len),
            ));
        }
        let mut buffer = vec![0; range.len()];
        self.file.read_exact_at(&mut buffer, range.start as u64)?;
        Ok(OwnedBytes::new(buffer))
    }
}

impl Directory for PreadDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        let full = self.root.join(path);
        let file = File::open(&full).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                OpenReadError::FileDoesNotExist(path.to_path_buf())
            } else {
                OpenReadError::wrap_io_error(e, path.to_path_buf())
            }
        })?;
        let len = file
            .metadata()
            .map_err(|e| OpenReadError::wrap_io_error(e, path.to_path_buf()))?
            .len() as usize;
        Ok(Arc::new(PreadFile { file, len }))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.inner.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.inner.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.inner.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.inner.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ranges_and_refuses_reads_past_the_end() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("f"), b"abcdef").unwrap();
        std::fs::write(tmp.path().join("empty"), b"").unwrap();
        let dir = PreadDirectory::open(tmp.path()).unwrap();
        let file = dir.open_read(Path::new("f")).unwrap();
        assert_eq!(file.len(), 6);
        assert_eq!(file.read_bytes_slice(1..4).unwrap().as_slice(), b"bcd");
        assert!(file.read_bytes_slice(4..4).unwrap().as_slice().is_empty());
        let handle = dir.get_file_handle(Path::new("f")).unwrap();
        assert!(handle.read_bytes(2..9).is_err());
        let empty = dir.open_read(Path::new("empty")).unwrap();
        assert!(empty.read_bytes().unwrap().as_slice().is_empty());
        assert!(matches!(
            dir.open_read(Path::new("missing")),
            Err(OpenReadError::FileDoesNotExist(_))
        ));
    }
}
