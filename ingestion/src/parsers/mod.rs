//! Parsers: from a file's bytes to pages of plain text that keep the
//! structure a citation needs — the page (physical number and printed label),
//! and the heading path of each section with its character offsets in the
//! page text. One file per format, all returning [`Parsed`].

/// Cells of a table row are joined by this in the page text, whatever the
/// format (PDF tables, spreadsheet rows, CSV lines), so that a row stays one
/// unit and its values can be told apart downstream (excerpts, answers).
pub const CELL_SEPARATOR: &str = " | ";

pub mod csv;
pub mod docx;
pub mod html;
pub mod markdown;
pub mod ooxml;
pub mod pptx;
pub mod text;
pub mod xlsx;

/// A parsed document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Parsed {
    pub pages: Vec<Page>,
}

/// One page (or slide, or the whole text of a format without pages).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Page {
    /// 1-based physical position.
    pub number: u32,
    /// The printed label ("iv", "237"), when the format has one.
    pub label: Option<String>,
    /// A slide hidden from the slide show (PPTX); its text is still searchable.
    pub hidden: bool,
    pub text: String,
    /// Consecutive, non-overlapping spans of `text`, each under one heading path.
    pub sections: Vec<Section>,
}

/// A span of a page's text under a heading path (outermost heading first).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// Builds a page's text with its sections: the text written so far, its
/// length in characters, the finished sections and the open one.
#[derive(Default)]
pub(crate) struct TextBuilder {
    pub(crate) text: String,
    pub(crate) chars: usize,
    pub(crate) sections: Vec<Section>,
    open: Option<(usize, Vec<String>)>,
}

impl TextBuilder {
    pub(crate) fn push(&mut self, s: &str) {
        let s = clean_text(s);
        self.chars += s.chars().count();
        self.text.push_str(&s);
    }

    /// Ends the current block with a blank line (once).
    pub(crate) fn block_break(&mut self) {
        if self.text.is_empty() || self.text.ends_with("\n\n") {
            return;
        }
        let add = if self.text.ends_with('\n') {
            "\n"
        } else {
            "\n\n"
        };
        self.push(add);
    }

    pub(crate) fn open_section(&mut self, start: usize, path: Vec<String>) {
        self.open = Some((start, path));
    }

    /// Closes the open section (the text before the first heading is a
    /// section with an empty path).
    pub(crate) fn close_section(&mut self) {
        let (start, path) = self.open.take().unwrap_or_else(|| {
            let start = self.sections.last().map_or(0, |s| s.char_end);
            (start, vec![])
        });
        if self.chars > start {
            self.sections.push(Section {
                heading_path: path,
                char_start: start,
                char_end: self.chars,
            });
        }
    }
}
