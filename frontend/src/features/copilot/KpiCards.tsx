// The workspace's key figures as cards: what the copilot's `show_kpis` tool
// returns (the server's `Kpis`), drawn by the UI — never text from a model.
// Sections follow the caller's role: a member has no usage card, finance no
// documents.
import { Link } from "react-router-dom";
import type { Key } from "@/i18n";
import { useI18n } from "@/i18n";
import type { Kpis } from "@/api/types";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { fill, formatQuantity } from "@/features/usage/format";

const STATUSES = ["indexed", "queued", "parsed", "embedded", "failed"] as const;

/** What the copilot's tool result holds, or null when it is not KPIs (another tool, a broken result). */
export function parseKpis(result: string | undefined | null): Kpis | null {
  if (!result) return null;
  try {
    const value = JSON.parse(result) as Kpis;
    return value && typeof value === "object" && "role" in value ? value : null;
  } catch {
    return null;
  }
}

export function KpiCards({ kpis }: { kpis: Kpis }) {
  const { t, locale } = useI18n();
  const number = (n: number) => n.toLocaleString(locale);
  const workspace = kpis.workspace;
  const usage = kpis.usage;
  return (
    <div className="flex flex-col gap-2" data-testid="kpi-cards">
      {workspace && (
        <>
          <Card data-testid="kpi-documents">
            <CardHeader>
              <CardTitle className="text-sm">{t("kpi.documents")}</CardTitle>
            </CardHeader>
            <CardContent>
              <p className="text-2xl font-semibold" data-testid="kpi-documents-total">
                {number(workspace.documents.total)}
              </p>
              <ul className="mt-1 flex flex-wrap gap-x-3 text-xs text-slate-600">
                {STATUSES.filter((s) => workspace.documents.by_status[s]).map((s) => (
                  <li key={s} data-testid={`kpi-status-${s}`}>
                    {t(`kpi.status.${s}` as Key, { count: number(workspace.documents.by_status[s] ?? 0) })}
                  </li>
                ))}
              </ul>
            </CardContent>
          </Card>
          <Card data-testid="kpi-failures">
            <CardHeader>
              <CardTitle className="text-sm">{t("kpi.failures", { days: workspace.failures.days })}</CardTitle>
            </CardHeader>
            <CardContent>
              {workspace.failures.total === 0 ? (
                <p className="text-sm text-slate-600">{t("kpi.noFailures")}</p>
              ) : (
                <ul className="flex flex-col gap-1 text-sm">
                  {workspace.failures.latest.map((f) => (
                    <li key={f.document_id}>
                      <Link className="font-medium text-indigo-700 hover:underline" to={`/documents/${f.document_id}`}>
                        {f.filename}
                      </Link>
                      <span className="block text-xs text-slate-600">{f.reason}</span>
                    </li>
                  ))}
                  {workspace.failures.total > workspace.failures.latest.length && (
                    <li className="text-xs text-slate-500">
                      {t("kpi.moreFailures", { count: workspace.failures.total - workspace.failures.latest.length })}
                    </li>
                  )}
                </ul>
              )}
            </CardContent>
          </Card>
          <Card data-testid="kpi-assistants">
            <CardHeader>
              <CardTitle className="text-sm">{t("kpi.assistants")}</CardTitle>
            </CardHeader>
            <CardContent>
              {workspace.top_assistants.length === 0 ? (
                <p className="text-sm text-slate-600">{t("kpi.noAssistants")}</p>
              ) : (
                <ul className="flex flex-col gap-1 text-sm">
                  {workspace.top_assistants.map((a) => (
                    <li key={a.assistant_id} className="flex justify-between gap-2">
                      <Link className="text-indigo-700 hover:underline" to={`/chat/${a.assistant_id}`}>
                        {a.name}
                      </Link>
                      <span className="text-slate-600">{t("kpi.messages", { count: number(a.messages) })}</span>
                    </li>
                  ))}
                </ul>
              )}
            </CardContent>
          </Card>
          <Card data-testid="kpi-first-token">
            <CardHeader>
              <CardTitle className="text-sm">{t("kpi.firstToken", { hours: workspace.first_token.hours })}</CardTitle>
            </CardHeader>
            <CardContent>
              {workspace.first_token.p50_ms == null ? (
                <p className="text-sm text-slate-600">{t("kpi.noFirstToken", { hours: workspace.first_token.hours })}</p>
              ) : (
                <>
                  <p className="text-2xl font-semibold">{t("kpi.firstTokenMedian", { ms: number(workspace.first_token.p50_ms) })}</p>
                  <p className="text-xs text-slate-600">{t("kpi.firstTokenOver", { count: number(workspace.first_token.answers) })}</p>
                </>
              )}
            </CardContent>
          </Card>
        </>
      )}
      {usage && (
        <Card data-testid="kpi-usage">
          <CardHeader>
            <CardTitle className="text-sm">{t("kpi.usage", { period: usage.period, plan: usage.plan })}</CardTitle>
          </CardHeader>
          <CardContent className="flex flex-col gap-2">
            <dl className="grid grid-cols-2 gap-x-3 gap-y-1 text-xs">
              {(
                [
                  ["metric.pages_parsed", usage.pages_parsed],
                  ["metric.chunks_embedded", usage.chunks_embedded],
                  ["metric.chat_messages", usage.chat_messages],
                  ["kpi.tokens", usage.llm_tokens],
                ] as const
              ).map(([key, value]) => (
                <div key={key} className="flex flex-col">
                  <dt className="text-slate-600">{t(key)}</dt>
                  <dd className="font-semibold" data-testid={`kpi-${key}`}>
                    {number(value)}
                  </dd>
                </div>
              ))}
            </dl>
            {usage.quotas.map((q) => {
              const { tone } = fill(q.used, q.limit);
              const name = t(`quota.${q.quota}` as Key);
              return (
                <div key={q.quota} data-testid={`kpi-quota-${q.quota}`}>
                  <div className="flex justify-between text-xs">
                    <span>{name}</span>
                    <span>
                      {formatQuantity(q.used, q.unit, locale)} / {formatQuantity(q.limit, q.unit, locale)} ·{" "}
                      {t("kpi.percent", { percent: q.percent.toLocaleString(locale) })}
                    </span>
                  </div>
                  <Progress value={q.percent} tone={tone} label={name} />
                </div>
              );
            })}
          </CardContent>
        </Card>
      )}
    </div>
  );
}
