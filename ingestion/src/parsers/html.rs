//! HTML: the readable text of `<body>` without navigation boilerplate, and a
//! section per heading (`h1`–`h6`) with its path. HTML has no pages: the whole
//! document is page 1.
//!
//! Boilerplate goes by a deny-list (navigation, headers, footers, scripts,
//! styles, and the navigation blocks of DocBook/Publican pages), not by a
//! "readability" heuristic: those dropped 40% of real DocBook text here.

use ego_tree::NodeRef;
use scraper::{Html, Node};

use super::{Page, ParseError, Parsed, TextBuilder};

/// Elements whose whole subtree is boilerplate or not text.
const DENIED_TAGS: &[&str] = &[
    "head", "nav", "header", "footer", "script", "style", "noscript", "template", "svg", "iframe",
    "object", "button", "select", "form",
];
/// Class names and ids of navigation blocks (DocBook, Publican, common sites).
const DENIED_MARKERS: &[&str] = &[
    "docnav",
    "navheader",
    "navfooter",
    "breadcrumb",
    "breadcrumbs",
    "banner",
    "skip-link",
    "sidebar",
];
/// Elements that end a line of text.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "aside",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "tr",
    "table",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "address",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
];

pub fn parse(bytes: &[u8]) -> Result<Parsed, ParseError> {
    let source = super::text::decode(bytes);
    let document = Html::parse_document(&source);
    let mut walk = Walk {
        out: TextBuilder::default(),
        headings: Vec::new(),
        heading: None,
        in_pre: 0,
        pending_space: false,
    };
    walk.node(document.tree.root());
    walk.out.close_section();
    if walk.out.text.trim().is_empty() {
        return Err(ParseError("the page contains no readable text".into()));
    }
    let text = walk.out.text;
    Ok(Parsed {
        pages: vec![Page {
            number: 1,
            label: None,
            hidden: false,
            text,
            sections: walk.out.sections,
        }],
    })
}

struct Walk {
    out: TextBuilder,
    /// Open headings: (level, title).
    headings: Vec<(u8, String)>,
    /// The heading being read: (level, start offset, title so far).
    heading: Option<(u8, usize, String)>,
    in_pre: usize,
    pending_space: bool,
}

impl Walk {
    fn node(&mut self, node: NodeRef<'_, Node>) {
        match node.value() {
            Node::Text(text) => self.text(text),
            Node::Element(element) => {
                let name = element.name();
                if DENIED_TAGS.contains(&name)
                    || element.attr("role") == Some("navigation")
                    || element.attr("aria-hidden") == Some("true")
                    || element.id().is_some_and(|id| DENIED_MARKERS.contains(&id))
                    || element.classes().any(|c| DENIED_MARKERS.contains(&c))
                {
                    return;
                }
                let level = heading_level(name);
                let block = BLOCKS.contains(&name);
                if block {
                    self.break_block();
                }
                if let Some(level) = level {
                    self.out.close_section();
                    self.heading = Some((level, self.out.chars, String::new()));
                }
                if name == "pre" {
                    self.in_pre += 1;
                }
                for child in node.children() {
                    self.node(child);
                }
                if name == "pre" {
                    self.in_pre -= 1;
                }
                if matches!(name, "td" | "th") {
                    self.out.push("\t");
                    self.pending_space = false;
                }
                if level.is_some() {
                    if let Some((level, start, title)) = self.heading.take() {
                        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
                        self.headings.retain(|(l, _)| *l < level);
                        self.headings.push((level, title));
                        self.out.open_section(
                            start,
                            self.headings.iter().map(|(_, t)| t.clone()).collect(),
                        );
                    }
                }
                if block {
                    self.break_block();
                }
            }
            _ => {
                for child in node.children() {
                    self.node(child);
                }
            }
        }
    }

    fn text(&mut self, raw: &str) {
        if self.in_pre > 0 {
            self.out.push(raw);
            if let Some((_, _, title)) = self.heading.as_mut() {
                title.push_str(raw);
            }
            return;
        }
        // Collapse white space as a browser does.
        let starts_with_space = raw.starts_with(char::is_whitespace);
        let ends_with_space = raw.ends_with(char::is_whitespace);
        let words: Vec<&str> = raw.split_whitespace().collect();
        if words.is_empty() {
            self.pending_space |= !raw.is_empty();
            return;
        }
        let at_line_start = self.out.text.is_empty() || self.out.text.ends_with(['\n', '\t']);
        if (self.pending_space || starts_with_space) && !at_line_start {
            self.out.push(" ");
        }
        let joined = words.join(" ");
        if let Some((_, _, title)) = self.heading.as_mut() {
            if !title.is_empty() && (self.pending_space || starts_with_space) {
                title.push(' ');
            }
            title.push_str(&joined);
        }
        self.out.push(&joined);
        self.pending_space = ends_with_space;
    }

    fn break_block(&mut self) {
        self.pending_space = false;
        if !self.out.text.is_empty() && !self.out.text.ends_with('\n') {
            self.out.push("\n");
        }
    }
}

fn heading_level(name: &str) -> Option<u8> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_corpus::corpus;

    #[test]
    fn docbook_pages_keep_their_text_and_lose_their_navigation() {
        let parsed = parse(&corpus("html/handbook-fr-sect.apt-get.html")).unwrap();
        let page = &parsed.pages[0];
        let text = &page.text;
        assert!(
            text.contains("APT est un projet relativement vaste"),
            "body text kept"
        );
        assert!(
            text.contains("Logic patterns can be combined"),
            "last paragraph kept"
        );
        assert!(!text.contains("Download the ebook"), "banner dropped");
        assert!(!text.contains("Précédent"), "docnav dropped");
        assert!(!text.contains("Commandes aptitude, apt-get et apt</title>"));
        assert!(!text.contains("\t\t"), "indentation collapsed");
        let first = page
            .sections
            .iter()
            .find(|s| !s.heading_path.is_empty())
            .unwrap();
        assert_eq!(
            first.heading_path,
            ["6.2. Commandes aptitude, apt-get et apt"]
        );
        let nested = page
            .sections
            .iter()
            .find(|s| s.heading_path.len() == 2)
            .expect("an h3 under the h2");
        assert_eq!(
            nested.heading_path[0],
            "6.2. Commandes aptitude, apt-get et apt"
        );
        for pair in page.sections.windows(2) {
            assert_eq!(pair[0].char_end, pair[1].char_start);
        }
        assert_eq!(page.sections.last().unwrap().char_end, text.chars().count());
    }

    #[test]
    fn every_corpus_page_parses_to_french_text() {
        for file in [
            "debian-reference-ch02.fr.html",
            "handbook-fr-index.html",
            "handbook-fr-network-services.html",
            "handbook-fr-sect.debian-internals.html",
        ] {
            let parsed = parse(&corpus(&format!("html/{file}"))).unwrap();
            let text = &parsed.pages[0].text;
            assert!(
                text.chars().count() > 1000,
                "{file}: {} chars",
                text.chars().count()
            );
            assert!(
                text.contains(" les ") || text.contains(" des "),
                "{file} reads as French"
            );
            assert!(!text.contains("<div"), "{file}: no markup");
        }
    }

    #[test]
    fn scripts_styles_and_empty_pages() {
        let parsed = parse(
            b"<html><head><style>p{}</style></head><body><nav>Menu</nav><h1>Titre</h1>\
              <script>alert(1)</script><p>Un   paragraphe\n  court.</p><footer>(c)</footer></body></html>",
        )
        .unwrap();
        assert_eq!(parsed.pages[0].text, "Titre\nUn paragraphe court.\n");
        assert!(parse(b"<html><body><nav>only</nav></body></html>").is_err());
    }
}
