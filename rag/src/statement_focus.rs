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
//! figures still has room — and only the consolidated statement's passages
//! that hold a term of the question ([`holding`]): an effective tax rate is
//! read on the tax lines, and the other places go to the tables and the
//! narrative that print the rate.
//!
//! Questions that need no statement (most questions, and every question
//! outside finance) keep the fused order untouched.

use ancre_index::analyzer::Analyzer;
use ancre_projections::read::passages::PassageView;

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

/// What a statement's passages are matched against ([`holding`]): the
/// question's own terms (without the names of the documents it names,
/// [`crate::document_focus::named`]), then the statement words its analyst
/// term stands for (`keyword_query`'s glossary); dates left out — every
/// statement prints the years.
pub fn asked_terms(analyzer: &Analyzer, question: &str) -> [Vec<String>; 2] {
    let terms = |text: &str| -> Vec<String> {
        analyzer
            .query_terms(text)
            .into_iter()
            .filter(|t| !crate::document_focus::is_date(t))
            .collect()
    };
    [
        terms(question),
        terms(&crate::keyword_query::keyword_query(question)),
    ]
}

/// Of one statement's passages, those whose text has a term of the first
/// of `asked` ([`asked_terms`]) that any of them has: "How much has the
/// effective tax rate changed?" needs the income statement's tax lines, not
/// its revenues, which took places the table of ratios printing the rate
/// needed. All of them when none has any: a quick ratio is read on the
/// whole sheet.
pub fn holding(
    analyzer: &Analyzer,
    asked: &[Vec<String>],
    passages: Vec<PassageView>,
) -> Vec<PassageView> {
    let terms: Vec<Vec<String>> = passages
        .iter()
        .map(|p| analyzer.query_terms(&p.text))
        .collect();
    for set in asked {
        let has: Vec<bool> = terms
            .iter()
            .map(|ts| ts.iter().any(|t| set.contains(t)))
            .collect();
        if has.contains(&true) {
            return passages
                .into_iter()
                .zip(has)
                .filter_map(|(p, has)| has.then_some(p))
                .collect();
        }
    }
    passages
}

/// The group's own statement alone when the document has it: AmEx's
/// segments' "Selected income statement data" tables came after its
/// consolidated statement of income and took a place of their own.
pub fn consolidated_only(passages: Vec<PassageView>) -> Vec<PassageView> {
    let consolidated = |p: &PassageView| {
        p.heading_path.iter().any(|h| {
            let h = h.to_lowercase();
            CONSOLIDATED.iter().any(|c| h.contains(c.trim_matches('%')))
        })
    };
    if passages.iter().any(consolidated) {
        passages.into_iter().filter(|p| consolidated(p)).collect()
    } else {
        passages
    }
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

    fn statement_passage(chunk: i32, heading: &str, text: &str) -> PassageView {
        PassageView {
            chunk_index: chunk,
            heading_path: vec![heading.into()],
            text: text.into(),
            ..passage()
        }
    }

    fn indices(passages: &[PassageView]) -> Vec<i32> {
        passages.iter().map(|p| p.chunk_index).collect()
    }

    #[test]
    fn a_statement_keeps_the_passages_holding_what_the_question_asks() {
        let analyzer = Analyzer::default();
        let income = "Consolidated Statements of Income | 2022 | 2021";
        let statement = || {
            vec![
                statement_passage(
                    0,
                    income,
                    "Total revenues net of interest expense | 52,862 | 42,380",
                ),
                statement_passage(1, income, "Income tax provision | 2,071 | 2,629"),
                // Shares only the years asked: every statement prints them.
                statement_passage(2, income, "Fiscal 2022 | 2021"),
            ]
        };
        let asked = |q: &str| asked_terms(&analyzer, q);
        let tax = asked("How much has the effective tax rate changed between FY2021 and FY2022?");
        assert_eq!(indices(&holding(&analyzer, &tax, statement())), [1]);
        // None has the question's own terms: the statement words its
        // analyst term stands for ("gross margin" → revenues) decide.
        let margin = asked("Is the gross margin improving in FY2022?");
        assert_eq!(indices(&holding(&analyzer, &margin, statement())), [0]);
        // None has any: the whole statement, in its order.
        let other = asked("Was the company able to retain card members in 2022?");
        assert_eq!(indices(&holding(&analyzer, &other, statement())), [0, 1, 2]);
    }

    #[test]
    fn the_consolidated_statement_stands_alone_when_the_document_has_it() {
        let consolidated = "CONSOLIDATED STATEMENTS OF INCOME";
        let segment = "TABLE 9: USCS SELECTED INCOME STATEMENT DATA";
        let passages = vec![
            statement_passage(0, consolidated, "Total revenues | 52,862"),
            statement_passage(1, consolidated, "Income tax provision | 2,071"),
            statement_passage(2, segment, "Income tax provision | 1,012"),
        ];
        assert_eq!(indices(&consolidated_only(passages.clone())), [0, 1]);
        // No consolidated statement: a segment's is what there is.
        assert_eq!(indices(&consolidated_only(passages[2..].to_vec())), [2]);
    }
}
