//! The in-process half: pdfium reads the bytes and gives each page's text and
//! printed label. Runs only inside the child process (see [`super::child`]),
//! never in the server: pdfium is C++ and a hostile file can make it allocate
//! gigabytes or abort.

use std::path::Path;

use pdfium_render::prelude::*;

use super::layout::{page_layout, Glyph};
use crate::parsers::{clean_text, Page, ParseError, Parsed};

pub fn extract(pdfium_library: &Path, bytes: &[u8], max_pages: u32) -> Result<Parsed, ParseError> {
    let bindings = Pdfium::bind_to_library(pdfium_library).map_err(|e| {
        // Our installation's fault, not the user's file: say so plainly.
        ParseError(format!(
            "the PDF reader is not installed correctly ({}: {e:?})",
            pdfium_library.display()
        ))
    })?;
    let pdfium = Pdfium::new(bindings);
    let document = pdfium
        .load_pdf_from_byte_slice(bytes, None)
        .map_err(load_error)?;
    let pages = document.pages();
    let count = u32::try_from(pages.len()).unwrap_or(0);
    if count == 0 {
        return Err(ParseError("the PDF has no pages".into()));
    }
    if count > max_pages {
        return Err(ParseError(format!(
            "the PDF has {count} pages; the limit is {max_pages}"
        )));
    }
    let mut out = Vec::with_capacity(count as usize);
    for (index, page) in pages.iter().enumerate() {
        let text = page
            .text()
            .map_err(|e| ParseError(format!("page {} cannot be read ({e:?})", index + 1)))?;
        let layout = page_layout(&glyphs(&text));
        let label = page
            .label()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned);
        out.push(Page {
            number: index as u32 + 1,
            label,
            hidden: false,
            // Text pdfium cannot place (rotated, no positions) as it reads it.
            text: layout
                .as_ref()
                .map_or_else(|| page_text(&text.all()), |l| l.text.trim_end().to_owned()),
            sections: layout.map(|l| l.sections).unwrap_or_default(),
        });
    }
    if out.is_empty() {
        // pdfium counted pages it then could not walk (e.g. a cyclic page tree).
        return Err(ParseError("the PDF's pages cannot be read".into()));
    }
    Ok(Parsed { pages: out })
}

/// The page's characters with their positions, in drawing order; empty when
/// the text is rotated (a landscape table on a portrait page, vertical
/// labels), which the line rules do not read.
fn glyphs(text: &PdfPageText) -> Vec<Glyph> {
    let chars = text.chars();
    let mut out = Vec::with_capacity(chars.len());
    let mut rotated = 0usize;
    for ch in chars.iter() {
        let Some(c) = ch.unicode_char() else { continue };
        let generated = ch.is_generated().unwrap_or(false);
        if c.is_whitespace() || generated {
            out.push(Glyph {
                c: if c.is_whitespace() { c } else { ' ' },
                left: 0.0,
                right: 0.0,
                baseline: 0.0,
                size: 0.0,
                generated: true,
            });
            continue;
        }
        let (Ok(bounds), Ok((_, y))) = (ch.loose_bounds(), ch.origin()) else {
            continue;
        };
        if ch
            .angle_degrees()
            .is_ok_and(|a| a.abs() > 1.0 && (a - 360.0).abs() > 1.0)
        {
            rotated += 1;
        }
        out.push(Glyph {
            c,
            left: bounds.left().value,
            right: bounds.right().value,
            baseline: y.value,
            size: ch.scaled_font_size().value,
            generated: false,
        });
    }
    if rotated * 4 > out.len() {
        return vec![];
    }
    out
}

/// pdfium ends lines with CR LF and marks the hyphen it removed when joining a
/// word broken across lines with U+0002; ligatures (U+FB00–FB06) stay as
/// ligatures. [`clean_text`] NFKC-folds them and drops the control
/// characters (CR and U+0002 included), leaving `\n` line ends.
fn page_text(raw: &str) -> String {
    clean_text(raw).trim_end().to_owned()
}

fn load_error(error: PdfiumError) -> ParseError {
    let reason = match error {
        PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::PasswordError) => {
            "the PDF is protected by a password; upload a copy without one"
        }
        PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::SecurityError) => {
            "the PDF's security settings forbid reading it"
        }
        PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::FormatError) => {
            "the file is damaged or is not a PDF"
        }
        _ => "the PDF cannot be opened",
    };
    ParseError(reason.into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn hyphen_marks_and_ligatures_are_folded() {
        assert_eq!(
            super::page_text("e\u{FB03}cient hy\u{2}phen\r\nnext\r\n"),
            "efficient hyphen\nnext"
        );
    }
}
