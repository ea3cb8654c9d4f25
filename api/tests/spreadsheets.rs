//! Spreadsheets through the whole pipeline: an XLSX and a CSV become indexed
//! documents whose chunks keep each row with its headers; a broken workbook
//! fails with a reason and nothing else breaks.

mod common;

use common::{body, TestApp};
use reqwest::Method;

async fn chunk_text(app: &TestApp, user: &str, id: &str) -> String {
    let r = app
        .call(
            user,
            Method::GET,
            &format!("/api/v1/documents/{id}/chunks?limit=100"),
        )
        .await;
    assert_eq!(r.status(), 200);
    body(r).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn xlsx_and_csv_rows_are_indexed_with_their_headers() {
    let app = TestApp::start().await;
    let owner = "owner_x";
    app.tenant_of(owner, "Sheets").await;
    let collection = common::collection(&app, owner, "Sheets").await;
    // A broken workbook: the package says XLSX, its sheet list is not XML.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("xl/workbook.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, b"<workbook><sheets><sheet name=").unwrap();
    let broken = zip.finish().unwrap().into_inner();
    let files = vec![
        ("results.xlsx", common::corpus("docling/xlsx_01.xlsx")),
        (
            "capex.csv",
            b"Line item;2022;2021\n\"Purchases of property, plant and equipment\";(812);(764)\n"
                .to_vec(),
        ),
        ("broken.xlsx", broken),
    ];
    let r = common::upload(&app, owner, &collection, &files).await;
    assert_eq!(r.status(), 202);
    let uploaded = body(r).await;
    let ids: Vec<(String, String, String)> = uploaded["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["filename"].as_str().unwrap().to_owned(),
                d["id"].as_str().unwrap().to_owned(),
                d["media_type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(ids[0].2, "xlsx");
    assert_eq!(ids[1].2, "csv");
    let xlsx = common::settled(&app, owner, &ids[0].1).await;
    assert_eq!(xlsx["status"], "indexed", "{xlsx}");
    assert!(
        xlsx["pages"].as_i64().unwrap() >= 2,
        "a page per sheet: {xlsx}"
    );
    let text = chunk_text(&app, owner, &ids[0].1).await;
    assert!(text.contains("first: 5 | second: 1 | third: -3"), "{text}");
    let csv = common::settled(&app, owner, &ids[1].1).await;
    assert_eq!(csv["status"], "indexed", "{csv}");
    let text = chunk_text(&app, owner, &ids[1].1).await;
    assert!(
        text.contains(
            "Line item: Purchases of property, plant and equipment | 2022: (812) | 2021: (764)"
        ),
        "{text}"
    );
    let broken = common::settled(&app, owner, &ids[2].1).await;
    assert_eq!(broken["status"], "failed", "{broken}");
    assert!(
        broken["failure"]["reason"]
            .as_str()
            .unwrap()
            .contains("workbook"),
        "{broken}"
    );
}
