//! What the Office Open XML formats (DOCX, PPTX, XLSX) share: reading a
//! package part through a size cap, a part's relationships, attribute values,
//! entity references.

use std::collections::HashMap;
use std::io::Read;

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;

use super::ParseError;

/// Largest uncompressed part we read.
pub const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;

/// One part of the package, read through the size cap.
pub fn read_part<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    name: &str,
) -> Result<Option<String>, ParseError> {
    let entry = match archive.by_name(name) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(ParseError(format!("cannot read {name} ({e})"))),
    };
    let mut out = Vec::new();
    entry
        .take(MAX_PART_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| ParseError(format!("cannot read {name} ({e})")))?;
    if out.len() as u64 > MAX_PART_BYTES {
        return Err(ParseError(format!(
            "{name} expands beyond {} MiB: refused as a possible zip bomb",
            MAX_PART_BYTES >> 20
        )));
    }
    String::from_utf8(out)
        .map(Some)
        .map_err(|_| ParseError(format!("{name} is not UTF-8 XML")))
}

/// An attribute's value, entities resolved.
pub fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.try_get_attribute(name).ok().flatten().and_then(|a| {
        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .ok()
            .map(|v| v.into_owned())
    })
}

/// The text an entity reference stands for.
pub fn entity(r: &BytesRef<'_>) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    match r.xml10_content().as_ref() {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    }
    .to_owned()
}

/// A part's relationships: id → resolved part name.
pub fn relationships<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    part: &str,
) -> Result<HashMap<String, String>, ParseError> {
    let (dir, file) = part.rsplit_once('/').unwrap_or(("", part));
    let rels_name = format!("{dir}/_rels/{file}.rels");
    let Some(xml) = read_part(archive, &rels_name)? else {
        return Ok(HashMap::new());
    };
    let mut reader = Reader::from_str(&xml);
    let mut out = HashMap::new();
    loop {
        match reader
            .read_event()
            .map_err(|e| ParseError(format!("{rels_name} is malformed ({e})")))?
        {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                if let (Some(id), Some(target), ty) =
                    (attr(&e, "Id"), attr(&e, "Target"), attr(&e, "Type"))
                {
                    if attr(&e, "TargetMode").as_deref() != Some("External") {
                        out.insert(id.clone(), resolve(dir, &target));
                        if ty.is_some_and(|t| t.ends_with("/notesSlide")) {
                            out.insert("#notes".to_owned(), resolve(dir, &target));
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// A relationship target, relative to the source part's folder, as a part name.
pub fn resolve(dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if let Some(absolute) = target.strip_prefix('/') {
        return absolute.to_owned();
    } else {
        dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for segment in target.split('/') {
        match segment {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}
