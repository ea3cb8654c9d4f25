//! The formats Ancre ingests, decided from the content (the extension only
//! separates Markdown from plain text, which no content check can do).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    Pdf,
    Docx,
    Pptx,
    Html,
    Markdown,
    Text,
}

impl MediaType {
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            MediaType::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            MediaType::Html => "text/html",
            MediaType::Markdown => "text/markdown",
            MediaType::Text => "text/plain",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Docx => "docx",
            MediaType::Pptx => "pptx",
            MediaType::Html => "html",
            MediaType::Markdown => "markdown",
            MediaType::Text => "text",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            MediaType::Pdf,
            MediaType::Docx,
            MediaType::Pptx,
            MediaType::Html,
            MediaType::Markdown,
            MediaType::Text,
        ]
        .into_iter()
        .find(|m| m.as_str() == raw)
    }
}
