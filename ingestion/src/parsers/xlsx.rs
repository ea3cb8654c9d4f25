//! XLSX: one page per sheet, in the workbook's order, its name as the page
//! label and the section heading. A sheet's first non-empty row is its header;
//! every other row is one line, each value carried with its column's header
//! ("Year: 2022 | Capex: (812)"), so a row stays one unit with what its values
//! mean. Shared strings, inline strings, booleans and numbers are read as
//! stored (formulas by their cached value); every part is read through the
//! package's size cap, and a workbook past [`MAX_CELLS`] is refused.

use std::collections::HashMap;
use std::io::Cursor;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::ooxml::{attr, entity, read_part, relationships};
use super::{Page, ParseError, Parsed, TextBuilder};

/// Cells read in a whole workbook (a sheet of 100k rows × 10 columns fits).
pub const MAX_CELLS: usize = 2_000_000;

fn xml_error(e: impl std::fmt::Display) -> ParseError {
    ParseError(format!("the workbook XML is malformed ({e})"))
}

pub fn parse(bytes: &[u8]) -> Result<Parsed, ParseError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ParseError(format!("the XLSX package is damaged ({e})")))?;
    let workbook = read_part(&mut archive, "xl/workbook.xml")?
        .ok_or_else(|| ParseError("the XLSX package has no xl/workbook.xml".into()))?;
    let rels = relationships(&mut archive, "xl/workbook.xml")?;
    let sheets = sheet_list(&workbook)?;
    if sheets.is_empty() {
        return Err(ParseError("the workbook has no sheets".into()));
    }
    let strings = match read_part(&mut archive, "xl/sharedStrings.xml")? {
        Some(xml) => shared_strings(&xml)?,
        None => Vec::new(),
    };
    let mut cells = 0usize;
    let mut pages = Vec::with_capacity(sheets.len());
    for (i, (name, rel_id)) in sheets.iter().enumerate() {
        let Some(target) = rels.get(rel_id) else {
            continue; // a chart sheet or a dangling entry: no cells
        };
        let Some(xml) = read_part(&mut archive, target)? else {
            continue;
        };
        let rows = sheet_rows(&xml, &strings, &mut cells)?;
        pages.push(page(i as u32 + 1, name, &rows));
    }
    if pages.iter().all(|p| p.text.trim().is_empty()) {
        return Err(ParseError("the workbook contains no text".into()));
    }
    Ok(Parsed { pages })
}

/// A sheet as a page: the header row, then each row with its headers.
fn page(number: u32, name: &str, rows: &[Vec<String>]) -> Page {
    let mut text = TextBuilder::default();
    text.open_section(0, vec![name.to_owned()]);
    let mut rows = rows.iter().filter(|r| r.iter().any(|c| !c.is_empty()));
    if let Some(header) = rows.next() {
        text.push(&header.join(super::CELL_SEPARATOR));
        text.push("\n");
        for row in rows {
            text.push(&row_line(header, row));
            text.push("\n");
        }
    }
    text.close_section();
    Page {
        number,
        label: Some(name.to_owned()),
        hidden: false,
        text: text.text,
        sections: text.sections,
    }
}

/// "header: value" for each non-empty value; a value under no header stands alone.
pub(crate) fn row_line(header: &[String], row: &[String]) -> String {
    row.iter()
        .enumerate()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(
            |(i, v)| match header.get(i).filter(|h| !h.trim().is_empty()) {
                Some(h) => format!("{h}: {v}"),
                None => v.clone(),
            },
        )
        .collect::<Vec<_>>()
        .join(super::CELL_SEPARATOR)
}

/// (name, relationship id) of each sheet, in workbook order.
fn sheet_list(xml: &str) -> Result<Vec<(String, String)>, ParseError> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                if let (Some(name), Some(id)) = (attr(&e, "name"), attr(&e, "r:id")) {
                    out.push((name, id));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The shared strings table: each `si`'s text (its runs joined).
fn shared_strings(xml: &str) -> Result<Vec<String>, ParseError> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    let mut in_text = false;
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) => match e.local_name().as_ref() {
                "si" => current = Some(String::new()),
                "t" => in_text = true,
                // Phonetic guides repeat the text in another script.
                "rPh" => in_text = false,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == "si" => out.push(String::new()),
            Event::Text(t) if in_text => {
                if let Some(s) = current.as_mut() {
                    s.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) if in_text => {
                if let Some(s) = current.as_mut() {
                    s.push_str(&entity(&r));
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "si" => out.extend(current.take()),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The column (0-based) of a cell reference such as "AB12".
fn column(reference: &str) -> Option<usize> {
    let letters: String = reference
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    if letters.is_empty() {
        return None;
    }
    letters
        .chars()
        .try_fold(0usize, |n, c| {
            (n.checked_mul(26)?).checked_add(c.to_ascii_uppercase() as usize - 'A' as usize + 1)
        })
        .map(|n| n - 1)
}

/// The sheet's rows, each a vector of cell texts by column.
fn sheet_rows(
    xml: &str,
    strings: &[String],
    cells: &mut usize,
) -> Result<Vec<Vec<String>>, ParseError> {
    let mut reader = Reader::from_str(xml);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row: HashMap<usize, String> = HashMap::new();
    let mut cell: Option<(Option<usize>, Option<String>)> = None;
    let mut value = String::new();
    let mut in_value = false;
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) => match e.local_name().as_ref() {
                "row" => row.clear(),
                "c" => {
                    *cells += 1;
                    if *cells > MAX_CELLS {
                        return Err(ParseError(format!(
                            "the workbook has more than {MAX_CELLS} cells: too large to read"
                        )));
                    }
                    cell = Some((attr(&e, "r").as_deref().and_then(column), attr(&e, "t")));
                    value.clear();
                }
                "v" | "t" => in_value = true,
                _ => {}
            },
            Event::Text(t) if in_value => value.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_value => value.push_str(&entity(&r)),
            Event::End(e) => match e.local_name().as_ref() {
                "v" | "t" => in_value = false,
                "c" => {
                    if let Some((col, kind)) = cell.take() {
                        let text = match kind.as_deref() {
                            Some("s") => value
                                .trim()
                                .parse::<usize>()
                                .ok()
                                .and_then(|i| strings.get(i).cloned())
                                .unwrap_or_default(),
                            Some("b") => {
                                if value.trim() == "1" { "TRUE" } else { "FALSE" }.to_owned()
                            }
                            _ => value.clone(),
                        };
                        let col = col.unwrap_or(row.len());
                        row.insert(col, text.trim().to_owned());
                    }
                }
                "row" => {
                    let width = row.keys().max().map_or(0, |m| m + 1);
                    let mut cells = vec![String::new(); width];
                    for (col, text) in row.drain() {
                        cells[col] = text;
                    }
                    rows.push(cells);
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_corpus::corpus;

    #[test]
    fn each_sheet_is_a_page_and_each_row_a_line_with_its_headers() {
        let parsed = parse(&corpus("docling/xlsx_01.xlsx")).unwrap();
        let labels: Vec<_> = parsed
            .pages
            .iter()
            .map(|p| p.label.clone().unwrap())
            .collect();
        assert_eq!(&labels[..2], ["Sheet1", "Sheet2"]);
        let sheet1 = &parsed.pages[0];
        assert!(
            sheet1.text.starts_with("first | second | third\n"),
            "{}",
            sheet1.text
        );
        assert!(
            sheet1.text.contains("\nfirst: 5 | second: 1 | third: -3\n"),
            "{}",
            sheet1.text
        );
        assert_eq!(sheet1.sections[0].heading_path, vec!["Sheet1".to_owned()]);
        // Every row of docling's expected tables of the first sheet is one line here.
        let expected = std::fs::read_to_string(crate::test_corpus::path(
            "docling/groundtruth/xlsx_01.xlsx.md",
        ))
        .unwrap();
        let sheet1_md = expected.split("## Sheet2").next().unwrap();
        for line in sheet1_md
            .lines()
            .filter(|l| l.starts_with("| ") && !l.contains(" - "))
        {
            let values: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let found = sheet1.text.lines().any(|row| {
                let cells: Vec<&str> = row
                    .split(crate::parsers::CELL_SEPARATOR)
                    .map(|c| c.rsplit(": ").next().unwrap().trim())
                    .collect();
                cells == values
            });
            assert!(found, "{values:?} is not a row of {}", sheet1.text);
        }
        assert!(parsed.pages[1]
            .text
            .contains("col-1: 8 | col-2: 16 | col-3: 24 | col-4: 32"));
    }

    #[test]
    fn columns_are_read_from_cell_references() {
        assert_eq!(column("A1"), Some(0));
        assert_eq!(column("Z9"), Some(25));
        assert_eq!(column("AB12"), Some(27));
        assert_eq!(column("12"), None);
        assert_eq!(
            row_line(&["Year".into(), "".into()], &["2022".into(), "x".into()]),
            "Year: 2022 | x"
        );
    }

    #[test]
    fn a_workbook_without_sheets_or_text_is_refused_with_a_reason() {
        let err = parse(b"PK\x03\x04 not a zip").unwrap_err();
        assert!(err.0.contains("damaged"), "{err}");
    }
}
