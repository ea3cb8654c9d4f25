//! The offline copilot's router: no language model reads the question, so
//! a fixed set of cues, English and French, recognises what the KPI tool
//! answers — the workspace's health, usage and quotas, failed documents —
//! and which card to put first. Anything else gets a plain sentence saying
//! what it can do.

use ancre_index::analyzer::{Analyzer, Language};
use serde::{Deserialize, Serialize};

/// Which figures a KPI question is after (the cards shown first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Focus {
    Overview,
    Usage,
    Failures,
    Assistants,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Kpis(Focus),
    /// Not a question this router knows.
    Unknown,
}

/// Cues and the focus they mean, lower case, accents kept (matched on the
/// lower-cased question).
const CUES: &[(&str, Focus)] = &[
    ("fail", Focus::Failures),
    ("error", Focus::Failures),
    ("broken", Focus::Failures),
    ("échou", Focus::Failures),
    ("echou", Focus::Failures),
    ("échec", Focus::Failures),
    ("erreur", Focus::Failures),
    ("usage", Focus::Usage),
    ("quota", Focus::Usage),
    ("consum", Focus::Usage),
    ("this month", Focus::Usage),
    ("limit", Focus::Usage),
    ("plan", Focus::Usage),
    ("consomm", Focus::Usage),
    ("utilisation", Focus::Usage),
    ("ce mois", Focus::Usage),
    ("forfait", Focus::Usage),
    ("most used assistant", Focus::Assistants),
    ("assistants", Focus::Assistants),
    ("kpi", Focus::Overview),
    ("key figure", Focus::Overview),
    ("dashboard", Focus::Overview),
    ("how is my workspace", Focus::Overview),
    ("workspace doing", Focus::Overview),
    ("overview", Focus::Overview),
    ("statistic", Focus::Overview),
    ("indicateur", Focus::Overview),
    ("chiffres clés", Focus::Overview),
    ("tableau de bord", Focus::Overview),
    ("statistique", Focus::Overview),
    ("mon espace", Focus::Overview),
    ("vue d'ensemble", Focus::Overview),
];

/// Words that tell a short question is French when the analyzer cannot.
const FRENCH_WORDS: &[&str] = &[
    "mon",
    "mes",
    "ma",
    "quels",
    "quelle",
    "quel",
    "comment",
    "montre",
    "affiche",
    "ce",
    "mois",
    "documents échoués",
    "indicateurs",
    "utilisation",
    "espace",
    "tableau",
];

/// What `question` asks, by its cues (the first cue found decides).
pub fn route(question: &str) -> Intent {
    let q = question.to_lowercase();
    CUES.iter()
        .find(|(cue, _)| q.contains(cue))
        .map_or(Intent::Unknown, |(_, focus)| Intent::Kpis(*focus))
}

/// The language to answer `question` in: the analyzer's guess, or French
/// when the question's words are.
pub fn language(analyzer: &Analyzer, question: &str) -> Language {
    if let Some(language) = analyzer.language(question) {
        return language;
    }
    let q = question.to_lowercase();
    let words: Vec<&str> = q
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .collect();
    if FRENCH_WORDS.iter().any(|w| words.contains(w)) || q.contains("é") {
        Language::French
    } else {
        Language::English
    }
}

/// The sentence that says no model is answering, and what is shown.
pub fn reply(intent: Intent, language: Language) -> &'static str {
    match (intent, language) {
        (Intent::Kpis(_), Language::English) => {
            "Here are your workspace's key figures. No language model is answering: \
             these cards are read straight from your workspace."
        }
        (Intent::Kpis(_), Language::French) => {
            "Voici les chiffres clés de votre espace. Aucun modèle de langue ne répond : \
             ces cartes sont lues directement dans votre espace."
        }
        (Intent::Unknown, Language::English) => {
            "No language model is configured on this deployment, so I can only show your \
             workspace's key figures: ask \"show my KPIs\", \"usage this month\" or \
             \"which documents failed?\"."
        }
        (Intent::Unknown, Language::French) => {
            "Aucun modèle de langue n'est configuré sur ce déploiement : je peux seulement \
             afficher les chiffres clés de votre espace. Demandez « mes indicateurs », \
             « utilisation ce mois-ci » ou « quels documents ont échoué ? »."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kpi_questions_are_recognised_in_english_and_french() {
        assert_eq!(route("Show my KPIs"), Intent::Kpis(Focus::Overview));
        assert_eq!(
            route("How is my workspace doing?"),
            Intent::Kpis(Focus::Overview)
        );
        assert_eq!(route("usage this month"), Intent::Kpis(Focus::Usage));
        assert_eq!(
            route("Which documents failed?"),
            Intent::Kpis(Focus::Failures)
        );
        assert_eq!(
            route("Montre mes indicateurs"),
            Intent::Kpis(Focus::Overview)
        );
        assert_eq!(
            route("Quelle est mon utilisation ce mois-ci ?"),
            Intent::Kpis(Focus::Usage)
        );
        assert_eq!(
            route("Quels documents ont échoué ?"),
            Intent::Kpis(Focus::Failures)
        );
        assert_eq!(route("Write me a poem"), Intent::Unknown);
    }

    #[test]
    fn short_french_questions_are_answered_in_french() {
        let analyzer = Analyzer::default();
        assert_eq!(
            language(&analyzer, "Montre mes indicateurs"),
            Language::French
        );
        assert_eq!(language(&analyzer, "Show my KPIs"), Language::English);
    }
}
