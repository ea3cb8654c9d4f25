//! How a record of each provider's Nango sync becomes a file to ingest.
//!
//! - Google Drive (`google-drive`, model `File`; `Document` of the older
//!   template is read too): files are downloaded as they are, Google Docs,
//!   Slides and Sheets exported as DOCX, PPTX and XLSX, other Google files as PDF.
//!   Folders are skipped.
//! - Notion (`notion`, model `ContentMetadata`): each page as Markdown;
//!   databases are skipped.

use ancre_domain::connection::Provider;

use crate::nango::Record;

/// How a record's bytes are read through Nango's proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    /// The provider's path, with its query.
    pub path: String,
    pub headers: Vec<(&'static str, String)>,
    /// The answer is Notion's `{"markdown": …}` rather than the file itself.
    pub markdown_json: bool,
}

/// A record that is a file to ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub filename: String,
    /// Where a person opens it at the provider.
    pub url: Option<String>,
    /// The provider's modification time, as it gives it.
    pub modified_at: Option<String>,
    pub fetch: Fetch,
}

const GOOGLE_APPS: &str = "application/vnd.google-apps.";

/// The file `record` of `provider`'s sync stands for, or `None` for what is
/// not a document (a folder, a database).
pub fn source_file(provider: Provider, record: &Record) -> Option<SourceFile> {
    match provider {
        Provider::GoogleDrive => drive_file(record),
        Provider::Notion => notion_page(record),
    }
}

fn drive_file(record: &Record) -> Option<SourceFile> {
    let mime = record.field("mimeType").unwrap_or_default();
    if mime == "application/vnd.google-apps.folder" {
        return None;
    }
    let name = record
        .field("name")
        .or_else(|| record.field("title"))
        .unwrap_or(&record.id);
    let id = crate::percent_encode(&record.id);
    let (filename, path) = match mime.strip_prefix(GOOGLE_APPS) {
        None => (
            name.to_owned(),
            format!("drive/v3/files/{id}?alt=media&supportsAllDrives=true"),
        ),
        Some(kind) => {
            let (extension, target) = match kind {
                "document" => (
                    "docx",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ),
                "presentation" => (
                    "pptx",
                    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                ),
                "spreadsheet" => (
                    "xlsx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                _ => ("pdf", "application/pdf"),
            };
            (
                format!("{name}.{extension}"),
                format!(
                    "drive/v3/files/{id}/export?mimeType={}",
                    crate::percent_encode(target)
                ),
            )
        }
    };
    Some(SourceFile {
        filename: clean_filename(&filename),
        url: record
            .field("webViewLink")
            .or_else(|| record.field("url"))
            .map(str::to_owned),
        modified_at: record
            .field("modifiedTime")
            .or_else(|| record.field("updatedAt"))
            .map(str::to_owned),
        fetch: Fetch {
            path,
            headers: vec![],
            markdown_json: false,
        },
    })
}

fn notion_page(record: &Record) -> Option<SourceFile> {
    if record.field("object_type").is_some_and(|t| t != "page") {
        return None;
    }
    let title = record
        .field("title")
        .filter(|t| !t.trim().is_empty())
        .unwrap_or("Untitled");
    Some(SourceFile {
        filename: clean_filename(&format!("{title}.md")),
        url: record.field("url").map(str::to_owned),
        modified_at: record.field("last_edited_time").map(str::to_owned),
        fetch: Fetch {
            path: format!("v1/pages/{}/markdown", crate::percent_encode(&record.id)),
            // Forwarded to Notion as `notion-version` (Nango strips the prefix).
            headers: vec![("nango-proxy-notion-version", "2026-03-11".to_owned())],
            markdown_json: true,
        },
    })
}

/// A provider's title as a file name: no path separators or control characters.
fn clean_filename(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    cleaned.trim().chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nango::RecordAction;

    fn record(fields: serde_json::Value) -> Record {
        Record {
            id: fields["id"].as_str().unwrap().to_owned(),
            action: RecordAction::Added,
            last_modified_at: "2026-12-01T00:00:00+00:00".into(),
            cursor: None,
            fields: fields.as_object().unwrap().clone(),
        }
    }

    #[test]
    fn drive_files_are_downloaded_and_google_docs_exported() {
        let pdf = record(serde_json::json!({"id": "f1", "name": "Rapport/2026.pdf",
            "mimeType": "application/pdf", "webViewLink": "https://drive.google.com/f1",
            "modifiedTime": "2026-12-01T10:00:00Z"}));
        let file = source_file(Provider::GoogleDrive, &pdf).unwrap();
        assert_eq!(file.filename, "Rapport_2026.pdf");
        assert_eq!(
            file.fetch.path,
            "drive/v3/files/f1?alt=media&supportsAllDrives=true"
        );
        assert_eq!(file.url.as_deref(), Some("https://drive.google.com/f1"));
        let doc = record(serde_json::json!({"id": "d1", "title": "Notes",
            "mimeType": "application/vnd.google-apps.document"}));
        let file = source_file(Provider::GoogleDrive, &doc).unwrap();
        assert_eq!(file.filename, "Notes.docx");
        assert!(file
            .fetch
            .path
            .starts_with("drive/v3/files/d1/export?mimeType=application%2Fvnd.openxml"));
        let folder = record(serde_json::json!({"id": "x", "name": "Folder",
            "mimeType": "application/vnd.google-apps.folder"}));
        assert_eq!(source_file(Provider::GoogleDrive, &folder), None);
    }

    #[test]
    fn notion_pages_are_read_as_markdown_and_databases_skipped() {
        let page = record(serde_json::json!({"id": "p1", "object_type": "page", "title": "Wiki"}));
        let file = source_file(Provider::Notion, &page).unwrap();
        assert_eq!(file.filename, "Wiki.md");
        assert!(file.fetch.markdown_json);
        let db = record(serde_json::json!({"id": "p2", "object_type": "data_source"}));
        assert_eq!(source_file(Provider::Notion, &db), None);
    }
}
