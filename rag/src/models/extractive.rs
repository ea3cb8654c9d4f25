//! The offline default: an answer made of the retrieved passages' own
//! sentences — those sharing the most terms with the question — each followed
//! by the marker of its source, under a line saying plainly that no language
//! model wrote it. Same protocol as a real model: it streams word by word.

use ancre_index::analyzer::{Analyzer, Language};
use async_trait::async_trait;
use futures::StreamExt;

use super::{ChatError, ChatModel, ChatRequest, Delta, DeltaStream};
use crate::citations::sentences;

/// Sentences quoted in one answer, and at most this many from one source.
const MAX_SENTENCES: usize = 3;
const MAX_PER_SOURCE: usize = 2;

#[derive(Debug, Default)]
pub struct Extractive {
    analyzer: Analyzer,
}

/// The line that opens every extractive answer.
pub fn label(language: Language) -> &'static str {
    match language {
        Language::French => {
            "*Réponse extractive : des passages de vos documents, sans modèle de langue.*"
        }
        Language::English => {
            "*Extractive answer: passages from your documents, no language model.*"
        }
    }
}

impl Extractive {
    /// The whole answer (the stream sends it in pieces).
    pub fn answer(&self, request: &ChatRequest) -> String {
        let question = self.analyzer.query_terms(&request.question);
        // (shared terms, source rank, sentence order) → best first.
        let mut candidates = Vec::new();
        for (rank, source) in request.sources.iter().enumerate() {
            for (order, sentence) in sentences(&source.passage.text).into_iter().enumerate() {
                let terms = self.analyzer.query_terms(sentence.text);
                let shared = terms.iter().filter(|t| question.contains(t)).count();
                if shared > 0 {
                    candidates.push((shared, rank, order, source.number, sentence.text));
                }
            }
        }
        candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut chosen: Vec<(usize, usize, u32, &str)> = Vec::new();
        for (_, rank, order, number, text) in candidates {
            let from_source = chosen.iter().filter(|c| c.2 == number).count();
            if from_source < MAX_PER_SOURCE && chosen.len() < MAX_SENTENCES {
                chosen.push((rank, order, number, text));
            }
        }
        if chosen.is_empty() {
            // Nothing shares a word with the question: the best passage's opening.
            if let Some(first) = request.sources.first() {
                if let Some(s) = sentences(&first.passage.text).into_iter().next() {
                    chosen.push((0, 0, first.number, s.text));
                }
            }
        }
        // Read in source order, each source's sentences in their own order.
        chosen.sort_by_key(|c| (c.0, c.1));
        let mut answer = String::from(label(request.language));
        answer.push_str("\n\n");
        for (_, _, number, text) in chosen {
            answer.push_str(&format!("- {text} [{number}]\n"));
        }
        answer.trim_end().to_owned()
    }
}

#[async_trait]
impl ChatModel for Extractive {
    async fn stream(&self, request: ChatRequest) -> Result<DeltaStream, ChatError> {
        let answer = self.answer(&request);
        let pieces: Vec<Result<Delta, ChatError>> = answer
            .split_inclusive(char::is_whitespace)
            .map(|piece| Ok(Delta::Text(piece.to_owned())))
            .collect();
        Ok(futures::stream::iter(pieces).boxed())
    }
}
