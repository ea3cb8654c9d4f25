//! Citation rows (`--only citations`): real SEC filings
//! (`../shared/eval/financebench-dev`) uploaded through the API into one
//! collection, its questions asked to an assistant over it (top-k 8, the
//! deployment's chat model — extractive offline), and counted as a user
//! would check them:
//!
//! - the evidence page among the retrieved passages (`/assistants/{id}/search`);
//! - the evidence page among the answer's citations (`/chat/{id}`);
//! - the gold figure in the answer — over the questions whose gold answer
//!   quotes a figure that is printed on the evidence page (ratios the
//!   annotators computed cannot be quoted, so they are left out and counted);
//! - the share of citation excerpts that are whole units: a sentence (opens
//!   like one, ends on its stop) or a table row (cells joined by ` | `);
//! - ingestion pages/s of the filings.
//!
//! `--citations-files A.pdf,B.pdf` keeps a subset (and its questions) for
//! iterating: the whole set is ~1,200 pages to embed. `--citations-keep DIR`
//! keeps the ingested filings (database `ancre_bench_citations`, index and
//! files in DIR) for the next run, which then only asks — for iterating on
//! retrieval and answers, not on ingestion (delete DIR and the database after
//! a change to parsing or chunking) — and writes each question's best 50
//! passages, answer and citations to `DIR/passages.jsonl` for study
//! (`DIR/passages-rerank.jsonl` for the second assistant).
//!
//! Two assistants answer, before and after in one run: the default
//! retrieval, and the same with the candidates ranked again by their best
//! sentence (`rerank`); their rows carry `, rerank` in their names.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use ancre_api::config::Config;
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

use crate::{documents, Row};

/// Passages an assistant retrieves, as the targets are set for.
const TOP_K: u32 = 8;
/// How deep the diagnostic search looks for the evidence page (the most an
/// assistant may retrieve).
const DIAGNOSTIC_TOP_K: u32 = 50;

#[derive(Deserialize)]
struct Question {
    id: String,
    question: String,
    answer: String,
    document: String,
    evidence: Vec<Evidence>,
}

#[derive(Deserialize)]
struct Evidence {
    document: String,
    page: u32,
    text: String,
}

impl Question {
    fn on_evidence(&self, document: &str, page: u32) -> bool {
        self.evidence
            .iter()
            .any(|e| e.document == document && e.page == page)
    }

    /// Whether any of `places` (passages or citations: a `document_id` and a
    /// `page`) is an evidence page; `files` maps document ids to file names.
    fn any_on_evidence(&self, places: &[Value], files: &HashMap<String, String>) -> bool {
        places.iter().any(|p| {
            let file = p["document_id"].as_str().and_then(|d| files.get(d));
            file.is_some_and(|f| self.on_evidence(f, p["page"].as_u64().unwrap_or(0) as u32))
        })
    }

    /// The gold answer's figures that the evidence prints.
    fn quotable_figures(&self) -> Vec<String> {
        let printed: Vec<String> = self
            .evidence
            .iter()
            .flat_map(|e| figures(&e.text))
            .collect();
        let mut out: Vec<String> = figures(&self.answer)
            .into_iter()
            .filter(|f| printed.contains(f))
            .collect();
        out.dedup();
        out
    }
}

/// The numbers of `text` that can be a reported figure, normalised: no
/// thousands separators, no trailing decimal zeros; years (four digits from
/// 1900 to 2099 with nothing else) and single digits are left out.
pub fn figures(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let mut raw = String::new();
        while i < chars.len() {
            let c = chars[i];
            let inner_sep =
                matches!(c, ',' | '.') && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
            if c.is_ascii_digit() || inner_sep {
                raw.push(c);
                i += 1;
            } else {
                break;
            }
        }
        let mut number = raw.replace(',', "");
        if number.contains('.') {
            number = number
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_owned();
        }
        let is_year = number.len() == 4
            && (number.starts_with("19") || number.starts_with("20"))
            && !raw.contains(['.', ',']);
        if !is_year && number.len() > 1 {
            out.push(number);
        }
    }
    out
}

/// An excerpt that is a whole unit: a table row, or a sentence — opening
/// with a capital, a digit, a quote or a bracket, closing on its stop.
pub fn is_whole_unit(excerpt: &str) -> bool {
    let text = excerpt.trim();
    if text.contains(" | ") {
        return true;
    }
    let opens = text.chars().next().is_some_and(|c| {
        c.is_uppercase() || c.is_ascii_digit() || matches!(c, '"' | '“' | '«' | '(' | '$' | '•')
    });
    let closes = text
        .trim_end_matches(['"', '”', '»', ')', '\''])
        .trim_end()
        .ends_with(['.', '!', '?', '…', ':', ';']);
    opens && closes
}

/// What a kept run leaves for the next: the collection and the documents
/// already ingested in it, by file name.
#[derive(Default, Serialize, Deserialize)]
struct Kept {
    collection: Option<String>,
    documents: HashMap<String, String>,
}

/// The database the filings are kept in (made on the bench's server if
/// missing), as a URL.
async fn kept_database(url: &str) -> anyhow::Result<String> {
    const NAME: &str = "ancre_bench_citations";
    let mut conn = PgConnection::connect(url).await?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(NAME)
        .fetch_optional(&mut conn)
        .await?;
    if exists.is_none() {
        sqlx::query(&format!("CREATE DATABASE {NAME}"))
            .execute(&mut conn)
            .await?;
    }
    Ok(url
        .parse::<PgConnectOptions>()?
        .database(NAME)
        .to_url_lossy()
        .to_string())
}

pub async fn run(
    url: &str,
    only_files: &[String],
    keep: Option<&Path>,
) -> anyhow::Result<Vec<Row>> {
    let dir = std::env::var("ANCRE_FINANCEBENCH_DIR")
        .unwrap_or_else(|_| "../shared/eval/financebench-dev".into());
    let questions: Vec<Question> = std::fs::read_to_string(format!("{dir}/questions.jsonl"))
        .with_context(|| format!("{dir}/questions.jsonl"))?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let mut files: Vec<String> = std::fs::read_dir(format!("{dir}/pdfs"))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pdf"))
        .filter(|n| only_files.is_empty() || only_files.contains(n))
        .collect();
    files.sort();
    anyhow::ensure!(!files.is_empty(), "no PDF of {dir}/pdfs selected");
    let questions: Vec<Question> = questions
        .into_iter()
        .filter(|q| files.contains(&q.document))
        .collect();

    let mut config = match keep {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
            let mut config = Config::for_database(&kept_database(url).await?);
            config.data_dir = dir.to_owned();
            config.index_dir = dir.join("index");
            config
        }
        None => Config::for_database(url),
    };
    let state_file = keep.map(|dir| dir.join("state.json"));
    let mut kept: Kept = match &state_file {
        Some(f) if f.exists() => serde_json::from_slice(&std::fs::read(f)?)?,
        _ => Kept::default(),
    };
    config.dev_auth_bypass = true;
    config.pdf_worker = Some(
        std::env::var("ANCRE_PDF_WORKER")
            .context("ANCRE_PDF_WORKER must name the ancre binary (`make bench` sets it)")?
            .into(),
    );
    let server = ancre_api::app::start(config).await?;
    crate::dev_tenant_on_pro(&server).await?;
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::new();

    let collection = match &kept.collection {
        Some(id) => id.clone(),
        None => documents::collection(&http, &base, "financebench").await?,
    };
    kept.collection = Some(collection.clone());
    let started = Instant::now();
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut ingested = Vec::new();
    for file in &files {
        if let Some(id) = kept.documents.get(file) {
            ids.insert(id.clone(), file.clone());
            continue;
        }
        let bytes = std::fs::read(format!("{dir}/pdfs/{file}"))?;
        let id = documents::upload(&http, &base, &collection, &[(file.clone(), bytes)])
            .await?
            .pop()
            .context("upload answer")?;
        ids.insert(id.clone(), file.clone());
        ingested.push((id, file.clone()));
    }
    let mut pages = 0u64;
    for (id, file) in &ingested {
        let deadline = Instant::now() + Duration::from_secs(3600);
        let doc = documents::indexed(&http, &base, id, deadline).await?;
        pages += doc["pages"].as_u64().unwrap_or(0);
        kept.documents.insert(file.clone(), id.clone());
    }
    let ingest_seconds = started.elapsed().as_secs_f64();
    if let Some(f) = &state_file {
        std::fs::write(f, serde_json::to_vec_pretty(&kept)?)?;
    }
    let study = |name: &str| -> anyhow::Result<Option<std::fs::File>> {
        Ok(match keep {
            Some(dir) => Some(std::fs::File::create(dir.join(name))?),
            None => None,
        })
    };
    let asking = Asking {
        http: &http,
        base: &base,
        questions: &questions,
        ids: &ids,
    };
    let mut rows = Vec::new();
    if !ingested.is_empty() {
        rows.push(Row::info(
            format!(
                "citations: ingestion pages/s ({pages} pages, {} filings)",
                ingested.len()
            ),
            pages as f64 / ingest_seconds,
            "p/s",
        ));
    }
    // Before/after in one run: the default retrieval, then the same index
    // with the candidates ranked again by their best sentence.
    for (variant, rerank, file) in [
        ("", false, "passages.jsonl"),
        (", rerank", true, "passages-rerank.jsonl"),
    ] {
        let retrieval = serde_json::json!({ "top_k": TOP_K, "rerank": rerank });
        let name = format!("financebench{variant}");
        let assistant =
            documents::assistant(&http, &base, &name, &[&collection], retrieval).await?;
        let tally = asking.ask(&assistant, study(file)?).await?;
        rows.extend(tally.rows(variant, questions.len()));
    }
    server.stop().await;
    Ok(rows)
}

/// The questions asked to one assistant, and what is needed to check the answers.
struct Asking<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
    questions: &'a [Question],
    /// Document id → file name.
    ids: &'a HashMap<String, String>,
}

/// What one assistant's answers to the questions scored.
#[derive(Default)]
struct Tally {
    in_top_k: usize,
    in_citations: usize,
    with_figure: usize,
    figure_found: usize,
    excerpts: usize,
    whole: usize,
    /// Diagnostics: where the evidence page ranks among the best 50, and how
    /// many of the top-k passages come from the asked filing at all.
    in_top_50: usize,
    from_filing: usize,
    /// Seconds from a question sent to its whole answer read.
    answer_seconds: Vec<f64>,
}

impl Asking<'_> {
    async fn ask(
        &self,
        assistant: &str,
        mut study: Option<std::fs::File>,
    ) -> anyhow::Result<Tally> {
        let (http, base, ids) = (self.http, self.base, self.ids);
        let mut t = Tally::default();
        for q in self.questions {
            let search = format!("/api/v1/assistants/{assistant}/search");
            let body = serde_json::json!({ "question": q.question });
            let preview = documents::post_json(http, base, &search, &body).await?;
            let passages = preview["passages"].as_array().context("passages")?;
            let retrieved = q.any_on_evidence(passages, ids);
            let of_filing = passages
                .iter()
                .filter(|p| {
                    let file = p["document_id"].as_str().and_then(|d| ids.get(d));
                    file.is_some_and(|f| *f == q.document)
                })
                .count();
            t.from_filing += of_filing;
            // The first stage's ranking, 50 deep: not ranked again (that
            // would embed every sentence of 100 passages per question).
            let body = serde_json::json!({
                "question": q.question, "top_k": DIAGNOSTIC_TOP_K, "rerank": false,
            });
            let deep = documents::post_json(http, base, &search, &body).await?;
            let deep = deep["passages"].as_array().context("passages")?;
            let rank = deep
                .iter()
                .position(|p| q.any_on_evidence(std::slice::from_ref(p), ids))
                .map(|r| r + 1);
            t.in_top_50 += usize::from(rank.is_some());
            let chat = format!("/api/v1/chat/{assistant}");
            let body = serde_json::json!({ "message": q.question });
            let started = Instant::now();
            let chat = documents::post_json(http, base, &chat, &body).await?;
            t.answer_seconds.push(started.elapsed().as_secs_f64());
            let citations = chat["citations"].as_array().context("citations")?;
            let cited = q.any_on_evidence(citations, ids);
            for c in citations {
                t.excerpts += 1;
                t.whole += usize::from(is_whole_unit(c["excerpt"].as_str().unwrap_or("")));
            }
            let answer = chat["answer"].as_str().unwrap_or("");
            let gold = q.quotable_figures();
            let found = !gold.is_empty() && figures(answer).iter().any(|f| gold.contains(f));
            if !gold.is_empty() {
                t.with_figure += 1;
                t.figure_found += usize::from(found);
            }
            if let Some(out) = &mut study {
                let line = serde_json::json!({
                    "id": q.id, "question": q.question, "document": q.document,
                    "evidence": q.evidence.iter().map(|e| (&e.document, e.page)).collect::<Vec<_>>(),
                    "answer": chat["answer"], "citations": citations,
                    "retrieved": passages.iter().map(|p| {
                        let file = p["document_id"].as_str().and_then(|d| ids.get(d));
                        serde_json::json!({ "file": file, "page": p["page"], "chunk": p["chunk_index"] })
                    }).collect::<Vec<_>>(),
                    "passages": deep.iter().map(|p| {
                        let file = p["document_id"].as_str().and_then(|d| ids.get(d));
                        serde_json::json!({
                            "file": file, "page": p["page"], "chunk": p["chunk_index"], "score": p["score"],
                            "dense": p["dense"], "keyword": p["keyword"], "excerpt": p["excerpt"],
                        })
                    }).collect::<Vec<_>>(),
                });
                writeln!(out, "{line}")?;
            }
            t.in_top_k += usize::from(retrieved);
            t.in_citations += usize::from(cited);
            println!(
                "{} {:<30} top-{TOP_K}: {:<5} cited: {:<5} rank: {:<4} filing: {of_filing}/{} figure: {}",
                q.id,
                q.document,
                retrieved,
                cited,
                rank.map_or("-".into(), |r| r.to_string()),
                passages.len(),
                if gold.is_empty() {
                    "-".into()
                } else {
                    format!("{found} ({})", gold.join(", "))
                }
            );
        }
        Ok(t)
    }
}

impl Tally {
    /// The rows of one assistant's answers; `variant` names its settings.
    fn rows(mut self, variant: &str, asked: usize) -> Vec<Row> {
        let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
        self.answer_seconds.sort_by(f64::total_cmp);
        let median = self
            .answer_seconds
            .get(self.answer_seconds.len() / 2)
            .copied()
            .unwrap_or(0.0);
        vec![
            Row::target(
                format!("citations{variant}: evidence page in top-{TOP_K} ({asked} questions)"),
                share(self.in_top_k, asked),
                ">= 0.85",
                |v| v >= 0.85,
            ),
            Row::target(
                format!("citations{variant}: evidence page among citations ({asked} q.)"),
                share(self.in_citations, asked),
                ">= 0.7",
                |v| v >= 0.7,
            ),
            Row::target(
                format!(
                    "citations{variant}: gold figure in the answer ({} q. quotable)",
                    self.with_figure
                ),
                share(self.figure_found, self.with_figure),
                ">= 0.4",
                |v| v >= 0.4,
            ),
            Row::info(
                format!(
                    "citations{variant}: excerpts that are whole units ({})",
                    self.excerpts
                ),
                share(self.whole, self.excerpts),
                "",
            ),
            Row::info(
                format!("citations{variant}: answer time p50 (extractive, whole answer)"),
                median,
                "s",
            ),
            Row::info(
                format!("citations{variant}: evidence page in top-{DIAGNOSTIC_TOP_K} (diagnostic)"),
                share(self.in_top_50, asked),
                "",
            ),
            Row::info(
                format!(
                    "citations{variant}: top-{TOP_K} passages from the asked filing (diagnostic)"
                ),
                share(self.from_filing, asked * TOP_K as usize),
                "",
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_normalised_and_years_left_out() {
        assert_eq!(
            figures("from 24.6% in FY 2021 to 21.60% in 2022; $3,017 million, 77.78 and 1.0x"),
            ["24.6", "21.6", "3017", "77.78"]
        );
        assert_eq!(figures("(812) | (764)"), ["812", "764"]);
    }

    #[test]
    fn whole_units_are_sentences_and_rows() {
        assert!(is_whole_unit("Revenue grew 3% in 2022."));
        assert!(is_whole_unit("Purchases of property | (812) | (764)"));
        assert!(!is_whole_unit(
            "expenses decreased to 23.6% compared to 23.8% in the fourth"
        ));
        assert!(!is_whole_unit("and the rest."));
    }
}
