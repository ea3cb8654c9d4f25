//! A page's text rebuilt from where its characters sit, so that what a
//! reader sees as one unit stays one unit:
//!
//! - **lines**: characters on one baseline, in the order the file draws
//!   them, until the pen goes back left; a gap wider than a character's size opens a new
//!   *cell*, and cells are joined by ` | ` — a table row such as
//!   `Purchases of property | (812) | (764) | (698)` is one line;
//! - **paragraphs**: the lines of one paragraph (same size, regular spacing,
//!   the previous line reaching the right margin) are joined with a space —
//!   a word hyphenated across lines is joined whole;
//! - **tables**: a run of rows under a header line naming periods
//!   (`2023 | 2022`) becomes a [`Section`] whose heading path is the table's
//!   title and that header, so every chunk of it says which column is which.
//!
//! Pure functions over [`Glyph`]s (pdfium's side is in [`super::extract`]),
//! so the rules are tested without a PDF. The page text is what is stored:
//! offsets of chunks and citations point into it.

use crate::parsers::{clean_text, Section};

/// One character as pdfium places it, in the file's drawing order.
/// Coordinates in points, y upwards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glyph {
    pub c: char,
    pub left: f32,
    pub right: f32,
    pub baseline: f32,
    pub size: f32,
    /// pdfium generated this character (a space or line break it inferred).
    pub generated: bool,
}

use crate::parsers::CELL_SEPARATOR;

/// pdfium's mark for a hyphen it found at a line's end.
const SOFT_HYPHEN_MARK: char = '\u{2}';

/// A gap this many times the font size opens a new cell.
const CELL_GAP: f32 = 1.0;
/// A gap this many times the font size is a space between words.
const WORD_GAP: f32 = 0.2;

#[derive(Debug, Clone)]
struct Line {
    cells: Vec<String>,
    left: f32,
    right: f32,
    baseline: f32,
    size: f32,
}

impl Line {
    fn text(&self) -> String {
        self.cells.join(CELL_SEPARATOR)
    }

    /// A table row: a label (or not) and at least one value.
    fn is_row(&self) -> bool {
        self.cells.len() >= 2 && self.cells.iter().any(|c| is_amount(c))
    }

    /// A header naming periods: some cell is a year, none is an amount.
    fn is_period_header(&self) -> bool {
        let has_year = self.cells.iter().any(|c| has_year(c));
        let amounts = self
            .cells
            .iter()
            .filter(|c| is_amount(c) && !is_year(c))
            .count();
        has_year && amounts == 0 && self.cells.iter().all(|c| c.chars().count() <= 80)
    }

    fn ends_with_stop(&self) -> bool {
        self.cells.last().is_some_and(|c| {
            c.trim_end_matches(['"', '”', '»', ')', '\''])
                .ends_with(['.', '!', '?', ':', ';', '…'])
        })
    }
}

/// A page's text and its sections.
#[derive(Debug, Clone, PartialEq)]
pub struct PageLayout {
    pub text: String,
    /// Empty when the page has no table; otherwise they cover the text.
    pub sections: Vec<Section>,
}

/// The page's text from its glyphs, or `None` when the glyphs do not make
/// lines (nothing printable) — the caller then keeps pdfium's own text.
pub fn page_layout(glyphs: &[Glyph]) -> Option<PageLayout> {
    let lines = lines(glyphs);
    if lines.is_empty() {
        return None;
    }
    let blocks = paragraphs(&lines);
    Some(assemble(&lines, &blocks))
}

/// Characters → lines, in drawing order: a new line when the baseline moves
/// by half a character or the pen goes back left.
fn lines(glyphs: &[Glyph]) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let mut current: Option<Line> = None;
    let mut space_pending = false;
    // Where the previous character starts: the pen going back left of it
    // starts a new line. (Not the line's right end: a ligature's second
    // character shares the first one's box, a bold overprint sits on it.)
    let mut last_left = f32::MIN;
    for g in glyphs {
        if g.c == '\r' || g.c == '\n' {
            space_pending = true;
            continue;
        }
        if g.c.is_whitespace() {
            space_pending = true;
            continue;
        }
        if g.c.is_control() && g.c != SOFT_HYPHEN_MARK || g.generated || g.size <= 0.0 {
            continue;
        }
        let size = g.size;
        let starts_new = match &current {
            None => true,
            Some(line) => {
                let scale = size.max(line.size);
                (g.baseline - line.baseline).abs() > 0.5 * scale || g.left < last_left - 0.5 * scale
            }
        };
        if starts_new {
            if let Some(line) = current.take() {
                out.push(line);
            }
            current = Some(Line {
                cells: vec![g.c.to_string()],
                left: g.left,
                right: g.right,
                baseline: g.baseline,
                size,
            });
            space_pending = false;
            last_left = g.left;
            continue;
        }
        last_left = g.left;
        let line = current.as_mut().expect("a current line");
        let gap = g.left - line.right;
        let scale = size.max(line.size);
        if gap >= CELL_GAP * scale {
            line.cells.push(g.c.to_string());
        } else {
            let cell = line.cells.last_mut().expect("a cell");
            if (space_pending || gap > WORD_GAP * scale) && !cell.ends_with(' ') {
                cell.push(' ');
            }
            cell.push(g.c);
        }
        line.right = line.right.max(g.right);
        // The body's size, not a superscript's.
        line.size = line.size.max(size);
        space_pending = false;
    }
    if let Some(line) = current {
        out.push(line);
    }
    for line in &mut out {
        line.cells = merge_currency_cells(std::mem::take(&mut line.cells));
    }
    out.retain(|l| l.cells.iter().any(|c| !c.trim().is_empty()));
    out
}

/// `$ | 689` → `$ 689`: a currency sign set apart in its own column belongs
/// to the amount after it.
fn merge_currency_cells(cells: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(cells.len());
    let mut carry: Option<String> = None;
    for cell in cells {
        let cell = cell.trim().to_owned();
        if matches!(cell.as_str(), "$" | "€" | "£" | "¥" | "CHF") {
            carry = Some(cell);
            continue;
        }
        match carry.take() {
            Some(sign) => out.push(format!("{sign} {cell}")),
            None => out.push(cell),
        }
    }
    if let Some(sign) = carry {
        out.push(sign);
    }
    out
}

/// Lines grouped into paragraphs: index ranges into `lines`.
fn paragraphs(lines: &[Line]) -> Vec<std::ops::Range<usize>> {
    // Where the text of each line's column ends: the furthest right any
    // line of the page with the same margin and size reaches. A title
    // above a subtitle is short against it, so the two stay apart.
    let reach: Vec<f32> = lines
        .iter()
        .map(|l| {
            lines
                .iter()
                .filter(|o| {
                    (o.left - l.left).abs() <= l.size && (o.size - l.size).abs() <= 0.15 * l.size
                })
                .map(|o| o.right)
                .fold(l.right, f32::max)
        })
        .collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut para_left = lines[0].left;
    let mut para_right = lines[0].right;
    for i in 1..lines.len() {
        let (prev, next) = (&lines[i - 1], &lines[i]);
        let right = para_right.max(reach[i - 1]);
        if continues(prev, next, i - start, para_left, right) {
            para_right = para_right.max(next.right);
            if i - start == 1 {
                // A first line may be indented: the body's margin is the second's.
                para_left = next.left;
            }
            continue;
        }
        out.push(start..i);
        start = i;
        para_left = next.left;
        para_right = next.right;
    }
    out.push(start..lines.len());
    out
}

/// Whether `next` goes on the paragraph `prev` is the last line of.
fn continues(prev: &Line, next: &Line, lines_so_far: usize, left: f32, right: f32) -> bool {
    let size = prev.size;
    if prev.cells.len() > 1 {
        return false;
    }
    if next.cells.len() > 1 {
        // A row label wrapped over two lines: "Additions to property, net of
        // non-cash" / "capital expenditures | (930) | (737)".
        return next.is_row()
            && !prev.ends_with_stop()
            && next.cells[0].starts_with(char::is_lowercase)
            && (next.left - prev.left).abs() <= size
            && (0.8 * size..=1.9 * size).contains(&(prev.baseline - next.baseline));
    }
    if (next.size - size).abs() > 0.15 * size {
        return false;
    }
    let drop = prev.baseline - next.baseline;
    if !(0.8 * size..=1.9 * size).contains(&drop) {
        return false;
    }
    // Same margin; a first line may be indented by a few characters.
    let margin_ok = if lines_so_far == 1 {
        next.left <= prev.left + 0.5 * size && next.left >= prev.left - 4.0 * size
    } else {
        (next.left - left).abs() <= 1.0 * size
    };
    if !margin_ok {
        return false;
    }
    if starts_item(&next.cells[0]) {
        return false;
    }
    // A wrapped line runs to the right margin; one that stops short ends
    // its paragraph (or is a heading).
    let right = right.max(next.right);
    let width = (right - left.min(prev.left)).max(size);
    let short_by = right - prev.right;
    if prev.ends_with_stop() && short_by > 2.0 * size {
        return false;
    }
    short_by <= (0.2 * width).max(4.0 * size)
}

/// A list item's opening: a bullet, `(a)`, `1.`, `i)`.
fn starts_item(text: &str) -> bool {
    let t = text.trim_start();
    if t.starts_with(['•', '●', '▪', '■', '◦', '–', '—', '-', '*', '►', '✓']) {
        return true;
    }
    let head: String = t.chars().take(5).collect();
    let marker_len = head
        .find(['.', ')'])
        .filter(|&i| i > 0 && i <= 3)
        .map(|i| &head[..i]);
    marker_len.is_some_and(|m| {
        let m = m.trim_start_matches('(');
        !m.is_empty()
            && (m.chars().all(|c| c.is_ascii_digit())
                || (m.chars().count() == 1 && m.chars().all(|c| c.is_ascii_lowercase())))
    })
}

/// The text (paragraphs and rows one per line) and the tables' sections.
fn assemble(lines: &[Line], blocks: &[std::ops::Range<usize>]) -> PageLayout {
    let mut text = String::new();
    // The character offset where each block starts and ends.
    let mut spans = Vec::with_capacity(blocks.len());
    let mut chars = 0usize;
    for block in blocks {
        if !text.is_empty() {
            text.push('\n');
            chars += 1;
        }
        let start = chars;
        let mut paragraph = String::new();
        for line in &lines[block.clone()] {
            let piece = line.text();
            if paragraph.ends_with(SOFT_HYPHEN_MARK) {
                paragraph.pop();
            } else if paragraph.ends_with('-') && piece.starts_with(char::is_lowercase) {
                // A hyphen written in the text: the compound stays hyphenated.
            } else if !paragraph.is_empty() {
                paragraph.push(' ');
            }
            paragraph.push_str(&piece);
        }
        // A mark left at a paragraph's end is a real hyphen.
        // NFKC (ligatures) before counting: offsets are into the stored text.
        let paragraph = clean_text(&paragraph.replace(SOFT_HYPHEN_MARK, "-"));
        chars += paragraph.chars().count();
        text.push_str(&paragraph);
        spans.push((start, chars));
    }
    let sections = table_sections(lines, blocks, &spans, &text);
    PageLayout { text, sections }
}

/// Longest line (in characters) that may sit between a table's rows: a
/// label such as "Adjustments to reconcile net earnings to cash:", not prose.
const MAX_TABLE_LABEL: usize = 150;
/// Longest text taken as a table's title.
const MAX_TITLE: usize = 100;
/// Most title lines above a table's header. A statement is often titled on
/// three ("Consolidated Balance Sheets", "Pfizer Inc. and Subsidiary
/// Companies", "As of December 31,"): with two, its chunks lost the one
/// line that says which statement they are, and a question about a balance
/// sheet could not find it.
const MAX_TITLE_LINES: usize = 4;

/// Sections covering the page when it holds a table under a period header:
/// each table (its title lines, header and rows) with `[title…, header]` as
/// its heading path, the text around it with none.
fn table_sections(
    lines: &[Line],
    blocks: &[std::ops::Range<usize>],
    spans: &[(usize, usize)],
    text: &str,
) -> Vec<Section> {
    let chars: Vec<char> = text.chars().collect();
    let block_text = |b: usize| -> String { chars[spans[b].0..spans[b].1].iter().collect() };
    let length = |b: usize| spans[b].1 - spans[b].0;
    let is_header = |b: usize| blocks[b].len() == 1 && lines[blocks[b].start].is_period_header();
    // A wrapped label joined to its row ends with the row.
    let is_row = |b: usize| lines[blocks[b].end - 1].is_row();
    let mut tables: Vec<(usize, usize, Vec<String>)> = Vec::new();
    let mut b = 0;
    while b < blocks.len() {
        if !is_header(b) {
            b += 1;
            continue;
        }
        let header = b;
        // Rows, and short label lines between rows ("Current assets:").
        let mut last_row = None;
        let mut k = header + 1;
        while k < blocks.len() && !is_header(k) {
            if is_row(k) {
                last_row = Some(k);
            } else if length(k) > MAX_TABLE_LABEL {
                break;
            }
            k += 1;
        }
        let Some(last) = last_row else {
            b += 1;
            continue;
        };
        let floor = tables.last().map_or(0, |t| t.1 + 1);
        let mut first = header;
        let mut path = Vec::new();
        // Short lines above the header: "Consolidated Statements of
        // Earnings", "$ in millions".
        while first > floor
            && header - first < MAX_TITLE_LINES
            && !is_row(first - 1)
            && length(first - 1) <= MAX_TITLE
            && !block_text(first - 1).ends_with(['.', '!', '?'])
        {
            first -= 1;
            path.insert(0, block_text(first));
        }
        path.push(block_text(header));
        tables.push((first, last, path));
        b = last + 1;
    }
    if tables.is_empty() {
        return vec![];
    }
    let total = chars.len();
    let mut sections = Vec::new();
    let mut at = 0;
    for (first, last, path) in tables {
        let (start, end) = (spans[first].0, spans[last].1);
        if start > at {
            sections.push(Section {
                heading_path: vec![],
                char_start: at,
                char_end: start,
            });
        }
        sections.push(Section {
            heading_path: path,
            char_start: start,
            char_end: end,
        });
        at = end;
    }
    if at < total {
        sections.push(Section {
            heading_path: vec![],
            char_start: at,
            char_end: total,
        });
    }
    sections
}

/// `(812)`, `1,875`, `$ 689`, `23.6%`, `—`: a value in a table.
fn is_amount(cell: &str) -> bool {
    let t = cell.trim();
    if matches!(t, "—" | "–" | "-" | "n/a" | "N/A" | "nm" | "NM") {
        return true;
    }
    let core: String = t
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '$' | '€' | '£' | '¥' | '(' | ')' | '%' | ' ' | '+' | '−' | '-'
            )
        })
        .collect();
    !core.is_empty()
        && core.chars().any(|c| c.is_ascii_digit())
        && core
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | ' ' | '\u{a0}'))
}

fn is_year(cell: &str) -> bool {
    let t = cell.trim();
    t.len() == 4
        && (t.starts_with("19") || t.starts_with("20"))
        && t.chars().all(|c| c.is_ascii_digit())
}

/// A cell naming a period: `2023`, `Fiscal 2022`, `December 31, 2021`.
fn has_year(cell: &str) -> bool {
    cell.split(|c: char| !c.is_ascii_digit()).any(is_year)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Glyphs for `text` written from `x` on `baseline`, 10 pt, 5 pt per
    /// character; two spaces in a row open a cell (a 20 pt gap).
    fn write(out: &mut Vec<Glyph>, text: &str, x: f32, baseline: f32) {
        let mut x = x;
        let mut spaces = 0;
        for c in text.chars() {
            if c == ' ' {
                spaces += 1;
                continue;
            }
            if spaces == 1 {
                x += 3.0;
            } else if spaces > 1 {
                x += 20.0;
            }
            spaces = 0;
            out.push(Glyph {
                c,
                left: x,
                right: x + 5.0,
                baseline,
                size: 10.0,
                generated: false,
            });
            x += 5.0;
        }
    }

    #[test]
    fn a_table_row_is_one_line_with_its_cells() {
        let mut g = Vec::new();
        write(
            &mut g,
            "Purchases of property  (812)  (764)  $  (698)",
            50.0,
            700.0,
        );
        let page = page_layout(&g).unwrap();
        assert_eq!(page.text, "Purchases of property | (812) | (764) | $ (698)");
    }

    #[test]
    fn wrapped_lines_are_joined_and_paragraphs_kept_apart() {
        let mut g = Vec::new();
        write(
            &mut g,
            "Revenue grew in every region and the margin",
            50.0,
            700.0,
        );
        write(&mut g, "improved by two points over the year.", 50.0, 688.0);
        write(
            &mut g,
            "A new paragraph starts here and runs to the",
            50.0,
            664.0,
        );
        write(&mut g, "right margin as well.", 50.0, 652.0);
        let page = page_layout(&g).unwrap();
        assert_eq!(
            page.text,
            "Revenue grew in every region and the margin improved by two points over the year.\n\
             A new paragraph starts here and runs to the right margin as well."
        );
    }

    #[test]
    fn a_soft_hyphen_joins_the_word_and_headings_stay_apart() {
        let mut g = Vec::new();
        write(&mut g, "Results", 50.0, 720.0);
        write(
            &mut g,
            "Operating expenses decreased as a percen\u{2}",
            50.0,
            700.0,
        );
        write(
            &mut g,
            "tage of revenue, driven by lower costs.",
            50.0,
            688.0,
        );
        let page = page_layout(&g).unwrap();
        assert_eq!(
            page.text,
            "Results\nOperating expenses decreased as a percentage of revenue, driven by lower costs."
        );
    }

    #[test]
    fn a_table_under_a_period_header_is_a_section_named_after_it() {
        let mut g = Vec::new();
        write(&mut g, "Our cash flows were as follows.", 50.0, 760.0);
        write(&mut g, "Consolidated Statements of Cash Flows", 50.0, 730.0);
        write(&mut g, "2022  2021", 300.0, 715.0);
        write(&mut g, "Investing activities:", 50.0, 700.0);
        write(&mut g, "Capital expenditures  (812)  (764)", 50.0, 688.0);
        write(&mut g, "Total  1,234  1,100", 50.0, 676.0);
        write(
            &mut g,
            "The decrease reflects lower spending on new stores this year.",
            50.0,
            650.0,
        );
        let page = page_layout(&g).unwrap();
        let lines: Vec<&str> = page.text.lines().collect();
        assert_eq!(lines[4], "Capital expenditures | (812) | (764)");
        let table = page
            .sections
            .iter()
            .find(|s| !s.heading_path.is_empty())
            .expect("a table section");
        assert_eq!(
            table.heading_path,
            ["Consolidated Statements of Cash Flows", "2022 | 2021"]
        );
        let chars: Vec<char> = page.text.chars().collect();
        let inside: String = chars[table.char_start..table.char_end].iter().collect();
        assert!(inside.starts_with("Consolidated Statements"), "{inside}");
        assert!(inside.ends_with("Total | 1,234 | 1,100"), "{inside}");
        // The sections cover the page, in order, without gaps.
        assert_eq!(page.sections[0].char_start, 0);
        for pair in page.sections.windows(2) {
            assert_eq!(pair[0].char_end, pair[1].char_start);
        }
        assert_eq!(page.sections.last().unwrap().char_end, chars.len());
    }

    #[test]
    fn a_statement_titled_on_three_lines_keeps_its_title() {
        let mut g = Vec::new();
        // Centred, as statements are titled: no line starts where another does.
        write(&mut g, "Consolidated Balance Sheets", 80.0, 760.0);
        write(&mut g, "Pfizer Inc. and Subsidiary Companies", 120.0, 745.0);
        write(&mut g, "As of December 31,", 160.0, 730.0);
        write(&mut g, "(MILLIONS)  2021  2020", 50.0, 715.0);
        write(&mut g, "Total current assets  59,693  35,239", 50.0, 700.0);
        let page = page_layout(&g).unwrap();
        let table = page
            .sections
            .iter()
            .find(|s| !s.heading_path.is_empty())
            .expect("a table section");
        assert_eq!(
            table.heading_path,
            [
                "Consolidated Balance Sheets",
                "Pfizer Inc. and Subsidiary Companies",
                "As of December 31,",
                "(MILLIONS) | 2021 | 2020"
            ]
        );
        assert_eq!(table.char_start, 0, "the title opens the table's section");
    }

    #[test]
    fn a_row_label_wrapped_over_two_lines_stays_with_its_row() {
        let mut g = Vec::new();
        write(&mut g, "Fiscal Years Ended  2023  2022", 50.0, 720.0);
        write(
            &mut g,
            "Additions to property and equipment, net of non-cash",
            50.0,
            700.0,
        );
        write(&mut g, "capital expenditures  (930)  (737)", 50.0, 688.0);
        write(&mut g, "Purchases of investments  (46)  (233)", 50.0, 676.0);
        let page = page_layout(&g).unwrap();
        let lines: Vec<&str> = page.text.lines().collect();
        assert_eq!(
            lines[1],
            "Additions to property and equipment, net of non-cash capital expenditures | (930) | (737)"
        );
        assert_eq!(page.sections.len(), 1, "{:?}", page.sections);
        assert_eq!(
            page.sections[0].heading_path,
            ["Fiscal Years Ended | 2023 | 2022"]
        );
    }

    #[test]
    fn a_ligatures_characters_sharing_one_box_stay_on_the_line() {
        let mut g = Vec::new();
        write(&mut g, "The o", 50.0, 700.0);
        // "ffi" drawn as one glyph: pdfium gives three characters, one box.
        for c in ['f', 'f', 'i'] {
            g.push(Glyph {
                c,
                left: 73.5,
                right: 87.0,
                baseline: 700.0,
                size: 10.0,
                generated: false,
            });
        }
        write(&mut g, "ce", 87.0, 700.0);
        assert_eq!(page_layout(&g).unwrap().text, "The office");
    }

    #[test]
    fn list_items_are_not_joined() {
        let mut g = Vec::new();
        write(
            &mut g,
            "We sell three kinds of goods, which are the following ones",
            50.0,
            700.0,
        );
        write(
            &mut g,
            "• packaging for food and drinks and many other things here",
            50.0,
            688.0,
        );
        write(
            &mut g,
            "• packaging for medicines and for the health care industry",
            50.0,
            676.0,
        );
        let page = page_layout(&g).unwrap();
        assert_eq!(page.text.lines().count(), 3, "{}", page.text);
    }
}
