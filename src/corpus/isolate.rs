//! Reading one file in isolation: on a reader thread with a large stack,
//! behind `catch_unwind`, within a time budget. Readers are kept in a pool
//! and each reads [`FILES_PER_READER`] files before it ends, because a
//! thread started per file cost a full reindex of 75,000 files about 7 s of
//! system time (mapping and unmapping 64 MiB stacks), 10–20% of its CPU.

use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

use super::{Skipped, READER_STACK_BYTES};

type Job = Box<dyn FnOnce() + Send>;

/// Files one reader reads before it ends. Readers that lived for the whole
/// reindex made its peak RSS grow with the corpus (345 MB at 75,000 files
/// against 259 MB with a thread per file; the growth was in the readers'
/// malloc arenas); measured at 100% of the scale corpus: 2 files 268 MB,
/// 4 files 239–260 MB, 8 files 267–270 MB, 16 files 311 MB, 64 files
/// 357 MB, with system time 12, 9–10, 8–9, 8 and 8 s (15 s per file).
const FILES_PER_READER: usize = 4;

/// One reader thread, waiting for jobs on its channel. It ends when the
/// channel's sender is dropped.
struct Reader {
    jobs: SyncSender<Job>,
    thread: JoinHandle<()>,
    served: usize,
}

/// Readers waiting for work. Their number is the most files ever read at
/// once (one per rayon thread in a reindex).
static IDLE: Mutex<Vec<Reader>> = Mutex::new(Vec::new());

/// Readers past their budget, still busy with a file that was skipped. None
/// is detached: glibc's `pthread_detach` reads the thread's descriptor
/// after marking it detached, while the exiting thread may already have
/// unmapped it with its stack (a full reindex crashed with SIGSEGV in
/// `pthread_detach` when each file had a thread that was dropped). They
/// are joined once finished.
static STRAGGLERS: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());

fn start_reader() -> std::io::Result<Reader> {
    let (jobs, receive) = sync_channel::<Job>(1);
    let thread = std::thread::Builder::new()
        .name("corpus-reader".into())
        .stack_size(READER_STACK_BYTES)
        .spawn(move || {
            for job in receive {
                job();
            }
        })?;
    Ok(Reader {
        jobs,
        thread,
        served: 0,
    })
}

/// Run `read` (the reading of `file`) on a reader thread with a
/// [`READER_STACK_BYTES`] stack, catching a panic, and waiting at most
/// `budget`. A reader past its budget cannot be stopped (Rust threads cannot
/// be killed): it is left running and its file skipped; it holds one core
/// and its memory until it ends or the process exits, and a new reader
/// takes its place.
pub fn isolated<T: Send + 'static>(
    file: &str,
    budget: Duration,
    read: impl FnOnce() -> Result<T, Skipped> + Send + 'static,
) -> Result<T, Skipped> {
    let skip = |reason: String| Skipped {
        file: file.to_string(),
        reason,
    };
    let idle = IDLE.lock().unwrap_or_else(|e| e.into_inner()).pop();
    let mut reader = match idle.map_or_else(start_reader, Ok) {
        Ok(reader) => reader,
        Err(e) => return Err(skip(format!("could not start a reader thread: {e}"))),
    };
    let (send, receive) = sync_channel(1);
    let job: Job = Box::new(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
        let _ = send.send(result);
    });
    if reader.jobs.send(job).is_err() {
        // The reader's loop has ended (only an abort ends it otherwise).
        let _ = reader.thread.join();
        return Err(skip("reader crashed".into()));
    }
    let answer = receive.recv_timeout(budget);
    match answer {
        Err(RecvTimeoutError::Timeout) => keep_straggler(reader),
        Err(RecvTimeoutError::Disconnected) => {
            drop(reader.jobs);
            let _ = reader.thread.join();
        }
        Ok(_) => {
            reader.served += 1;
            if reader.served >= FILES_PER_READER {
                drop(reader.jobs);
                let _ = reader.thread.join();
            } else {
                IDLE.lock().unwrap_or_else(|e| e.into_inner()).push(reader);
            }
        }
    }
    match answer {
        Ok(Ok(result)) => result,
        Ok(Err(payload)) => Err(skip(match crate::error::panic_message(&*payload) {
            Some(message) => format!("reader crashed: {message}"),
            None => "reader crashed".into(),
        })),
        Err(RecvTimeoutError::Timeout) => Err(skip(format!(
            "reading took longer than the {} s budget per file",
            budget.as_secs_f64()
        ))),
        Err(RecvTimeoutError::Disconnected) => Err(skip("reader crashed".into())),
    }
}

/// Keep `reader`, busy past its budget, until it finishes; join those that
/// have finished since the last call.
fn keep_straggler(reader: Reader) {
    // Without its sender the reader's loop ends after the current file.
    drop(reader.jobs);
    let mut stragglers = STRAGGLERS.lock().unwrap_or_else(|e| e.into_inner());
    let (finished, running): (Vec<_>, Vec<_>) =
        stragglers.drain(..).partition(JoinHandle::is_finished);
    *stragglers = running;
    stragglers.push(reader.thread);
    drop(stragglers);
    for thread in finished {
        let _ = thread.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_past_their_budget_are_kept_and_joined_not_detached() {
        let short = Duration::from_millis(50);
        let slow = || {
            std::thread::sleep(Duration::from_millis(300));
            Ok(())
        };
        assert!(isolated::<()>("slow-1.txt", short, slow).is_err());
        let first = STRAGGLERS.lock().unwrap().last().map(|t| t.thread().id());
        assert!(first.is_some());
        std::thread::sleep(Duration::from_millis(600));
        assert!(isolated::<()>("slow-2.txt", short, slow).is_err());
        // The first has finished by now: it was joined, the second is kept.
        let kept: Vec<_> = STRAGGLERS
            .lock()
            .unwrap()
            .iter()
            .map(|t| t.thread().id())
            .collect();
        assert!(!kept.contains(&first.unwrap()), "{kept:?}");
        assert!(!kept.is_empty());
    }

    #[test]
    fn a_reader_is_used_again_after_a_panic() {
        let generous = Duration::from_secs(60);
        let crashed = isolated::<()>("a.txt", generous, || panic!("boom"));
        assert_eq!(crashed.unwrap_err().reason, "reader crashed: boom");
        let name = isolated("b.txt", generous, || {
            Ok(std::thread::current().name().map(str::to_string))
        });
        assert_eq!(name.unwrap().as_deref(), Some("corpus-reader"));
    }
}
