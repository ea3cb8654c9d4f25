//! The offline default: an answer made of the retrieved passages' own units
//! — whole sentences and table rows, those closest to the question by
//! meaning (the deployment's embedding model) and by shared terms — each
//! followed by the marker of its source, under a line saying plainly that no
//! language model wrote it. Same protocol as a real model: it streams word by
//! word.

use std::sync::Arc;

use ancre_index::analyzer::{Analyzer, Language};
use ancre_ingestion::embedders::Embedder;
use async_trait::async_trait;
use futures::StreamExt;

use super::{ChatError, ChatModel, ChatRequest, Delta, DeltaStream};
use crate::segment::{sentences, UnitKind, CELL_SEPARATOR};

/// Units quoted in one answer, and at most this many from one source.
const MAX_SENTENCES: usize = 3;
const MAX_PER_SOURCE: usize = 2;
/// Units compared with the question by meaning (the best by shared terms):
/// a few hundred milliseconds of embedding on two cores.
const MAX_EMBEDDED: usize = 96;
/// How much sharing every question term adds to the meaning score (cosine,
/// which e5 spreads over about 0.7–0.95).
const TERMS_WEIGHT: f32 = 0.1;
/// What a table row adds when the question asks for a figure: the row that
/// holds it outranks the sentences that talk about it.
const ROW_WEIGHT: f32 = 0.05;
/// What the source's retrieval rank adds, over (1 + rank): retrieval read the
/// whole passage, by keywords and meaning, and the document the question
/// names; a unit of the best passage starts ahead of a look-alike from the
/// eighth.
const RANK_WEIGHT: f32 = 0.04;

/// Words of a question asking for a figure, English and French (lower case).
const FIGURE_CUES: &[&str] = &[
    "how much",
    "how many",
    "amount",
    "total",
    "rate",
    "ratio",
    "margin",
    "percentage",
    "number of",
    "revenue",
    "sales",
    "income",
    "expense",
    "expenditure",
    "cost",
    "price",
    "cash",
    "debt",
    "time",
    "score",
    "growth",
    "combien",
    "montant",
    "taux",
    "marge",
    "chiffre",
    "nombre de",
    "coût",
    "prix",
    "dépense",
    "recette",
    "résultat",
    "durée",
];

/// A row, a sentence, or a line of four words or more: not a bare label
/// ("Inference time (secs)") or a page number.
fn says_something(unit: &crate::segment::Sentence<'_>) -> bool {
    unit.kind == UnitKind::Row
        || unit.text.ends_with(['.', '!', '?', '…'])
        || unit.text.split_whitespace().count() >= 4
}

/// A page's running footer read as a row — "Verizon 2022 Annual Report on
/// Form 10-K | 56": the last unit of a passage (the page's last line), its
/// only figure a bare page number at the end. Not an answer.
fn is_page_footer(unit: &crate::segment::Sentence<'_>, last: bool) -> bool {
    if !last || unit.kind != UnitKind::Row {
        return false;
    }
    let cells: Vec<&str> = unit.text.split(CELL_SEPARATOR).map(str::trim).collect();
    let page_number = |c: &str| (1..=3).contains(&c.len()) && c.chars().all(|d| d.is_ascii_digit());
    let figure =
        |c: &str| c.chars().any(|d| d.is_ascii_digit()) && !c.chars().any(char::is_alphabetic);
    cells.len() <= 3
        && cells.last().is_some_and(|c| page_number(c))
        && cells[..cells.len() - 1].iter().all(|c| !figure(c))
}

/// How much sharing a term says, by how few of the candidate units have it
/// (inverse document frequency over the units): in a filing's passages the
/// company's name and the year are in every other unit and tell nothing;
/// "acquisition" or "retention" picks the unit out.
struct Rarity<'a> {
    units: usize,
    having: std::collections::HashMap<&'a str, usize>,
}

impl<'a> Rarity<'a> {
    /// Over the units' distinct terms.
    fn of(units: &'a [Vec<String>]) -> Self {
        let mut having = std::collections::HashMap::new();
        for term in units.iter().flatten() {
            *having.entry(term.as_str()).or_default() += 1;
        }
        Rarity {
            units: units.len(),
            having,
        }
    }

    /// A term in no unit weighs the most (as if in one).
    fn weight(&self, term: &str) -> f32 {
        let having = self.having.get(term).copied().unwrap_or(0).max(1);
        (1.0 + self.units as f32 / having as f32).ln()
    }

    /// The weight of the units' term that is `asked` ([`same_word`]), the
    /// heaviest if several; `None` when no unit has it.
    fn known(&self, asked: &str) -> Option<f32> {
        self.having
            .keys()
            .filter(|term| same_word(term, asked))
            .map(|term| self.weight(term))
            .max_by(f32::total_cmp)
    }
}

/// Two stems of one word: equal, or one extends the other's six letters or
/// more — the stemmer leaves "geographies" as geographi, "geographic" as
/// geograph.
fn same_word(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short == long || (short.chars().count() >= 6 && long.starts_with(short))
}

/// Whether `question` asks for a figure (a quantity, an amount, a rate).
fn asks_for_figure(question: &str) -> bool {
    let q = question.to_lowercase();
    FIGURE_CUES.iter().any(|cue| q.contains(cue))
}

/// The offline model: quotes the units of the retrieved passages that best
/// answer the question — sentences, and table rows with their column header.
#[derive(Default, Clone)]
pub struct Extractive {
    analyzer: Arc<Analyzer>,
    /// Scores units by meaning as well (question vs unit); by shared terms
    /// alone without it.
    embedder: Option<Arc<dyn Embedder>>,
}

impl std::fmt::Debug for Extractive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extractive")
            .field(
                "embedder",
                &self.embedder.as_ref().map(|e| e.model().to_owned()),
            )
            .finish()
    }
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

/// A unit of a retrieved passage that may be quoted.
/// Highest score first; ties go to the better source, then to the earlier unit.
fn best_first(a: &Candidate<'_>, b: &Candidate<'_>) -> std::cmp::Ordering {
    b.score
        .total_cmp(&a.score)
        .then(a.rank.cmp(&b.rank))
        .then(a.order.cmp(&b.order))
}

struct Candidate<'a> {
    /// The source's rank (0 for the best) and the unit's place in it.
    rank: usize,
    order: usize,
    number: u32,
    text: &'a str,
    /// A row's column header (the passage's table), shown with it.
    header: Option<&'a str>,
    /// Question terms (and the statement words they stand for) the unit
    /// shares, over the question's terms, each weighed by its [`Rarity`].
    shared: f32,
    is_row: bool,
    score: f32,
}

impl Extractive {
    /// Units scored by meaning with `embedder` (the deployment's own).
    pub fn with_embedder(embedder: Arc<dyn Embedder>) -> Self {
        Extractive {
            analyzer: Arc::default(),
            embedder: Some(embedder),
        }
    }

    /// The quoted units, one per line, each with its marker (the answer
    /// after its label).
    async fn body(&self, request: &ChatRequest) -> String {
        // Within the documents the question names, their name says nothing
        // (as for retrieval, [`crate::document_focus::named`]): "JnJ's"
        // made a list of Johnson & Johnson's subsidiaries the closest units.
        let asked_question = crate::document_focus::named(&request.question, &request.sources)
            .map_or_else(|| request.question.clone(), |named| named.question);
        let question = self.analyzer.query_terms(&asked_question);
        // The statement words an analyst's term stands for ("quick ratio" →
        // current assets, current liabilities) count as the question's own:
        // the rows that hold the figures share them, not the question's words.
        let related: Vec<String> = self
            .analyzer
            .query_terms(&crate::keyword_query::keyword_query(&asked_question))
            .into_iter()
            .filter(|t| !question.contains(t))
            .collect();
        let mut candidates = Vec::new();
        // Each candidate's distinct terms, in candidates' order.
        let mut units_terms: Vec<Vec<String>> = Vec::new();
        for (rank, source) in request.sources.iter().enumerate() {
            let passage = &source.passage;
            // The table header this passage sits under, when it is a table.
            let header = passage
                .heading_path
                .last()
                .map(String::as_str)
                .filter(|h| h.contains(CELL_SEPARATOR));
            let units = sentences(&passage.text);
            let count = units.len();
            for (order, unit) in units.into_iter().enumerate() {
                // A title or a column header says which table, not what it holds.
                let a_heading = passage.heading_path.iter().any(|h| h.trim() == unit.text);
                if !says_something(&unit) || a_heading || is_page_footer(&unit, order + 1 == count)
                {
                    continue;
                }
                let mut terms = self.analyzer.query_terms(unit.text);
                terms.sort_unstable();
                terms.dedup();
                units_terms.push(terms);
                candidates.push(Candidate {
                    rank,
                    order,
                    number: source.number,
                    text: unit.text,
                    header: (unit.kind == UnitKind::Row).then_some(header).flatten(),
                    shared: 0.0,
                    is_row: unit.kind == UnitKind::Row,
                    score: 0.0,
                });
            }
        }
        let rarity = Rarity::of(&units_terms);
        // Over the question terms some unit has: a term none has cannot
        // tell units apart, and would only shrink every unit's share.
        let asked: f32 = question.iter().filter_map(|q| rarity.known(q)).sum();
        for (c, terms) in candidates.iter_mut().zip(&units_terms) {
            let shared: Vec<&String> = terms
                .iter()
                .filter(|t| question.iter().chain(&related).any(|q| same_word(t, q)))
                .collect();
            // The question's dates say when, not what: "Fiscal 2023, fiscal
            // 2022 and fiscal 2021 included 52 weeks" shares nothing with
            // "acquisitions in FY2023, FY2022 and FY2021".
            if shared.iter().all(|t| crate::document_focus::is_date(t)) {
                continue;
            }
            let shared: f32 = shared.iter().map(|t| rarity.weight(t)).sum();
            c.shared = shared / asked.max(f32::EPSILON);
            c.score = c.shared;
        }
        // Best first by shared terms, then by source rank.
        candidates.sort_by(best_first);
        if let Some(embedder) = &self.embedder {
            candidates.truncate(MAX_EMBEDDED);
            self.score_by_meaning(embedder.as_ref(), &asked_question, &mut candidates)
                .await;
            candidates.sort_by(best_first);
        } else {
            candidates.retain(|c| c.shared > 0.0);
        }
        let mut chosen: Vec<&Candidate> = Vec::new();
        for c in &candidates {
            let from_source = chosen.iter().filter(|x| x.number == c.number).count();
            // Overlapping passages hold the same unit twice: quoted once.
            let quoted = chosen.iter().any(|x| x.text == c.text);
            if from_source < MAX_PER_SOURCE && chosen.len() < MAX_SENTENCES && !quoted {
                chosen.push(c);
            }
        }
        let opening;
        if chosen.is_empty() {
            // Nothing shares a word with the question: the best passage's opening.
            if let Some(first) = request.sources.first() {
                if let Some(s) = sentences(&first.passage.text).into_iter().next() {
                    opening = Candidate {
                        rank: 0,
                        order: 0,
                        number: first.number,
                        text: s.text,
                        header: None,
                        shared: 0.0,
                        is_row: false,
                        score: 0.0,
                    };
                    chosen.push(&opening);
                }
            }
        }
        // Read in source order, each source's units in their own order.
        chosen.sort_by_key(|c| (c.rank, c.order));
        let mut answer = String::new();
        for c in chosen {
            match c.header {
                Some(header) => {
                    answer.push_str(&format!("- {} *({header})* [{}]\n", c.text, c.number))
                }
                None => answer.push_str(&format!("- {} [{}]\n", c.text, c.number)),
            }
        }
        answer.trim_end().to_owned()
    }

    /// Scores become cosine(question, unit) plus the shared terms' weight,
    /// plus a row's weight when the question asks for a figure, plus the
    /// source's rank weight.
    /// A row is read with its header ("2023 | 2022") so the years count.
    /// If embedding fails the shared-terms order stands: an answer from
    /// terms beats no answer.
    async fn score_by_meaning(
        &self,
        embedder: &dyn Embedder,
        question: &str,
        candidates: &mut [Candidate<'_>],
    ) {
        let texts: Vec<String> = candidates
            .iter()
            .map(|c| match c.header {
                Some(h) => format!("{h}\n{}", c.text),
                None => c.text.to_owned(),
            })
            .collect();
        let (query, units) = match (
            embedder.embed_query(question).await,
            embedder.embed_passages(&texts).await,
        ) {
            (Ok(q), Ok(u)) if u.len() == candidates.len() => (q, u),
            (q, u) => {
                tracing::warn!(query = ?q.err(), units = ?u.err(), "extractive answer scored by terms only");
                return;
            }
        };
        let figure = asks_for_figure(question);
        for (c, v) in candidates.iter_mut().zip(units) {
            let cosine: f32 = query.iter().zip(&v).map(|(a, b)| a * b).sum();
            let row = if figure && c.is_row { ROW_WEIGHT } else { 0.0 };
            let rank = RANK_WEIGHT / (1.0 + c.rank as f32);
            c.score = cosine + TERMS_WEIGHT * c.shared + row + rank;
        }
    }
}

#[async_trait]
impl ChatModel for Extractive {
    /// The label goes out at once; the units follow once chosen (scoring
    /// them by meaning takes the embedder a moment), word by word.
    async fn stream(&self, request: ChatRequest) -> Result<DeltaStream, ChatError> {
        let head = format!("{}\n\n", label(request.language));
        let this = self.clone();
        let body =
            futures::stream::once(async move { this.body(&request).await }).flat_map(|body| {
                let pieces: Vec<Result<Delta, ChatError>> = body
                    .split_inclusive(char::is_whitespace)
                    .map(|piece| Ok(Delta::Text(piece.to_owned())))
                    .collect();
                futures::stream::iter(pieces)
            });
        Ok(futures::stream::once(async move { Ok(Delta::Text(head)) })
            .chain(body)
            .boxed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use ancre_projections::read::passages::PassageView;

    use crate::test_passage::passage;
    use crate::Source;

    fn source(number: u32, heading: &[&str], text: &str) -> Source {
        Source {
            number,
            passage: PassageView {
                title: "ACME_2023_10K.pdf".into(),
                chunk_index: number as i32,
                page: 52,
                heading_path: heading.iter().map(|h| h.to_string()).collect(),
                char_end: text.chars().count() as i32,
                text: text.into(),
                ..passage()
            },
            score: 1.0,
        }
    }

    /// `question` asked of `sources`, in English.
    fn request(question: &str, sources: Vec<Source>) -> ChatRequest {
        ChatRequest {
            model: "extractive".into(),
            temperature: 0.0,
            messages: vec![],
            sources,
            question: question.into(),
            language: Language::English,
        }
    }

    #[test]
    fn a_running_footer_is_not_a_row_to_quote() {
        let unit = |text| crate::segment::sentences(text).pop().unwrap();
        for footer in [
            "Verizon 2022 Annual Report on Form 10-K | 56",
            "Pfizer Inc. | 2021 Form 10-K | 53",
        ] {
            assert!(is_page_footer(&unit(footer), true), "{footer}");
            // Only a page's last line is its footer.
            assert!(!is_page_footer(&unit(footer), false), "{footer}");
        }
        for row in [
            "Deferred tax assets | 134 | 130",
            "Total revenues | 66,608 | 62,286 | 58,158",
            "Boeing Capital interest expense | (28) | (32) | (43)",
        ] {
            assert!(!is_page_footer(&unit(row), true), "{row}");
        }
    }

    #[tokio::test]
    async fn a_term_every_passage_has_says_less_than_one_that_picks_the_unit_out() {
        let exhibits = "Acme Corp. 2021 Long-Term Incentive Plan, as amended in 2022. \
                        Acme Corp. 2022 Deferred Compensation Plan, effective 2022.";
        let request = request(
            "What acquisitions has Acme done in FY2022 and FY2021?",
            vec![
                source(1, &[], exhibits),
                source(
                    2,
                    &[],
                    "Acme Corp. 2022 Employee Stock Purchase Plan. \
                     Acme Corp. 2021 Severance Plan, effective 2022.",
                ),
                source(
                    3,
                    &[],
                    "In fiscal 2022, we completed the acquisition of Current Health for $389 million.",
                ),
            ],
        );
        let answer = Extractive::default().body(&request).await;
        // The name and the years are in every unit; "acquisition" only here.
        assert!(answer.contains("acquisition of Current Health"), "{answer}");
        // Stems of one word meet: geographi(es) and geograph(ic).
        assert!(same_word("geographi", "geograph"));
        assert!(!same_word("retain", "retent"));
    }

    #[tokio::test]
    async fn a_unit_that_shares_only_the_dates_is_not_quoted() {
        let request = request(
            "What acquisitions has Acme done in FY2022 and FY2021?",
            vec![
                source(1, &[], "Fiscal 2022 and fiscal 2021 included 52 weeks."),
                source(
                    2,
                    &[],
                    "In fiscal 2022, we completed the acquisition of Current Health.",
                ),
            ],
        );
        let answer = Extractive::default().body(&request).await;
        assert!(answer.contains("acquisition of Current Health"), "{answer}");
        assert!(!answer.contains("52 weeks"), "{answer}");
    }

    #[tokio::test]
    async fn the_name_of_the_document_asked_about_picks_no_unit() {
        let request = request(
            "Is Acme's growth high?",
            vec![
                source(1, &[], "Acme Holdings Limited | Ireland"),
                source(2, &[], "Worldwide sales growth was 1.3% in 2022."),
            ],
        );
        let answer = Extractive::default().body(&request).await;
        assert!(answer.contains("sales growth was 1.3%"), "{answer}");
        // Every unit of ACME_2023_10K.pdf is Acme's: naming it says nothing.
        assert!(!answer.contains("Holdings"), "{answer}");
    }

    #[tokio::test]
    async fn a_ratio_is_answered_by_the_rows_its_figures_are_on_each_quoted_once() {
        let header = "As of June 30, | 2023 | 2022";
        let title = "Consolidated Balance Sheets";
        let sheet = format!(
            "{title}\n{header}\nTotal current assets | 5,853 | 6,041\n\
             Goodwill | 5,430 | 5,285\nTotal current liabilities | 4,691 | 5,308"
        );
        // The next passage overlaps the first by a row.
        let overlap = "Total current liabilities | 4,691 | 5,308\nTotal equity | 4,026 | 4,082";
        let request = request(
            "Has Acme's quick ratio improved between FY2023 and FY2022?",
            vec![
                source(
                    1,
                    &[title, header],
                    &format!("{sheet}\nAcme Annual Report on Form 10-K | 56"),
                ),
                source(2, &[title, header], overlap),
                source(
                    3,
                    &[],
                    "Analysts often look at the ratio of a company's debt.",
                ),
            ],
        );
        let answer = Extractive::default().body(&request).await;
        assert!(
            answer.contains("Total current assets | 5,853 | 6,041"),
            "{answer}"
        );
        assert!(
            answer.contains("Total current liabilities | 4,691 | 5,308"),
            "{answer}"
        );
        assert_eq!(
            answer.matches("Total current liabilities").count(),
            1,
            "{answer}"
        );
        // The title and the column header are not answers.
        assert!(!answer.contains(&format!("- {header}")), "{answer}");
        assert!(!answer.contains(&format!("- {title}")), "{answer}");
        assert!(!answer.contains("Goodwill"), "{answer}");
        assert!(!answer.contains("Form 10-K"), "a page footer: {answer}");
    }
}
