//! Citation markers and the citations they stand for.
//!
//! A model cites with `[n]` (or `[1, 3]`); only markers that point at a real
//! source survive. [`MarkerFilter`] does this on the stream itself — a marker
//! may arrive split across tokens (`[`, `1`, `]`) — so what a user sees live
//! is what is recorded. [`build`] then turns the surviving markers into
//! citations, each quoting the sentence of its source that best matches the
//! text it was attached to.

use ancre_domain::conversation::Citation;
use ancre_index::analyzer::Analyzer;

use crate::segment::sentences;
use crate::Source;

/// Longest bracket we hold back waiting for `]` before deciding it is prose.
const MAX_MARKER_CHARS: usize = 16;

/// Drops markers that point nowhere from streamed text.
#[derive(Debug)]
pub struct MarkerFilter {
    sources: u32,
    /// A `[` and what followed, while it may still be a marker.
    pending: String,
}

impl MarkerFilter {
    pub fn new(sources: u32) -> Self {
        MarkerFilter {
            sources,
            pending: String::new(),
        }
    }

    /// The text that can be shown now; a possible marker is held back.
    pub fn push(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if self.pending.is_empty() {
                if c == '[' {
                    self.pending.push(c);
                } else {
                    out.push(c);
                }
                continue;
            }
            if c == ']' {
                out.push_str(&self.resolve());
            } else if (c.is_ascii_digit() || c == ',' || c == ' ')
                && self.pending.len() < MAX_MARKER_CHARS
            {
                self.pending.push(c);
            } else {
                // Not a marker after all: prose in brackets, shown as written.
                out.push_str(&std::mem::take(&mut self.pending));
                if c == '[' {
                    self.pending.push(c);
                } else {
                    out.push(c);
                }
            }
        }
        out
    }

    /// What is still held back, at the end of the stream.
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.pending)
    }

    /// `pending` + `]`: the valid numbers as `[n]` markers, or nothing.
    fn resolve(&mut self) -> String {
        let inner = std::mem::take(&mut self.pending);
        let numbers: Vec<&str> = inner[1..]
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        if numbers.is_empty() {
            // `[]` or `[ ]`: prose.
            return format!("{inner}]");
        }
        numbers
            .iter()
            .filter_map(|n| n.parse::<u32>().ok())
            .filter(|n| (1..=self.sources).contains(n))
            .map(|n| format!("[{n}]"))
            .collect()
    }
}

/// The markers of `text`, with the byte offset where each starts, in order.
fn markers(text: &str) -> Vec<(usize, u32)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'[' {
            let digits = bytes[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits > 0 && bytes.get(i + 1 + digits) == Some(&b']') {
                if let Ok(n) = text[i + 1..i + 1 + digits].parse() {
                    out.push((i, n));
                }
                i += digits + 2;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Source numbers in the order the answer first cites them.
pub fn cited_numbers(answer: &str) -> Vec<u32> {
    let mut seen = Vec::new();
    for (_, n) in markers(answer) {
        if !seen.contains(&n) {
            seen.push(n);
        }
    }
    seen
}

/// The citations of `answer`: one per source it cites, in order of first
/// citation. Each quotes the sentence of its passage sharing the most terms
/// with the text the marker closes (the passage's opening when none does),
/// with offsets into the page.
pub fn build(answer: &str, sources: &[Source], analyzer: &Analyzer) -> Vec<Citation> {
    let found = markers(answer);
    let mut citations: Vec<Citation> = Vec::new();
    for (k, &(at, number)) in found.iter().enumerate() {
        if citations.iter().any(|c| c.number == number) {
            continue;
        }
        let Some(source) = sources.iter().find(|s| s.number == number) else {
            continue;
        };
        // The claim: the sentence this marker closes, i.e. the text since the
        // previous marker, without closing quotes and its own final stop,
        // from the last sentence end before it.
        let from = if k == 0 { 0 } else { found[k - 1].0 };
        let body = answer[from..at].trim_end_matches(|c: char| {
            c.is_whitespace() || matches!(c, '»' | '"' | '”' | '\'' | ')')
        });
        let body = body.strip_suffix(['.', '!', '?']).unwrap_or(body);
        // Its last unit, as `segment` cuts them: a row whole ("(0.6) % |
        // 14.8 %" is not cut at its decimals), a sentence not cut at "Inc.".
        let claim_text = sentences(body).pop().map_or(body, |s| s.text);
        let claim = analyzer.query_terms(claim_text);
        let passage = &source.passage;
        let candidates = sentences(&passage.text);
        let best = candidates
            .iter()
            .enumerate()
            .max_by_key(|(i, s)| {
                // A unit the claim quotes word for word is the one cited —
                // the first quoted when the claim also shows a row's column
                // header: "Total revenues | 66,608 *(Years ended … | 2022)*".
                let quoted = claim_text
                    .find(s.text.trim())
                    .filter(|_| !s.text.trim().is_empty());
                let terms = analyzer.query_terms(s.text);
                let shared = terms.iter().filter(|t| claim.contains(t)).count();
                // Then most shared terms; on a tie, the earlier sentence.
                (
                    quoted.is_some(),
                    std::cmp::Reverse(quoted.unwrap_or(0)),
                    shared,
                    std::cmp::Reverse(*i),
                )
            })
            .map(|(_, s)| s.clone());
        let (excerpt, start, end) = match best {
            Some(s) => (s.text.to_owned(), s.char_start, s.char_end),
            None => (passage.text.clone(), 0, passage.text.chars().count()),
        };
        let offset = passage.char_start.max(0) as u32;
        citations.push(Citation {
            number,
            document_id: passage.document_id,
            title: passage.title.clone(),
            chunk_index: passage.chunk_index.max(0) as u32,
            page: passage.page.max(0) as u32,
            page_label: passage.page_label.clone(),
            excerpt,
            char_start: offset + start as u32,
            char_end: offset + end as u32,
            score: source.score,
        });
    }
    citations
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filtered(sources: u32, pieces: &[&str]) -> String {
        let mut f = MarkerFilter::new(sources);
        let mut out: String = pieces.iter().map(|p| f.push(p)).collect();
        out.push_str(&f.finish());
        out
    }

    fn source(number: u32, text: &str) -> Source {
        Source {
            number,
            passage: ancre_projections::read::passages::PassageView {
                chunk_index: number as i32,
                char_end: text.chars().count() as i32,
                text: text.into(),
                ..crate::test_passage::passage()
            },
            score: 1.0,
        }
    }

    #[test]
    fn a_quoted_row_is_cited_not_its_column_header_nor_a_piece_of_it() {
        let header = "Years ended December 31, | 2022 | 2021";
        let sources = [
            source(
                1,
                &format!("{header}\nTotal revenues | 66,608 | 62,286\nCost of products | (53,969) | (49,954)"),
            ),
            source(
                2,
                &format!("{header}\nIncome before taxes | 5 | 6\nEffective income tax rate | (0.6) % | 14.8 %"),
            ),
        ];
        let answer = format!(
            "- Total revenues | 66,608 | 62,286 *({header})* [1]\n\
             - Effective income tax rate | (0.6) % | 14.8 % *({header})* [2]"
        );
        let citations = build(&answer, &sources, &Analyzer::default());
        let excerpts: Vec<&str> = citations.iter().map(|c| c.excerpt.as_str()).collect();
        assert_eq!(
            excerpts,
            [
                "Total revenues | 66,608 | 62,286",
                "Effective income tax rate | (0.6) % | 14.8 %"
            ]
        );
        // The offsets point at the row in the page.
        let first = &citations[0];
        let page: String = sources[0]
            .passage
            .text
            .chars()
            .skip(first.char_start as usize)
            .take((first.char_end - first.char_start) as usize)
            .collect();
        assert_eq!(page, "Total revenues | 66,608 | 62,286");
    }

    #[test]
    fn markers_to_real_sources_survive_even_split_across_tokens() {
        assert_eq!(
            filtered(2, &["The sky is blue [", "1", "] and grey [2]."]),
            "The sky is blue [1] and grey [2]."
        );
        assert_eq!(filtered(3, &["Both [1, 3]."]), "Both [1][3].");
    }

    #[test]
    fn markers_pointing_nowhere_are_dropped() {
        assert_eq!(filtered(2, &["Made up [7]", "."]), "Made up .");
        assert_eq!(filtered(2, &["Mixed [2, 9]."]), "Mixed [2].");
        assert_eq!(filtered(0, &["None [1]."]), "None .");
    }

    #[test]
    fn brackets_that_are_prose_are_kept() {
        assert_eq!(
            filtered(2, &["See [the manual] or [", "] ok [x"]),
            "See [the manual] or [] ok [x"
        );
        assert_eq!(filtered(2, &["[[1]"]), "[[1]");
    }

    #[test]
    fn cited_numbers_keep_first_appearance_order() {
        assert_eq!(cited_numbers("a [2] b [1] c [2] d [x]"), vec![2, 1]);
    }
}
