//! Validation of the free text users give us (names, descriptions): trimmed,
//! bounded in characters, and free of control characters (names only).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum TextError {
    #[error("it is empty")]
    Empty,
    #[error("it is too long")]
    TooLong,
    #[error("it contains control characters")]
    ControlCharacters,
}

/// A name: trimmed, 1..=`max_chars` characters, no control characters.
pub fn valid_name(raw: &str, max_chars: usize) -> Result<String, TextError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(TextError::Empty);
    }
    if name.chars().count() > max_chars {
        return Err(TextError::TooLong);
    }
    if name.chars().any(char::is_control) {
        return Err(TextError::ControlCharacters);
    }
    Ok(name.to_owned())
}

/// Free text: trimmed, at most `max_chars` characters (may be empty; newlines allowed).
pub fn bounded_text(raw: &str, max_chars: usize) -> Result<String, TextError> {
    let text = raw.trim();
    if text.chars().count() > max_chars {
        return Err(TextError::TooLong);
    }
    Ok(text.to_owned())
}
