//! Page furniture: what a paginated document prints around each page's
//! content — page numbers, running headers ("Table of Contents", "Notes to
//! Consolidated Financial Statements") and running footers ("Verizon 2022
//! Annual Report on Form 10-K | 56").
//!
//! It is not content, and searched it does harm: every chunk is searched
//! with the document's name, so a chunk left holding only a page number
//! ("89", after a table closed its section) matches any question naming the
//! company, and — being the shortest — outranks the passages that answer.
//! The chunker leaves furniture out of chunks; the page text keeps it, so
//! offsets and the viewer are unchanged.
//!
//! A line is furniture when it sits at a page's top or bottom edge (peeled
//! from the edge inward, at most [`EDGE_LINES`] each way) and either is a
//! page number ("56", "- 12 -", "Page 3", "A-4", "iv") or, with its digits
//! ignored, opens or closes at least [`MIN_SHARE`] of the document's pages
//! (and [`MIN_PAGES`] of them). Documents of fewer than [`MIN_PAGES`] pages
//! have none: nothing repeats, and a lone number may be content. Nor do
//! pages of a few lines decide: on a slide every line is at an edge, so
//! only the document's longer pages say which lines are furniture.
//!
//! [`boilerplate`] is wider: the lines printed word for word on several
//! pages wherever they sit, which the chunker drops only when a short chunk
//! holds nothing else.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use crate::parsers::{Page, Parsed};

/// Lines looked at from each edge of a page.
const EDGE_LINES: usize = 3;
/// A line repeated on fewer pages than this is not furniture.
const MIN_PAGES: usize = 3;
/// ... nor one on less than this share of the pages: a table's closing line
/// ("See Notes to Consolidated Financial Statements") recurs on a few
/// statement pages, a running header on most.
const MIN_SHARE: f32 = 0.2;

/// For each page of `parsed`, the character ranges of its furniture lines.
pub fn furniture(parsed: &Parsed) -> Vec<Vec<Range<usize>>> {
    let pages = &parsed.pages;
    if pages.len() < MIN_PAGES {
        return vec![Vec::new(); pages.len()];
    }
    let edges: Vec<Vec<Line>> = pages.iter().map(edge_lines).collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for page in &edges {
        let mut keys: Vec<&str> = page
            .iter()
            .filter(|l| !l.short)
            .map(|l| l.key.as_str())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            *seen.entry(key).or_default() += 1;
        }
    }
    let least = MIN_PAGES.max((MIN_SHARE * pages.len() as f32).ceil() as usize);
    let repeated = |key: &str| seen.get(key).is_some_and(|n| *n >= least);
    edges
        .iter()
        .map(|lines| {
            let is_furniture = |l: &Line| (!l.short && is_page_number(&l.key)) || repeated(&l.key);
            let mut out = Vec::new();
            // Peel each edge inward; the first line of content stops it.
            for side in [Side::Top, Side::Bottom] {
                for line in lines.iter().filter(|l| l.side == side) {
                    if !is_furniture(line) {
                        break;
                    }
                    out.push(line.span.clone());
                }
            }
            out.sort_by_key(|r| r.start);
            out.dedup();
            out
        })
        .collect()
}

/// The lines `parsed` prints word for word on [`MIN_PAGES`] pages or more,
/// wherever on the page: a statement's closing "See Notes to Consolidated
/// Financial Statements", a table's "(Dollars in millions)". None for a
/// document of fewer pages.
pub fn boilerplate(parsed: &Parsed) -> HashSet<String> {
    if parsed.pages.len() < MIN_PAGES {
        return HashSet::new();
    }
    let mut pages_of: HashMap<&str, usize> = HashMap::new();
    for page in &parsed.pages {
        let mut lines: Vec<&str> = page
            .text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        lines.sort_unstable();
        lines.dedup();
        for line in lines {
            *pages_of.entry(line).or_default() += 1;
        }
    }
    pages_of
        .into_iter()
        .filter(|(_, pages)| *pages >= MIN_PAGES)
        .map(|(line, _)| line.to_owned())
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Top,
    Bottom,
}

/// A non-blank line near a page's edge, from the edge inward.
struct Line {
    side: Side,
    /// On a page of a few lines (a slide, a closing page), where edges
    /// cannot be told from content: such a line is furniture only if the
    /// document's longer pages show it is, never by its looks alone.
    short: bool,
    /// Character range of the line, its surrounding white space left out.
    span: Range<usize>,
    /// Lower-cased, white space collapsed, every run of digits (and every
    /// small roman numeral) as `#`.
    key: String,
}

/// The first and last [`EDGE_LINES`] non-blank lines of `page`, each side
/// from the edge inward (on a short page, some lines are both).
fn edge_lines(page: &Page) -> Vec<Line> {
    let chars: Vec<char> = page.text.chars().collect();
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, c) in chars.iter().enumerate().chain([(chars.len(), &'\n')]) {
        if *c != '\n' {
            continue;
        }
        let (mut s, mut e) = (start, i);
        while s < e && chars[s].is_whitespace() {
            s += 1;
        }
        while e > s && chars[e - 1].is_whitespace() {
            e -= 1;
        }
        if s < e {
            spans.push(s..e);
        }
        start = i + 1;
    }
    let short = spans.len() <= 2 * EDGE_LINES;
    let line = |side, span: &Range<usize>| Line {
        short,
        side,
        key: key(&chars[span.clone()].iter().collect::<String>()),
        span: span.clone(),
    };
    let top = spans.iter().take(EDGE_LINES).map(|s| line(Side::Top, s));
    let bottom = spans
        .iter()
        .rev()
        .take(EDGE_LINES)
        .map(|s| line(Side::Bottom, s));
    top.chain(bottom).collect()
}

/// What two pages' furniture lines have in common: "Pfizer Inc. | 2021
/// Form 10-K | 53" and "… | ii" both read "pfizer inc. | # form #-k | #".
fn key(line: &str) -> String {
    let mut out = String::new();
    let mut last_digit = false;
    for word in line.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
            last_digit = false;
        }
        // A roman page number ("ii", front matter) counts as a number.
        if is_roman(&word.to_lowercase()) {
            out.push('#');
            continue;
        }
        for c in word.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_digit() {
                if !last_digit {
                    out.push('#');
                }
                last_digit = true;
            } else {
                out.push(c);
                last_digit = false;
            }
        }
    }
    out
}

/// "#", "- # -", "-#-", "page #", "a-#" (an appendix page), or a small
/// roman numeral ("iv", "xii": a front matter's pages).
fn is_page_number(key: &str) -> bool {
    let bare = key.strip_prefix("page ").unwrap_or(key);
    let bare = bare.trim_matches(|c: char| c == '-' || c == '–' || c == '—' || c == ' ');
    let appendix = bare.split_once('-').is_some_and(|(letter, n)| {
        letter.len() == 1 && letter.chars().all(|c| c.is_ascii_lowercase()) && n == "#"
    });
    bare == "#" || appendix
}

fn is_roman(word: &str) -> bool {
    (1..=5).contains(&word.len()) && word.chars().all(|c| "ivx".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(number: u32, text: &str) -> Page {
        Page {
            number,
            label: None,
            hidden: false,
            text: text.to_owned(),
            sections: Vec::new(),
        }
    }

    fn furniture_text(parsed: &Parsed) -> Vec<Vec<String>> {
        furniture(parsed)
            .into_iter()
            .zip(&parsed.pages)
            .map(|(ranges, page)| {
                let chars: Vec<char> = page.text.chars().collect();
                ranges
                    .into_iter()
                    .map(|r| chars[r].iter().collect())
                    .collect()
            })
            .collect()
    }

    /// Lines of content, their own on each page, that make a page long
    /// enough to have edges.
    fn filler(page: u32) -> String {
        let name = char::from(b'a' + page as u8);
        ["One", "Two", "Three", "Four", "Five"]
            .map(|w| format!("{w} of page {name}."))
            .join("\n")
    }

    #[test]
    fn running_headers_footers_and_page_numbers_are_furniture_content_is_not() {
        let text = |n: u32, body: &str| {
            format!(
                "Table of Contents\n{body}\n{}\nVerizon 2022 Annual Report on Form 10-K | {n}\n",
                filler(n)
            )
        };
        let parsed = Parsed {
            pages: vec![
                page(
                    1,
                    &text(54, "Item 7. Management's Discussion\nRevenues grew 2.4%."),
                ),
                page(2, &text(55, "Total current assets | 37,857 | 36,728")),
                page(
                    3,
                    &format!(
                        "Consolidated Balance Sheets\nTotal assets | 379,680 | 366,596\n{}\n\n56\n",
                        filler(3)
                    ),
                ),
                page(
                    4,
                    &text(
                        57,
                        "Note 7. Debt\nOutstanding long-term debt obligations are as follows.",
                    ),
                ),
            ],
        };
        assert_eq!(
            furniture_text(&parsed),
            [
                vec![
                    "Table of Contents",
                    "Verizon 2022 Annual Report on Form 10-K | 54"
                ],
                vec![
                    "Table of Contents",
                    "Verizon 2022 Annual Report on Form 10-K | 55"
                ],
                // A page number alone; the page's other lines are its own.
                vec!["56"],
                vec![
                    "Table of Contents",
                    "Verizon 2022 Annual Report on Form 10-K | 57"
                ],
            ]
        );
    }

    #[test]
    fn lines_repeated_on_a_few_pages_or_in_a_short_document_stay() {
        // "See Notes…" closes 3 of 20 pages: a statement's footnote, kept.
        let mut pages: Vec<Page> = (1..=20)
            .map(|n| {
                let topic = char::from(b'a' + n as u8);
                page(
                    n,
                    &format!("Topic {topic}\n{}\nWhat page {topic} says.", filler(n)),
                )
            })
            .collect();
        for p in pages.iter_mut().take(3) {
            p.text
                .push_str("\nSee Notes to Consolidated Financial Statements");
        }
        let parsed = Parsed { pages };
        assert!(furniture(&parsed).iter().all(Vec::is_empty));
        // Two pages: nothing repeats, and "12" may be what the page says.
        let answer = format!("Answer\n{}\n12", filler(1));
        let short = Parsed {
            pages: vec![page(1, &answer), page(2, &answer)],
        };
        assert!(furniture(&short).iter().all(Vec::is_empty));
        // Slides of a few lines: a line every slide prints is content.
        let slides = Parsed {
            pages: (1..=4)
                .map(|n| page(n, &format!("Revenue | {n}\nQuarter {n} review")))
                .collect(),
        };
        assert!(furniture(&slides).iter().all(Vec::is_empty));
    }

    #[test]
    fn boilerplate_is_what_three_pages_print_word_for_word() {
        let pages = (1..=4)
            .map(|n| {
                let closing = if n < 4 {
                    "See Notes to Consolidated Financial Statements"
                } else {
                    ""
                };
                page(n, &format!("Statement {n}\nTotal | {n}\n{closing}"))
            })
            .collect();
        let found = boilerplate(&Parsed { pages });
        assert!(found.contains("See Notes to Consolidated Financial Statements"));
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn page_numbers_are_told_from_figures() {
        for number in ["56", "- 12 -", "-7-", "Page 3", "A-4", "iv", "xii"] {
            assert!(is_page_number(&key(number)), "{number}");
        }
        for other in ["(12)", "12 | 14", "$ 56", "Total 12", "civil"] {
            assert!(!is_page_number(&key(other)), "{other}");
        }
        // A front matter's roman page and a body page: one running footer.
        assert_eq!(
            key("Pfizer Inc. | 2021 Form 10-K | ii"),
            key("Pfizer Inc. |  2021 Form 10-K | 53")
        );
    }
}
