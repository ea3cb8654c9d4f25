//! Plain text: the encoding is detected (UTF-8 with or without BOM, UTF-16 with
//! BOM, else the most likely legacy encoding such as windows-1252, which the
//! corpus has), line endings normalised, and form feeds — which `pdftotext` and
//! many printers' text dumps use between pages — start a new page.

use super::{clean_text, Page, ParseError, Parsed};

pub fn parse(bytes: &[u8]) -> Result<Parsed, ParseError> {
    let text = decode(bytes);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let pages: Vec<Page> = text
        .split('\u{c}')
        .enumerate()
        .map(|(i, raw)| {
            let text = clean_text(raw);
            Page {
                number: i as u32 + 1,
                label: None,
                hidden: false,
                sections: vec![],
                text,
            }
        })
        .collect();
    // A trailing form feed makes an empty last page: drop it.
    let mut pages = pages;
    while pages.len() > 1 && pages.last().is_some_and(|p| p.text.trim().is_empty()) {
        pages.pop();
    }
    if pages.iter().all(|p| p.text.trim().is_empty()) {
        return Err(ParseError("the file contains no text".into()));
    }
    Ok(Parsed { pages })
}

/// Bytes to text, whatever their encoding.
pub fn decode(bytes: &[u8]) -> String {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned();
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let encoding = detector.guess(None, chardetng::Utf8Detection::Allow);
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_corpus::corpus;

    #[test]
    fn latin1_with_crlf_is_decoded_and_split_at_form_feeds() {
        let parsed = parse(&corpus("txt/pattern-1701.00015.latin1-crlf.txt")).unwrap();
        // 9 form feeds, the last one closing the last page.
        assert_eq!(parsed.page_count(), 9);
        let first = &parsed.pages[0].text;
        assert!(
            first.starts_with("Quenching preheating by light fields"),
            "{}",
            &first[..60]
        );
        assert!(!first.contains('\r'));
        assert!(
            !first.contains('\u{fffd}'),
            "no replacement characters: the encoding was found"
        );
        assert!(parsed.pages.iter().all(|p| !p.text.contains('\u{c}')));
        assert_eq!(parsed.pages[8].number, 9);
    }

    #[test]
    fn utf8_and_ascii_files_stay_one_page() {
        let parsed = parse(&corpus("txt/GPL-3.txt")).unwrap();
        assert_eq!(parsed.page_count(), 1);
        assert!(parsed.pages[0].text.contains("GNU GENERAL PUBLIC LICENSE"));
        let fr = parse("Déjà vu, ça marche — ﬁn.".as_bytes()).unwrap();
        assert_eq!(
            fr.pages[0].text, "Déjà vu, ça marche — fin.",
            "ligature folded"
        );
    }

    #[test]
    fn boms_and_empty_files() {
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "Été".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(parse(&utf16).unwrap().pages[0].text, "Été");
        assert!(parse(b"  \n\x0c \n").is_err());
    }
}
