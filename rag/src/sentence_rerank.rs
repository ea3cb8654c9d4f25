//! Candidates ranked again by their best sentence: each passage's units
//! ([`crate::segment`]: sentences and table rows) are embedded and the
//! passage scores the cosine of its unit closest to the question; that
//! ranking, fused by reciprocal rank ([`crate::rank_fusion`]) with the
//! retrieval's own, chooses which of twice top-k candidates are kept, in
//! the retrieval's order.
//!
//! Why: a passage is embedded whole, so the one sentence that answers a
//! question is diluted by the others around it. "What industry does AMCOR
//! primarily operate in?" is answered by "we are a global leader in
//! developing and producing responsible packaging…", in a chunk that also
//! tells where the company is incorporated and what it thinks of
//! sustainability: 16th as a whole, in the top-8 by its best sentence.
//!
//! It costs one embedding per unit of the candidates (a whole extractive
//! answer took 4.4 s instead of 2.1 s, p50, on two cores), so an assistant
//! turns it on ([`ancre_domain::assistant::RetrievalSettings::rerank`]).

use ancre_ingestion::embedders::Embedder;

use crate::segment::sentences;
use crate::Source;

/// Candidates ranked again per passage asked for: the second half is where
/// a passage a sentence answers waits.
pub const DEPTH: usize = 2;
/// Units shorter than this (in characters) are headings or stray cells,
/// not statements: "The Company", "Sustainability".
const MIN_UNIT_CHARS: usize = 16;
/// Units embedded per passage at most, the first ones: a long table would
/// otherwise take the whole budget.
const MAX_UNITS_PER_PASSAGE: usize = 12;

/// The best `limit` of `candidates` (best first, the retrieval's order)
/// when fused with their order by best unit for the question (`vector`:
/// the question embedded as a query), in the retrieval's order. If
/// embedding fails, the retrieval's first `limit` stand.
pub async fn rerank(
    embedder: &dyn Embedder,
    vector: &[f32],
    candidates: Vec<Source>,
    limit: usize,
) -> Vec<Source> {
    let Some(best) = best_units(embedder, vector, &candidates).await else {
        return candidates.into_iter().take(limit).collect();
    };
    let mut by_unit: Vec<(f32, usize)> = best.into_iter().zip(0..).collect();
    // Stable: equal scores keep the retrieval's order.
    by_unit.sort_by(|a, b| b.0.total_cmp(&a.0));
    let by_unit: Vec<Source> = by_unit
        .into_iter()
        .map(|(_, i)| candidates[i].clone())
        .collect();
    let chosen = crate::rank_fusion::fuse(candidates.clone(), by_unit, limit);
    // Which passages make the cut is the fused ranking's call; their order
    // stays the retrieval's. Reordered by the fusion, the extractive answer
    // (which weighs a source's rank) quoted AmEx's cover page no more for
    // the debt securities it lists: one evidence page fewer among
    // financebench-dev's citations. In retrieval order, those brought in
    // come after the retrieval's own best.
    candidates
        .into_iter()
        .filter(|c| chosen.iter().any(|x| x.same_passage(c)))
        .collect()
}

/// Each candidate's best cosine between the question and one of its units
/// (minus infinity for a passage with none); `None` when there is nothing
/// to embed or embedding fails, and the retrieval's order stands.
async fn best_units(
    embedder: &dyn Embedder,
    vector: &[f32],
    candidates: &[Source],
) -> Option<Vec<f32>> {
    let mut owners = Vec::new();
    let mut texts = Vec::new();
    for (i, source) in candidates.iter().enumerate() {
        let units = sentences(&source.passage.text)
            .into_iter()
            .filter(|u| u.text.chars().count() >= MIN_UNIT_CHARS)
            .take(MAX_UNITS_PER_PASSAGE);
        for unit in units {
            owners.push(i);
            texts.push(unit.text.to_owned());
        }
    }
    if texts.is_empty() {
        return None;
    }
    let units = match embedder.embed_passages(&texts).await {
        Ok(units) if units.len() == texts.len() => units,
        Ok(units) => {
            tracing::warn!(
                asked = texts.len(),
                got = units.len(),
                "rerank skipped: the embedder returned another number of vectors"
            );
            return None;
        }
        Err(error) => {
            tracing::warn!(%error, "rerank skipped: units could not be embedded");
            return None;
        }
    };
    let mut best = vec![f32::NEG_INFINITY; candidates.len()];
    for (owner, unit) in owners.into_iter().zip(&units) {
        let cosine: f32 = vector.iter().zip(unit).map(|(a, b)| a * b).sum();
        best[owner] = best[owner].max(cosine);
    }
    Some(best)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use ancre_ingestion::embedders::local_e5::LocalE5;
    use ancre_projections::read::passages::PassageView;

    use super::*;
    use crate::test_passage::{chunks, passage};

    /// The deployment's own model (`make test` sets `ANCRE_E5_WEIGHTS`).
    fn e5() -> LocalE5 {
        let path = std::env::var_os("ANCRE_E5_WEIGHTS")
            .map(PathBuf::from)
            .expect("ANCRE_E5_WEIGHTS names multilingual-e5-small's weights (make test sets it)");
        LocalE5::new(path)
    }

    fn source(chunk: i32, text: &str) -> Source {
        Source {
            number: chunk as u32 + 1,
            passage: PassageView {
                chunk_index: chunk,
                text: text.into(),
                ..passage()
            },
            score: 1.0,
        }
    }

    const OTHER_THINGS: &[&str] = &[
        "The tarte tatin is baked upside down. Apples caramelise in butter and sugar before the pastry covers them.",
        "Snow fell on the Alps for three days. Several passes were closed to traffic until the ploughs came.",
        "The orchestra rehearsed the symphony twice. Its conductor asked the violins to play more softly.",
        "Our board met four times during the year. Its members are elected for three years at the annual meeting.",
        "The museum opens at nine in the morning. Guided tours leave from the main hall every hour.",
        "Employees may work from home two days a week. Requests are approved by their manager.",
        "The river floods in spring when the snow melts. Dykes protect the lower town since 1910.",
        "Shares are listed on the New York Stock Exchange. The dividend is paid every quarter.",
        "The library lends books for three weeks. Late returns are charged a small fee per day.",
        "A marathon covers forty-two kilometres. Runners train for months before their first race.",
        "The auditors reviewed the internal controls. No material weakness was identified this year.",
        "Bees pollinate most fruit trees. A hive holds tens of thousands of workers in summer.",
        "The new office building has six floors. It was designed to use little energy in winter.",
        "Chess players have a limited time for their moves. A clock measures each player's time.",
        "The ferry crosses the lake every hour. Tickets can be bought on board or at the pier.",
    ];

    #[tokio::test]
    async fn a_passage_one_sentence_of_which_answers_climbs_into_the_top_k() {
        let e5 = e5();
        let question = "What industry does Amcor operate in?";
        // Sixteenth for the first stage: the answer is one sentence among
        // others about where the company is incorporated and its history.
        let mut candidates: Vec<Source> = OTHER_THINGS
            .iter()
            .enumerate()
            .map(|(i, text)| source(i as i32, text))
            .collect();
        candidates.push(source(
            15,
            "Amcor plc is a public limited company incorporated under the laws of Jersey. \
             Its history dates back more than 150 years, with origins in Australia. \
             Today it is a global leader in developing and producing packaging for food, \
             beverage, pharmaceutical and medical products. It reports in US dollars.",
        ));
        let vector = e5.embed_query(question).await.unwrap();
        let reranked = rerank(&e5, &vector, candidates.clone(), 8).await;
        assert_eq!(reranked.len(), 8);
        assert!(chunks(&reranked).contains(&15), "{:?}", chunks(&reranked));
        // Fewer candidates than asked for: all of them, each once.
        let mut kept = chunks(&rerank(&e5, &vector, candidates[13..].to_vec(), 8).await);
        kept.sort();
        assert_eq!(kept, [13, 14, 15]);
    }
}
