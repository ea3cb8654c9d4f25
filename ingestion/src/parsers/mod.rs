//! Parsers: from a file's bytes to pages of plain text that keep the
//! structure a citation needs — the page (physical number and printed label),
//! and the heading path of each section with its character offsets in the
//! page text. One file per format, all returning [`Parsed`].

pub mod markdown;
pub mod text;

/// A parsed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub pages: Vec<Page>,
}

/// One page (or slide, or the whole text of a format without pages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// 1-based physical position.
    pub number: u32,
    /// The printed label ("iv", "237"), when the format has one.
    pub label: Option<String>,
    pub text: String,
    /// Consecutive, non-overlapping spans of `text`, each under one heading path.
    pub sections: Vec<Section>,
}

/// A span of a page's text under a heading path (outermost heading first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading_path: Vec<String>,
    /// Offsets in characters (not bytes) into the page text.
    pub char_start: usize,
    pub char_end: usize,
}

/// Why a file could not be parsed, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

impl Parsed {
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }
}

/// NFKC-folds ligatures and compatibility characters and drops the control
/// characters extractors leave behind (keeping newlines and tabs).
pub fn clean_text(raw: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    raw.nfkc()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect()
}
