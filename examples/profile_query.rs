//! Search one query over and over on an index, for a profiler to watch
//! (`perf record`, `valgrind --tool=callgrind`): the bench times all its
//! queries, this isolates one.
//!
//! `cargo run --release --example profile_query -- <index root> <query> [rounds]`
//! prints the quickest and the first-quartile time of the rounds (200 by
//! default). Under callgrind, the instructions of `rounds = 11` minus those
//! of `rounds = 1`, over ten, are one search's, without opening the index.

use aidsearch::search::{Engine, SearchRequest};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, root, query, rest @ ..] = args.as_slice() else {
        eprintln!("usage: profile_query <index root> <query> [rounds]");
        std::process::exit(2);
    };
    let rounds: usize = match rest.first().map(|r| r.parse()) {
        None => 200,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("rounds must be a positive number");
            std::process::exit(2);
        }
    };
    let engine = match Engine::open(std::path::Path::new(root)) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("cannot open the index at {root:?}: {e}");
            std::process::exit(1);
        }
    };
    let request = SearchRequest::query(query);
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = std::time::Instant::now();
        match aidsearch::search::search(&engine, &request) {
            Ok(response) => drop(std::hint::black_box(response)),
            Err(e) => {
                eprintln!("search failed: {e}");
                std::process::exit(1);
            }
        }
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "quickest {:.2} ms, first quartile {:.2} ms over {rounds} rounds",
        times[0],
        times[times.len() / 4]
    );
}
