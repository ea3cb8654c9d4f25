//! The vectors of the latency rows' synthetic chunks and questions.
//!
//! Embedding 100k chunks takes hours on two cores, so the latency rows make
//! their vectors up. How matters: uniformly random unit vectors are the worst
//! case of an HNSW graph. In 384 dimensions every point is about as far from a
//! question as every other, the walk cannot tell which way to go and visits
//! far more of the graph than on text embeddings (on the 100k-chunk index it
//! found 14 % of the exact top 14, and building the graph took three times as
//! long). Real e5 embeddings are far from uniform: they share a large common
//! component and vary along few directions.
//!
//! [`Vectors::e5_like`] therefore embeds a sample of the chunks' own texts and
//! the questions with the real model, then draws each chunk's vector from a
//! Gaussian with the sample's mean and covariance (normalised, as the model's
//! are), and asks with the questions' real embeddings. The spread of real
//! embeddings is kept; their clusters (topics, near-duplicate passages), which
//! make a graph walk easier still, are not. [`Vectors::random`] keeps the
//! worst case at hand (`--latency-vectors random`).

use ancre_ingestion::embedders::Embedder;
use anyhow::Context as _;

/// Chunk texts embedded to estimate the distribution: more than the
/// dimension, so the covariance has full rank.
pub const SAMPLE_PASSAGES: usize = 400;

pub enum Vectors {
    Random {
        dimension: usize,
        rng: Rng,
    },
    E5Like {
        chunks: Gaussian,
        questions: Vec<Vec<f32>>,
        rng: Rng,
    },
}

impl Vectors {
    pub fn random(dimension: usize) -> Self {
        Self::Random {
            dimension,
            rng: Rng::new(),
        }
    }

    /// `sample`: chunk texts to fit the chunks' distribution on;
    /// `questions`: the texts [`Vectors::question`] embeds (by index).
    pub async fn e5_like(
        embedder: &dyn Embedder,
        sample: &[String],
        questions: &[String],
    ) -> anyhow::Result<Self> {
        let mut embedded = Vec::with_capacity(sample.len());
        for batch in sample.chunks(embedder.batch_size().max(1)) {
            embedded.extend(
                embedder
                    .embed_passages(batch)
                    .await
                    .context("embedding the sample chunks")?,
            );
        }
        let mut asked = Vec::with_capacity(questions.len());
        for question in questions {
            asked.push(
                embedder
                    .embed_query(question)
                    .await
                    .context("embedding a question")?,
            );
        }
        Ok(Self::E5Like {
            chunks: Gaussian::fit(&embedded)?,
            questions: asked,
            rng: Rng::new(),
        })
    }

    pub fn dimension(&self) -> usize {
        match self {
            Self::Random { dimension, .. } => *dimension,
            Self::E5Like { chunks, .. } => chunks.mean.len(),
        }
    }

    /// A new chunk's vector, unit length.
    pub fn chunk(&mut self) -> Vec<f32> {
        match self {
            Self::Random { dimension, rng } => normalised(
                (0..*dimension)
                    .map(|_| rng.uniform() as f32 * 2.0 - 1.0)
                    .collect(),
            ),
            Self::E5Like { chunks, rng, .. } => chunks.draw(rng),
        }
    }

    /// The vector of question `index` (of the texts given to `e5_like`).
    pub fn question(&mut self, index: usize) -> Vec<f32> {
        match self {
            Self::Random { .. } => self.chunk(),
            Self::E5Like { questions, .. } => questions[index % questions.len()].clone(),
        }
    }
}

/// A multivariate normal given by samples: `mean + Σ zᵢ·(xᵢ − mean)/√(n−1)`
/// with independent standard normal zᵢ has exactly the samples' covariance,
/// with no matrix to factor.
pub struct Gaussian {
    mean: Vec<f32>,
    /// (xᵢ − mean)/√(n−1)
    deviations: Vec<Vec<f32>>,
}

impl Gaussian {
    fn fit(samples: &[Vec<f32>]) -> anyhow::Result<Self> {
        anyhow::ensure!(samples.len() >= 2, "at least two samples are needed");
        let dimension = samples[0].len();
        let n = samples.len() as f32;
        let mut mean = vec![0f32; dimension];
        for sample in samples {
            anyhow::ensure!(sample.len() == dimension, "samples of different lengths");
            mean.iter_mut().zip(sample).for_each(|(m, x)| *m += x / n);
        }
        let scale = 1.0 / (n - 1.0).sqrt();
        let deviations = samples
            .iter()
            .map(|s| s.iter().zip(&mean).map(|(x, m)| (x - m) * scale).collect())
            .collect();
        Ok(Self { mean, deviations })
    }

    fn draw(&self, rng: &mut Rng) -> Vec<f32> {
        let mut v = self.mean.clone();
        for deviation in &self.deviations {
            let z = rng.normal();
            v.iter_mut().zip(deviation).for_each(|(a, d)| *a += z * d);
        }
        normalised(v)
    }
}

fn normalised(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// xorshift64: the same vectors on every run, no dependency.
pub struct Rng(u64);

impl Rng {
    fn new() -> Self {
        Self(0x2545_F491_4F6C_DD1D)
    }

    /// In [0, 1).
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f32 {
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
    }
}
