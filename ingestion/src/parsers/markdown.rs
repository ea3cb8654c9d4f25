//! Markdown: the text without its markup, and a section per heading with the
//! heading path (`# A` › `## B` › `### C`). Markdown has no pages: the whole
//! document is page 1. Raw HTML blocks and comments are dropped; code keeps
//! its text; tables become tab-separated rows.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::{Page, ParseError, Parsed, TextBuilder};

pub fn parse(bytes: &[u8]) -> Result<Parsed, ParseError> {
    let source = super::text::decode(bytes);
    let mut out = TextBuilder::default();
    let mut stack: Vec<(HeadingLevel, String)> = Vec::new();
    let mut heading: Option<(HeadingLevel, usize, String)> = None;

    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
    for event in Parser::new_ext(&source, options) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                out.block_break();
                out.close_section();
                heading = Some((level, out.chars, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, start, title)) = heading.take() {
                    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
                    stack.retain(|(l, _)| *l < level);
                    stack.push((level, title));
                    out.open_section(start, stack.iter().map(|(_, t)| t.clone()).collect());
                }
                out.push("\n");
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, title)) = heading.as_mut() {
                    title.push_str(&t);
                }
                out.push(&t);
            }
            Event::SoftBreak => out.push(" "),
            Event::HardBreak => out.push("\n"),
            Event::End(
                TagEnd::Paragraph | TagEnd::CodeBlock | TagEnd::BlockQuote(_) | TagEnd::Item,
            ) => out.block_break(),
            Event::End(TagEnd::TableCell) => out.push("\t"),
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => out.push("\n"),
            Event::Html(_) | Event::InlineHtml(_) => {}
            _ => {}
        }
    }
    out.close_section();
    if out.text.trim().is_empty() {
        return Err(ParseError("the file contains no text".into()));
    }
    Ok(Parsed {
        pages: vec![Page {
            number: 1,
            label: None,
            hidden: false,
            text: out.text,
            sections: out.sections,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parsers::Section;
    use crate::test_corpus::corpus;

    fn section_text(page: &Page, s: &Section) -> String {
        page.text
            .chars()
            .skip(s.char_start)
            .take(s.char_end - s.char_start)
            .collect()
    }

    #[test]
    fn headings_become_section_paths_with_exact_offsets() {
        let parsed = parse(&corpus("md/librdkafka-INTRODUCTION.md")).unwrap();
        assert_eq!(parsed.page_count(), 1);
        let page = &parsed.pages[0];
        assert!(!page.text.contains("markdown-toc"), "HTML comments dropped");
        assert!(!page.text.contains("## "), "markup dropped");
        let latency = page
            .sections
            .iter()
            .find(|s| s.heading_path.last().map(String::as_str) == Some("Latency measurement"))
            .expect("a Latency measurement section");
        assert_eq!(
            latency.heading_path,
            [
                "Introduction to librdkafka - the Apache Kafka C/C++ client library",
                "Performance",
                "Low latency",
                "Latency measurement"
            ]
        );
        assert!(section_text(page, latency).starts_with("Latency measurement\n"));
        // Sections tile the text: consecutive, no gap, no overlap, to the end.
        for pair in page.sections.windows(2) {
            assert_eq!(pair[0].char_end, pair[1].char_start);
        }
        assert_eq!(
            page.sections.last().unwrap().char_end,
            page.text.chars().count()
        );
        let compression = page
            .sections
            .iter()
            .find(|s| s.heading_path.last().map(String::as_str) == Some("Compression"))
            .unwrap();
        assert_eq!(
            compression.heading_path.len(),
            3,
            "a sibling of Low latency, not its child"
        );
    }

    #[test]
    fn french_text_without_headings_is_one_section() {
        let parsed = parse(&corpus("md/gzt-README.fr.md")).unwrap();
        let page = &parsed.pages[0];
        assert!(page
            .text
            .contains("Gazette de la Société Mathématique de France"));
        assert!(
            !page.text.contains("](https://"),
            "links keep their text only"
        );
        assert_eq!(page.sections.len(), 1);
        assert!(page.sections[0].heading_path.is_empty());
    }

    #[test]
    fn text_before_the_first_heading_has_an_empty_path() {
        let parsed =
            parse(b"Intro line.\n\n# Titre\n\nCorps du texte.\n\n## Sous-titre\n\nFin.").unwrap();
        let page = &parsed.pages[0];
        let paths: Vec<Vec<String>> = page
            .sections
            .iter()
            .map(|s| s.heading_path.clone())
            .collect();
        assert_eq!(
            paths,
            [
                vec![],
                vec!["Titre".to_owned()],
                vec!["Titre".to_owned(), "Sous-titre".to_owned()]
            ]
        );
        assert_eq!(section_text(page, &page.sections[0]), "Intro line.\n\n");
        assert!(parse(b"<!-- only a comment -->").is_err());
    }
}
