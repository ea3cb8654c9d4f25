//! One question answered end to end: retrieve the sources, build the prompt,
//! stream the model's answer through the marker filter to whoever listens,
//! then the citations — and say what happened, for the conversation's record.
//!
//! The listener is a channel. When its receiver goes away (the client hung
//! up), generation stops at once — the model's stream is dropped, which
//! cancels a remote call — and the turn is reported `Interrupted` with only
//! the text that was sent.

use std::sync::Arc;

use ancre_domain::assistant::AssistantSettings;
use ancre_domain::conversation::{Citation, TurnOutcome, TurnUsage};
use ancre_domain::TenantId;
use ancre_index::analyzer::{Analyzer, Language};
use ancre_ingestion::chunker::TokenCounter;
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::citations::{self, MarkerFilter};
use crate::models::{ChatError, ChatModels, ChatRequest, Delta};
use crate::prompt::{self, PastTurn};
use crate::{RetrievalError, Retriever};

/// What a listener receives while a question is answered.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent {
    /// A piece of the answer, in order.
    Token(String),
    /// The sources the finished answer cites.
    Citations(Vec<Citation>),
}

#[derive(Debug, Clone)]
pub struct Question {
    pub tenant: TenantId,
    pub settings: AssistantSettings,
    pub question: String,
    /// Earlier turns of the conversation, oldest first.
    pub history: Vec<PastTurn>,
}

/// How the answer ended, for the conversation's record.
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    /// The answer as sent (partial when interrupted or failed).
    pub answer: String,
    pub citations: Vec<Citation>,
    pub model: String,
    pub usage: TurnUsage,
    pub outcome: TurnOutcome,
}

pub struct Answerer {
    retriever: Retriever,
    models: Arc<ChatModels>,
    tokens: Arc<dyn TokenCounter + Send + Sync>,
    analyzer: Analyzer,
}

fn nothing_found(language: Language) -> &'static str {
    match language {
        Language::French => {
            "Je n'ai rien trouvé à ce sujet dans les documents de cet assistant. Vérifiez que ses \
             collections contiennent des documents indexés, ou reformulez la question."
        }
        Language::English => {
            "I found nothing about this in this assistant's documents. Check that its \
             collections hold indexed documents, or rephrase the question."
        }
    }
}

/// A reason a user can read, without our internals (an embedding
/// endpoint's address, an index's or a database's words: those are logged).
fn retrieval_failure(error: &RetrievalError) -> String {
    match error {
        RetrievalError::Embedding(_) => {
            "the question could not be embedded right now; please try again".to_owned()
        }
        RetrievalError::Index(_) | RetrievalError::Database(_) => {
            "searching your documents failed on our side; please try again".to_owned()
        }
    }
}

/// The user's reason for a failed model; the detail goes to the logs.
fn model_failure(model: &str, error: &ChatError) -> String {
    tracing::warn!(%model, error = %error, "the chat model failed");
    error.public_reason().to_owned()
}

impl Answerer {
    /// The retrieval answers are built on (for the retrieval preview).
    pub fn retriever(&self) -> &Retriever {
        &self.retriever
    }

    pub fn new(
        retriever: Retriever,
        models: Arc<ChatModels>,
        tokens: Arc<dyn TokenCounter + Send + Sync>,
    ) -> Self {
        Answerer {
            retriever,
            models,
            tokens,
            analyzer: Analyzer::new(),
        }
    }

    /// The language an answer to `question` is given in (English when the
    /// question does not tell).
    pub fn language_of(&self, question: &str) -> Language {
        self.analyzer
            .language(question)
            .unwrap_or(Language::English)
    }

    /// The most chat-model tokens a turn on `settings` can use: its prompt
    /// (instructions, rules, the history and the question as they are, and
    /// `top_k` passages as long as the chunker makes them) and its longest
    /// answer (the model's cap; an extractive answer quotes at most its
    /// sources). Reserved in the usage period before the turn starts. The
    /// prompt counts half again: the provider's tokenizer, which bills, is
    /// not ours.
    pub fn token_bound(
        &self,
        settings: &AssistantSettings,
        question: &str,
        history: &[PastTurn],
    ) -> u64 {
        /// "[n] title, page label" and the blank lines around a passage.
        const SOURCE_HEADING_TOKENS: u64 = 96;
        let language = self.language_of(question);
        let known: String =
            prompt::messages(&settings.instructions, &[], history, question, language)
                .iter()
                .map(|m| m.content.as_str())
                .collect();
        let chunker = ancre_ingestion::chunker::ChunkerConfig::default();
        let per_source =
            (chunker.max_tokens + chunker.overlap_tokens) as u64 + SOURCE_HEADING_TOKENS;
        let sources = u64::from(settings.retrieval.top_k) * per_source;
        let prompt = self.tokens.count(&known) as u64 + sources;
        let answer = self.models.answer_cap(&settings.model).unwrap_or(sources);
        prompt + prompt / 2 + answer
    }

    /// Answers `q`, sending what the user sees to `events` (any type made
    /// from [`ChatEvent`], so a caller can interleave frames of its own).
    pub async fn answer<T: From<ChatEvent> + Send>(
        &self,
        q: Question,
        events: &mpsc::Sender<T>,
    ) -> Answered {
        let started = std::time::Instant::now();
        let language = self.language_of(&q.question);
        let model_id = q.settings.model.clone();
        let failed = |reason: String| Answered {
            answer: String::new(),
            citations: vec![],
            model: model_id.clone(),
            usage: TurnUsage::default(),
            outcome: TurnOutcome::Failed { reason },
        };
        let Some(model) = self.models.get(&model_id) else {
            return failed(format!(
                "the assistant's model {model_id:?} is not available here; choose another one"
            ));
        };
        let sources = match self
            .retriever
            .retrieve(
                q.tenant,
                &q.settings.collections,
                &q.settings.retrieval,
                &q.question,
            )
            .await
        {
            Ok(sources) => sources,
            Err(e) => {
                tracing::error!(error = %e, "retrieval failed");
                return failed(retrieval_failure(&e));
            }
        };
        if sources.is_empty() {
            return self
                .fixed_answer(nothing_found(language), &model_id, events, started)
                .await;
        }

        let messages = prompt::messages(
            &q.settings.instructions,
            &sources,
            &q.history,
            &q.question,
            language,
        );
        let prompt_text: String = messages.iter().map(|m| m.content.as_str()).collect();
        let request = ChatRequest {
            model: model_id.clone(),
            temperature: q.settings.temperature,
            messages,
            sources: sources.clone(),
            question: q.question.clone(),
            language,
        };
        let mut stream = match model.stream(request).await {
            Ok(stream) => stream,
            Err(e) => return failed(model_failure(&model_id, &e)),
        };

        let mut filter = MarkerFilter::new(sources.len() as u32);
        let mut first_token = None;
        let mut answer = String::new();
        let mut reported = None;
        let mut outcome = TurnOutcome::Complete;
        loop {
            tokio::select! {
                biased;
                _ = events.closed() => {
                    outcome = TurnOutcome::Interrupted;
                    break;
                }
                next = stream.next() => match next {
                    None => break,
                    Some(Ok(Delta::Text(text))) => {
                        let shown = filter.push(&text);
                        if shown.is_empty() {
                            continue;
                        }
                        if events.send(ChatEvent::Token(shown.clone()).into()).await.is_err() {
                            outcome = TurnOutcome::Interrupted;
                            break;
                        }
                        first_token.get_or_insert_with(|| elapsed_ms(started));
                        answer.push_str(&shown);
                    }
                    Some(Ok(Delta::Usage { tokens_in, tokens_out })) => {
                        reported = Some((tokens_in, tokens_out));
                    }
                    Some(Err(e)) => {
                        outcome = TurnOutcome::Failed { reason: model_failure(&model_id, &e) };
                        break;
                    }
                }
            }
        }
        // Stops the model now, whatever happens next.
        drop(stream);
        if outcome == TurnOutcome::Complete {
            let rest = filter.finish();
            if !rest.is_empty()
                && events
                    .send(ChatEvent::Token(rest.clone()).into())
                    .await
                    .is_ok()
            {
                first_token.get_or_insert_with(|| elapsed_ms(started));
                answer.push_str(&rest);
            }
        }
        let citations = citations::build(&answer, &sources, &self.analyzer);
        if outcome != TurnOutcome::Interrupted {
            let _ = events
                .send(ChatEvent::Citations(citations.clone()).into())
                .await;
        }
        // The provider's count when it gave one for a whole answer; ours
        // otherwise, and always for what an interrupted answer delivered.
        let (tokens_in, tokens_out) = match (reported, &outcome) {
            (Some(counts), TurnOutcome::Complete) => counts,
            (reported, _) => (
                reported.map_or_else(|| self.tokens.count(&prompt_text) as u64, |r| r.0),
                self.tokens.count(&answer) as u64,
            ),
        };
        Answered {
            answer,
            citations,
            model: model_id,
            usage: TurnUsage {
                tokens_in,
                tokens_out,
                chunks_retrieved: sources.len() as u32,
                tokens_reserved: 0,
                first_token_ms: first_token,
            },
            outcome,
        }
    }

    /// An answer we write ourselves (no source, no model call, no tokens in).
    async fn fixed_answer<T: From<ChatEvent> + Send>(
        &self,
        text: &str,
        model: &str,
        events: &mpsc::Sender<T>,
        started: std::time::Instant,
    ) -> Answered {
        let mut answer = String::new();
        let mut first_token = None;
        let mut outcome = TurnOutcome::Complete;
        for piece in text.split_inclusive(char::is_whitespace) {
            if events
                .send(ChatEvent::Token(piece.to_owned()).into())
                .await
                .is_err()
            {
                outcome = TurnOutcome::Interrupted;
                break;
            }
            first_token.get_or_insert_with(|| elapsed_ms(started));
            answer.push_str(piece);
        }
        if outcome == TurnOutcome::Complete {
            let _ = events.send(ChatEvent::Citations(vec![]).into()).await;
        }
        Answered {
            usage: TurnUsage {
                tokens_in: 0,
                tokens_out: self.tokens.count(&answer) as u64,
                chunks_retrieved: 0,
                tokens_reserved: 0,
                first_token_ms: first_token,
            },
            answer,
            citations: vec![],
            model: model.to_owned(),
            outcome,
        }
    }
}

/// Milliseconds since `started`, for the time to the first token.
fn elapsed_ms(started: std::time::Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}
