import { useState } from "react";
import type { UsageHistory } from "@/api/types";
import { useI18n, type Key } from "@/i18n";
import { formatQuantity } from "./format";
import { Select } from "@/components/ui/select";

export const METRICS: { metric: string; unit: string; key: Key }[] = [
  { metric: "chat_messages", unit: "messages", key: "metric.chat_messages" },
  { metric: "llm_tokens_in", unit: "tokens", key: "metric.llm_tokens_in" },
  { metric: "llm_tokens_out", unit: "tokens", key: "metric.llm_tokens_out" },
  { metric: "llm_tokens_reserved", unit: "tokens", key: "metric.llm_tokens_reserved" },
  { metric: "pages_parsed", unit: "pages", key: "metric.pages_parsed" },
  { metric: "chunks_embedded", unit: "chunks", key: "metric.chunks_embedded" },
  { metric: "embedding_tokens", unit: "tokens", key: "metric.embedding_tokens" },
  { metric: "documents", unit: "documents", key: "metric.documents" },
  { metric: "storage_bytes", unit: "bytes", key: "metric.storage_bytes" },
];

/** One bar per month of the history for the chosen metric (an SVG: no chart library needed for bars). */
export function UsageChart({ history }: { history: UsageHistory }) {
  const { t, locale } = useI18n();
  const [metric, setMetric] = useState("chat_messages");
  const unit = METRICS.find((m) => m.metric === metric)?.unit ?? "";
  const bars = history.periods.map((p) => ({ period: p.period, value: Number((p.metrics as Record<string, number>)[metric] ?? 0) }));
  const max = Math.max(1, ...bars.map((b) => b.value));
  const width = 640;
  const height = 180;
  const slot = width / Math.max(1, bars.length);
  const monthLabel = (period: string) =>
    new Date(`${period}-01T00:00:00Z`).toLocaleDateString(locale, { month: "short", year: "2-digit", timeZone: "UTC" });
  return (
    <div className="flex flex-col gap-2">
      <label className="flex items-center gap-2 text-sm">
        {t("usage.chartMetric")}
        <Select value={metric} onChange={(e) => setMetric(e.target.value)}>
          {METRICS.map((m) => (
            <option key={m.metric} value={m.metric}>{t(m.key)}</option>
          ))}
        </Select>
      </label>
      <svg viewBox={`0 0 ${width} ${height + 24}`} className="w-full" role="img" aria-label={t("usage.chartLabel", { metric: t(METRICS.find((m) => m.metric === metric)?.key ?? "metric.chat_messages") })}>
        {bars.map((b, i) => {
          const h = (b.value / max) * height;
          return (
            <g key={b.period} data-testid="usage-bar" data-period={b.period} data-value={b.value}>
              <title>{`${monthLabel(b.period)}: ${formatQuantity(b.value, unit, locale)}`}</title>
              <rect x={i * slot + slot * 0.15} y={height - h} width={slot * 0.7} height={Math.max(h, b.value > 0 ? 1 : 0)} rx={3} className="fill-indigo-500" />
              <text x={i * slot + slot / 2} y={height + 16} textAnchor="middle" className="fill-slate-500 text-[11px]">{monthLabel(b.period)}</text>
            </g>
          );
        })}
        <line x1={0} x2={width} y1={height} y2={height} className="stroke-slate-300" />
      </svg>
    </div>
  );
}
