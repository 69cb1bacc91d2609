fn main() {
    let path = std::env::args().nth(1).unwrap();
    let model = aidsearch::mining::Model::load(std::path::Path::new(&path)).unwrap();
    for line in std::io::stdin().lines() {
        let w = line.unwrap();
        let nb: Vec<String> = model
            .neighbours(&w, 12)
            .into_iter()
            .map(|(s, c)| format!("{s}:{c:.2}"))
            .collect();
        println!("{w}\t{}", nb.join(" "));
    }
}
