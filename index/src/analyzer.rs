//! BM25 sparse vectors for French and English text.
//!
//! Pipeline, applied identically to chunks and queries:
//! 1. split on anything that is not a Unicode letter or digit (so French elisions
//!    `l'élève` give `l` + `élève`, and `l` then falls out as a stop word);
//! 2. lowercase (Unicode-aware);
//! 3. drop stop words of both languages (compared accent-free, so `à`/`a` and
//!    `où`/`ou` are both caught);
//! 4. Snowball-stem: French *before* folding accents, because that algorithm
//!    relies on them (`élèves` → `élev`), then fold (`élev` → `elev`); English
//!    after folding, as it takes `é` for a consonant. Either way a query typed
//!    without accents matches;
//! 5. hash each term (FNV-1a, 32 bit) into a sparse-vector index.
//!
//! Language: a chunk is stemmed with the language whose stop words it uses most;
//! when undecided (no stop words, or a tie) both stems are indexed. A query is
//! always expanded to both stems: queries are too short for the stop-word count to
//! be reliable, and the stem of the "wrong" language only matches chunks of that
//! language, where it is the right stem.
//!
//! Weights: chunks get the BM25 term-frequency part
//! `tf·(k1+1) / (tf + k1·(1 − b + b·len/avgdl))`; the IDF part is applied by the
//! engine at query time (`Modifier::Idf`), so it always reflects the live corpus.
//! Queries get 1 per unique term, so the dot product is Σ idf·tf-part.
//!
//! `avgdl` is a fixed [`AVG_DOC_LEN`] rather than the corpus mean: the weight is
//! baked into each stored vector, so a live mean would make old and new chunks
//! disagree, differ per tenant, and force re-embedding everything as it drifts.
//! Chunks come out of one chunker with a narrow length range, so length
//! normalisation only matters at the margins and a constant is good enough. 256
//! is also Qdrant's own BM25 default, keeping weights comparable with the
//! server-side/`EdgeBm25` implementations.

use std::collections::BTreeMap;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Version tag of the whole pipeline above. Stored beside the index: any change
/// to tokenisation, stop words, stemming or hashing changes the term ids, so an
/// index built by another version must be rebuilt rather than silently mismatched.
pub const ANALYZER_VERSION: &str = "ancre-bm25-fr-en/1";

/// BM25 term-frequency saturation.
pub const K1: f32 = 1.2;
/// BM25 length-normalisation strength.
pub const B: f32 = 0.75;
/// Assumed average chunk length in analysed terms (see module docs for why fixed).
pub const AVG_DOC_LEN: f32 = 256.0;

/// Tokens longer than this are almost always garbage (base64, URLs run together,
/// OCR noise); they would only bloat the sparse index.
const MAX_TOKEN_CHARS: usize = 40;

/// Small, high-frequency French function words, written accent-free because they
/// are compared after folding. Single letters cover elisions (`l'`, `d'`, `j'`…).
const FRENCH_STOP_WORDS: &[&str] = &[
    "a", "ai", "au", "aux", "avec", "c", "ce", "ces", "cet", "cette", "d", "dans", "de", "des",
    "du", "elle", "elles", "en", "est", "et", "etaient", "etait", "ete", "etre", "eu", "il", "ils",
    "j", "je", "l", "la", "le", "les", "leur", "leurs", "lui", "m", "ma", "mais", "me", "mes",
    "moi", "mon", "n", "ne", "nos", "notre", "nous", "on", "ont", "ou", "par", "pas", "pour", "qu",
    "que", "qui", "s", "sa", "se", "ses", "son", "sont", "sur", "t", "ta", "te", "tes", "toi",
    "ton", "tu", "un", "une", "vos", "votre", "vous", "y",
];

/// Small, high-frequency English function words.
const ENGLISH_STOP_WORDS: &[&str] = &[
    "a", "about", "all", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "could",
    "did", "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "i", "if", "in",
    "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "she", "so",
    "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those",
    "to", "was", "we", "were", "what", "when", "which", "who", "will", "with", "would", "you",
    "your",
];

/// A sparse vector in the engine's shape, but our own type so the public API stays
/// free of qdrant-edge types. Indices are unique and sorted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVector {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl SparseVector {
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
}

/// The languages the analyzer knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    French,
    English,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    French,
    English,
    /// Undecided: index both stems.
    Both,
}

/// Stateless apart from the two stemmers; cheap to share across threads.
pub struct Analyzer {
    french: Stemmer,
    english: Stemmer,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(ANALYZER_VERSION)
    }
}

impl Analyzer {
    pub fn new() -> Self {
        Self {
            french: Stemmer::create(Algorithm::French),
            english: Stemmer::create(Algorithm::English),
        }
    }

    /// Sparse vector of a chunk: BM25 term-frequency weights.
    pub fn embed_document(&self, text: &str) -> SparseVector {
        let tokens = tokenize(text);
        let lang = detect_language(&tokens);
        let mut tf: BTreeMap<u32, f32> = BTreeMap::new();
        let mut length = 0usize;
        for token in tokens.iter().filter(|t| !is_stop_word(&t.folded)) {
            length += 1;
            for term in self.terms(token, lang) {
                *tf.entry(term_id(&term)).or_default() += 1.0;
            }
        }
        let norm = K1 * (1.0 - B + B * length as f32 / AVG_DOC_LEN);
        let (indices, values) = tf
            .into_iter()
            .map(|(id, tf)| (id, tf * (K1 + 1.0) / (tf + norm)))
            .unzip();
        SparseVector { indices, values }
    }

    /// Sparse vector of a query: 1 per unique term, both languages' stems.
    pub fn embed_query(&self, text: &str) -> SparseVector {
        let mut ids: Vec<u32> = tokenize(text)
            .iter()
            .filter(|t| !is_stop_word(&t.folded))
            .flat_map(|t| self.terms(t, Lang::Both))
            .map(|term| term_id(&term))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let values = vec![1.0; ids.len()];
        SparseVector {
            indices: ids,
            values,
        }
    }

    /// The accent-free stems a token contributes (one, or two when undecided and
    /// the languages disagree).
    fn terms(&self, token: &Token, lang: Lang) -> Vec<String> {
        // French Snowball needs the accents (it un-accents `é`/`è` itself where
        // meaningful); English Snowball treats `é` as a consonant, so it gets the
        // folded form, which also makes `élève` and `eleve` stem alike.
        let french = || fold_accents(&self.french.stem(&token.lower));
        let english = || self.english.stem(&token.folded).into_owned();
        match lang {
            Lang::French => vec![french()],
            Lang::English => vec![english()],
            Lang::Both => {
                let (fr, en) = (french(), english());
                if fr == en {
                    vec![fr]
                } else {
                    vec![fr, en]
                }
            }
        }
    }

    /// French or English, by which language's stop words `text` uses more;
    /// `None` when it cannot tell (no stop word, or as many of each).
    pub fn language(&self, text: &str) -> Option<Language> {
        match detect_language(&tokenize(text)) {
            Lang::French => Some(Language::French),
            Lang::English => Some(Language::English),
            Lang::Both => None,
        }
    }

    /// Every analysed term of `text` as a query would see them; for tests and
    /// debugging relevance.
    pub fn query_terms(&self, text: &str) -> Vec<String> {
        let mut terms: Vec<String> = tokenize(text)
            .iter()
            .filter(|t| !is_stop_word(&t.folded))
            .flat_map(|t| self.terms(t, Lang::Both))
            .collect();
        terms.sort();
        terms.dedup();
        terms
    }
}

struct Token {
    /// Lowercased, accents kept: what the Snowball stemmers expect.
    lower: String,
    /// Lowercased and accent-free: what stop words are compared against.
    folded: String,
}

fn tokenize(text: &str) -> Vec<Token> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|raw| !raw.is_empty() && raw.chars().count() <= MAX_TOKEN_CHARS)
        .map(|raw| {
            let lower = raw.to_lowercase();
            let folded = fold_accents(&lower);
            Token { lower, folded }
        })
        .collect()
}

fn is_stop_word(folded: &str) -> bool {
    FRENCH_STOP_WORDS.contains(&folded) || ENGLISH_STOP_WORDS.contains(&folded)
}

/// Stop words are the cheapest language signal there is: real prose is full of
/// them, and the two lists barely overlap.
fn detect_language(tokens: &[Token]) -> Lang {
    let french = tokens
        .iter()
        .filter(|t| FRENCH_STOP_WORDS.contains(&t.folded.as_str()))
        .count();
    let english = tokens
        .iter()
        .filter(|t| ENGLISH_STOP_WORDS.contains(&t.folded.as_str()))
        .count();
    match french.cmp(&english) {
        std::cmp::Ordering::Greater => Lang::French,
        std::cmp::Ordering::Less => Lang::English,
        std::cmp::Ordering::Equal => Lang::Both,
    }
}

/// `é` → `e`, `ç` → `c`, and the ligatures NFD leaves alone (`œ` → `oe`).
fn fold_accents(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            _ => out.push(c),
        }
    }
    out
}

/// FNV-1a, 32 bit: stable across Rust versions and platforms (unlike
/// `DefaultHasher`), which matters because the ids are persisted in the index.
/// With a few hundred thousand distinct terms, collisions are rare and only ever
/// merge two terms' postings, which costs a little precision, never correctness.
pub fn term_id(term: &str) -> u32 {
    const OFFSET: u32 = 0x811c_9dc5;
    const PRIME: u32 = 0x0100_0193;
    term.bytes().fold(OFFSET, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_french_from_english_questions() {
        let a = Analyzer::new();
        assert_eq!(
            a.language("Quelle est la date de la première version de Debian ?"),
            Some(Language::French)
        );
        assert_eq!(
            a.language("When was the first version of Debian released?"),
            Some(Language::English)
        );
        assert_eq!(a.language("Debian 1.1"), None);
    }

    fn ids(terms: &[&str]) -> Vec<u32> {
        let mut ids: Vec<u32> = terms.iter().map(|t| term_id(t)).collect();
        ids.sort_unstable();
        ids
    }

    #[test]
    fn french_inflections_and_missing_accents_share_stems() {
        let a = Analyzer::new();
        let doc = a.query_terms("Les élèves mangeaient");
        let query = a.query_terms("eleve manger");
        for term in ["elev", "mang"] {
            assert!(
                doc.contains(&term.to_string()),
                "{term} missing from {doc:?}"
            );
            assert!(
                query.contains(&term.to_string()),
                "{term} missing from {query:?}"
            );
        }
    }

    #[test]
    fn french_document_vector_matches_accentless_query() {
        let a = Analyzer::new();
        let doc = a.embed_document("Les élèves mangeaient à la cantine de l'école.");
        let query = a.embed_query("eleve manger");
        assert!(query.values.iter().all(|&v| v == 1.0));
        for id in ids(&["elev", "mang"]) {
            assert!(query.indices.contains(&id), "{query:?}");
            assert!(doc.indices.contains(&id), "{doc:?}");
        }
        // French prose: only French stems are stored (no English "manger").
        assert!(!doc.indices.contains(&term_id("mangeaient")));
    }

    #[test]
    fn stop_words_are_dropped_in_both_languages() {
        let a = Analyzer::new();
        assert!(a.query_terms("le la les de des et à où").is_empty());
        assert!(a.query_terms("the of and to is are").is_empty());
        assert!(a.embed_document("l'on a qu'il y est").is_empty());
        let terms = a.query_terms("the contrat of l'assurance");
        assert!(terms.contains(&"contrat".to_string()), "{terms:?}");
        assert!(terms.contains(&"assur".to_string()), "{terms:?}");
        for stop in ["the", "of", "l"] {
            assert!(
                !terms.contains(&stop.to_string()),
                "{stop} kept in {terms:?}"
            );
        }
    }

    #[test]
    fn english_inflections_share_stems() {
        let a = Analyzer::new();
        let doc = a.embed_document("The dog is running in the park and it runs every day.");
        let query = a.embed_query("run");
        assert!(query.indices.iter().any(|id| doc.indices.contains(id)));
        // English prose: "running" and "runs" are one term seen twice.
        let doc = a.embed_document("The engine was running and it runs well.");
        let single = a.embed_document("The engine was running and it stops well.");
        let run = term_id("run");
        let weight = |v: &SparseVector| v.values[v.indices.iter().position(|&i| i == run).unwrap()];
        assert!(
            weight(&doc) > weight(&single),
            "tf 2 > tf 1: {doc:?} {single:?}"
        );
        assert!(!doc.indices.contains(&term_id("running")));
        for word in tokenize("running runs run") {
            assert_eq!(a.terms(&word, Lang::English), vec!["run".to_string()]);
        }
    }

    #[test]
    fn language_is_detected_from_stop_words() {
        let fr = tokenize("le chat est sur la table et il dort");
        let en = tokenize("the cat is on the table and it sleeps");
        assert_eq!(detect_language(&fr), Lang::French);
        assert_eq!(detect_language(&en), Lang::English);
        assert_eq!(detect_language(&tokenize("chat table")), Lang::Both);
    }

    #[test]
    fn document_weights_saturate_and_follow_bm25() {
        let a = Analyzer::new();
        let doc = a.embed_document("zinc zinc zinc");
        assert_eq!(doc.indices, ids(&["zinc"]));
        let norm = K1 * (1.0 - B + B * 3.0 / AVG_DOC_LEN);
        let expected = 3.0 * (K1 + 1.0) / (3.0 + norm);
        assert!(
            (doc.values[0] - expected).abs() < 1e-6,
            "{doc:?} vs {expected}"
        );
        // Saturation: the weight of a repeated term stays below k1 + 1.
        let many = a.embed_document(&"zinc ".repeat(200));
        assert!(many.values[0] < K1 + 1.0);
        assert!(many.values[0] > doc.values[0]);
    }

    #[test]
    fn indices_are_sorted_unique_and_stable() {
        let a = Analyzer::new();
        let v = a.embed_document("Beta alpha beta gamma ALPHA delta");
        assert!(v.indices.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(v.indices.len(), v.values.len());
        // Pinned: a change here changes every stored term id (bump ANALYZER_VERSION).
        assert_eq!(term_id(""), 0x811c_9dc5);
        assert_eq!(term_id("a"), 0xe40c_292c);
        assert_eq!(term_id("foobar"), 0xbf9c_f968);
    }

    #[test]
    fn accents_and_ligatures_fold() {
        assert_eq!(fold_accents("àéèêëîïôöùûüç"), "aeeeeiioouuuc");
        assert_eq!(fold_accents("cœur"), "coeur");
        assert_eq!(a_terms("ÉLÈVE"), a_terms("eleve"));
    }

    fn a_terms(s: &str) -> Vec<String> {
        Analyzer::new().query_terms(s)
    }
}
