//! The messages a chat model is given: the assistant's instructions, the
//! rules of a cited answer in the question's language, the numbered sources,
//! the conversation's recent turns, then the question.

use ancre_index::analyzer::Language;

use crate::Source;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

/// A past question and the answer given.
#[derive(Debug, Clone, PartialEq)]
pub struct PastTurn {
    pub question: String,
    pub answer: String,
}

/// Turns of history a prompt carries: enough to resolve "and the second
/// one?", few enough not to crowd out the sources.
pub const HISTORY_TURNS: usize = 4;

fn rules(language: Language) -> &'static str {
    match language {
        Language::French => {
            "Réponds uniquement à partir des sources numérotées ci-dessous. Après chaque \
             affirmation, cite sa source par son numéro entre crochets, par exemple [1]. Si les \
             sources ne contiennent pas la réponse, dis-le. Réponds en français."
        }
        Language::English => {
            "Answer only from the numbered sources below. After each claim, cite its source by \
             its number in square brackets, for example [1]. If the sources do not contain the \
             answer, say so. Answer in English."
        }
    }
}

/// How a source is introduced: its number, document and page (the printed
/// label when the document has one, as a reader would quote it).
pub fn source_heading(source: &Source) -> String {
    let p = &source.passage;
    match &p.page_label {
        Some(label) => format!("[{}] {}, page {label}", source.number, p.title),
        None => format!("[{}] {}, page {}", source.number, p.title, p.page),
    }
}

pub fn messages(
    instructions: &str,
    sources: &[Source],
    history: &[PastTurn],
    question: &str,
    language: Language,
) -> Vec<ChatMessage> {
    let mut system = String::new();
    if !instructions.trim().is_empty() {
        system.push_str(instructions.trim());
        system.push_str("\n\n");
    }
    system.push_str(rules(language));
    system.push_str("\n\nSources:\n");
    for source in sources {
        system.push_str(&format!(
            "\n{}\n{}\n",
            source_heading(source),
            source.passage.text.trim()
        ));
    }
    let mut out = vec![ChatMessage {
        role: Role::System,
        content: system,
    }];
    let skip = history.len().saturating_sub(HISTORY_TURNS);
    for turn in &history[skip..] {
        out.push(ChatMessage {
            role: Role::User,
            content: turn.question.clone(),
        });
        out.push(ChatMessage {
            role: Role::Assistant,
            content: turn.answer.clone(),
        });
    }
    out.push(ChatMessage {
        role: Role::User,
        content: question.to_owned(),
    });
    out
}
