//! The PDF sandbox on the real corpus and on hostile files: page counts match
//! `pdftotext`, every page's text lands on its own page number, printed
//! labels come through, table rows stay rows and paragraphs are joined
//! (docling's table page, a real 10-K), and every broken or malicious file fails with a
//! readable reason while the limits hold.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use ancre_ingestion::chunker::{chunk, ChunkerConfig, TokenCounter};
use ancre_ingestion::parsers::{Page, Parsed};
use ancre_ingestion::pdf::PdfSandbox;

fn corpus(path: &str) -> Vec<u8> {
    let full = ancre_testkit::manifest_dir()
        .join("../../shared/corpus")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("corpus file {}: {e}", full.display()))
}

fn sandbox() -> PdfSandbox {
    let library = std::env::var_os("ANCRE_PDFIUM_LIB").map(PathBuf::from).expect(
        "ANCRE_PDFIUM_LIB must name libpdfium.so (`make test` sets it; fetch it with scripts/assets.sh)",
    );
    assert!(
        library.exists(),
        "{} is missing: run scripts/assets.sh",
        library.display()
    );
    PdfSandbox::new(
        PathBuf::from(env!("CARGO_BIN_EXE_ancre-pdf")),
        vec![],
        library,
    )
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect()
}

fn similarity(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let common = a.intersection(b).count() as f64;
    let union = a.union(b).count().max(1) as f64;
    common / union
}

/// Every page of the reference must be most similar to our page of the same
/// number (among its neighbours): text never slides to another page.
fn check_against_reference(name: &str, parsed: &Parsed) {
    let reference =
        String::from_utf8_lossy(&corpus(&format!("ref-pdftotext/{name}.txt"))).into_owned();
    let ref_pages: Vec<&str> = reference.split('\u{c}').collect();
    let ref_pages = &ref_pages[..ref_pages.len() - 1]; // pdftotext ends every page with \f
    assert_eq!(parsed.pages.len(), ref_pages.len(), "{name}: page count");
    let ours: Vec<HashSet<String>> = parsed.pages.iter().map(|p| words(&p.text)).collect();
    let mut checked = 0;
    for (i, ref_page) in ref_pages.iter().enumerate() {
        let expected = words(ref_page);
        if expected.len() < 20 {
            continue;
        }
        checked += 1;
        let same = similarity(&expected, &ours[i]);
        assert!(
            same > 0.5,
            "{name} page {}: only {same:.2} similar to pdftotext",
            i + 1
        );
        for j in [i.wrapping_sub(1), i + 1] {
            if let Some(other) = ours.get(j) {
                assert!(
                    same >= similarity(&expected, other),
                    "{name}: pdftotext's page {} looks more like our page {}",
                    i + 1,
                    j + 1
                );
            }
        }
    }
    assert!(checked > 0, "{name}: no page checked");
    for page in &parsed.pages {
        check_sections(name, page);
    }
    for (i, page) in parsed.pages.iter().enumerate() {
        assert_eq!(page.number as usize, i + 1);
        assert!(
            !page.text.contains(['\u{2}', '\r', '\u{FB01}', '\u{FB02}']),
            "{name}: page {} not cleaned",
            i + 1
        );
    }
}

/// A page's sections (tables under their header) cover its text, in order,
/// without a gap: no character escapes the chunker.
fn check_sections(name: &str, page: &Page) {
    if page.sections.is_empty() {
        return;
    }
    let length = page.text.chars().count();
    assert_eq!(
        page.sections[0].char_start, 0,
        "{name} page {}",
        page.number
    );
    for pair in page.sections.windows(2) {
        assert_eq!(
            pair[0].char_end, pair[1].char_start,
            "{name} page {}",
            page.number
        );
    }
    assert_eq!(
        page.sections.last().unwrap().char_end,
        length,
        "{name} page {}",
        page.number
    );
}

/// The page's lines.
fn lines(page: &Page) -> Vec<&str> {
    page.text.lines().collect()
}

/// The heading path of the section holding `row` (which must be on the page).
fn heading_of<'a>(page: &'a Page, row: &str) -> &'a [String] {
    let found = page
        .text
        .find(row)
        .unwrap_or_else(|| panic!("{row} in {}", page.text));
    let at = page.text[..found].chars().count();
    &page
        .sections
        .iter()
        .find(|s| (s.char_start..s.char_end).contains(&at))
        .expect("the row is in a section")
        .heading_path
}

#[tokio::test]
async fn table_rows_are_lines_with_their_values_and_paragraphs_are_joined() {
    let sandbox = sandbox();
    // Docling's page with a results table (its ground truth in groundtruth/).
    let parsed = sandbox
        .parse(&corpus("docling/2305.03393v1-pg9.pdf"))
        .await
        .unwrap();
    let page = &parsed.pages[0];
    let rows = lines(page);
    for row in [
        "OTSL | 0.965 | 0.934 | 0.955 | 0.88 | 2.73",
        "HTML | 0.969 | 0.927 | 0.955 | 0.857 | 5.39",
        "HTML | 0.952 | 0.909 | 0.938 | 0.843 | 3.77",
    ] {
        assert!(rows.contains(&row), "{row:?} is a line of:\n{}", page.text);
    }
    // A paragraph wrapped over five lines of the PDF is one line here.
    assert!(
        rows.iter()
            .any(|l| l.starts_with("We have chosen the PubTabNet data set")
                && l.ends_with("a 2x speed up in the inference runtime over HTML.")),
        "{}",
        page.text
    );

    // A real 10-K: the cash-flow statement, under its period header.
    let parsed = sandbox
        .parse(&corpus(
            "../eval/financebench-dev/pdfs/BESTBUY_2023_10K.pdf",
        ))
        .await
        .unwrap();
    let page = &parsed.pages[41];
    let row = "Total cash provided by operating activities | 1,824 | 3,252 | 4,927";
    let wrapped = "Additions to property and equipment, net of $35, $46 and $32, respectively, of \
                   non-cash capital expenditures | (930) | (737) | (713)";
    assert!(lines(page).contains(&row), "{}", page.text);
    assert!(lines(page).contains(&wrapped), "{}", page.text);
    assert_eq!(
        heading_of(page, row),
        [
            "Consolidated Statements of Cash Flows",
            "$ in millions",
            "Fiscal Years Ended | January 28, 2023 | January 29, 2022 | January 30, 2021"
        ]
    );
    // Prose: one paragraph per line, hyphenation undone, on its own page.
    let tax = &parsed.pages[27];
    assert!(
        lines(tax).contains(
            &"Income tax expense decreased in fiscal 2023, primarily due to the impact of \
              decreased pre-tax earnings, partially offset by reduced benefits from the \
              resolution of tax matters. Our effective tax rate increased in fiscal 2023, \
              primarily due to reduced tax benefits from the resolution of tax matters, \
              stock-based compensation and federal tax credits, partially offset by the impact \
              of lower pre-tax earnings."
        ),
        "{}",
        tax.text
    );
    for page in &parsed.pages {
        check_sections("BESTBUY_2023_10K", page);
    }

    // A statement titled on three lines above its header: its rows still
    // say which statement they are.
    let parsed = sandbox
        .parse(&corpus("../eval/financebench-dev/pdfs/PFIZER_2021_10K.pdf"))
        .await
        .unwrap();
    let page = &parsed.pages[58];
    let row = "Total current assets | 59,693 | 35,067";
    let heading = heading_of(page, row);
    assert_eq!(heading[0], "Consolidated Balance Sheets", "{heading:?}");

    // Its running footer and page numbers stay in the page text (offsets,
    // the viewer) but no chunk is made of them: a chunk "89" matched every
    // question naming the company.
    let footer = "Pfizer Inc. | 2021 Form 10-K | 53";
    assert!(lines(page).contains(&footer), "{}", page.text);
    let chunks = chunk(&parsed, &Words, ChunkerConfig::default());
    let on_page: Vec<&str> = chunks
        .iter()
        .filter(|c| c.page == page.number)
        .map(|c| c.text.as_str())
        .collect();
    assert!(on_page.iter().any(|c| c.contains(row)), "{on_page:?}");
    assert!(on_page.iter().all(|c| !c.contains(footer)), "{on_page:?}");
    for c in &chunks {
        let furniture = c.text.lines().all(|l| {
            l.trim().chars().all(|d| d.is_ascii_digit())
                || l.starts_with("Pfizer Inc. | 2021 Form 10-K")
        });
        assert!(
            !furniture,
            "page {}: a chunk of furniture: {:?}",
            c.page, c.text
        );
    }
}

/// Tokens counted as words: enough to cut chunks.
struct Words;

impl TokenCounter for Words {
    fn count(&self, text: &str) -> usize {
        text.split_whitespace().count()
    }
}

#[tokio::test]
async fn every_corpus_pdf_parses_with_its_pages() {
    let sandbox = sandbox();
    let names = [
        "acm-sample-sigconf-i13n",
        "acm-sample-sigconf",
        "debian-edu-bookworm-manual.fr",
        "debian-reference.fr",
        "developers-reference.fr",
        "elsarticle-elstest-5p",
        "ieeetran-testflow_ctl_A4",
        "project-history.fr",
        "project-history.ja",
        "project-history.ru",
        "refcard-fr-a4",
    ];
    for name in names {
        let parsed = sandbox
            .parse(&corpus(&format!("pdf/{name}.pdf")))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        check_against_reference(name, &parsed);
    }
}

#[tokio::test]
async fn printed_page_labels_differ_from_physical_numbers() {
    let parsed = sandbox()
        .parse(&corpus("pdf/project-history.fr.pdf"))
        .await
        .unwrap();
    let label = |number: usize| parsed.pages[number - 1].label.as_deref();
    // Front matter in roman numerals, then the body restarts at 1.
    assert_eq!(
        (label(1), label(4), label(6)),
        (Some("i"), Some("iv"), Some("vi"))
    );
    assert_eq!(label(7), Some("1"));
    assert!(parsed.pages[6]
        .text
        .contains("Introduction — Qu’est-ce que le Projet Debian"));
    assert_eq!((parsed.pages.len(), label(26)), (26, Some("20")));
}

#[tokio::test]
async fn hostile_pdfs_fail_with_a_readable_reason() {
    let sandbox = sandbox();
    for name in [
        "cyclic-page-tree",
        "empty",
        "encrypted-userpw-aes256",
        "flate-bomb-1GiB",
        "pdf-header-then-garbage",
        "random-bytes",
        "truncated-half",
        "truncated-no-trailer",
    ] {
        let e = sandbox
            .parse(&corpus(&format!("bad/{name}.pdf")))
            .await
            .expect_err(name);
        assert!(
            e.0.len() > 10 && !e.0.contains("Error"),
            "{name}: unreadable reason {e:?}"
        );
        eprintln!("{name}: {e}");
    }
    // pdfium repairs these: what it reads must still be sane.
    for (name, pages) in [("bad-startxref", 26), ("deep-nesting", 1)] {
        let parsed = sandbox
            .parse(&corpus(&format!("bad/{name}.pdf")))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(parsed.pages.len(), pages, "{name}");
    }
}

#[tokio::test]
async fn encrypted_files_say_so() {
    let sandbox = sandbox();
    let e = sandbox
        .parse(&corpus("bad/encrypted-userpw-aes256.pdf"))
        .await
        .unwrap_err();
    assert!(e.0.contains("password"), "{e}");
    // An empty user password is no protection: those open.
    for name in ["encrypted-emptyuserpw-aes256", "encrypted-emptyuserpw-rc4"] {
        let outcome = sandbox.parse(&corpus(&format!("bad/{name}.pdf"))).await;
        eprintln!("{name}: {outcome:?}");
    }
}

#[tokio::test]
async fn limits_fail_the_document_not_the_caller() {
    let mut sandbox = sandbox();
    sandbox.max_pages = 10;
    let e = sandbox
        .parse(&corpus("pdf/project-history.fr.pdf"))
        .await
        .unwrap_err();
    assert!(
        e.0.contains("26 pages") && e.0.contains("limit is 10"),
        "{e}"
    );

    let mut sandbox = self::sandbox();
    sandbox.memory_limit_bytes = 64 << 20;
    let e = sandbox.parse(&corpus("bad/flate-bomb-1GiB.pdf")).await;
    eprintln!("flate bomb under 64 MiB: {e:?}");

    let mut sandbox = self::sandbox();
    sandbox.timeout = Duration::from_millis(1);
    let e = sandbox
        .parse(&corpus("pdf/debian-reference.fr.pdf"))
        .await
        .unwrap_err();
    assert!(e.0.contains("longer than"), "{e}");
}
