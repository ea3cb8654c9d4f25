//! BERT encoder forward pass (multilingual-e5-small: 12 layers, 384 wide,
//! 12 heads, post-LayerNorm, exact-erf GELU) on candle's CPU backend.
//!
//! Memory/speed trade-off: the linear layers are dequantized to f32 once at
//! load (85 MB) so every matmul goes through candle's multi-threaded f32 gemm.
//! Running the 4-bit blocks directly with candle's Q4_0 x Q8_0 kernels
//! (`QMatMul`) was measured 3.7x slower on 230-token passages (1.4 vs 5.2
//! passages/s) and slower even for one short query (41 vs 28 ms) on a 2-core
//! AVX2 machine. The word-embedding table stays 4-bit (54 MB instead of
//! 384 MB in f32): only the rows of the tokens actually seen are dequantized.

use candle_core::{Device, Tensor, D};

use crate::attention::Attention;
use crate::container::{dequantize_q4_0, Config, Container, Q4_BLOCK_BYTES, QK};
use crate::fastmath::Gelu;
use crate::EmbedError;

/// `x W + b` with `W` stored transposed `(in, out)` so gemm reads it row-major.
struct Linear {
    w: Tensor,
    b: Tensor,
}

impl Linear {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.w)?.broadcast_add(&self.b)
    }
}

struct LayerNorm {
    w: Tensor,
    b: Tensor,
    eps: f32,
}

impl LayerNorm {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        candle_nn::ops::layer_norm(x, &self.w, &self.b, self.eps)
    }
}

struct Layer {
    /// Q, K and V fused into one `(hidden, 3 * hidden)` matmul: one pass over
    /// the activations instead of three.
    qkv: Linear,
    attn_out: Linear,
    attn_norm: LayerNorm,
    ffn_in: Linear,
    ffn_out: Linear,
    ffn_norm: LayerNorm,
}

pub(crate) struct Bert {
    cfg: Config,
    /// Q4_0 blocks of the `(vocab_rows, hidden)` word-embedding table.
    word_q4: Vec<u8>,
    /// Position embeddings `(max_positions, hidden)`, row-major.
    positions: Vec<f32>,
    /// Token-type 0 embedding (the only type e5 uses).
    token_type0: Vec<f32>,
    emb_norm: LayerNorm,
    layers: Vec<Layer>,
}

fn vec_tensor(v: Vec<f32>) -> Result<Tensor, EmbedError> {
    let n = v.len();
    Ok(Tensor::from_vec(v, n, &Device::Cpu)?)
}

impl Bert {
    pub fn load(c: &Container) -> Result<Self, EmbedError> {
        let cfg = c.config;
        let h = cfg.hidden;
        let norm = |prefix: &str| -> Result<LayerNorm, EmbedError> {
            Ok(LayerNorm {
                w: vec_tensor(c.f32s(&format!("{prefix}.w"), h)?)?,
                b: vec_tensor(c.f32s(&format!("{prefix}.b"), h)?)?,
                eps: cfg.eps,
            })
        };
        // Weights and biases of the `names` layers, each (out, in), stacked
        // along `out` and dequantized to f32.
        let stacked = |names: &[String], out: usize, inp: usize| {
            let mut w = vec![0f32; names.len() * out * inp];
            let mut b = Vec::with_capacity(names.len() * out);
            for (name, w) in names.iter().zip(w.chunks_exact_mut(out * inp)) {
                dequantize_q4_0(c.q4_blocks(&format!("{name}.w"), out * inp)?, w);
                b.extend(c.f32s(&format!("{name}.b"), out)?);
            }
            Ok::<_, EmbedError>((w, b))
        };
        // Transposed once to (in, out) so gemm streams it row-major.
        let linear = |(w, b): (Vec<f32>, Vec<f32>), inp: usize| -> Result<Linear, EmbedError> {
            let w = Tensor::from_vec(w, (b.len(), inp), &Device::Cpu)?;
            Ok(Linear {
                w: w.t()?.contiguous()?,
                b: vec_tensor(b)?,
            })
        };

        // 1/sqrt(head_dim) folded into Q's weights and bias: one pass fewer
        // over the attention scores.
        let head_scale = 1.0 / ((h / cfg.heads) as f32).sqrt();
        let mut layers = Vec::with_capacity(cfg.layers);
        for l in 0..cfg.layers {
            let p = |m: &str| vec![format!("l{l}.{m}")];
            let (mut qkv_w, mut qkv_b) = stacked(&[p("q"), p("k"), p("v")].concat(), h, h)?;
            qkv_w[..h * h]
                .iter_mut()
                .chain(&mut qkv_b[..h])
                .for_each(|v| *v *= head_scale);
            layers.push(Layer {
                qkv: linear((qkv_w, qkv_b), h)?,
                attn_out: linear(stacked(&p("ao"), h, h)?, h)?,
                attn_norm: norm(&format!("l{l}.aln"))?,
                ffn_in: linear(stacked(&p("fi"), cfg.ffn, h)?, h)?,
                ffn_out: linear(stacked(&p("fo"), h, cfg.ffn)?, cfg.ffn)?,
                ffn_norm: norm(&format!("l{l}.oln"))?,
            });
        }
        Ok(Bert {
            cfg,
            word_q4: c.q4_blocks("emb.word", cfg.vocab_rows * h)?.to_vec(),
            positions: c.f32s("emb.pos", cfg.max_positions * h)?,
            token_type0: c.f32s("emb.type", 2 * h)?[..h].to_vec(),
            emb_norm: norm("emb.ln")?,
            layers,
        })
    }

    /// Word + position + type embeddings for a padded `(batch, len)` id grid.
    fn embed_tokens(&self, ids: &[u32], batch: usize, len: usize) -> Result<Tensor, EmbedError> {
        let h = self.cfg.hidden;
        let row_bytes = h / QK * Q4_BLOCK_BYTES;
        let mut x = vec![0f32; ids.len() * h];
        for (t, (&id, out)) in ids.iter().zip(x.chunks_exact_mut(h)).enumerate() {
            let id = id as usize;
            if id >= self.cfg.vocab_rows {
                return Err(EmbedError::Format(format!(
                    "token id {id} has no embedding row"
                )));
            }
            dequantize_q4_0(&self.word_q4[id * row_bytes..(id + 1) * row_bytes], out);
            let pos = &self.positions[(t % len) * h..(t % len + 1) * h];
            for ((o, p), ty) in out.iter_mut().zip(pos).zip(&self.token_type0) {
                *o += p + ty;
            }
        }
        Ok(Tensor::from_vec(x, (batch, len, h), &Device::Cpu)?)
    }

    /// Mean-pooled (over real tokens, specials included), L2-normalised
    /// sentence embeddings for a batch of id sequences, padded internally.
    pub fn embed(&self, seqs: &[Vec<u32>], pad: u32) -> Result<Vec<Vec<f32>>, EmbedError> {
        let (batch, h, heads) = (seqs.len(), self.cfg.hidden, self.cfg.heads);
        let len = seqs.iter().map(Vec::len).max().unwrap_or(0);
        if batch == 0 || len == 0 {
            return Ok(vec![Vec::new(); batch]);
        }
        if len > self.cfg.max_positions {
            return Err(EmbedError::Format(format!(
                "sequence of {len} tokens exceeds the model's {} positions",
                self.cfg.max_positions
            )));
        }
        let mut ids = Vec::with_capacity(batch * len);
        let mut keep = Vec::with_capacity(batch * len);
        for s in seqs {
            ids.extend(s.iter().copied().chain(std::iter::repeat(pad)).take(len));
            keep.extend((0..len).map(|i| if i < s.len() { 1f32 } else { 0f32 }));
        }
        let attention = Attention {
            lens: seqs.iter().map(Vec::len).collect(),
            len,
            heads,
            head_dim: h / heads,
        };

        let x = self.embed_tokens(&ids, batch, len)?;
        let mut x = self.emb_norm.forward(&x)?.reshape((batch * len, h))?;
        for layer in &self.layers {
            let ctx = layer.qkv.forward(&x)?.apply_op1_no_bwd(&attention)?;
            let attn = layer.attn_out.forward(&ctx)?;
            x = layer.attn_norm.forward(&(x + attn)?)?;
            let mid = layer.ffn_in.forward(&x)?;
            mid.inplace_op1(&Gelu)?;
            let out = layer.ffn_out.forward(&mid)?;
            x = layer.ffn_norm.forward(&(x + out)?)?;
        }

        let x = x.reshape((batch, len, h))?;
        let keep = Tensor::from_vec(keep, (batch, len, 1), &Device::Cpu)?;
        let summed = x.broadcast_mul(&keep)?.sum(1)?;
        let counts = keep.sum(1)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?.maximum(1e-12)?;
        Ok(mean.broadcast_div(&norms)?.to_vec2()?)
    }
}
