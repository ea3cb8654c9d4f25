// What the user reads when a request fails: a sentence in their language for
// the kind of failure, the server's own detail beside it, and for quotas the
// limit, what is used and when it resets.
import { ApiError } from "./client";
import type { Key, Vars } from "@/i18n";

export interface ReadableError {
  message: string;
  /** The server's explanation (English), when it adds something. */
  detail?: string;
}

type T = (key: Key, vars?: Vars) => string;

const QUOTA_NAMES: Record<string, Key> = {
  documents: "quota.documents",
  storage_bytes: "quota.storage_bytes",
  pages_per_month: "quota.pages_per_month",
  messages_per_month: "quota.messages_per_month",
  llm_tokens_per_month: "quota.llm_tokens_per_month",
};

export function quotaName(quota: string, t: T): string {
  const key = QUOTA_NAMES[quota];
  return key ? t(key) : quota;
}

export function describeError(error: unknown, t: T, locale: string): ReadableError {
  if (!(error instanceof ApiError)) {
    return { message: t("error.unexpected"), detail: error instanceof Error ? error.message : String(error) };
  }
  const p = error.problem;
  const detail = p.detail || undefined;
  if (p.quota && (p.status === 402 || p.status === 429)) {
    const vars = {
      quota: quotaName(p.quota, t),
      used: (p.used ?? 0).toLocaleString(locale),
      limit: (p.limit ?? 0).toLocaleString(locale),
      plan: p.plan ? p.plan.charAt(0).toUpperCase() + p.plan.slice(1) : "",
    };
    if (p.status === 429 && p.resets_at) {
      const resets = new Date(p.resets_at).toLocaleDateString(locale, { dateStyle: "long" });
      return { message: t("error.quotaMonthly", { ...vars, resets }), detail };
    }
    return { message: t("error.quotaBalance", vars), detail };
  }
  switch (true) {
    case p.status === 0:
      return { message: t("error.network") };
    case p.status === 401:
      return { message: t("error.unauthorized"), detail };
    case p.status === 403:
      return { message: t("error.forbidden"), detail };
    case p.status === 404:
      return { message: t("error.notFound") };
    case p.status === 409:
      return { message: t("error.conflict"), detail };
    case p.status === 413:
      return { message: t("error.tooLarge"), detail };
    case p.status === 400 || p.status === 422:
      return { message: t("error.invalid"), detail };
    case p.status === 503:
      return { message: t("error.unavailable"), detail };
    case p.status >= 500:
      return { message: t("error.server"), detail };
    default:
      return { message: p.title, detail };
  }
}
