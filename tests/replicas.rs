//! Two replicas behind HAProxy on loopback, with the shipped configuration
//! (`deploy/haproxy.cfg`), fed by `aidsearch ship`, under closed-loop load:
//! - a rolling switch to a new generation, one replica at a time;
//! - SIGKILL of one replica and a restart;
//! - SIGTERM of the other (it drains) and a restart;
//! - a rollback shipped to both.
//!
//! No request may fail, every answer must come from a generation that was
//! live on some replica while it was in flight, and both replicas must end on
//! the rolled-back generation. A second test turns HAProxy's retries off and
//! stops each replica with SIGTERM: draining alone must lose nothing.
//!
//! Needs `haproxy` and `rsync` (`.ci/run` installs them); without them the
//! tests say so and pass, and fail under `CI=true`. Bounded: each test ends
//! within about a minute, and the load stops after [`MAX_REQUESTS`].

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_aidsearch");
/// The load never sends more than this many requests.
const MAX_REQUESTS: usize = 200_000;
/// Clients sending requests back to back.
const CLIENTS: usize = 3;

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn which(program: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .map(PathBuf::from)
        .chain(
            std::env::var_os("PATH").map_or_else(Vec::new, |p| std::env::split_paths(&p).collect()),
        )
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// haproxy's path, or None after saying why (a failure under `CI=true`).
fn tools() -> Option<PathBuf> {
    let haproxy = which("haproxy");
    if haproxy.is_none() || which("rsync").is_none() {
        let msg = "haproxy or rsync is not installed (apt install haproxy rsync)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}");
        }
        println!("skipped: {msg}");
    }
    haproxy
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// One plain HTTP/1.1 GET: the status and the generation header.
fn get(port: u16, path: &str) -> std::io::Result<(u16, Option<u64>)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            std::io::Error::other(format!("no status in {:?}", &text[..text.len().min(80)]))
        })?;
    let generation = text
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("x-aidsearch-generation: "))
        .and_then(|g| g.trim().parse().ok());
    Ok((status, generation))
}

fn run(args: &[&str]) {
    let output = Command::new(BIN)
        .args(args)
        .output()
        .expect("aidsearch runs");
    assert!(
        output.status.success(),
        "aidsearch {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A replica: `aidsearch serve` on its own index folder.
struct Replica {
    index: PathBuf,
    corpus: PathBuf,
    port: u16,
    log: PathBuf,
    child: Option<Child>,
}

impl Replica {
    fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(BIN)
            .args(["serve", "--index"])
            .arg(&self.index)
            .arg("--corpus")
            .arg(&self.corpus)
            .args(["--addr", &format!("127.0.0.1:{}", self.port)])
            .env("RUST_LOG", "warn,aidsearch=info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("replica starts");
        self.child = Some(child);
        self.wait_ready(None);
    }

    /// Wait until `/readyz` is 200 (on `generation`, when given).
    fn wait_ready(&self, generation: Option<u64>) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok((200, g)) = get(self.port, "/readyz") {
                if generation.is_none() || g == generation {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "replica on {} not ready on {generation:?} in 30 s:\n{}",
                self.port,
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal(&mut self, signal: i32) -> Duration {
        let mut child = self.child.take().expect("running");
        let sent = Instant::now();
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        let deadline = sent + Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() {
            assert!(
                Instant::now() < deadline,
                "replica still running 20 s after signal {signal}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        sent.elapsed()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

struct Proxy(Child);

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The generations replicas point at over time: from each instant, a set.
#[derive(Default)]
struct Timeline(Mutex<Vec<(Instant, BTreeSet<u64>)>>);

impl Timeline {
    fn set(&self, live: &[u64]) {
        self.0
            .lock()
            .unwrap()
            .push((Instant::now(), live.iter().copied().collect()));
    }

    /// Whether `generation` was live at some moment of `[from, to]`.
    fn was_live(&self, generation: u64, from: Instant, to: Instant) -> bool {
        let events = self.0.lock().unwrap();
        events.iter().enumerate().any(|(i, (start, set))| {
            let end = events.get(i + 1).map(|e| e.0);
            *start <= to && end.is_none_or(|end| end >= from) && set.contains(&generation)
        })
    }
}

/// What the load saw.
#[derive(Default)]
struct Load {
    sent: AtomicUsize,
    failures: Mutex<Vec<String>>,
    stop: AtomicBool,
}

fn drive(port: u16, load: Arc<Load>, timeline: Arc<Timeline>) -> Vec<std::thread::JoinHandle<()>> {
    let queries = ["援藏", "医疗", "教育", "拉萨", "产业", "就业", "扶贫"];
    (0..CLIENTS)
        .map(|client| {
            let (load, timeline) = (load.clone(), timeline.clone());
            std::thread::spawn(move || {
                let mut n = client;
                while !load.stop.load(Ordering::Relaxed)
                    && load.sent.fetch_add(1, Ordering::Relaxed) < MAX_REQUESTS
                {
                    n += 1;
                    let path = format!(
                        "/api/search?q={}&page={}",
                        percent(queries[n % queries.len()]),
                        1 + n % 3
                    );
                    let started = Instant::now();
                    let outcome = get(port, &path);
                    let ended = Instant::now();
                    let problem = match outcome {
                        Ok((200, Some(g))) if timeline.was_live(g, started, ended) => None,
                        Ok((200, Some(g))) => Some(format!("{path}: generation {g} was not live")),
                        Ok((status, g)) => {
                            Some(format!("{path}: status {status}, generation {g:?}"))
                        }
                        Err(e) => Some(format!("{path}: {e}")),
                    };
                    if let Some(problem) = problem {
                        load.failures.lock().unwrap().push(problem);
                    }
                }
            })
        })
        .collect()
}

fn percent(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// A builder index over a copy of the seed corpus, and two replicas fed from
/// it, serving generation 1.
struct Cluster {
    _dir: tempfile::TempDir,
    corpus: PathBuf,
    builder: PathBuf,
    replicas: Vec<Replica>,
    front: u16,
    proxy: Option<Proxy>,
}

impl Cluster {
    fn new(haproxy: &Path, retries: bool) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus).unwrap();
        for entry in std::fs::read_dir(project().join("corpus")).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, corpus.join(path.file_name().unwrap())).unwrap();
            }
        }
        let builder = dir.path().join("builder");
        run(&["reindex", "--corpus", s(&corpus), "--index", s(&builder)]);
        let mut replicas = Vec::new();
        for i in 1..=2 {
            let index = dir.path().join(format!("replica{i}"));
            run(&["ship", "--index", s(&builder), "--to", s(&index)]);
            let mut replica = Replica {
                index,
                corpus: corpus.clone(),
                port: free_port(),
                log: dir.path().join(format!("replica{i}.log")),
                child: None,
            };
            replica.start();
            replicas.push(replica);
        }
        let front = free_port();
        let mut command = Command::new(haproxy);
        command
            .args(["-db", "-f"])
            .arg(project().join("deploy/haproxy.cfg"))
            .env("AIDSEARCH_FRONTEND", format!("127.0.0.1:{front}"))
            .env(
                "AIDSEARCH_REPLICA1",
                format!("127.0.0.1:{}", replicas[0].port),
            )
            .env(
                "AIDSEARCH_REPLICA2",
                format!("127.0.0.1:{}", replicas[1].port),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if !retries {
            command.env("AIDSEARCH_NO_RETRIES", "1");
        }
        let proxy = Proxy(command.spawn().expect("haproxy starts"));
        let cluster = Cluster {
            _dir: dir,
            corpus,
            builder,
            replicas,
            front,
            proxy: Some(proxy),
        };
        // Both replicas up in HAProxy's eyes (two good checks each).
        std::thread::sleep(Duration::from_secs(3));
        let deadline = Instant::now() + Duration::from_secs(20);
        while !matches!(get(front, "/readyz"), Ok((200, _))) {
            assert!(Instant::now() < deadline, "HAProxy did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
        cluster
    }

    fn ship(&self, replica: usize) {
        run(&[
            "ship",
            "--index",
            s(&self.builder),
            "--to",
            s(&self.replicas[replica].index),
        ]);
    }

    /// After a restart, wait for HAProxy to count the replica up again.
    fn settle(&self) {
        std::thread::sleep(Duration::from_secs(3));
    }
}

fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

fn finish(load: &Load, clients: Vec<std::thread::JoinHandle<()>>) -> usize {
    load.stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let failures = load.failures.lock().unwrap();
    let sent = load.sent.load(Ordering::Relaxed).min(MAX_REQUESTS);
    println!("{sent} requests, {} failed", failures.len());
    assert!(
        failures.is_empty(),
        "{} of {sent} failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    sent
}

#[test]
fn rolling_switch_kill_restart_and_rollback_lose_no_request() {
    let Some(haproxy) = tools() else {
        return;
    };
    let mut cluster = Cluster::new(&haproxy, true);
    let timeline = Arc::new(Timeline::default());
    timeline.set(&[1]);
    let load = Arc::new(Load::default());
    let clients = drive(cluster.front, load.clone(), timeline.clone());
    std::thread::sleep(Duration::from_secs(1));

    // A new generation, shipped to one replica and then the other.
    std::fs::write(
        cluster.corpus.join("extra.txt"),
        "日喀则市教育援藏项目顺利完工。",
    )
    .unwrap();
    run(&[
        "reindex",
        "--corpus",
        s(&cluster.corpus),
        "--index",
        s(&cluster.builder),
    ]);
    timeline.set(&[1, 2]);
    for i in 0..2 {
        cluster.ship(i);
        cluster.replicas[i].wait_ready(Some(2));
    }
    timeline.set(&[2]);
    std::thread::sleep(Duration::from_secs(1));

    // One replica killed outright, then restarted.
    cluster.replicas[0].signal(libc::SIGKILL);
    std::thread::sleep(Duration::from_secs(1));
    cluster.replicas[0].start();
    cluster.settle();

    // The other stopped gracefully, then restarted.
    let drained = cluster.replicas[1].signal(libc::SIGTERM);
    assert!(
        drained < Duration::from_secs(15),
        "SIGTERM took {drained:?}"
    );
    cluster.replicas[1].start();
    cluster.settle();

    // Roll back on the builder and ship the pointer to both.
    run(&["rollback", "--index", s(&cluster.builder)]);
    timeline.set(&[1, 2]);
    for i in 0..2 {
        cluster.ship(i);
        cluster.replicas[i].wait_ready(Some(1));
    }
    timeline.set(&[1]);
    std::thread::sleep(Duration::from_secs(1));

    let sent = finish(&load, clients);
    assert!(sent > 100, "the load hardly ran: {sent} requests");
    for replica in &cluster.replicas {
        assert_eq!(get(replica.port, "/readyz").unwrap(), (200, Some(1)));
        // The replica keeps what the builder keeps, and the newer one.
        assert!(replica.index.join("gen-1").is_dir() && replica.index.join("gen-2").is_dir());
    }
    drop(cluster.proxy.take());
}

#[test]
fn a_draining_replica_loses_no_request_without_retries() {
    let Some(haproxy) = tools() else {
        return;
    };
    let mut cluster = Cluster::new(&haproxy, false);
    let timeline = Arc::new(Timeline::default());
    timeline.set(&[1]);
    let load = Arc::new(Load::default());
    let clients = drive(cluster.front, load.clone(), timeline.clone());
    std::thread::sleep(Duration::from_secs(1));
    for i in 0..2 {
        let drained = cluster.replicas[i].signal(libc::SIGTERM);
        assert!(
            drained < Duration::from_secs(15),
            "SIGTERM took {drained:?}"
        );
        cluster.replicas[i].start();
        cluster.settle();
    }
    let sent = finish(&load, clients);
    assert!(sent > 100, "the load hardly ran: {sent} requests");
    drop(cluster.proxy.take());
}

/// `ship` writes the pointer only after a verified copy: shipping where it
/// cannot write fails and leaves the replica's pointer as it was. A
/// replica's pruning keeps generations newer than its live one (a ship may
/// be writing them) and the builder's policy for older ones.
#[test]
fn a_failed_ship_moves_no_pointer_and_replicas_keep_newer_generations() {
    if which("rsync").is_none() {
        tools();
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let builder = dir.path().join("builder");
    run(&[
        "reindex",
        "--corpus",
        s(&project().join("corpus")),
        "--index",
        s(&builder),
    ]);
    // The access file travels with the generation (issue 20).
    let access = "session_secret = \"0123456789abcdef0123456789abcdef\"\n";
    std::fs::write(builder.join(aidsearch::access::FILE), access).unwrap();
    let replica = dir.path().join("replica");
    run(&["ship", "--index", s(&builder), "--to", s(&replica)]);
    assert_eq!(
        std::fs::read_to_string(replica.join("CURRENT")).unwrap(),
        "gen-1\n"
    );
    let shipped = replica.join(aidsearch::access::FILE);
    assert_eq!(std::fs::read_to_string(&shipped).unwrap(), access);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&shipped).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the replica's copy is its owner's only"
        );
    }

    // A destination that is a file: rsync fails, nothing points anywhere.
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, "not a folder").unwrap();
    let output = Command::new(BIN)
        .args([
            "ship",
            "--index",
            s(&builder),
            "--to",
            s(&blocked.join("index")),
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("blocked"));

    // Generations 1 (live), 2 and 3 (newer: being shipped), 0 (old).
    for g in [0, 2, 3] {
        copy_dir(&replica.join("gen-1"), &replica.join(format!("gen-{g}")));
    }
    let removed = aidsearch::index::build::prune_replica(&replica).unwrap();
    assert!(removed.is_empty(), "{removed:?}");
    std::fs::write(replica.join("CURRENT"), "gen-3\n").unwrap();
    aidsearch::index::build::prune_replica(&replica).unwrap();
    let left: BTreeSet<String> = std::fs::read_dir(&replica)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // The live one, the one before it; 0 and 1 go.
    assert_eq!(
        left,
        ["CURRENT", "auth.toml", "gen-2", "gen-3"]
            .map(String::from)
            .into()
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, target).unwrap();
        }
    }
}
