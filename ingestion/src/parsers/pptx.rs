//! PPTX: one page per slide, in presentation order (the order of
//! `p:sldIdLst`, not the file names), hidden slides marked, the slide's title
//! as its section heading, and the speaker notes (through the slide's
//! notesSlide relationship) after the slide text, in a "Notes" section.

use std::io::Cursor;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::ooxml::{attr, entity, read_part, relationships};
use super::{Page, ParseError, Parsed, TextBuilder};

type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

pub fn parse(bytes: &[u8]) -> Result<Parsed, ParseError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ParseError(format!("the PPTX package is damaged ({e})")))?;
    let presentation = read_part(&mut archive, "ppt/presentation.xml")?
        .ok_or_else(|| ParseError("the PPTX package has no ppt/presentation.xml".into()))?;
    let rels = relationships(&mut archive, "ppt/presentation.xml")?;
    let order = slide_order(&presentation)?;
    if order.is_empty() {
        return Err(ParseError("the presentation has no slides".into()));
    }
    let mut pages = Vec::with_capacity(order.len());
    for (i, rel_id) in order.iter().enumerate() {
        let number = i as u32 + 1;
        let target = rels.get(rel_id).ok_or_else(|| {
            ParseError(format!(
                "slide {number} points at a missing relationship ({rel_id})"
            ))
        })?;
        let slide_xml = read_part(&mut archive, target)?.ok_or_else(|| {
            ParseError(format!(
                "slide {number} is missing from the package ({target})"
            ))
        })?;
        let slide = shapes_text(&slide_xml)?;
        let notes = match notes_part(&mut archive, target)? {
            Some(part) => match read_part(&mut archive, &part)? {
                Some(xml) => shapes_text(&xml)?.body,
                None => String::new(),
            },
            None => String::new(),
        };
        pages.push(page(number, slide, notes));
    }
    if pages.iter().all(|p| p.text.trim().is_empty()) {
        return Err(ParseError("the presentation contains no text".into()));
    }
    Ok(Parsed { pages })
}

fn page(number: u32, slide: SlideText, notes: String) -> Page {
    let title = slide
        .title
        .clone()
        .unwrap_or_else(|| format!("Slide {number}"));
    let mut out = TextBuilder::default();
    out.open_section(0, vec![title.clone()]);
    out.push(&slide.body);
    let notes = notes.trim();
    if !notes.is_empty() {
        out.block_break();
        out.close_section();
        let start = out.chars;
        out.open_section(start, vec![title, "Notes".to_owned()]);
        out.push(notes);
        out.push("\n");
    }
    out.close_section();
    Page {
        number,
        label: None,
        hidden: slide.hidden,
        text: out.text,
        sections: out.sections,
    }
}

fn xml_error(e: impl std::fmt::Display) -> ParseError {
    ParseError(format!("the presentation XML is malformed ({e})"))
}

/// The relationship ids of the slides, in presentation order.
fn slide_order(xml: &str) -> Result<Vec<String>, ParseError> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sldId" => {
                if let Some(id) = attr(&e, "r:id") {
                    out.push(id);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The notes part of a slide, if it has one.
fn notes_part(archive: &mut Archive<'_>, slide: &str) -> Result<Option<String>, ParseError> {
    Ok(relationships(archive, slide)?.remove("#notes"))
}

struct SlideText {
    title: Option<String>,
    body: String,
    hidden: bool,
}

/// The text of every shape, a line per paragraph, and the title placeholder's text.
fn shapes_text(xml: &str) -> Result<SlideText, ParseError> {
    let mut reader = Reader::from_str(xml);
    let mut body = String::new();
    let mut title: Option<String> = None;
    let mut hidden = false;
    let mut in_text = false;
    let mut shape_is_title = false;
    let mut skip_shape = false;
    let mut shape_text = String::new();
    let mut paragraph = String::new();
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "sld" => hidden = attr(&e, "show").as_deref() == Some("0"),
                "sp" => {
                    shape_is_title = false;
                    skip_shape = false;
                    shape_text.clear();
                }
                "ph" => {
                    let kind = attr(&e, "type");
                    shape_is_title = matches!(kind.as_deref(), Some("title" | "ctrTitle"));
                    // Slide numbers, dates, headers and footers are not content.
                    skip_shape = matches!(
                        kind.as_deref(),
                        Some("sldNum" | "dt" | "ftr" | "hdr" | "sldImg")
                    );
                }
                "t" => in_text = true,
                "br" => paragraph.push('\n'),
                "tab" => paragraph.push('\t'),
                _ => {}
            },
            Event::Text(t) if in_text => paragraph.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => paragraph.push_str(&entity(&r)),
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" => {
                    let line = paragraph.trim();
                    if !line.is_empty() {
                        shape_text.push_str(line);
                        shape_text.push('\n');
                    }
                    paragraph.clear();
                }
                // Table cells: keep them apart on one row.
                "tc" if shape_text.ends_with('\n') => {
                    shape_text.pop();
                    shape_text.push('\t');
                }
                "tr" => {
                    if shape_text.ends_with('\t') {
                        shape_text.pop();
                    }
                    shape_text.push('\n');
                }
                "sp" | "graphicFrame" => {
                    if shape_is_title && title.is_none() {
                        let t = shape_text.split_whitespace().collect::<Vec<_>>().join(" ");
                        if !t.is_empty() {
                            title = Some(t);
                        }
                    }
                    if !skip_shape {
                        body.push_str(&shape_text);
                    }
                    shape_text.clear();
                    shape_is_title = false;
                    skip_shape = false;
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    body.push_str(&shape_text);
    Ok(SlideText {
        title,
        body,
        hidden,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parsers::ooxml::resolve;
    use crate::test_corpus::corpus;

    #[test]
    fn slides_follow_the_presentation_order_and_hidden_ones_are_marked() {
        let parsed = parse(&corpus("made/officer-example-reordered-hidden.pptx")).unwrap();
        assert_eq!(parsed.page_count(), 3);
        // The file names say slide1, slide2, slide3; the presentation says 3, 2, 1.
        assert!(parsed.pages[0].text.contains('a') && parsed.pages[0].text.contains('d'));
        assert!(parsed.pages[1].text.contains("Hi"));
        assert!(parsed.pages[1].hidden);
        assert!(!parsed.pages[0].hidden && !parsed.pages[2].hidden);
        assert!(parsed.pages[2].text.contains("A table"));
        assert_eq!(parsed.pages[2].number, 3);
    }

    #[test]
    fn notes_follow_the_slide_in_their_own_section() {
        let parsed = parse(&corpus("docling/powerpoint_sample.pptx")).unwrap();
        let with_notes: Vec<_> = parsed
            .pages
            .iter()
            .filter(|p| {
                p.sections
                    .iter()
                    .any(|s| s.heading_path.last().map(String::as_str) == Some("Notes"))
            })
            .collect();
        assert!(!with_notes.is_empty(), "the sample has speaker notes");
        for page in &parsed.pages {
            for pair in page.sections.windows(2) {
                assert_eq!(pair[0].char_end, pair[1].char_start);
            }
            assert_eq!(
                page.sections.last().unwrap().char_end,
                page.text.chars().count()
            );
        }
        let notes = parse(&corpus("pptx/pypptx-prs-notes.pptx")).unwrap();
        let section = notes.pages[0].sections.last().unwrap();
        assert_eq!(section.heading_path, ["Slide 1", "Notes"]);
        assert_eq!(
            notes.pages[0].text.trim(),
            "Notes",
            "slide-number placeholders are not notes"
        );
    }

    #[test]
    fn every_corpus_deck_parses() {
        for file in [
            "officer-example.pptx",
            "pypptx-ph-populated-placeholders.pptx",
            "pypptx-tbl-cell.pptx",
            "pypptx-txt-text-frame.pptx",
            "pypptx-shp-shapes.pptx",
        ] {
            let parsed =
                parse(&corpus(&format!("pptx/{file}"))).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(parsed.page_count() >= 1, "{file}");
        }
        assert_eq!(
            resolve("ppt/slides", "../notesSlides/notesSlide1.xml"),
            "ppt/notesSlides/notesSlide1.xml"
        );
        assert_eq!(
            resolve("ppt", "/ppt/slides/slide1.xml"),
            "ppt/slides/slide1.xml"
        );
    }

    #[test]
    fn a_dangling_relationship_elsewhere_does_not_lose_the_slides() {
        // A part named in the package's relationships is missing (python-pptx
        // refuses the file); the slides are intact, so their text is kept.
        let parsed = parse(&corpus("bad/pptx-missing-rels-item.pptx")).unwrap();
        assert_eq!(
            parsed.pages[0].sections[0].heading_path,
            ["Presentation Title Text"]
        );
        assert!(parsed.pages[0].text.contains("Subtitle Text"));
        let e = parse(b"PK\x03\x04 not really a zip").unwrap_err();
        assert!(e.0.contains("damaged"), "{e}");
    }
}
