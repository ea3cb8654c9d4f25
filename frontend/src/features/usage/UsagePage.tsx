import { useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { CreditCard, Download, Sparkles } from "lucide-react";
import { api, apiFetch, toApiError } from "@/api/client";
import { quotaName } from "@/api/errors";
import type { BillingStatus, LedgerLine, Paginated, UsageHistory, UsageNow } from "@/api/types";
import { useI18n } from "@/i18n";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { ErrorMessage } from "@/components/ErrorMessage";
import { Loading } from "@/components/Loading";
import { Pager } from "@/components/Pager";
import { fill, formatQuantity, periodOf } from "./format";
import { METRICS, UsageChart } from "./UsageChart";
import { Select } from "@/components/ui/select";

const LEDGER_PAGE = 50;

export function UsagePage() {
  const { t, locale } = useI18n();
  const usage = useQuery({ queryKey: ["usage"], queryFn: () => api.get<UsageNow>("/usage") });
  const now = new Date();
  const history = useQuery({
    queryKey: ["usage", "history"],
    queryFn: () => api.get<UsageHistory>(`/usage/history?from=${periodOf(now, -5)}&to=${periodOf(now)}`),
  });
  return (
    <div className="mx-auto flex max-w-5xl flex-col gap-6">
      <header>
        <h1 className="text-2xl font-semibold">{t("usage.title")}</h1>
        {usage.data ? (
          <p className="text-slate-600">
            {t("usage.period", {
              plan: t(usage.data.plan === "pro" ? "plan.pro" : "plan.free"),
              resets: new Date(usage.data.resets_at).toLocaleDateString(locale, { dateStyle: "long", timeZone: "UTC" }),
            })}
          </p>
        ) : null}
      </header>
      {usage.isPending ? <Loading /> : null}
      <ErrorMessage error={usage.error} />
      {usage.data ? (
        <div className="grid gap-4 lg:grid-cols-2">
          <Card>
            <CardHeader><CardTitle>{t("usage.quotas")}</CardTitle></CardHeader>
            <CardContent className="flex flex-col gap-4">
              {usage.data.quotas.map((q) => {
                const { percent, tone } = fill(q.used, q.limit);
                return (
                  <div key={q.quota} data-testid="quota" data-quota={q.quota}>
                    <div className="mb-1 flex justify-between text-sm">
                      <span className="font-medium first-letter:uppercase">{quotaName(q.quota, t)}</span>
                      <span className="tabular-nums text-slate-600">
                        {t("usage.usedOf", { used: formatQuantity(q.used, q.unit, locale), limit: formatQuantity(q.limit, q.unit, locale) })}
                      </span>
                    </div>
                    <Progress value={percent} tone={tone} label={quotaName(q.quota, t)} />
                  </div>
                );
              })}
            </CardContent>
          </Card>
          <BillingCard />
        </div>
      ) : null}
      <Card>
        <CardHeader><CardTitle>{t("usage.overTime")}</CardTitle></CardHeader>
        <CardContent>
          <ErrorMessage error={history.error} />
          {history.data ? <UsageChart history={history.data} /> : <Loading />}
        </CardContent>
      </Card>
      {usage.data ? (
        <Ledger current={usage.data.period} periods={history.data?.periods.map((p) => p.period) ?? []} />
      ) : null}
    </div>
  );
}

function BillingCard() {
  const { t, locale } = useI18n();
  const billing = useQuery({ queryKey: ["billing"], queryFn: () => api.get<BillingStatus>("/billing") });
  const session = useMutation({
    mutationFn: (kind: "checkout" | "portal") => api.post<{ url: string }>(`/billing/${kind}`),
    onSuccess: ({ url }) => window.location.assign(url),
  });
  const b = billing.data;
  return (
    <Card>
      <CardHeader><CardTitle>{t("billing.title")}</CardTitle></CardHeader>
      <CardContent className="flex flex-col gap-3 text-sm">
        <ErrorMessage error={billing.error} />
        {b ? (
          <>
            <p>
              {t("billing.current", { plan: t(b.plan === "pro" ? "planName.pro" : "planName.free") })}
              {b.subscription_status ? ` · ${t("billing.status", { status: b.subscription_status })}` : null}
            </p>
            {b.payment_failed_at ? (
              <p className="rounded-md bg-red-50 p-2 text-red-800" role="alert">
                {t("billing.paymentFailed", { date: new Date(b.payment_failed_at).toLocaleDateString(locale, { dateStyle: "long" }) })}
              </p>
            ) : null}
            {b.billing_enabled ? (
              <div className="flex flex-wrap gap-2">
                {b.plan !== "pro" ? (
                  <Button onClick={() => session.mutate("checkout")} disabled={session.isPending}><Sparkles /> {t("billing.upgrade")}</Button>
                ) : null}
                <Button variant="outline" onClick={() => session.mutate("portal")} disabled={session.isPending}><CreditCard /> {t("billing.manage")}</Button>
              </div>
            ) : (
              <p className="text-slate-600">{t("billing.disabled")}</p>
            )}
            <ErrorMessage error={session.error} />
          </>
        ) : null}
      </CardContent>
    </Card>
  );
}

/** One period's ledger (the current one first; any month of the history on request), with its CSV. */
function Ledger({ current, periods }: { current: string; periods: string[] }) {
  const { t, locale } = useI18n();
  const [period, setPeriod] = useState(current);
  const [offset, setOffset] = useState(0);
  const choices = Array.from(new Set([current, ...periods])).sort().reverse();
  const ledger = useQuery({
    queryKey: ["usage", "ledger", period, offset],
    queryFn: () => api.get<Paginated<LedgerLine>>(`/usage/ledger?period=${period}&limit=${LEDGER_PAGE}&offset=${offset}`),
  });
  const csv = useMutation({
    mutationFn: async () => {
      const response = await apiFetch(`/usage/ledger?period=${period}`, { headers: { Accept: "text/csv" } });
      if (!response.ok) throw await toApiError(response);
      const url = URL.createObjectURL(await response.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = `ancre-usage-${period}.csv`;
      a.click();
      URL.revokeObjectURL(url);
    },
  });
  const unitOf = (metric: string) => METRICS.find((m) => m.metric === metric)?.unit ?? "";
  const total = ledger.data?.total ?? 0;
  return (
    <Card>
      <CardHeader className="flex-row items-center justify-between">
        <CardTitle>{t("usage.ledger", { period })}</CardTitle>
        <div className="flex items-center gap-2">
          <Select
            aria-label={t("usage.periodChoice")}
            value={period}
            onChange={(e) => {
              setPeriod(e.target.value);
              setOffset(0);
            }}
          >
            {choices.map((p) => (
              <option key={p} value={p}>{p}</option>
            ))}
          </Select>
          <Button variant="outline" size="sm" onClick={() => csv.mutate()} disabled={csv.isPending}>
            <Download /> {t("usage.downloadCsv")}
          </Button>
        </div>
      </CardHeader>
      <CardContent>
        <ErrorMessage error={csv.error} />
        <ErrorMessage error={ledger.error} />
        {ledger.data && ledger.data.items.length === 0 ? <p className="text-sm text-slate-600">{t("usage.ledgerEmpty")}</p> : null}
        {ledger.data && ledger.data.items.length > 0 ? (
          <div className="overflow-x-auto">
            <table className="w-full text-sm">
              <thead className="text-left text-slate-600">
                <tr>
                  <th className="py-1 pr-3 font-medium">{t("usage.when")}</th>
                  <th className="py-1 pr-3 font-medium">{t("usage.metric")}</th>
                  <th className="py-1 pr-3 text-right font-medium">{t("usage.quantity")}</th>
                  <th className="py-1 pr-3 font-medium">{t("usage.actor")}</th>
                  <th className="py-1 font-medium">{t("usage.cause")}</th>
                </tr>
              </thead>
              <tbody>
                {ledger.data.items.map((l) => {
                  const key = METRICS.find((m) => m.metric === l.metric)?.key;
                  return (
                    <tr key={`${l.sequence}-${l.line}`} className="border-t border-slate-100" data-testid="ledger-line">
                      <td className="py-1 pr-3 whitespace-nowrap">{new Date(l.occurred_at).toLocaleString(locale)}</td>
                      <td className="py-1 pr-3">{key ? t(key) : l.metric}</td>
                      <td className="py-1 pr-3 text-right tabular-nums">{formatQuantity(l.quantity, unitOf(l.metric), locale)}</td>
                      <td className="py-1 pr-3">{l.actor}</td>
                      <td className="py-1 font-mono text-xs text-slate-600" title={l.key}>{l.cause}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : null}
        <Pager offset={offset} size={LEDGER_PAGE} total={total} onChange={setOffset} />
      </CardContent>
    </Card>
  );
}
