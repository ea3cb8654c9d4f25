//! Embeds 64 passages of ~230 tokens and prints passages/s.
//!
//! cargo run --release --example throughput [-- path/to/e5-small-q4.bin]
//! (the path defaults to $ANCRE_E5_WEIGHTS, then /var/cache/ancre/models/e5-small-q4.bin)

use std::path::PathBuf;
use std::time::Instant;

use ancre_embed::E5Small;

const SENTENCES: [&str; 6] = [
    "La bibliothèque municipale ouvre ses portes le samedi matin pour les lecteurs du quartier.",
    "The committee reviewed the annual budget and postponed the vote until the next meeting.",
    "Les randonneurs ont atteint le refuge avant l'orage, trempés mais soulagés.",
    "Solar panels on the school roof now cover most of its electricity needs in summer.",
    "Le boulanger prépare chaque nuit des baguettes, des croissants et un pain de seigle.",
    "Researchers measured how quickly the glacier retreated over the last three decades.",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os()
        .nth(1)
        .or_else(|| std::env::var_os("ANCRE_E5_WEIGHTS"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/ancre/models/e5-small-q4.bin"));
    let t0 = Instant::now();
    let model = E5Small::load(&path)?;
    println!("loaded {} in {:.2?}", path.display(), t0.elapsed());

    // 64 distinct passages, each cut at a token boundary to 230 tokens.
    let passages: Vec<String> = (0..64)
        .map(|i| {
            let long: String = (0..40)
                .map(|j| SENTENCES[(i * 7 + j * 5 + j / 3) % SENTENCES.len()])
                .collect::<Vec<_>>()
                .join(" ");
            let spans = model.token_spans(&long);
            long[..spans[229].1].to_string()
        })
        .collect();
    let refs: Vec<&str> = passages.iter().map(String::as_str).collect();
    let tokens: usize = refs.iter().map(|p| model.count_tokens(p)).sum();

    model.embed_passages(&refs[..4])?; // warm-up: thread pool, allocator
    let t = Instant::now();
    let out = model.embed_passages(&refs)?;
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(out.len(), refs.len());
    println!(
        "{} passages, {:.0} tokens each: {:.2} s, {:.1} passages/s, {:.0} tokens/s",
        refs.len(),
        tokens as f64 / refs.len() as f64,
        secs,
        refs.len() as f64 / secs,
        tokens as f64 / secs
    );

    let t = Instant::now();
    for _ in 0..20 {
        model.embed_query("quelle est la capitale de la France ?")?;
    }
    println!(
        "single query latency: {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0 / 20.0
    );
    Ok(())
}
