//! CSV (and TSV): the encoding detected as for plain text, the delimiter
//! (comma, semicolon — French spreadsheets' — or tab) from the first line,
//! quoted fields per RFC 4180. The first non-empty row is the header; every
//! other row is one line with each value carried with its column's header,
//! as for XLSX sheets. A file past [`MAX_ROWS`] is refused.

use super::xlsx::row_line;
use super::{Page, ParseError, Parsed, TextBuilder};

/// Rows read in one file.
pub const MAX_ROWS: usize = 1_000_000;

pub fn parse(bytes: &[u8]) -> Result<Parsed, ParseError> {
    let text = super::text::decode(bytes);
    let text = text.trim_start_matches('\u{feff}');
    let delimiter = delimiter(text.lines().next().unwrap_or_default());
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ParseError(format!("the CSV is malformed ({e})")))?;
        if rows.len() == MAX_ROWS {
            return Err(ParseError(format!(
                "the file has more than {MAX_ROWS} rows: too large to read"
            )));
        }
        let row: Vec<String> = record.iter().map(|f| f.trim().to_owned()).collect();
        if row.iter().any(|f| !f.is_empty()) {
            rows.push(row);
        }
    }
    let Some((header, rest)) = rows.split_first() else {
        return Err(ParseError("the file contains no rows".into()));
    };
    let mut out = TextBuilder::default();
    out.open_section(0, vec![]);
    out.push(&header.join(super::CELL_SEPARATOR));
    out.push("\n");
    for row in rest {
        out.push(&row_line(header, row));
        out.push("\n");
    }
    out.close_section();
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

/// The most frequent of `,` `;` and tab in the header line (comma on a tie).
fn delimiter(first_line: &str) -> u8 {
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| (first_line.bytes().filter(|b| b == d).count(), *d == b','))
        .unwrap_or(b',')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_carry_their_headers_and_quoted_fields_stay_whole() {
        let parsed = parse(
            b"Line item,2022,2021\n\"Purchases of property, plant and equipment\",(812),(764)\n\n,,\nNet income,1 024,987\n",
        )
        .unwrap();
        let text = &parsed.pages[0].text;
        assert_eq!(
            text,
            "Line item | 2022 | 2021\nLine item: Purchases of property, plant and equipment | 2022: (812) | 2021: (764)\nLine item: Net income | 2022: 1 024 | 2021: 987\n"
        );
    }

    #[test]
    fn french_semicolons_and_latin1_are_read() {
        let mut bytes = b"Produit;Prix\n".to_vec();
        bytes.extend_from_slice(b"Cr\xe8me br\xfbl\xe9e;4,50\n");
        let parsed = parse(&bytes).unwrap();
        assert!(
            parsed.pages[0]
                .text
                .contains("Produit: Crème brûlée | Prix: 4,50"),
            "{}",
            parsed.pages[0].text
        );
    }

    #[test]
    fn an_empty_file_is_refused_with_a_reason() {
        assert_eq!(parse(b"\n ,\n").unwrap_err().0, "the file contains no rows");
    }
}
