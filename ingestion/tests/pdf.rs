//! The PDF sandbox on the real corpus and on hostile files: page counts match
//! `pdftotext`, every page's text lands on its own page number, printed
//! labels come through, and every broken or malicious file fails with a
//! readable reason while the limits hold.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use ancre_ingestion::parsers::Parsed;
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
    for (i, page) in parsed.pages.iter().enumerate() {
        assert_eq!(page.number as usize, i + 1);
        assert!(
            !page.text.contains(['\u{2}', '\r', '\u{FB01}', '\u{FB02}']),
            "{name}: page {} not cleaned",
            i + 1
        );
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
