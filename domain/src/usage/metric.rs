//! What is metered, and what plans limit.

use serde::{Deserialize, Serialize};

/// A billable quantity. Gauges (documents, storage) are balances that carry
/// over from one period to the next; the others count what one period used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Documents stored (a gauge).
    Documents,
    /// Bytes of original files stored (a gauge).
    StorageBytes,
    /// Pages (slides) parsed.
    PagesParsed,
    /// Chunks embedded.
    ChunksEmbedded,
    /// Tokens of chunks embedded.
    EmbeddingTokens,
    /// Chat messages answered.
    ChatMessages,
    /// Prompt tokens sent to the chat model.
    LlmTokensIn,
    /// Tokens the chat model produced.
    LlmTokensOut,
    /// Chat-model tokens a turn in progress may still use: reserved when it
    /// starts (its prompt and its answer's cap), given back when it is
    /// recorded with what it used. Counts against the token quota meanwhile,
    /// so racing turns cannot pass it together.
    LlmTokensReserved,
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Metric::Documents,
        Metric::StorageBytes,
        Metric::PagesParsed,
        Metric::ChunksEmbedded,
        Metric::EmbeddingTokens,
        Metric::ChatMessages,
        Metric::LlmTokensIn,
        Metric::LlmTokensOut,
        Metric::LlmTokensReserved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Documents => "documents",
            Metric::StorageBytes => "storage_bytes",
            Metric::PagesParsed => "pages_parsed",
            Metric::ChunksEmbedded => "chunks_embedded",
            Metric::EmbeddingTokens => "embedding_tokens",
            Metric::ChatMessages => "chat_messages",
            Metric::LlmTokensIn => "llm_tokens_in",
            Metric::LlmTokensOut => "llm_tokens_out",
            Metric::LlmTokensReserved => "llm_tokens_reserved",
        }
    }

    pub fn parse(raw: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.as_str() == raw)
    }

    pub fn unit(self) -> &'static str {
        match self {
            Metric::Documents => "documents",
            Metric::StorageBytes => "bytes",
            Metric::PagesParsed => "pages",
            Metric::ChunksEmbedded => "chunks",
            Metric::EmbeddingTokens
            | Metric::LlmTokensIn
            | Metric::LlmTokensOut
            | Metric::LlmTokensReserved => "tokens",
            Metric::ChatMessages => "messages",
        }
    }

    /// A balance carried from period to period rather than a count per period.
    pub fn is_gauge(self) -> bool {
        matches!(self, Metric::Documents | Metric::StorageBytes)
    }
}

/// What a plan limits: one metric, or the sum of several.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quota {
    Documents,
    Storage,
    PagesPerMonth,
    MessagesPerMonth,
    /// Chat-model tokens, in and out together, and those reserved by turns
    /// in progress.
    TokensPerMonth,
}

impl Quota {
    pub const ALL: [Quota; 5] = [
        Quota::Documents,
        Quota::Storage,
        Quota::PagesPerMonth,
        Quota::MessagesPerMonth,
        Quota::TokensPerMonth,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Quota::Documents => "documents",
            Quota::Storage => "storage_bytes",
            Quota::PagesPerMonth => "pages_per_month",
            Quota::MessagesPerMonth => "messages_per_month",
            Quota::TokensPerMonth => "llm_tokens_per_month",
        }
    }

    /// The metrics whose sum the quota bounds.
    pub fn metrics(self) -> &'static [Metric] {
        match self {
            Quota::Documents => &[Metric::Documents],
            Quota::Storage => &[Metric::StorageBytes],
            Quota::PagesPerMonth => &[Metric::PagesParsed],
            Quota::MessagesPerMonth => &[Metric::ChatMessages],
            Quota::TokensPerMonth => &[
                Metric::LlmTokensIn,
                Metric::LlmTokensOut,
                Metric::LlmTokensReserved,
            ],
        }
    }

    /// Resets with each period (otherwise a balance: freed by deleting).
    pub fn is_monthly(self) -> bool {
        !matches!(self, Quota::Documents | Quota::Storage)
    }

    pub fn unit(self) -> &'static str {
        self.metrics()[0].unit()
    }
}
