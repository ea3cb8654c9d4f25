//! Questions that name a document favour it: "AMCOR's quick ratio in
//! FY2023" is about `AMCOR_2023_10K.pdf`, however many other filings speak
//! of quick ratios. Among the retrieved candidates, those whose document's
//! name shares more of the question's distinctive words come first; ties
//! (and questions naming no document) keep the fused order.
//!
//! A word is distinctive when some candidates' names have it and others do
//! not: a word every candidate's name has ("report") tells nothing. Names
//! are read as words ("AMCOR_2023_10K" → amcor, 2023, 10k; "2023Q2" → also
//! 2023), and two adjacent question words also match a name's glued
//! word ("American Express" → americanexpress). A name of several words
//! also answers to its initials, as people abbreviate companies: "JnJ" or
//! "J&J" is `JOHNSON_JOHNSON_2022_10K.pdf`.
//!
//! A company's filings are all named by its name: among them, the period
//! decides — the filing whose year is nearest the year asked ("net income
//! in 2019" → the 2021 10-K, not the 2023 10-Q), the latest when the
//! question asks none. Documents the question does not name are never
//! reordered by year.

use std::collections::{HashMap, HashSet};

use ancre_domain::DocumentId;

use crate::Source;

/// The lower-cased words of `text`, each letter/digit run of a mixed word
/// as well ("2023q2" → 2023q2, 2023, q, 2).
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_lowercase();
        out.push(word.clone());
        let mut run = String::new();
        let mut digits = None;
        for c in word.chars() {
            let is_digit = c.is_ascii_digit();
            if digits.is_some_and(|d| d != is_digit) {
                out.push(std::mem::take(&mut run));
            }
            digits = Some(is_digit);
            run.push(c);
        }
        if run.len() < word.len() {
            out.push(run);
        }
    }
    out
}

/// The capitals of a mixed-case abbreviation, lower-cased: "JnJ" → jj,
/// "AmEx" → ae; `None` for a word in one case ("AMCOR", "packaging").
fn abbreviation(word: &str) -> Option<String> {
    let letters = word.chars().all(char::is_alphabetic);
    let capitals: String = word.chars().filter(|c| c.is_uppercase()).collect();
    let mixed = word.chars().any(char::is_lowercase);
    (letters && mixed && capitals.chars().count() >= 2).then(|| capitals.to_lowercase())
}

/// Each word of `question` that `keep` accepts, lower-cased with its
/// letter/digit runs, glued to the next word when `keep` accepts that one
/// too ("American Express" → americanexpress, "J&J" → jj), and an
/// abbreviation's capitals ("JnJ" → jj).
fn word_forms(question: &str, keep: impl Fn(&str) -> bool) -> HashSet<String> {
    let raw: Vec<&str> = question
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut all = HashSet::new();
    for (i, word) in raw.iter().enumerate() {
        if !keep(word) {
            continue;
        }
        all.extend(words(word));
        all.extend(abbreviation(word));
        if let Some(next) = raw.get(i + 1).filter(|n| keep(n)) {
            all.insert(format!("{word}{next}").to_lowercase());
        }
    }
    all
}

/// The question's words, each pair of adjacent words glued, its
/// abbreviations' capitals ([`word_forms`]) and its fiscal years as plain
/// years.
fn question_words(question: &str) -> HashSet<String> {
    let mut all = word_forms(question, |_| true);
    all.extend(crate::keyword_query::fiscal_years(&question.to_lowercase()));
    all
}

/// A document name's words, its extension left out, and the initials of
/// its words of letters when it has several (`JOHNSON_JOHNSON` → jj).
fn name_words(title: &str) -> HashSet<String> {
    let stem = title.rsplit_once('.').map_or(title, |(stem, _)| stem);
    let mut all: HashSet<String> = words(stem).into_iter().collect();
    let lettered: Vec<&str> = stem
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && w.chars().all(char::is_alphabetic))
        .collect();
    if lettered.len() >= 2 {
        all.insert(
            lettered
                .iter()
                .filter_map(|w| w.chars().next())
                .flat_map(char::to_lowercase)
                .collect(),
        );
    }
    all
}

/// `candidates` (in fused order) reordered so that documents the question
/// names come first — among those it names equally, the one whose year is
/// nearest the years it asks, or the latest when it asks none ("What does
/// Pfizer expect to pay?" is for its latest filing); numbers are left to
/// the caller.
pub fn focus(question: &str, candidates: Vec<Source>) -> Vec<Source> {
    let asked = question_words(question);
    let names: Vec<HashSet<String>> = candidates
        .iter()
        .map(|c| name_words(&c.passage.title))
        .collect();
    // Words that tell the candidates' documents apart: a word every
    // candidate's name has ("report") tells nothing.
    let distinctive: HashSet<String> = names
        .iter()
        .flatten()
        .filter(|w| w.chars().count() >= 2 && asked.contains(*w))
        .filter(|w| names.iter().any(|n| !n.contains(*w)))
        .cloned()
        .collect();
    let matches = names
        .iter()
        .map(|name| name.iter().filter(|w| distinctive.contains(*w)).count());
    let periods = periods(&asked, &names, &distinctive);
    let mut ranked: Vec<(usize, u32, Source)> = candidates
        .into_iter()
        .zip(matches)
        .zip(periods)
        .map(|((c, m), period)| (m, period, c))
        .collect();
    // Stable: within a match count and a period, the fused order stands.
    ranked.sort_by_key(|(matches, distance, _)| (std::cmp::Reverse(*matches), *distance));
    ranked.into_iter().map(|(_, _, source)| source).collect()
}

/// The documents a question names best, and the question without the
/// words that name them.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub documents: Vec<DocumentId>,
    pub question: String,
}

/// What `question` names among the candidates' documents by a proper
/// name — a word it capitalises ("Pfizer", "AMCOR", "American Express",
/// "J&J"), not a year and not a word of its prose ("data" is what
/// `data-policy.pdf` is about, not what tells it apart) — and the question
/// without those words, unless nothing else would be left: within a
/// document its name is on every passage (each is searched with it), so
/// the words say nothing there but favour the pages that repeat them.
/// The documents are those whose names have the most of those words — all
/// of a company's filings; which period is asked is [`focus`]'s to weigh.
/// `None` when it names none.
pub fn named(question: &str, candidates: &[Source]) -> Option<Named> {
    let proper = proper_words(question);
    let naming: Vec<HashSet<String>> = candidates
        .iter()
        .map(|c| {
            name_words(&c.passage.title)
                .into_iter()
                .filter(|w| proper.contains(w))
                .collect()
        })
        .collect();
    let best = naming.iter().map(HashSet::len).max().filter(|m| *m > 0)?;
    let mut words: HashSet<&str> = HashSet::new();
    let mut documents = Vec::new();
    for (candidate, named_by) in candidates.iter().zip(&naming) {
        let id = candidate.passage.document_id;
        if named_by.len() == best && !documents.contains(&id) {
            documents.push(id);
            words.extend(named_by.iter().map(String::as_str));
        }
    }
    let question = without(question, &words).unwrap_or_else(|| question.to_owned());
    Some(Named {
        documents,
        question,
    })
}

/// The words `question` writes as proper names: the [`word_forms`] of the
/// words it capitalises; years and single letters left out.
fn proper_words(question: &str) -> HashSet<String> {
    let capitalised = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    let mut all = word_forms(question, capitalised);
    all.retain(|w| w.chars().count() >= 2 && year(w).is_none());
    all
}

/// `question` without its words (or pairs of adjacent words, or
/// abbreviations) that are among `words`, each with its possessive
/// ("Pfizer's" goes whole), spaces tidied; `None` when nothing else is
/// left. (Putting "it" or "its" in their place read better but lost an
/// answer's figure on financebench-dev and found no evidence page more.)
fn without(question: &str, words: &HashSet<&str>) -> Option<String> {
    // Each letter/digit run, with its byte span.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in question.char_indices().chain([(question.len(), ' ')]) {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    let names = |text: &str| {
        let lower = text.to_lowercase();
        self::words(&lower)
            .iter()
            .any(|w| words.contains(w.as_str()))
            || abbreviation(text).is_some_and(|a| words.contains(a.as_str()))
    };
    let mut cut: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < runs.len() {
        let (s, e) = runs[i];
        if let Some(&(_, e2)) = runs.get(i + 1) {
            let pair = format!("{}{}", &question[s..e], &question[runs[i + 1].0..e2]);
            if words.contains(pair.to_lowercase().as_str()) {
                cut.push((s, e2));
                i += 2;
                continue;
            }
        }
        if names(&question[s..e]) {
            cut.push((s, e));
        }
        i += 1;
    }
    let mut out = String::new();
    let mut at = 0;
    for (s, e) in cut {
        if s < at {
            continue;
        }
        out.push_str(&question[at..s]);
        at = e + possessive(&question[e..]);
    }
    out.push_str(&question[at..]);
    // Nothing but the name: no question left to ask without it.
    if !out.chars().any(char::is_alphanumeric) {
        return None;
    }
    let tidy = out.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(
        tidy.replace(" ,", ",")
            .replace(" ?", "?")
            .replace(" .", "."),
    )
}

/// The length of the possessive `text` opens with: "'s" or "’s", or a
/// lone apostrophe ("Express' name"); 0 when none.
fn possessive(text: &str) -> usize {
    for mark in ["'", "’"] {
        if let Some(rest) = text.strip_prefix(mark) {
            let word_follows = |r: &str| r.chars().next().is_some_and(char::is_alphanumeric);
            if let Some(after) = rest.strip_prefix('s') {
                if !word_follows(after) {
                    return mark.len() + 1;
                }
            }
            if !word_follows(rest) {
                return mark.len();
            }
        }
    }
    0
}

/// For each name, how far its year is from the period asked, beyond the
/// nearest of its company's filings (0 for the nearest). A company's
/// filings are the documents the question names by the same words, years
/// aside; a document named only by a year, or by none, is no company's
/// filing and gets 0: "Boeing's forecast for FY2023" does not prefer
/// `AMCOR_2023_10K.pdf` to `BOEING_2022_10K.pdf`.
fn periods(
    asked: &HashSet<String>,
    names: &[HashSet<String>],
    distinctive: &HashSet<String>,
) -> Vec<u32> {
    let asked_years = years(asked);
    let company: Vec<Vec<&String>> = names
        .iter()
        .map(|name| {
            let mut words: Vec<&String> = name
                .iter()
                .filter(|w| distinctive.contains(*w) && year(w).is_none())
                .collect();
            words.sort();
            words
        })
        .collect();
    let year_of: Vec<Option<u32>> = names.iter().map(|n| years(n).into_iter().max()).collect();
    // Each company's latest year; a document of no company has none.
    let mut latest: HashMap<&[&String], u32> = HashMap::new();
    for (words, year) in company.iter().zip(&year_of) {
        if let (false, Some(year)) = (words.is_empty(), *year) {
            let latest = latest.entry(words).or_insert(year);
            *latest = (*latest).max(year);
        }
    }
    let distance: Vec<Option<u32>> = company
        .iter()
        .zip(&year_of)
        .map(|(words, year)| {
            let (year, latest) = ((*year)?, *latest.get(words.as_slice())?);
            Some(
                asked_years
                    .iter()
                    .map(|a| a.abs_diff(year))
                    .min()
                    .unwrap_or(latest - year),
            )
        })
        .collect();
    let mut nearest: HashMap<&[&String], u32> = HashMap::new();
    for (words, distance) in company.iter().zip(&distance) {
        if let Some(distance) = *distance {
            let nearest = nearest.entry(words).or_insert(distance);
            *nearest = (*nearest).min(distance);
        }
    }
    company
        .iter()
        .zip(&distance)
        .map(|(words, distance)| distance.map_or(0, |d| d - nearest[words.as_slice()]))
        .collect()
}

/// The years (1900–2099) among `words`.
fn years(words: &HashSet<String>) -> Vec<u32> {
    words.iter().filter_map(|w| year(w)).collect()
}

/// A year ("2022") or a fiscal period glued to one ("fy2022", "q22023").
pub(crate) fn is_date(term: &str) -> bool {
    let digits = term.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let a_year = year(digits).is_some();
    match &term[..term.len() - digits.len()] {
        "" | "fy" => a_year,
        // "q22023": quarter 2 of 2023.
        "q" => {
            a_year
                || digits.len() == 5
                    && digits.starts_with(['1', '2', '3', '4'])
                    && digits.chars().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// `word` as a year (1900–2099).
pub(crate) fn year(word: &str) -> Option<u32> {
    let plausible = word.len() == 4 && (word.starts_with("19") || word.starts_with("20"));
    plausible.then(|| word.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_years_and_fiscal_periods_only() {
        for date in ["2022", "1999", "fy2023", "q22023"] {
            assert!(is_date(date), "{date}");
        }
        for other in ["389", "52", "10k", "20000", "fy", "covid19", "3502"] {
            assert!(!is_date(other), "{other}");
        }
    }

    use ancre_projections::read::passages::PassageView;

    use crate::test_passage::{document, passage};

    fn source(number: u32, title: &str) -> Source {
        Source {
            number,
            passage: PassageView {
                document_id: document(u128::from(number)),
                title: title.into(),
                ..passage()
            },
            score: 1.0 / number as f32,
        }
    }

    fn titles(sources: &[Source]) -> Vec<(u32, &str)> {
        sources
            .iter()
            .map(|s| (s.number, s.passage.title.as_str()))
            .collect()
    }

    #[test]
    fn the_named_document_comes_first_and_ties_keep_the_fused_order() {
        let candidates = vec![
            source(1, "VERIZON_2022_10K.pdf"),
            source(2, "AMERICANEXPRESS_2022_10K.pdf"),
            source(3, "BOEING_2022_10K.pdf"),
            source(4, "AMERICANEXPRESS_2022_10K.pdf"),
            source(5, "AMCOR_2023_10K.pdf"),
        ];
        let focused = focus(
            "Did American Express retain card members in 2022?",
            candidates.clone(),
        );
        // Fused numbers shown: the named document's passages first, in fused order.
        assert_eq!(
            titles(&focused),
            [
                (2, "AMERICANEXPRESS_2022_10K.pdf"),
                (4, "AMERICANEXPRESS_2022_10K.pdf"),
                (1, "VERIZON_2022_10K.pdf"),
                (3, "BOEING_2022_10K.pdf"),
                (5, "AMCOR_2023_10K.pdf"),
            ]
        );
        // Naming no document (or only what every name has) changes nothing.
        let same = focus("What is a 10K report?", candidates);
        assert_eq!(
            titles(&same).iter().map(|t| t.1).collect::<Vec<_>>(),
            [
                "VERIZON_2022_10K.pdf",
                "AMERICANEXPRESS_2022_10K.pdf",
                "BOEING_2022_10K.pdf",
                "AMERICANEXPRESS_2022_10K.pdf",
                "AMCOR_2023_10K.pdf"
            ]
        );
    }

    #[test]
    fn among_a_companys_filings_the_period_asked_or_the_latest_comes_first() {
        let candidates = || {
            vec![
                source(1, "PFIZER_2021_10K.pdf"),
                source(2, "BOEING_2022_10K.pdf"),
                source(3, "Pfizer_2023Q2_10Q.pdf"),
                source(4, "AMCOR_2023_10K.pdf"),
            ]
        };
        let first = |question: &str| focus(question, candidates())[0].passage.title.clone();
        // No period asked: the latest filing.
        assert_eq!(
            first("How much does Pfizer expect to pay to spin off Upjohn?"),
            "Pfizer_2023Q2_10Q.pdf"
        );
        // A year no filing is named by: the nearest.
        assert_eq!(
            first("What increased Pfizer's net income in 2019?"),
            "PFIZER_2021_10K.pdf"
        );
        // Naming no company reorders nothing, whatever the years.
        let none = focus("What is a quick ratio?", candidates());
        assert_eq!(titles(&none), titles(&candidates()));
        // A year another company's filing is named by does not pick it.
        let boeing = vec![
            source(1, "BOEING_2022_10K.pdf"),
            source(2, "AMCOR_2023_10K.pdf"),
            source(3, "PFIZER_2021_10K.pdf"),
        ];
        let focused = focus(
            "What production rate changes is Boeing forecasting for FY2023?",
            boeing,
        );
        assert_eq!(focused[0].passage.title, "BOEING_2022_10K.pdf");
    }

    #[test]
    fn names_and_questions_are_read_as_words() {
        let name = name_words("Pfizer_2023Q2_10Q.pdf");
        for w in ["pfizer", "2023q2", "2023", "10q"] {
            assert!(name.contains(w), "{w} in {name:?}");
        }
        let asked = question_words("What did American Express report for FY2022?");
        assert!(asked.contains("americanexpress") && asked.contains("2022"));
    }

    #[test]
    fn a_company_abbreviated_by_its_initials_is_named() {
        assert!(name_words("JOHNSON_JOHNSON_2022_10K.pdf").contains("jj"));
        // One word of letters has no initials to go by.
        assert!(!name_words("AMCOR_2023_10K.pdf").contains("a"));
        for question in [
            "Are JnJ's FY2022 financials those of a high growth company?",
            "What drove J&J's margin?",
        ] {
            let candidates = vec![
                source(1, "BOEING_2022_10K.pdf"),
                source(2, "JOHNSON_JOHNSON_2022_10K.pdf"),
                source(3, "BOEING_2022_10K.pdf"),
            ];
            let focused = focus(question, candidates);
            assert_eq!(
                focused[0].passage.title, "JOHNSON_JOHNSON_2022_10K.pdf",
                "{question}"
            );
        }
        // Words in one case are not abbreviations: "AMCOR" or "FY" name no initials.
        assert_eq!(abbreviation("AMCOR"), None);
        assert_eq!(abbreviation("JnJ").as_deref(), Some("jj"));
    }

    #[test]
    fn a_named_document_is_searched_without_the_words_that_name_it() {
        let candidates = vec![
            source(1, "PFIZER_2021_10K.pdf"),
            source(2, "BOEING_2022_10K.pdf"),
            source(3, "Pfizer_2023Q2_10Q.pdf"),
        ];
        // Both of Pfizer's filings are named alike; the period is focus's to weigh.
        let pfizer = named("Which companies did Pfizer acquire?", &candidates).unwrap();
        assert_eq!(pfizer.documents, [document(1), document(3)]);
        assert_eq!(pfizer.question, "Which companies did acquire?");
        // A year stays in the question; which filing it means is focus's to weigh.
        let q2 = named("As of Q2'2023, is Pfizer's spin-off done?", &candidates).unwrap();
        assert_eq!(q2.documents, [document(1), document(3)]);
        assert_eq!(q2.question, "As of Q2'2023, is spin-off done?");
        // A year does not bring in another company's filing named by it.
        let boeing = vec![
            source(1, "BOEING_2022_10K.pdf"),
            source(2, "AMCOR_2023_10K.pdf"),
        ];
        let named_boeing = named("What is Boeing forecasting for FY2023?", &boeing).unwrap();
        assert_eq!(named_boeing.documents, [document(1)]);
        // Named by a year alone, by prose or by nothing: no document is singled out.
        assert_eq!(super::named("What happened in 2022?", &candidates), None);
        assert_eq!(super::named("What is a quick ratio?", &candidates), None);
        assert_eq!(super::named("Which pfizer filings?", &candidates), None);
        // Its only filing among the candidates is still named by it.
        let alone = [
            source(1, "BOEING_2022_10K.pdf"),
            source(1, "BOEING_2022_10K.pdf"),
        ];
        let boeing_only = super::named("Who are Boeing's customers?", &alone).unwrap();
        assert_eq!(boeing_only.documents, [document(1)]);
        assert_eq!(boeing_only.question, "Who are customers?");
        // A question that is only a name keeps its words.
        assert_eq!(
            super::named("Pfizer?", &candidates).unwrap().question,
            "Pfizer?"
        );
    }

    #[test]
    fn names_come_out_with_their_pairs_initials_and_possessives() {
        let words = |ws: &[&'static str]| ws.iter().copied().collect::<HashSet<&str>>();
        let pfizer = words(&["pfizer", "boeing"]);
        for (question, words, expected) in [
            (
                "Which securities trade under American Express' name?",
                words(&["americanexpress"]),
                "Which securities trade under name?",
            ),
            (
                "Are JnJ's and J&J’s margins high?",
                words(&["jj"]),
                "Are and margins high?",
            ),
            (
                "For Pfizer, which region fell?",
                pfizer.clone(),
                "For, which region fell?",
            ),
            // A word that merely contains a name is kept.
            (
                "Is Pfizerlike growth Boeing's?",
                pfizer.clone(),
                "Is Pfizerlike growth?",
            ),
        ] {
            assert_eq!(without(question, &words).as_deref(), Some(expected));
        }
        // Nothing but the name: nothing to ask without it.
        assert_eq!(without("Pfizer's?", &pfizer), None);
    }
}
