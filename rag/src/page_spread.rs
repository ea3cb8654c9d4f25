//! One passage per page first: the sources an answer gets are its only
//! view of the documents, and two overlapping chunks of one page (a long
//! section cut in two, each half matching the question's words) take two of
//! its few places to show one page. So within each document, the first
//! passage of each of its pages comes before any page's second: a
//! document keeps the places the ranking gave it — which documents answer
//! is not this module's call — but fills them with more of its pages. A
//! document without pages (Markdown, text: one page) keeps its order.
//!
//! On financebench-dev (33 questions, top-8) the evidence page is among the
//! retrieved for 23 questions instead of 21 (`make bench --only citations`).

use std::collections::{HashMap, HashSet, VecDeque};

use ancre_domain::DocumentId;

use crate::Source;

/// `candidates` with, within each document's places, the first passage of
/// each of its pages first, in order, then its other passages in order; the
/// first `kept` stay where they are (passages chosen on purpose, such as a
/// statement's rows).
pub fn spread(candidates: Vec<Source>, kept: usize) -> Vec<Source> {
    let kept = kept.min(candidates.len());
    let mut seen: HashSet<(DocumentId, i32)> = candidates[..kept]
        .iter()
        .map(|c| (c.passage.document_id, c.passage.page))
        .collect();
    let mut out = candidates;
    let rest = out.split_off(kept);
    // Each document's places, in order, and its passages: new pages first.
    let places: Vec<DocumentId> = rest.iter().map(|c| c.passage.document_id).collect();
    let mut firsts: HashMap<DocumentId, VecDeque<Source>> = HashMap::new();
    let mut repeats: HashMap<DocumentId, VecDeque<Source>> = HashMap::new();
    for candidate in rest {
        let document = candidate.passage.document_id;
        let queue = if seen.insert((document, candidate.passage.page)) {
            &mut firsts
        } else {
            &mut repeats
        };
        queue.entry(document).or_default().push_back(candidate);
    }
    for document in places {
        let next = firsts
            .get_mut(&document)
            .and_then(VecDeque::pop_front)
            .or_else(|| repeats.get_mut(&document).and_then(VecDeque::pop_front));
        out.extend(next);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use ancre_projections::read::passages::PassageView;

    use crate::test_passage::{chunks, passage};

    fn source(document: u128, page: i32, chunk: i32) -> Source {
        Source {
            number: 0,
            passage: PassageView {
                document_id: crate::test_passage::document(document),
                chunk_index: chunk,
                page,
                ..passage()
            },
            score: 1.0,
        }
    }

    #[test]
    fn each_page_shows_once_before_any_shows_twice_in_its_documents_places() {
        let candidates = vec![
            source(1, 40, 0),
            source(1, 40, 1),
            // Another document keeps its place.
            source(2, 40, 2),
            source(1, 41, 3),
            source(1, 41, 4),
            source(1, 42, 5),
        ];
        // Document 1's places (1st, 2nd, 4th, 5th, 6th) show pages 40, 41,
        // 42 before 40 and 41 again.
        assert_eq!(chunks(&spread(candidates.clone(), 0)), [0, 3, 2, 5, 1, 4]);
        // The first two are kept where they are, even on one page.
        assert_eq!(chunks(&spread(candidates, 2)), [0, 1, 2, 3, 5, 4]);
        // One page per document (Markdown): the order stands.
        let markdown = vec![source(1, 1, 0), source(2, 1, 1), source(1, 1, 2)];
        assert_eq!(chunks(&spread(markdown, 0)), [0, 1, 2]);
    }
}
