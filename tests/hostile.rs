//! Hostile and clumsy clients of a served instance (issue 16): idle and
//! slowloris connections, many exports at once, a server told to listen
//! everywhere. The binary runs on 127.0.0.1 over a temp copy of the seed
//! corpus; every wait is bounded.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

const BIN: &str = env!("CARGO_BIN_EXE_aidsearch");

/// A child process killed (SIGKILL) when dropped, passing or failing.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An index of the seed corpus in `dir`, built by the library.
fn seed_index(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("index");
    aidsearch::index::build::reindex(&common::corpus_dir(), &root).unwrap();
    root
}

/// Start `aidsearch serve` on a free loopback port with extra `args`;
/// returns the process, its address and its log lines as they come.
fn start_server(index: &Path, args: &[&str]) -> (Killed, SocketAddr, mpsc::Receiver<String>) {
    let mut child = Command::new(BIN)
        .args(["--color", "never", "serve", "--index"])
        .arg(index)
        .arg("--corpus")
        .arg(common::corpus_dir())
        .args(args)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let child = Killed(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        seen.push(line.clone());
        if let Some(rest) = line.split("serving on http://").nth(1) {
            let addr: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
            let (tx2, rx2) = mpsc::channel();
            for line in seen {
                let _ = tx2.send(line);
            }
            std::thread::spawn(move || {
                while let Ok(line) = rx.recv() {
                    if tx2.send(line).is_err() {
                        break;
                    }
                }
            });
            return (child, addr.parse().unwrap(), rx2);
        }
    }
    panic!("the server did not start; log:\n{}", seen.join("\n"));
}

/// The log lines received so far, waiting up to `wait` for more.
fn drain(rx: &mpsc::Receiver<String>, wait: Duration) -> Vec<String> {
    let mut lines = Vec::new();
    let deadline = Instant::now() + wait;
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        lines.push(line);
    }
    lines
}

/// Write all of `bytes` (the crate's tokio has no `io-util`).
async fn write_all(stream: &TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    let mut sent = 0;
    while sent < bytes.len() {
        stream.writable().await?;
        match stream.try_write(&bytes[sent..]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Read until the peer closes (or resets); the bytes read.
async fn read_to_close(stream: &TcpStream) -> Vec<u8> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if stream.readable().await.is_err() {
            break;
        }
        match stream.try_read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => break,
        }
    }
    raw
}

/// One GET over a fresh connection: the status and the whole raw response.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    write_all(&stream, request.as_bytes()).await.expect("send");
    let raw = String::from_utf8_lossy(&read_to_close(&stream).await).into_owned();
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, raw)
}

/// Raise this process's descriptor soft limit to the hard limit (the server,
/// its child, inherits it); returns the new soft limit.
fn raise_fd_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain system calls on a struct we own.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = limit.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
    }
    #[allow(clippy::unnecessary_cast)]
    let soft = limit.rlim_cur as u64;
    soft
}

/// Idle connections (connected, silent) and slowloris ones (a header line
/// every 200 ms, never finishing the head) used to stay open for ever: with
/// no timeout on the head or on idleness, a few hundred of them held the
/// server's descriptors, and SIGTERM waited for them. Now idle ones close
/// after the idle timeout, slow ones after the header timeout, a search
/// meanwhile answers within a second, and SIGTERM exits within 15 s with
/// such clients connected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slowloris_connections_are_closed_and_searches_still_answer() {
    let soft = raise_fd_limit();
    // Each connection costs a descriptor here and one in the server.
    let (idle_n, slow_n) = if soft >= 2_000 { (500, 200) } else { (50, 20) };
    let dir = tempfile::tempdir().unwrap();
    let index = seed_index(dir.path());
    let (mut server, addr, log) = start_server(
        &index,
        &[
            "--addr",
            "127.0.0.1:0",
            "--header-timeout",
            "2",
            "--idle-timeout",
            "1",
            "--shutdown-timeout",
            "5",
        ],
    );
    let limits = drain(&log, Duration::from_millis(300));
    assert!(
        limits
            .iter()
            .any(|l| l.contains("connection limits") && l.contains("fd_soft_limit=")),
        "{limits:?}"
    );
    let started = Instant::now();
    // Connect them one by one, so each is timed from its own connect.
    let mut tasks = Vec::new();
    for i in 0..idle_n + slow_n {
        let slow = i >= idle_n;
        let stream = TcpStream::connect(addr).await.expect("connect");
        let opened = Instant::now();
        if slow {
            write_all(&stream, b"GET /api/search?q=x HTTP/1.1\r\nHost: x\r\n")
                .await
                .unwrap();
        }
        tasks.push(tokio::spawn(async move {
            if slow {
                let mut n = 0;
                loop {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    n += 1;
                    let line = format!("x-slow-{n}: {n}\r\n");
                    // Closed by the server, or still open after 20 s: stop.
                    if write_all(&stream, line.as_bytes()).await.is_err()
                        || opened.elapsed() > Duration::from_secs(20)
                    {
                        break;
                    }
                    let mut probe = [0u8; 1024];
                    if let Ok(0) = stream.try_read(&mut probe) {
                        break;
                    }
                }
            } else {
                let _ = tokio::time::timeout(Duration::from_secs(20), read_to_close(&stream)).await;
            }
            (slow, opened.elapsed())
        }));
    }
    // Meanwhile, searches answer within a second.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        let asked = Instant::now();
        let (status, body) = get(addr, &format!("/api/search?q={}", common::enc("援藏"))).await;
        let took = asked.elapsed();
        assert_eq!(status, 200, "{body}");
        slowest = slowest.max(took);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        slowest < Duration::from_secs(1),
        "a search took {slowest:?}"
    );
    let mut idle_times = Vec::new();
    let mut slow_times = Vec::new();
    for task in tasks {
        let (slow, took) = task.await.unwrap();
        if slow {
            slow_times.push(took);
        } else {
            idle_times.push(took);
        }
    }
    idle_times.sort();
    let late = idle_times
        .iter()
        .filter(|t| **t > Duration::from_secs(4))
        .count();
    if late > 0 {
        eprintln!(
            "{late} idle late; log: {:?}",
            drain(&log, Duration::from_millis(100))
        );
    }
    let idle_max = *idle_times.last().unwrap();
    slow_times.sort();
    let slow_min = slow_times[0];
    let slow_max = *slow_times.last().unwrap();
    eprintln!(
        "{idle_n} idle closed by {idle_max:?}, {slow_n} slowloris closed in \
         {slow_min:?}..{slow_max:?}, slowest search {slowest:?}, all in {:?}",
        started.elapsed()
    );
    // Idle after 1 s (with slack for a loaded machine), slow ones by the
    // 2 s header timeout although they keep sending.
    assert!(
        idle_max < Duration::from_secs(4),
        "idle closed after {idle_max:?}"
    );
    assert!(slow_min >= Duration::from_millis(1500), "{slow_min:?}");
    assert!(
        slow_max < Duration::from_secs(6),
        "slowloris closed after {slow_max:?}"
    );

    // SIGTERM with as many idle and slow clients connected: out well within 15 s.
    let mut held = Vec::new();
    for i in 0..idle_n + slow_n {
        let stream = TcpStream::connect(addr).await.unwrap();
        if i % 2 == 0 {
            write_all(&stream, b"GET / HTTP/1.1\r\nHost: x\r\n")
                .await
                .unwrap();
        }
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = Instant::now();
    // SAFETY: a signal to our own child.
    unsafe {
        libc::kill(server.0.id() as libc::pid_t, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 15 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    eprintln!("exited {:?} after SIGTERM", sent.elapsed());
    assert_eq!(status.code(), Some(0));
    drop(held);
}

/// The seed corpus `copies` times over, under other names, in `dir`.
fn big_corpus(dir: &Path, copies: usize) -> std::path::PathBuf {
    let big = dir.join("big");
    std::fs::create_dir_all(&big).unwrap();
    for entry in std::fs::read_dir(common::corpus_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for copy in 0..copies {
            std::fs::copy(&path, big.join(format!("copy{copy:02}-{name}"))).unwrap();
        }
    }
    big
}

/// Exports ran in the search slots: eight 5,000-row exports at once took
/// every run slot, and searches queued behind them for seconds. Now exports
/// run two at a time, the others wait their turn, and searches keep
/// theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_exports_at_once_all_finish_and_searches_keep_answering() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = big_corpus(dir.path(), 92);
    let index = dir.path().join("index");
    let summary = aidsearch::index::build::reindex(&corpus, &index).unwrap();
    assert!(summary.paragraphs > 20_000, "{}", summary.paragraphs);
    let (_server, addr, _log) = start_server(&index, &["--addr", "127.0.0.1:0"]);
    let started = Instant::now();
    let exports: Vec<_> = (0..8)
        .map(|i| {
            let path = if i % 2 == 0 {
                "/export.csv?q="
            } else {
                "/export.json?q="
            };
            tokio::spawn(async move {
                let asked = Instant::now();
                let (status, raw) = get(addr, path).await;
                (status, raw.len(), asked.elapsed())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        let asked = Instant::now();
        let (status, raw) = get(addr, &format!("/api/search?q={}", common::enc("援藏"))).await;
        assert_eq!(status, 200, "{raw}");
        slowest = slowest.max(asked.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut longest = Duration::ZERO;
    for export in exports {
        let (status, bytes, took) = export.await.unwrap();
        assert_eq!(status, 200, "an export failed after {took:?}");
        assert!(bytes > 1_000_000, "{bytes} bytes");
        longest = longest.max(took);
    }
    eprintln!(
        "8 exports done in {:?} (longest {longest:?}); slowest search meanwhile {slowest:?}",
        started.elapsed()
    );
    assert!(
        slowest < Duration::from_secs(1),
        "a search took {slowest:?}"
    );
}

/// A search past its budget was answered 422 while its work ran on and
/// held its slot; an abandoned export of thousands of rows kept a search
/// slot for as long as the whole export took. Now the work itself stops at
/// the deadline: an export of thousands of rows cut off after a tenth of
/// its full time ends within half of it, and its slot is free again by then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_export_stops_its_work_and_frees_its_slot() {
    use aidsearch::search::{search_all, Deadline, LiveEngine, SearchRequest};
    let dir = tempfile::tempdir().unwrap();
    let corpus = big_corpus(dir.path(), 40);
    let index = dir.path().join("index");
    aidsearch::index::build::reindex(&corpus, &index).unwrap();
    let live = std::sync::Arc::new(LiveEngine::open(&index).unwrap());
    let engine = live.get();
    let request = SearchRequest {
        per_report: Some(0),
        ..SearchRequest::query("援藏")
    };
    let asked = Instant::now();
    let rows = search_all(&engine, &request, 5_000).unwrap();
    let full = asked.elapsed();
    assert!(rows.len() > 2_000, "{} rows", rows.len());
    // A tenth of the full time, so that a loaded machine slows both alike.
    let budget = (full / 10).max(Duration::from_millis(10));
    let cut = SearchRequest {
        deadline: Deadline::after(budget),
        ..request.clone()
    };
    let asked = Instant::now();
    let error = search_all(&engine, &cut, 5_000).unwrap_err();
    let stopped = asked.elapsed();
    assert!(matches!(error, aidsearch::Error::Timeout(_)), "{error:?}");
    eprintln!(
        "{}-row export: {full:?} in full, stopped after {stopped:?}",
        rows.len()
    );
    assert!(stopped < full / 2, "stopped after {stopped:?} of {full:?}");

    // Through the server: the export is answered 422, and its slot (the
    // only one) is free again long before the full export would have ended.
    let state = aidsearch::web::AppState::with_budget(live, 1, Duration::from_secs(60), budget);
    let asked = Instant::now();
    let request = axum::http::Request::get(format!("/export.csv?q={}", common::enc("援藏")))
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, _, _) = common::send(aidsearch::web::app(state.clone()), request).await;
    assert_eq!(status, 422);
    while state.search_slots.available_permits() < 1 {
        assert!(
            asked.elapsed() < full / 2,
            "the slot was still held after {:?}",
            asked.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    eprintln!("slot free {:?} after the export was asked", asked.elapsed());
}

/// Past `--max-connections`, new clients wait to be accepted rather than
/// being served beyond the descriptor budget; they are served as soon as a
/// connection closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_clients_wait_for_a_free_connection() {
    let dir = tempfile::tempdir().unwrap();
    let index = seed_index(dir.path());
    let (_server, addr, _log) = start_server(
        &index,
        &[
            "--addr",
            "127.0.0.1:0",
            "--max-connections",
            "3",
            "--idle-timeout",
            "1",
        ],
    );
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let asked = Instant::now();
    let (status, _) = get(addr, "/healthz").await;
    let waited = asked.elapsed();
    assert_eq!(status, 200);
    // Served once the idle ones were closed after about a second.
    assert!(
        waited >= Duration::from_millis(700) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    drop(held);
    // A keep-alive connection is closed once it has been idle for the idle
    // timeout after its last answer.
    let stream = TcpStream::connect(addr).await.unwrap();
    write_all(&stream, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let asked = Instant::now();
    let raw = tokio::time::timeout(Duration::from_secs(10), read_to_close(&stream))
        .await
        .expect("closed within 10 s");
    let open_for = asked.elapsed();
    assert!(
        raw.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&raw)
    );
    assert!(
        open_for >= Duration::from_millis(700) && open_for < Duration::from_secs(4),
        "{open_for:?}"
    );
}

/// A small PDF whose catalog nests `depth` arrays.
fn nested_pdf(depth: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let first = out.len();
    out.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Nest ");
    out.extend(std::iter::repeat_n(b'[', depth));
    out.extend(std::iter::repeat_n(b']', depth));
    out.extend_from_slice(b" >>\nendobj\n");
    let second = out.len();
    out.extend_from_slice(b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n");
    let xref = out.len();
    out.extend_from_slice(
        format!(
            "xref\n0 3\n0000000000 65535 f \n{first:010} 00000 n \n{second:010} 00000 n \n\
             trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

/// A valid PDF of `pages` empty pages (a page tree of one level).
fn many_page_pdf(pages: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::with_capacity(pages + 2);
    offsets.push(out.len());
    out.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    offsets.push(out.len());
    let kids: Vec<String> = (0..pages).map(|k| format!("{} 0 R", k + 3)).collect();
    out.extend_from_slice(
        format!(
            "2 0 obj\n<< /Type /Pages /Kids [{}] /Count {pages} >>\nendobj\n",
            kids.join(" ")
        )
        .as_bytes(),
    );
    for k in 0..pages {
        offsets.push(out.len());
        out.extend_from_slice(
            format!(
                "{} 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>\nendobj\n",
                k + 3
            )
            .as_bytes(),
        );
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes(),
    );
    for offset in &offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            offsets.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A PDF of about 1 MB whose one stream inflates past `megabytes` MB.
fn inflation_bomb_pdf(megabytes: usize) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..megabytes {
        encoder.write_all(&zeros).unwrap();
    }
    let data = encoder.finish().unwrap();
    let mut pdf = b"%PDF-1.4\n1 0 obj\n<< /Filter /FlateDecode >>\nstream\n".to_vec();
    pdf.extend_from_slice(&data);
    pdf.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
    pdf
}

/// A PDF whose object stream is `megabytes` MB of spaces deflated twice
/// (`/Filter [/FlateDecode /FlateDecode]`): a kilobyte or two on disk.
fn twice_deflated_object_stream(megabytes: usize) -> Vec<u8> {
    use std::io::Write;
    let deflater = || flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut once = deflater();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..megabytes {
        once.write_all(&spaces).unwrap();
    }
    let mut twice = deflater();
    twice.write_all(&once.finish().unwrap()).unwrap();
    let data = twice.finish().unwrap();
    let mut stream = format!(
        "<< /Type /ObjStm /N 1 /First 4 /Filter [/FlateDecode /FlateDecode] /Length {} >>\nstream\n",
        data.len()
    )
    .into_bytes();
    stream.extend_from_slice(&data);
    stream.extend_from_slice(b"\nendstream");
    let objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
        stream,
    ];
    let mut pdf = b"%PDF-1.5\n".to_vec();
    let mut offsets = Vec::new();
    for (k, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", k + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    pdf
}

/// A DOCX whose document.xml inflates to about `megabytes` MB of repeated
/// paragraphs (a zip bomb: a few hundred KB on disk).
fn docx_bomb(path: &Path, megabytes: usize) {
    use std::io::Write;
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#)
        .unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#)
        .unwrap();
    let paragraph =
        "<w:p><w:r><w:t>拉萨市援藏饮用水项目进展顺利，检测工作全面完成。</w:t></w:r></w:p>"
            .repeat(1_000);
    let mut written = 0;
    while written < megabytes << 20 {
        zip.write_all(paragraph.as_bytes()).unwrap();
        written += paragraph.len();
    }
    zip.write_all(b"</w:body></w:document>").unwrap();
    zip.finish().unwrap();
}

/// Run `command` to its end with its output piped; its exit status, stdout,
/// stderr, wall time and peak resident memory in bytes.
///
/// The peak is the child's own `VmHWM`, read from `/proc` while it runs:
/// `wait4`'s `ru_maxrss` starts from the test process's peak, because the
/// child is spawned with the parent's memory map and Linux carries that
/// map's high-water mark across `exec` (a 533 MB test process made a 159 MB
/// reindex read as 533 MB when the other tests of this file ran first).
#[cfg(unix)]
#[allow(clippy::zombie_processes)] // reaped by `wait4`, which std does not know of
fn run_measured(command: &mut Command) -> (i32, String, String, Duration, u64) {
    use std::io::Read;
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        stdout.read_to_end(&mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        stderr.read_to_end(&mut s).unwrap();
        s
    });
    let pid = child.id() as libc::pid_t;
    // Polled until the child's memory map is gone (it has exited); VmHWM
    // only grows, so the last reading is the peak but for its final moments.
    let peak = std::thread::spawn(move || {
        let status = format!("/proc/{pid}/status");
        let mut peak_kb = 0;
        loop {
            let hwm = std::fs::read_to_string(&status).ok().and_then(|text| {
                text.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            });
            match hwm {
                Some(kb) => peak_kb = kb,
                None => return peak_kb * 1024,
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    });
    let mut status = 0;
    // SAFETY: a zeroed rusage is valid, and `pid` is our unwaited child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    let elapsed = started.elapsed();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    let out = String::from_utf8_lossy(&out.join().unwrap()).into_owned();
    let err = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
    let peak = peak.join().unwrap();
    // ru_maxrss (KiB) only where /proc gave nothing; it is an upper bound.
    let peak = if peak > 0 {
        peak
    } else {
        usage.ru_maxrss as u64 * 1024
    };
    (code, out, err, elapsed, peak)
}

/// A corpus folder of hostile and clumsy files, and good ones beside them:
/// `aidsearch reindex` finishes, names every bad file with its reason,
/// indexes the good ones, within 60 s and 500 MB. Everything is generated
/// here, at test time.
#[cfg(unix)]
#[test]
fn hostile_corpus_is_indexed_around_its_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(corpus.join(name), bytes).unwrap();
    // Good files, two of them with colliding names (a.txt and a.md).
    for entry in std::fs::read_dir(common::corpus_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, corpus.join(path.file_name().unwrap())).unwrap();
    }
    let good = "拉萨市援藏饮用水项目进展顺利。山东省援藏干部开展检测工作。\n";
    write("a.txt", good.as_bytes());
    write("a.md", good.as_bytes());
    write("bad\nname\u{1b}[31m.txt", good.as_bytes());
    // A long title (cut), a sidecar of 1 MB title and one over the limit.
    write("long-title.txt", good.as_bytes());
    write(
        "long-title.toml",
        format!("title = \"{}\"\n", "援".repeat(3_000)).as_bytes(),
    );
    write("huge-title.txt", good.as_bytes());
    write(
        "huge-title.toml",
        format!("title = \"{}\"\n", "援".repeat(350_000)).as_bytes(),
    );
    write("big-sidecar.txt", good.as_bytes());
    write("big-sidecar.toml", "# padding\n".repeat(7_000).as_bytes());
    // Mostly UTF-8 with a GBK line.
    let (gbk, _, _) = encoding_rs::GBK.encode("昌都市重庆援藏干部开展饮用水检测。\n");
    let mut mixed = good.repeat(4).into_bytes();
    mixed.extend_from_slice(&gbk);
    write("mixed.txt", &mixed);
    // One 5 MB paragraph.
    let sentence = "拉萨市援藏饮用水项目进展顺利，检测工作全面完成。";
    let mut html = String::from("<html><head><title>长段落</title></head><body><p>");
    while html.len() < 5 << 20 {
        html.push_str(sentence);
    }
    html.push_str("</p></body></html>");
    write("one-paragraph.html", html.as_bytes());
    // A PDF nesting 1,000 arrays, one of 2,500 pages, one whose stream
    // inflates to 300 MB, a zip bomb, a symlink, a loop and a FIFO.
    let pdf = nested_pdf(1_000);
    assert!(pdf.len() < 4096);
    write("nested.pdf", &pdf);
    write("pages.pdf", &many_page_pdf(2_500));
    let bomb = inflation_bomb_pdf(300);
    assert!(bomb.len() < 4 << 20, "{}", bomb.len());
    write("inflates.pdf", &bomb);
    // Streams each under the per-stream bound that inflate past the
    // per-file one; object syntax past its bound; and a page of text beside
    // a page of 12 MiB of text operators, which pdf-extract would have
    // turned into more than a gigabyte of operations.
    let zeros = vec![0u8; 15 << 20];
    write("streams.pdf", &common::pdf_of_pages(b"", &vec![zeros; 5]));
    let mut text = Vec::new();
    for line in 0..30 {
        text.extend_from_slice(
            format!(
                "BT /F1 12 Tf 50 {} Td (Lhasa drinking water project, line {line}.) Tj ET\n",
                750 - line * 20
            )
            .as_bytes(),
        );
    }
    let mut syntax = b"/Big [".to_vec();
    while syntax.len() < 5 << 20 {
        syntax.extend_from_slice(b"[1 2 3 4] ");
    }
    syntax.push(b']');
    write(
        "syntax.pdf",
        &common::pdf_of_pages(&syntax, std::slice::from_ref(&text)),
    );
    let heavy = b"BT /F1 12 Tf 10 10 Td (aid) Tj ET\n".repeat((12 << 20) / 34);
    write("heavy-page.pdf", &common::pdf_of_pages(b"", &[text, heavy]));
    // An object stream deflated twice, 600 MB of spaces in 1.5 KB: lopdf
    // inflates object streams as it loads the file.
    write("chained.pdf", &twice_deflated_object_stream(600));
    docx_bomb(&corpus.join("bomb.docx"), 200);
    assert!(std::fs::metadata(corpus.join("bomb.docx")).unwrap().len() < 8 << 20);
    std::os::unix::fs::symlink("a.txt", corpus.join("link.txt")).unwrap();
    std::os::unix::fs::symlink("loop-b", corpus.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", corpus.join("loop-b")).unwrap();
    let fifo = std::ffi::CString::new(
        corpus
            .join("pipe.txt")
            .into_os_string()
            .into_encoded_bytes(),
    )
    .unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);

    let mut command = Command::new(BIN);
    command
        .args(["reindex", "--json", "--corpus"])
        .arg(&corpus)
        .arg("--index")
        .arg(dir.path().join("index"))
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR");
    let (code, stdout, stderr, elapsed, peak) = run_measured(&mut command);
    eprintln!("hostile corpus: {elapsed:?}, peak RSS {} MB", peak >> 20);
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let listed = |key: &str| -> Vec<(String, String)> {
        summary[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["file"].as_str().unwrap().to_string(),
                    s["reason"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let skipped = listed("skipped");
    let reason = |file: &str| {
        skipped
            .iter()
            .find(|(f, _)| f == file)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| panic!("{file} not skipped: {summary}"))
    };
    assert!(
        reason("nested.pdf").contains("nested 1001 deep"),
        "{summary}"
    );
    assert!(
        reason("bomb.docx").to_lowercase().contains("mib"),
        "{summary}"
    );
    assert!(
        reason("huge-title.txt").starts_with("sidecar too large"),
        "{summary}"
    );
    assert!(
        reason("big-sidecar.txt").starts_with("sidecar too large"),
        "{summary}"
    );
    assert_eq!(reason("link.txt"), "symbolic link: not followed");
    assert_eq!(reason("loop-a"), "symbolic link: not followed");
    assert_eq!(reason("loop-b"), "symbolic link: not followed");
    assert_eq!(reason("pipe.txt"), "not a regular file");
    assert!(reason("pages.pdf").contains("2500 pages"), "{summary}");
    assert!(
        reason("inflates.pdf").contains("a pdf stream would inflate past 16 MiB"),
        "{summary}"
    );
    assert!(
        reason("streams.pdf").contains("would inflate past 64 MiB in all"),
        "{summary}"
    );
    assert!(
        reason("syntax.pdf").contains("object syntax past 4 MiB"),
        "{summary}"
    );
    assert!(
        reason("chained.pdf").contains("a pdf stream would inflate past 16 MiB"),
        "{summary}"
    );
    assert_eq!(skipped.len(), 13, "{summary}");
    let warnings = listed("warnings");
    let warned = |file: &str, what: &str| {
        assert!(
            warnings.iter().any(|(f, r)| f == file && r.contains(what)),
            "{file}: {what}: {summary}"
        )
    };
    warned("long-title.txt", "title cut");
    warned("mixed.txt", "mixed encodings");
    warned("heavy-page.pdf", "1 of 2 pages draw more than 2 MiB");
    // Every other file is read: the seed corpus, the colliding pair, the odd
    // name, the long title, the mixed file, the long paragraph and the PDF
    // of a heavy page.
    let seed = std::fs::read_dir(common::corpus_dir())
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            !name.to_string_lossy().ends_with(".toml")
        })
        .count();
    assert_eq!(summary["files_read"], seed + 7, "{summary}");
    // The progress lines name the bad files, escaped: no raw ESC or newline
    // in a name reaches the terminal.
    for file in ["nested.pdf", "bomb.docx", "pipe.txt", "link.txt"] {
        assert!(stderr.contains(&format!("skipped {file}")), "{stderr}");
    }
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
    assert!(peak < 500 << 20, "peak RSS {} MB", peak >> 20);

    // An incremental reindex lists the same bad files.
    command.arg("--incremental");
    let (code, stdout, stderr, _, _) = run_measured(&mut command);
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    let again: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let files: Vec<&str> = again["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap())
        .collect();
    for file in [
        "nested.pdf",
        "bomb.docx",
        "pipe.txt",
        "link.txt",
        "big-sidecar.txt",
        "pages.pdf",
        "inflates.pdf",
        "streams.pdf",
        "syntax.pdf",
        "chained.pdf",
    ] {
        assert!(files.contains(&file), "{file}: {again}");
    }
    assert_eq!(files.len(), 13, "{again}");
}

/// A paragraph of 2 MB with no sentence end made search quadratic: one
/// search that met it took minutes and held its slot, and other searches
/// timed out meanwhile. Now the search that meets it answers within a
/// second and eight clients' ordinary searches keep answering quickly.
/// Without any punctuation at all, it also made labelling quadratic (each
/// place's context rules read to the clause end): the reindex took minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_megabyte_block_slows_no_one_else() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    for entry in std::fs::read_dir(common::corpus_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, corpus.join(path.file_name().unwrap())).unwrap();
    }
    let block = "援藏干部帮扶日喀则市农牧民".repeat(2_000_000 / 39);
    std::fs::write(corpus.join("block.txt"), format!("援藏长文\n\n{block}\n")).unwrap();
    let index = dir.path().join("index");
    aidsearch::index::build::reindex(&corpus, &index).unwrap();
    let (_server, addr, _log) = start_server(&index, &["--addr", "127.0.0.1:0"]);
    // Warm up what the first search loads.
    get(addr, &format!("/api/search?q={}", common::enc("饮用水"))).await;
    let ordinary = ["饮用水", "电商", "先心病", "检测", "昂仁县", "青稞"];
    let clients: Vec<_> = (0..8)
        .map(|c| {
            tokio::spawn(async move {
                let mut took = Vec::new();
                for k in 0..25 {
                    let q = ordinary[(c + k) % ordinary.len()];
                    let asked = Instant::now();
                    let (status, raw) =
                        get(addr, &format!("/api/search?q={}", common::enc(q))).await;
                    assert_eq!(status, 200, "{raw}");
                    took.push(asked.elapsed());
                }
                took
            })
        })
        .collect();
    let mut block_took = Vec::new();
    for q in ["援藏 日喀则", "农牧民", "援藏"] {
        let asked = Instant::now();
        let (status, raw) = get(
            addr,
            &format!("/api/search?q={}&report=block", common::enc(q)),
        )
        .await;
        assert_eq!(status, 200, "{raw}");
        block_took.push(asked.elapsed());
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for client in clients {
        latencies.extend(client.await.unwrap());
    }
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100 - 1];
    eprintln!(
        "block searches {block_took:?}; {} ordinary searches, p50 {:?}, p99 {p99:?}",
        latencies.len(),
        latencies[latencies.len() / 2]
    );
    assert!(
        block_took.iter().min().unwrap() < &Duration::from_secs(1),
        "{block_took:?}"
    );
    assert!(p99 < Duration::from_millis(100), "p99 {p99:?}");
}
