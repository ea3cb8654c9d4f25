//! A passage that is a heading alone — "Note 7. Debt", "ANALYSIS OF THE
//! CONSOLIDATED STATEMENTS OF INCOME" — is what the chunker leaves where a
//! heading closes a page or stands before a table. By meaning it is close
//! to any question on its topic (a few words embed near all of them: it
//! was the dense leg's first for "Has Verizon increased its debt?"), but it
//! answers nothing: the passage under it does, and carries the heading in
//! its heading path. So a heading alone among the candidates stands for
//! the next passage of its document, at the heading's place.

use std::collections::HashSet;

use ancre_domain::DocumentId;
use ancre_projections::read::passages::PassageView;

use crate::segment::CELL_SEPARATOR;
use crate::Source;

/// Most words of a heading alone (words, not the model's tokens: a title
/// in capitals is cut in many more tokens than words).
const MAX_WORDS: usize = 10;

/// A few words on one line, not a sentence nor a table row.
pub fn is_heading_alone(passage: &PassageView) -> bool {
    let text = passage.text.trim();
    (1..=MAX_WORDS).contains(&text.split_whitespace().count())
        && !text.contains('\n')
        && !text.contains(CELL_SEPARATOR)
        && !text.ends_with(['.', '!', '?', ';', ':'])
}

/// The passages to read in place of `candidates`' headings alone: the
/// next chunk of each one's document.
pub fn wanted(candidates: &[Source]) -> Vec<(DocumentId, u32)> {
    candidates
        .iter()
        .filter(|c| is_heading_alone(&c.passage))
        .filter_map(|c| {
            let next = u32::try_from(c.passage.chunk_index).ok()? + 1;
            Some((c.passage.document_id, next))
        })
        .collect()
}

/// `candidates` with each heading alone replaced by the passage under it
/// (from `under`, the live passages [`wanted`] named), which keeps the
/// better of its places if it was a candidate too. A heading with nothing
/// live under it stays.
pub fn replace(candidates: Vec<Source>, under: Vec<PassageView>) -> Vec<Source> {
    let mut placed: HashSet<(DocumentId, i32)> = HashSet::new();
    let mut out = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let heading = &candidate.passage;
        let body = is_heading_alone(heading)
            .then(|| {
                under.iter().find(|p| {
                    p.document_id == heading.document_id && p.chunk_index == heading.chunk_index + 1
                })
            })
            .flatten();
        let source = match body {
            Some(body) => Source {
                passage: body.clone(),
                ..candidate
            },
            None => candidate,
        };
        let key = (source.passage.document_id, source.passage.chunk_index);
        if placed.insert(key) {
            out.push(source);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_passage::{chunks, document, passage};

    fn view(chunk: i32, text: &str) -> PassageView {
        PassageView {
            document_id: document(1),
            chunk_index: chunk,
            text: text.into(),
            ..passage()
        }
    }

    fn source(chunk: i32, text: &str) -> Source {
        Source {
            number: 0,
            passage: view(chunk, text),
            score: 1.0,
        }
    }

    #[test]
    fn a_heading_alone_is_a_few_words_on_one_line() {
        for heading in [
            "Note 7. Debt",
            "ANALYSIS OF THE CONSOLIDATED STATEMENTS OF INCOME",
        ] {
            assert!(is_heading_alone(&view(0, heading)), "{heading}");
        }
        for other in [
            "Debt increased in 2022.",
            "Long-term debt | 140,676 | 143,425",
            "Note 7. Debt\nOutstanding long-term debt obligations",
            "The following table presents our total revenues by geographic region, based in part on internal allocations",
        ] {
            assert!(!is_heading_alone(&view(0, other)), "{other}");
        }
    }

    #[test]
    fn a_heading_alone_stands_for_the_passage_under_it_at_its_place() {
        let candidates = vec![
            source(3, "A sentence that answers."),
            source(7, "Note 7. Debt"),
            source(9, "Another sentence."),
            source(8, "Outstanding long-term debt obligations are as follows:"),
            source(20, "UNITED STATES"),
        ];
        let wanted = wanted(&candidates);
        assert_eq!(wanted, [(document(1), 8), (document(1), 21)]);
        // Chunk 8 takes the heading's second place and leaves its fourth;
        // nothing live under chunk 20 (its document's last): it stays.
        let under = vec![view(
            8,
            "Outstanding long-term debt obligations are as follows:",
        )];
        assert_eq!(chunks(&replace(candidates, under)), [3, 8, 9, 20]);
    }
}
