//! A passage cut into the units a reader quotes: sentences and table rows.
//!
//! Rules, English and French:
//! - a line break always ends a unit (the PDF reader writes one paragraph or
//!   one table row per line);
//! - a line whose cells are joined by ` | ` is one row, never cut inside;
//! - `.`, `!`, `?`, `…` (then closing quotes or brackets) end a sentence when
//!   a blank follows and the next word opens like a sentence — not after an
//!   abbreviation (`Inc.`, `No.`, `p.`, `M.`, `U.S.`), an initial, or when
//!   the next word is in lower case; a decimal point or `3.5%` never ends one
//!   (no blank after it); French spacing (`vraiment !`) is understood.

/// What a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    Sentence,
    /// A table row: cells joined by ` | `.
    Row,
}

/// One unit of a text: its text and character offsets in that text.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence<'a> {
    pub text: &'a str,
    pub char_start: usize,
    pub char_end: usize,
    pub kind: UnitKind,
}

pub use ancre_ingestion::parsers::CELL_SEPARATOR;

/// Words that end with a full stop without ending the sentence (lower case).
const ABBREVIATIONS: &[&str] = &[
    // English
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "inc", "corp", "co", "ltd", "llc", "plc",
    "no", "nos", "vs", "fig", "figs", "eq", "eqs", "ref", "refs", "vol", "vols", "pp", "approx",
    "est", "dept", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "mo", "yr", "yrs", "cf", "al", "ch", "sec", "art", "para", // French
    "mme", "mlle", "mmes", "mm", "pr", "av", "bd", "chap", "env", "ex", "éd", "hab", "tél", "janv",
    "févr", "avr", "juil", "déc", "cie", "ste", "sté",
];

/// The units of `text`, in order, trimmed of surrounding blanks; offsets in
/// characters.
pub fn sentences(text: &str) -> Vec<Sentence<'_>> {
    let mut out = Vec::new();
    let mut line_char = 0;
    for line in text.split('\n') {
        let line_chars = line.chars().count();
        if line.contains(CELL_SEPARATOR) {
            push(&mut out, line, 0, line.len(), line_char, UnitKind::Row);
        } else {
            split_line(line, line_char, &mut out);
        }
        line_char += line_chars + 1;
    }
    out
}

fn split_line<'a>(line: &'a str, line_char: usize, out: &mut Vec<Sentence<'a>>) {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut start = 0; // index into `chars`
    let mut k = 0;
    while k < chars.len() {
        let c = chars[k].1;
        if !matches!(c, '.' | '!' | '?' | '…') {
            k += 1;
            continue;
        }
        // The stop, then closing quotes or brackets.
        let mut end = k + 1;
        loop {
            if end < chars.len() && matches!(chars[end].1, '"' | '”' | '»' | ')' | '\'' | '’')
            {
                end += 1;
                continue;
            }
            // French spacing: "Oui. »".
            let mut blank = end;
            while blank < chars.len() && chars[blank].1.is_whitespace() {
                blank += 1;
            }
            if blank > end && chars.get(blank).is_some_and(|(_, c)| *c == '»') {
                end = blank + 1;
                continue;
            }
            break;
        }
        let mut next = end;
        while next < chars.len() && chars[next].1.is_whitespace() {
            next += 1;
        }
        let blank_after = next > end || end == chars.len();
        if blank_after && ends_sentence(&chars, start, k, next) {
            let from = chars[start].0;
            let to = chars.get(end).map_or(line.len(), |(b, _)| *b);
            push(out, line, from, to, line_char + start, UnitKind::Sentence);
            start = next;
            k = next;
            continue;
        }
        k = end.max(k + 1);
    }
    if start < chars.len() {
        let from = chars[start].0;
        push(
            out,
            line,
            from,
            line.len(),
            line_char + start,
            UnitKind::Sentence,
        );
    }
}

/// Whether the stop at `stop` (the sentence began at `start`) ends it, the
/// next word beginning at `next`.
fn ends_sentence(chars: &[(usize, char)], start: usize, stop: usize, next: usize) -> bool {
    if let Some(&(_, n)) = chars.get(next) {
        // "approx. three", "et al. reported": a lower-case word continues.
        if n.is_lowercase() {
            return false;
        }
    }
    if chars[stop].1 != '.' {
        return true;
    }
    // The word the full stop closes.
    let mut w = stop;
    while w > start && !chars[w - 1].1.is_whitespace() && chars[w - 1].1 != '(' {
        w -= 1;
    }
    let word: String = chars[w..stop].iter().map(|(_, c)| *c).collect();
    let letters: String = word.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() {
        // "in 2022." or "(1)." : a number ends sentences.
        return true;
    }
    // An initial ("J. Smith", "M. Dupont") or an acronym with stops ("U.S.", "e.g.").
    if word.chars().count() == 1 || word.contains('.') {
        return false;
    }
    !ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

fn push<'a>(
    out: &mut Vec<Sentence<'a>>,
    line: &'a str,
    from: usize,
    to: usize,
    char_start: usize,
    kind: UnitKind,
) {
    let raw = &line[from..to];
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return;
    }
    let lead = raw[..raw.len() - raw.trim_start().len()].chars().count();
    let start = char_start + lead;
    out.push(Sentence {
        text: trimmed,
        char_start: start,
        char_end: start + trimmed.chars().count(),
        kind,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        sentences(text).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn sentences_carry_character_offsets() {
        let text = "Élève né. Deuxième phrase ! Trois\nquatre | 5 | 6";
        let s = sentences(text);
        let t: Vec<&str> = s.iter().map(|s| s.text).collect();
        assert_eq!(
            t,
            ["Élève né.", "Deuxième phrase !", "Trois", "quatre | 5 | 6"]
        );
        assert_eq!(s[3].kind, UnitKind::Row);
        for sentence in &s {
            let by_chars: String = text
                .chars()
                .skip(sentence.char_start)
                .take(sentence.char_end - sentence.char_start)
                .collect();
            assert_eq!(by_chars, sentence.text);
        }
    }

    #[test]
    fn abbreviations_initials_and_decimals_do_not_end_sentences() {
        assert_eq!(
            texts("Apple Inc. reported 23.6% growth in the U.S. market. Revenue was $1.2 billion."),
            [
                "Apple Inc. reported 23.6% growth in the U.S. market.",
                "Revenue was $1.2 billion."
            ]
        );
        assert_eq!(
            texts("See Note No. 5 and Fig. 3 on p. 12. J. Smith signed. It is approx. three."),
            [
                "See Note No. 5 and Fig. 3 on p. 12.",
                "J. Smith signed.",
                "It is approx. three."
            ]
        );
        assert_eq!(
            texts("M. Dupont est arrivé. Mme Durand aussi ! Vraiment ? « Oui. » Fin…"),
            [
                "M. Dupont est arrivé.",
                "Mme Durand aussi !",
                "Vraiment ?",
                "« Oui. »",
                "Fin…"
            ]
        );
    }

    #[test]
    fn quotes_and_brackets_stay_with_their_sentence() {
        assert_eq!(
            texts("He said \"stop.\" Then (as planned.) We left."),
            ["He said \"stop.\"", "Then (as planned.)", "We left."]
        );
    }
}
