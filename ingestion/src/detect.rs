//! What a file is, from its content. The declared content type is ignored and
//! the extension is only used where content cannot tell (Markdown vs text,
//! which ZIP-based Office format a name claims).

use std::io::Cursor;

use ancre_domain::document::MediaType;

/// Why a file was not accepted, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unsupported(pub String);

pub fn detect(filename: &str, bytes: &[u8]) -> Result<MediaType, Unsupported> {
    detect_from(filename, bytes, bytes.len() as u64, || {
        zip::ZipArchive::new(Cursor::new(bytes))
    })
}

/// [`detect`] for a file on disk (an upload being received): its first
/// bytes are read, and the whole file only for a ZIP package's part names.
pub fn detect_file(filename: &str, path: &std::path::Path) -> Result<MediaType, Unsupported> {
    use std::io::Read as _;
    let unreadable = |e: std::io::Error| Unsupported(format!("the file cannot be read ({e})"));
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut file)
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(unreadable)?;
    detect_from(filename, &head, size, || {
        zip::ZipArchive::new(std::io::BufReader::new(std::fs::File::open(path)?))
    })
}

/// What detection reads of a file: every check but a ZIP's looks no further.
const HEAD_BYTES: usize = 8192;

/// The rules, given the file's first bytes (`head`, at most [`HEAD_BYTES`]
/// are looked at), its size, and a way to open it as a ZIP package.
fn detect_from<R: std::io::Read + std::io::Seek>(
    filename: &str,
    head: &[u8],
    size: u64,
    zip: impl FnOnce() -> zip::result::ZipResult<zip::ZipArchive<R>>,
) -> Result<MediaType, Unsupported> {
    let bytes = &head[..head.len().min(HEAD_BYTES)];
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if size == 0 {
        return Err(Unsupported("the file is empty".into()));
    }
    if bytes.starts_with(b"%PDF-") || find(&bytes[..bytes.len().min(1024)], b"%PDF-") {
        return Ok(MediaType::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return office(&ext, zip);
    }
    if matches!(ext.as_str(), "pdf" | "docx" | "pptx" | "xlsx") {
        return Err(Unsupported(format!(
            "the file is named .{ext} but its content is not a {} file",
            ext.to_uppercase()
        )));
    }
    if !looks_like_text(bytes) {
        return Err(Unsupported(
            "unsupported file type: accepted are PDF, DOCX, PPTX, XLSX, CSV, HTML, Markdown and plain text"
                .into(),
        ));
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if matches!(ext.as_str(), "html" | "htm" | "xhtml")
        || head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || (head.starts_with("<?xml") && head.contains("<html"))
    {
        return Ok(MediaType::Html);
    }
    if matches!(ext.as_str(), "md" | "markdown" | "mdown" | "mkd") {
        return Ok(MediaType::Markdown);
    }
    if matches!(ext.as_str(), "csv" | "tsv") {
        return Ok(MediaType::Csv);
    }
    Ok(MediaType::Text)
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// DOCX, PPTX and XLSX are ZIP packages; the part names say which.
fn office<R: std::io::Read + std::io::Seek>(
    ext: &str,
    zip: impl FnOnce() -> zip::result::ZipResult<zip::ZipArchive<R>>,
) -> Result<MediaType, Unsupported> {
    let archive = zip().map_err(|e| Unsupported(format!("the ZIP package is damaged ({e})")))?;
    let has = |name: &str| archive.index_for_name(name).is_some();
    if has("word/document.xml") {
        Ok(MediaType::Docx)
    } else if has("ppt/presentation.xml") {
        Ok(MediaType::Pptx)
    } else if has("xl/workbook.xml") {
        Ok(MediaType::Xlsx)
    } else {
        Err(Unsupported(format!(
            "this ZIP package is not a Word (.docx), PowerPoint (.pptx) or Excel (.xlsx) document{}",
            if ext.is_empty() {
                String::new()
            } else {
                format!(" (named .{ext})")
            }
        )))
    }
}

/// Text has no NUL bytes and few control characters in its first 8 KiB
/// (whatever its encoding: the text parser detects that).
fn looks_like_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return false;
    }
    let controls = head
        .iter()
        .filter(|b| **b < 0x20 && !matches!(**b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    controls * 100 <= head.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_corpus::corpus;

    #[test]
    fn real_files_are_recognised_by_content() {
        assert_eq!(
            detect("x.bin", &corpus("pdf/acm-sample-sigconf-i13n.pdf")),
            Ok(MediaType::Pdf)
        );
        assert_eq!(
            detect("x", &corpus("docx/carroll-lookingglass.docx")),
            Ok(MediaType::Docx)
        );
        assert_eq!(
            detect("deck", &corpus("docling/powerpoint_sample.pptx")),
            Ok(MediaType::Pptx)
        );
        assert_eq!(
            detect("page.txt", &corpus("html/handbook-fr-sect.apt-get.html")),
            Ok(MediaType::Html)
        );
        assert_eq!(
            detect("README.md", &corpus("md/gzt-README.fr.md")),
            Ok(MediaType::Markdown)
        );
    }

    #[test]
    fn spreadsheets_are_recognised_by_content_and_csv_by_name() {
        assert_eq!(
            detect("x.bin", &corpus("docling/xlsx_01.xlsx")),
            Ok(MediaType::Xlsx)
        );
        assert_eq!(detect("prices.csv", b"a;b\n1;2\n"), Ok(MediaType::Csv));
        assert_eq!(detect("prices.tsv", b"a\tb\n1\t2\n"), Ok(MediaType::Csv));
        assert!(detect("sheet.xlsx", b"just text").is_err());
    }

    #[test]
    fn hostile_and_foreign_files_are_refused_with_a_reason() {
        let e = detect("random-bytes.docx", &corpus("bad/random-bytes.docx")).unwrap_err();
        assert!(e.0.contains("not a DOCX"), "{e}");
        let e = detect("random-bytes.pdf", &corpus("bad/random-bytes.pdf")).unwrap_err();
        assert!(e.0.contains("not a PDF"), "{e}");
        // A ZIP that is no Office document at all.
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("hello.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, b"hello").unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let e = detect("archive.zip", &bytes).unwrap_err();
        assert!(e.0.contains("not a Word"), "{e}");
        assert!(detect("empty.txt", b"").is_err());
        assert!(detect("a.bin", &[0u8, 1, 2, 3, 0, 0, 7]).is_err());
    }

    #[test]
    fn a_file_on_disk_is_recognised_as_its_bytes_are() {
        let dir = tempfile::tempdir().unwrap();
        for (name, file) in [
            ("x.bin", "pdf/acm-sample-sigconf-i13n.pdf"),
            ("x", "docx/carroll-lookingglass.docx"),
            ("deck", "docling/powerpoint_sample.pptx"),
            ("page.txt", "html/handbook-fr-sect.apt-get.html"),
            ("README.md", "md/gzt-README.fr.md"),
            ("random-bytes.docx", "bad/random-bytes.docx"),
            ("sheet.xlsx", "docling/xlsx_01.xlsx"),
        ] {
            let bytes = corpus(file);
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(detect_file(name, &path), detect(name, &bytes), "{file}");
        }
        let empty = dir.path().join("empty.txt");
        std::fs::write(&empty, b"").unwrap();
        assert!(detect_file("empty.txt", &empty).is_err());
    }
}
