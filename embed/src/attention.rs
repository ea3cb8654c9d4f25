//! Multi-head self-attention as one fused CPU op over the QKV projection.
//!
//! Why not plain candle ops: splitting QKV into heads, transposing, masking
//! the padding and a batched softmax cost as much time as the attention
//! matmuls themselves (~30% of a forward pass). This op reads Q, K and V
//! straight out of the `(batch * len, 3 * hidden)` projection through gemm
//! strides, works on each sequence's real length only (padding is never
//! touched, so no mask is needed), and runs one (sequence, head) pair per
//! rayon task with a single-threaded gemm inside.

use candle_core::{CpuStorage, CustomOp1, Layout, Shape};
use gemm::{gemm, Parallelism};
use rayon::prelude::*;

use crate::fastmath::exp;

pub(crate) struct Attention {
    /// Real token count of each sequence, all `<= len`.
    pub lens: Vec<usize>,
    /// Padded length: rows per sequence in the input.
    pub len: usize,
    pub heads: usize,
    pub head_dim: usize,
}

impl CustomOp1 for Attention {
    fn name(&self) -> &'static str {
        "e5-attention"
    }

    /// Input: `(batch * len, 3 * hidden)`, Q pre-scaled by 1/sqrt(head_dim).
    /// Output: `(batch * len, hidden)` context; padded rows are zero.
    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let hidden = self.heads * self.head_dim;
        let (batch, len, row) = (self.lens.len(), self.len, 3 * hidden);
        let (CpuStorage::F32(data), Some((start, end))) = (storage, layout.contiguous_offsets())
        else {
            candle_core::bail!("e5-attention needs a contiguous f32 tensor");
        };
        let qkv = &data[start..end];
        if qkv.len() != batch * len * row || self.lens.iter().any(|&n| n > len) {
            candle_core::bail!("e5-attention: input shape does not match the batch layout");
        }

        let jobs: Vec<(usize, usize)> = (0..batch)
            .flat_map(|b| (0..self.heads).map(move |h| (b, h)))
            .collect();
        let outputs: Vec<Vec<f32>> = jobs
            .par_iter()
            .map(|&(b, h)| {
                let seq = &qkv[b * len * row..(b * len + self.lens[b]) * row];
                self.one_head(seq, self.lens[b], h, row)
            })
            .collect();

        let mut ctx = vec![0f32; batch * len * hidden];
        for (&(b, h), out) in jobs.iter().zip(&outputs) {
            for (i, o) in out.chunks_exact(self.head_dim).enumerate() {
                let at = (b * len + i) * hidden + h * self.head_dim;
                ctx[at..at + self.head_dim].copy_from_slice(o);
            }
        }
        Ok((CpuStorage::F32(ctx), Shape::from((batch * len, hidden))))
    }
}

impl Attention {
    /// softmax(Q K^T / sqrt(d)) V for head `h` of one sequence: `seq` holds
    /// its `n` rows of `row` floats. Returns `(n, head_dim)` row-major.
    fn one_head(&self, seq: &[f32], n: usize, h: usize, row: usize) -> Vec<f32> {
        let (d, hidden) = (self.head_dim, self.heads * self.head_dim);
        let mut scores = vec![0f32; n * n];
        let mut out = vec![0f32; n * d];
        if n == 0 {
            return out;
        }
        // Head h's columns inside each row: Q, then K, then V.
        let q = View {
            data: &seq[h * d..],
            rows: n,
            cols: d,
            rs: row,
            cs: 1,
        };
        let k = View {
            data: &seq[hidden + h * d..],
            rows: n,
            cols: d,
            rs: row,
            cs: 1,
        };
        let v = View {
            data: &seq[2 * hidden + h * d..],
            rows: n,
            cols: d,
            rs: row,
            cs: 1,
        };
        matmul(&mut scores, q, k.t());
        for r in scores.chunks_exact_mut(n) {
            let max = r.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut sum = 0.0;
            for s in r.iter_mut() {
                *s = exp(*s - max);
                sum += *s;
            }
            let inv = 1.0 / sum;
            r.iter_mut().for_each(|s| *s *= inv);
        }
        let probs = View {
            data: &scores,
            rows: n,
            cols: n,
            rs: n,
            cs: 1,
        };
        matmul(&mut out, probs, v);
        out
    }
}

/// A strided matrix over a slice: element (r, c) is `data[r * rs + c * cs]`.
#[derive(Clone, Copy)]
struct View<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl View<'_> {
    fn t(self) -> Self {
        View {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }

    /// Whether every element lies inside `data`.
    fn in_bounds(&self) -> bool {
        self.rows == 0
            || self.cols == 0
            || (self.rows - 1) * self.rs + (self.cols - 1) * self.cs < self.data.len()
    }
}

/// `dst` (row-major `lhs.rows x rhs.cols`) = `lhs * rhs`, on this thread:
/// callers already run one task per core.
fn matmul(dst: &mut [f32], lhs: View, rhs: View) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    assert!(rhs.rows == k && dst.len() == m * n && lhs.in_bounds() && rhs.in_bounds());
    // SAFETY: the assert above keeps every element gemm reads inside `lhs.data`
    // / `rhs.data` and every element it writes inside `dst` (m x n, row-major).
    unsafe {
        gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            false,
            lhs.data.as_ptr(),
            lhs.cs as isize,
            lhs.rs as isize,
            rhs.data.as_ptr(),
            rhs.cs as isize,
            rhs.rs as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
}
