//! What the keyword (BM25) leg searches for a question: the question, plus
//! the words its documents would use where the question uses an analyst's.
//!
//! Financial questions name ratios and shorthands ("quick ratio", "PP&E",
//! "FY2022") that filings rarely print: a filing prints the statement lines
//! the ratio is computed from ("Total current assets", "Property, plant and
//! equipment, net") and years as "2022" or "fiscal 2022". The keyword leg
//! gets those words too, so the page holding the figures can rank; the
//! dense leg reads the question as asked. Only the search changes: nothing
//! here reaches the answer or the index (no reindex needed).

use crate::statement_focus::Statement;

/// An analyst's term: its cues (matched as whole words in the lower-cased
/// question, accents kept), the statement words that go with it (English
/// and French), and the financial statement that holds its figures.
struct Term {
    cues: &'static [&'static str],
    words: &'static str,
    statements: &'static [Statement],
}

use Statement::{BalanceSheet, CashFlows, IncomeStatement};

/// Only terms that mean one thing: a cue such as "acquired" or "retention"
/// also occurs in medicine or law, where its expansion would be noise.
const GLOSSARY: &[Term] = &[
    Term {
        cues: &["quick ratio", "acid test", "current ratio", "ratio de liquidité", "liquidité générale"],
        words: "total current assets total current liabilities cash and cash equivalents receivables balance sheet \
                actifs courants passifs courants trésorerie",
        statements: &[BalanceSheet],
    },
    Term {
        cues: &["gross margin", "gross margins", "marge brute"],
        words: "gross profit cost of sales cost of products sold net sales revenues \
                coût des ventes chiffre d'affaires",
        statements: &[IncomeStatement],
    },
    // What moved the bottom line is read on the statement that adds it up.
    Term {
        cues: &["net income", "net earnings", "net loss", "résultat net", "bénéfice net", "perte nette"],
        words: "net income income from continuing operations before taxes \
                résultat net",
        statements: &[IncomeStatement],
    },
    Term {
        cues: &["operating margin", "marge opérationnelle"],
        words: "operating income total revenues operating expenses \
                résultat opérationnel charges opérationnelles",
        statements: &[IncomeStatement],
    },
    Term {
        cues: &["effective tax rate", "taux effectif d'imposition", "taux d'imposition effectif"],
        words: "effective tax rate provision for income taxes income before income taxes \
                impôt sur le résultat",
        statements: &[IncomeStatement],
    },
    Term {
        cues: &["capex", "capital expenditure", "capital expenditures"],
        words: "capital expenditures purchases of property plant and equipment net cash used in investing activities \
                acquisitions d'immobilisations",
        statements: &[CashFlows],
    },
    // Capital intensity: fixed assets against total assets, and what
    // keeping them costs each year.
    Term {
        cues: &["capital intensive", "capital intensity", "intensité capitalistique"],
        words: "capital expenditures property plant and equipment net total assets \
                immobilisations corporelles total de l'actif",
        statements: &[BalanceSheet, CashFlows],
    },
    Term {
        cues: &["ppne", "pp&e", "ppe", "immobilisations corporelles"],
        words: "property plant and equipment net accumulated depreciation",
        statements: &[BalanceSheet],
    },
    Term {
        cues: &["inventory turnover", "sold its inventory", "rotation des stocks"],
        words: "inventories cost of products sold cost of sales",
        statements: &[BalanceSheet, IncomeStatement],
    },
    // Growth, as analysts ask it ("a high growth company?"), is what a
    // filing states as its sales or revenues increasing, in its discussion
    // of results rather than in a statement.
    Term {
        cues: &[
            "high growth",
            "high-growth",
            "growth company",
            "revenue growth",
            "sales growth",
            "forte croissance",
            "croissance du chiffre d'affaires",
            "croissance des ventes",
        ],
        words: "sales increased revenues increased net sales growth \
                chiffre d'affaires en hausse croissance des ventes",
        statements: &[],
    },
    // A statement named as such: its title is already in the question.
    Term {
        cues: &["balance sheet", "bilan", "working capital", "fonds de roulement"],
        words: "",
        statements: &[BalanceSheet],
    },
    Term {
        cues: &["income statement", "compte de résultat"],
        words: "",
        statements: &[IncomeStatement],
    },
    Term {
        cues: &[
            "cash flow statement",
            "statement of cash flows",
            "tableau des flux de trésorerie",
            "free cash flow",
            "operating activities",
            "investing activities",
            "financing activities",
            "activités opérationnelles",
            "activités d'investissement",
            "activités de financement",
        ],
        words: "",
        statements: &[CashFlows],
    },
];

/// The glossary's terms `question` uses.
fn terms(question: &str) -> impl Iterator<Item = &'static Term> {
    let lower = question.to_lowercase();
    GLOSSARY
        .iter()
        .filter(move |t| t.cues.iter().any(|cue| contains_phrase(&lower, cue)))
}

/// The financial statements whose figures `question` asks about.
pub fn statements_asked(question: &str) -> Vec<Statement> {
    let mut asked = Vec::new();
    for statement in terms(question).flat_map(|t| t.statements) {
        if !asked.contains(statement) {
            asked.push(*statement);
        }
    }
    asked
}

/// The keyword leg's query for `question`.
pub fn keyword_query(question: &str) -> String {
    let mut query = question.to_owned();
    for term in terms(question).filter(|t| !t.words.is_empty()) {
        query.push('\n');
        query.push_str(term.words);
    }
    let years = fiscal_years(&question.to_lowercase());
    if !years.is_empty() {
        query.push('\n');
        query.push_str(&years.join(" "));
    }
    query
}

/// Whether `cue` occurs in `text` as whole words ("ppe" is not in "appear").
fn contains_phrase(text: &str, cue: &str) -> bool {
    text.match_indices(cue).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + cue.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The years a question writes glued to a fiscal prefix or a quarter
/// ("fy2022", "fy22", "q2'2023", "2023q2") as plain years ("2022", "2023"),
/// which the keyword index only knows on their own.
pub(crate) fn fiscal_years(lower: &str) -> Vec<String> {
    let mut years = Vec::new();
    for token in lower.split(|c: char| !c.is_alphanumeric() && c != '\'') {
        let token = token.replace('\'', "");
        let digits: String = token.chars().filter(char::is_ascii_digit).collect();
        let letters = token.chars().any(|c| c.is_alphabetic());
        if !letters || digits.is_empty() {
            continue;
        }
        let fiscal = token.starts_with("fy");
        let quarter = token.starts_with('q') || token.contains('q');
        let year = match digits.len() {
            // "fy22" → 2022
            2 if fiscal => format!("20{digits}"),
            4 if fiscal => digits,
            // "q22023" (quarter 2 of 2023) or "2023q2"
            5 if quarter => {
                if token.starts_with('q') {
                    digits[1..].to_owned()
                } else {
                    digits[..4].to_owned()
                }
            }
            _ => continue,
        };
        if !years.contains(&year) {
            years.push(year);
        }
    }
    years
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_years_come_apart_from_their_prefixes() {
        assert_eq!(
            fiscal_years("between fy2023 and fy2022, or fy21?"),
            ["2023", "2022", "2021"]
        );
        assert_eq!(fiscal_years("in q22023 and q2'2023"), ["2023"]);
        assert_eq!(fiscal_years("pfizer 2023q2 10q"), ["2023"]);
        assert!(fiscal_years("in 2022 the 10k said").is_empty());
    }

    #[test]
    fn analyst_terms_bring_the_statement_words() {
        let q = keyword_query("Has AMCOR's quick ratio improved between FY2023 and FY2022?");
        assert!(q.starts_with("Has AMCOR's quick ratio improved"));
        assert!(q.contains("total current assets"), "{q}");
        assert!(q.ends_with("2023 2022"), "{q}");
        let q = keyword_query("La marge brute a-t-elle progressé ?");
        assert!(
            q.contains("gross profit") && q.contains("coût des ventes"),
            "{q}"
        );
        assert_eq!(keyword_query("Who founded Debian?"), "Who founded Debian?");
        // Cues are whole words.
        assert_eq!(keyword_query("Does it appear?"), "Does it appear?");
        assert!(keyword_query("Did PPE grow?").contains("accumulated depreciation"));
        // Growth is read in the filing's words, and needs no statement.
        let q = keyword_query("Are its FY2022 financials that of a high growth company?");
        assert!(q.contains("sales increased"), "{q}");
        assert!(statements_asked("Is it a high-growth company?").is_empty());
        // A statement named adds no words: its title is the question's own.
        assert_eq!(
            keyword_query("What is the largest liability in the balance sheet?"),
            "What is the largest liability in the balance sheet?"
        );
    }

    #[test]
    fn analyst_terms_name_the_statements_holding_their_figures() {
        assert_eq!(
            statements_asked("Has AMCOR's quick ratio improved?"),
            [Statement::BalanceSheet]
        );
        assert_eq!(
            statements_asked("Roughly how many times has JnJ sold its inventory in FY2022?"),
            [Statement::BalanceSheet, Statement::IncomeStatement]
        );
        assert_eq!(
            statements_asked("Quelle est la marge brute ?"),
            [Statement::IncomeStatement]
        );
        assert_eq!(
            statements_asked("What substantially increased net income in 2019?"),
            [Statement::IncomeStatement]
        );
        assert_eq!(
            statements_asked("Is Verizon a capital intensive business?"),
            [Statement::BalanceSheet, Statement::CashFlows]
        );
        assert_eq!(
            statements_asked(
                "Among operations, investing, and financing activities, which brought in the most?"
            ),
            [Statement::CashFlows]
        );
        assert!(statements_asked("Who are Boeing's primary customers?").is_empty());
    }
}
