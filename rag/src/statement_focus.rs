//! Questions an analyst answers from a financial statement bring that
//! statement forward. "Has AMCOR's quick ratio improved?" is answered by the
//! balance sheet's current assets and liabilities; "Is Boeing's gross margin
//! improving?" by the income statement's revenues and costs. Neither page
//! says "quick ratio" or "gross margin", and a table of figures reads
//! poorly to the embedding model, so the narrative pages that talk about
//! liquidity or margins outrank the statement itself — often out of the
//! candidates altogether. So the statement is looked up in the leading
//! document (the one the question names, or else the best ranked: another
//! company's balance sheet does not answer) by its table's title, which the
//! PDF layout carries in the heading path, and its passages come first — at
//! most half of the passages asked for, so that the narrative around the
//! figures still has room.
//!
//! Questions that need no statement (most questions, and every question
//! outside finance) keep the fused order untouched.

use crate::Source;

/// A primary financial statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statement {
    BalanceSheet,
    IncomeStatement,
    CashFlows,
}

impl Statement {
    /// How a statement's title reads, as `LIKE` patterns over the
    /// lower-cased heading, English and French. "Statements of
    /// comprehensive income" is another statement and does not match.
    pub fn title_patterns(self) -> &'static [&'static str] {
        match self {
            Statement::BalanceSheet => &[
                "%balance sheet%",
                "%statement of financial position%",
                "%statements of financial position%",
                "%statement of financial condition%",
                "%statements of financial condition%",
                "%bilan%",
            ],
            Statement::IncomeStatement => &[
                "%statement of income%",
                "%statements of income%",
                "%statement of operations%",
                "%statements of operations%",
                "%statement of earnings%",
                "%statements of earnings%",
                "%income statement%",
                "%compte de résultat%",
                "%comptes de résultat%",
            ],
            Statement::CashFlows => &[
                "%statement of cash flows%",
                "%statements of cash flows%",
                "%cash flow statement%",
                "%tableau des flux de trésorerie%",
            ],
        }
    }
}

/// The group's own statements, before a subsidiary's or a guarantor
/// group's ("Balance Sheet for Obligor Group").
pub const CONSOLIDATED: &[&str] = &["%consolidated%", "%consolidé%"];

/// How many of `limit` passages a statement may take: half, so that the
/// narrative around the figures still has room.
pub fn room(limit: usize) -> usize {
    limit / 2
}

/// `statement` (the passages of the statements asked, best first) ahead of
/// `candidates`, at most [`room`]`(limit)` of them; a candidate already
/// among them is not repeated. Also how many went ahead. Numbers are left
/// to the caller.
pub fn focus(
    statement: Vec<Source>,
    candidates: Vec<Source>,
    limit: usize,
) -> (Vec<Source>, usize) {
    let mut first: Vec<Source> = statement.into_iter().take(room(limit)).collect();
    let ahead = first.len();
    let rest: Vec<Source> = candidates
        .into_iter()
        .filter(|c| !first.iter().any(|f| f.same_passage(c)))
        .collect();
    first.extend(rest);
    (first, ahead)
}

#[cfg(test)]
mod tests {
    use super::*;

    use ancre_projections::read::passages::PassageView;

    use crate::test_passage::{chunks, passage};

    fn source(chunk: i32, heading: &[&str]) -> Source {
        Source {
            number: chunk as u32 + 1,
            passage: PassageView {
                title: "BOEING_2022_10K.pdf".into(),
                chunk_index: chunk,
                heading_path: heading.iter().map(|h| h.to_string()).collect(),
                ..passage()
            },
            score: 1.0,
        }
    }

    #[test]
    fn the_statement_comes_first_within_half_of_the_passages() {
        let income = "Consolidated Statements of Operations";
        let candidates = vec![
            source(0, &[]),
            source(1, &["Consolidated Balance Sheets"]),
            source(4, &[income]),
            source(3, &[]),
        ];
        let statement = vec![
            source(4, &[income]),
            source(5, &[income]),
            source(6, &[income]),
        ];
        let (focused, ahead) = focus(statement, candidates.clone(), 4);
        // Two of the three (half of four), the candidate not repeated.
        assert_eq!(chunks(&focused), [4, 5, 0, 1, 3]);
        assert_eq!(ahead, 2);
        // No statement: the order stands.
        let (same, ahead) = focus(vec![], candidates, 4);
        assert_eq!(chunks(&same), [0, 1, 4, 3]);
        assert_eq!(ahead, 0);
    }

    #[test]
    fn a_statement_is_matched_by_title_not_by_its_neighbours() {
        // The patterns as PostgreSQL reads them (`%` any run), checked here
        // against the headings they must and must not match.
        let like = |pattern: &str, text: &str| {
            let inner = pattern.trim_matches('%');
            text.to_lowercase().contains(inner)
        };
        let matches = |s: Statement, h: &str| s.title_patterns().iter().any(|p| like(p, h));
        assert!(matches(
            Statement::IncomeStatement,
            "The Boeing Company and Subsidiaries Consolidated Statements of Operations"
        ));
        assert!(matches(
            Statement::BalanceSheet,
            "CONSOLIDATED BALANCE SHEETS"
        ));
        assert!(matches(
            Statement::CashFlows,
            "Tableau des flux de trésorerie consolidés"
        ));
        assert!(!matches(
            Statement::IncomeStatement,
            "Consolidated Statements of Comprehensive Income"
        ));
        assert!(!matches(
            Statement::BalanceSheet,
            "Summary of Business Segment Data"
        ));
    }
}
