//! What reading one generated PDF costs, for the reader bounds in
//! BENCHMARKS.md: run it under `/usr/bin/time -v` and read the peak RSS.
//!
//! ```text
//! cargo run --example pdf_peak -- page <streams> <MiB each> zeros|ops
//! cargo run --example pdf_peak -- objstm <objects>
//! cargo run --example pdf_peak -- syntax <arrays>
//! cargo run --example pdf_peak -- spawn
//! cargo run --example pdf_peak -- file <path>
//! ```
//!
//! `page`: one page drawing `streams` deflated streams of zeros or of
//! text-showing operators; `objstm`: an object stream of small arrays;
//! `syntax`: a catalog holding an array of small arrays; `spawn`: what a
//! reader thread (64 MiB stack) and a child process cost to start; `file`:
//! any file, read as its extension says.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

fn deflate(data: &[u8], times: usize) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    for _ in 0..times {
        encoder.write_all(data).unwrap();
    }
    encoder.finish().unwrap()
}

/// A PDF of `objects` (numbered from 1, the first the catalog) with its
/// cross-reference table.
fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.5\n".to_vec();
    let mut offsets = Vec::new();
    for (k, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", k + 1).as_bytes());
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
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

fn stream(dictionary: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("<< {dictionary} /Length {} >>\nstream\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream");
    out
}

fn page(streams: usize, mib: usize, kind: &str) -> Vec<u8> {
    let chunk = match kind {
        "zeros" => vec![0u8; 1 << 20],
        _ => b"BT /F1 12 Tf 10 10 Td (a) Tj ET\n".repeat((1 << 20) / 32),
    };
    let data = deflate(&chunk, mib);
    let contents: Vec<String> = (0..streams).map(|k| format!("{} 0 R", k + 5)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] \
             /Resources << /Font << /F1 4 0 R >> >> /Contents [{}] >>",
            contents.join(" ")
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    objects.extend((0..streams).map(|_| stream("/Filter /FlateDecode", &data)));
    pdf(&objects)
}

fn object_stream(n: usize) -> Vec<u8> {
    let (mut header, mut body) = (String::new(), String::new());
    for k in 0..n {
        header.push_str(&format!("{} {} ", k + 10, body.len()));
        body.push_str("[1 2 3 4] ");
    }
    let dictionary = format!(
        "/Type /ObjStm /N {n} /First {} /Filter /FlateDecode",
        header.len()
    );
    let data = deflate(format!("{header}{body}").as_bytes(), 1);
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
        stream(&dictionary, &data),
    ])
}

fn syntax(arrays: usize) -> Vec<u8> {
    let mut catalog = b"<< /Type /Catalog /Pages 2 0 R /Big [".to_vec();
    for _ in 0..arrays {
        catalog.extend_from_slice(b"[1 2 3 4] ");
    }
    catalog.extend_from_slice(b"] >>");
    pdf(&[catalog, b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec()])
}

fn spawn_costs() {
    const THREADS: u32 = 2000;
    let started = Instant::now();
    for _ in 0..THREADS {
        let reader = std::thread::Builder::new()
            .stack_size(aidsearch::corpus::READER_STACK_BYTES)
            .spawn(|| 1)
            .unwrap();
        reader.join().unwrap();
    }
    eprintln!("reader thread: {:?} each", started.elapsed() / THREADS);
    const PROCESSES: u32 = 200;
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    for _ in 0..PROCESSES {
        std::process::Command::new(&exe)
            .arg("noop")
            .status()
            .unwrap();
    }
    eprintln!("child process: {:?} each", started.elapsed() / PROCESSES);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |k: usize| -> usize { args.get(k).and_then(|a| a.parse().ok()).unwrap_or(1) };
    let bytes = match args.first().map(String::as_str) {
        Some("page") => page(number(1), number(2), args.get(3).map_or("ops", |k| k)),
        Some("objstm") => object_stream(number(1)),
        Some("syntax") => syntax(number(1)),
        Some("spawn") => return spawn_costs(),
        Some("file") => std::fs::read(args.get(1).expect("a path")).unwrap(),
        Some("noop") => return,
        _ => {
            eprintln!("usage: pdf_peak page|objstm|syntax|spawn …");
            std::process::exit(2);
        }
    };
    eprintln!("{} KiB", bytes.len() >> 10);
    let started = Instant::now();
    let name = match args.first().map(String::as_str) {
        Some("file") => args[1].clone(),
        _ => "peak.pdf".to_string(),
    };
    let read = aidsearch::corpus::formats::extract(Path::new(&name), &bytes);
    let outcome = match read {
        Ok(e) => format!("read, {} bytes of text", e.text.len()),
        Err(e) => format!("refused: {e}"),
    };
    eprintln!("{outcome}, in {:?}", started.elapsed());
}
