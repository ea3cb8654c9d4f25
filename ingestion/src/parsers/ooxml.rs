//! What the Office Open XML formats (DOCX, PPTX) share: reading a package
//! part through a size cap, attribute values, entity references.

use std::io::Read;

use quick_xml::events::{BytesRef, BytesStart};

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
