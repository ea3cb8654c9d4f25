//! DOCX: paragraphs in order, headings from the paragraph style (by the
//! style's *name* in `styles.xml` — style ids are localised — or an outline
//! level), and page breaks (explicit ones and the `lastRenderedPageBreak`
//! marks Word leaves where it last broke pages).
//!
//! Hostile archives: every part is read through a size cap, whatever the
//! archive claims (zip bombs lie about sizes), and entities are resolved by
//! hand (quick-xml hands them over as separate events: ignoring them loses
//! every `&amp;`).

use std::collections::HashMap;
use std::io::Cursor;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::ooxml::{attr, entity, read_part};
use super::{Page, ParseError, Parsed, TextBuilder};

pub fn parse(bytes: &[u8]) -> Result<Parsed, ParseError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ParseError(format!("the DOCX package is damaged ({e})")))?;
    let document = read_part(&mut archive, "word/document.xml")?
        .ok_or_else(|| ParseError("the DOCX package has no word/document.xml".into()))?;
    let styles = match read_part(&mut archive, "word/styles.xml")? {
        Some(xml) => heading_styles(&xml)?,
        None => HashMap::new(),
    };
    body(&document, &styles)
}

fn xml_error(e: impl std::fmt::Display) -> ParseError {
    ParseError(format!("the document XML is malformed ({e})"))
}

/// Style id → heading level (1-based), from names like "heading 2" / "Titre 2"
/// or an outline level.
fn heading_styles(xml: &str) -> Result<HashMap<String, u8>, ParseError> {
    let mut reader = Reader::from_str(xml);
    let mut out = HashMap::new();
    let mut current: Option<String> = None;
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "style" => current = attr(&e, "w:styleId"),
                "name" => {
                    if let (Some(id), Some(name)) = (&current, attr(&e, "w:val")) {
                        if let Some(level) = level_from_name(&name) {
                            out.insert(id.clone(), level);
                        }
                    }
                }
                "outlineLvl" => {
                    if let (Some(id), Some(level)) = (
                        &current,
                        attr(&e, "w:val").and_then(|v| v.parse::<u8>().ok()),
                    ) {
                        if level < 9 {
                            out.entry(id.clone()).or_insert(level + 1);
                        }
                    }
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "style" => current = None,
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

fn level_from_name(name: &str) -> Option<u8> {
    let lower = name.to_lowercase();
    let rest = ["heading ", "titre ", "überschrift ", "título ", "titolo "]
        .iter()
        .find_map(|prefix| lower.strip_prefix(prefix))?;
    rest.trim()
        .parse::<u8>()
        .ok()
        .filter(|l| (1..=9).contains(l))
}

/// Walks `w:body`: paragraphs, runs, tabs, breaks, tables.
fn body(xml: &str, styles: &HashMap<String, u8>) -> Result<Parsed, ParseError> {
    let mut reader = Reader::from_str(xml);
    let mut pages: Vec<Page> = Vec::new();
    let mut out = TextBuilder::default();
    let mut headings: Vec<(u8, String)> = Vec::new();
    // The paragraph being read: its text, its heading level, whether a page
    // break comes before it.
    let mut paragraph = String::new();
    let mut level: Option<u8> = None;
    let mut in_text = false;
    let mut break_before = false;

    let new_page = |out: &mut TextBuilder, pages: &mut Vec<Page>, headings: &[(u8, String)]| {
        out.close_section();
        let done = std::mem::take(out);
        pages.push(Page {
            number: pages.len() as u32 + 1,
            label: None,
            hidden: false,
            text: done.text,
            sections: done.sections,
        });
        // The next page continues under the same headings.
        out.open_section(0, headings.iter().map(|(_, t)| t.clone()).collect());
    };

    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) => match e.local_name().as_ref() {
                "p" => {
                    paragraph.clear();
                    level = None;
                }
                "t" => in_text = true,
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "pStyle" => level = attr(&e, "w:val").and_then(|id| styles.get(&id).copied()),
                "outlineLvl" => {
                    if let Some(l) = attr(&e, "w:val")
                        .and_then(|v| v.parse::<u8>().ok())
                        .filter(|l| *l < 9)
                    {
                        level = Some(l + 1);
                    }
                }
                "tab" => paragraph.push('\t'),
                "br" => {
                    if attr(&e, "w:type").as_deref() == Some("page") {
                        break_before |= paragraph.trim().is_empty();
                        if !paragraph.trim().is_empty() {
                            // A break inside a paragraph: flush what precedes it.
                            out.push(&paragraph);
                            out.push("\n");
                            paragraph.clear();
                            new_page(&mut out, &mut pages, &headings);
                        }
                    } else {
                        paragraph.push('\n');
                    }
                }
                "pageBreakBefore"
                    if !matches!(attr(&e, "w:val").as_deref(), Some("0" | "false")) =>
                {
                    break_before = true;
                }
                "lastRenderedPageBreak" if paragraph.trim().is_empty() => break_before = true,
                _ => {}
            },
            Event::Text(t) if in_text => paragraph.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => paragraph.push_str(&entity(&r)),
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "tc" => paragraph.push('\t'),
                "p" => {
                    if break_before && !out.text.is_empty() {
                        new_page(&mut out, &mut pages, &headings);
                    }
                    break_before = false;
                    let text = paragraph.trim_end().to_owned();
                    match level {
                        Some(level) if !text.trim().is_empty() => {
                            out.close_section();
                            let start = out.chars;
                            headings.retain(|(l, _)| *l < level);
                            headings.push((
                                level,
                                text.split_whitespace().collect::<Vec<_>>().join(" "),
                            ));
                            out.open_section(
                                start,
                                headings.iter().map(|(_, t)| t.clone()).collect(),
                            );
                            out.push(&text);
                            out.push("\n");
                        }
                        _ if !text.trim().is_empty() => {
                            out.push(&text);
                            out.push("\n");
                        }
                        _ => {}
                    }
                    paragraph.clear();
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    out.close_section();
    pages.push(Page {
        number: pages.len() as u32 + 1,
        label: None,
        hidden: false,
        text: out.text,
        sections: out.sections,
    });
    if pages.iter().all(|p| p.text.trim().is_empty()) {
        return Err(ParseError("the document contains no text".into()));
    }
    Ok(Parsed { pages })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_corpus::corpus;

    fn all_text(p: &Parsed) -> String {
        p.pages
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join("\u{c}")
    }

    #[test]
    fn a_real_book_keeps_its_text_pages_and_headings() {
        let parsed = parse(&corpus("docx/carroll-lookingglass.docx")).unwrap();
        let text = all_text(&parsed);
        assert!(text.to_lowercase().contains("looking-glass"), "title text");
        assert!(text.contains("Alice"));
        // Word never paginated this file (no rendered page breaks): one page.
        assert_eq!(parsed.page_count(), 1);
        for (i, page) in parsed.pages.iter().enumerate() {
            assert_eq!(page.number as usize, i + 1);
            if let Some(last) = page.sections.last() {
                assert_eq!(last.char_end, page.text.chars().count());
            }
        }
    }

    #[test]
    fn french_headings_come_from_style_names() {
        let parsed = parse(&corpus("docx/previsat_fr.docx")).unwrap();
        let text = all_text(&parsed);
        assert!(text.contains("é"), "French text survives");
        let headed = parsed
            .pages
            .iter()
            .flat_map(|p| &p.sections)
            .filter(|s| !s.heading_path.is_empty())
            .count();
        assert!(headed > 0, "some sections have a heading path");
        // Word's rendered page breaks and the explicit ones make the pages.
        assert!(parsed.page_count() >= 15, "pages: {}", parsed.page_count());
        eprintln!("previsat_fr.docx: {} pages", parsed.page_count());
    }

    #[test]
    fn entities_are_kept() {
        let xml = r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>Tom &amp; Jerry &#233;t&#xE9;</w:t></w:r></w:p></w:body></w:document>"#;
        let parsed = body(xml, &HashMap::new()).unwrap();
        assert_eq!(parsed.pages[0].text, "Tom & Jerry été\n");
    }

    #[test]
    fn bombs_and_garbage_fail_with_a_reason() {
        for bad in [
            "bad/zip-bomb-1GiB.docx",
            "bad/zip-bomb-lying-size.docx",
            "bad/zip-bomb-1GiB-realparts.docx",
        ] {
            let e = parse(&corpus(bad)).unwrap_err();
            assert!(
                e.0.contains("zip bomb") || e.0.contains("damaged") || e.0.contains("cannot read"),
                "{bad}: {e}"
            );
        }
        let e = parse(&corpus("bad/random-bytes.docx")).unwrap_err();
        assert!(e.0.contains("damaged"), "{e}");
        for bad in [
            "bad/billion-laughs.docx",
            "bad/billion-laughs-realparts.docx",
        ] {
            // Internal entities are never expanded: the parse ends quickly, with
            // or without text, never with gigabytes of laughs.
            match parse(&corpus(bad)) {
                Ok(p) => assert!(all_text(&p).len() < 1_000_000, "{bad}"),
                Err(e) => assert!(!e.0.is_empty()),
            }
        }
    }
}
