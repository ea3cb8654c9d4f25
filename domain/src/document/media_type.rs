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
    Xlsx,
    Csv,
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
            MediaType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            MediaType::Csv => "text/csv",
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
            MediaType::Xlsx => "xlsx",
            MediaType::Csv => "csv",
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
            MediaType::Xlsx,
            MediaType::Csv,
        ]
        .into_iter()
        .find(|m| m.as_str() == raw)
    }
}
