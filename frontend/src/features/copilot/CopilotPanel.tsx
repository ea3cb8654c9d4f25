// The copilot's sidebar, on CopilotKit's React components talking AG-UI to
// our own agent (`POST /api/v1/copilotkit/agent`, served by the Rust
// binary: no Node.js runtime). The agent answers a KPI question with a
// `show_kpis` tool call whose result is the workspace's figures; the
// renderer registered here draws them as cards. Loaded only when opened
// (CopilotKit is a large bundle).
import { useMemo } from "react";
import { CopilotKit, CopilotSidebar, HttpAgent, useRenderTool } from "@copilotkit/react-core/v2";
import "@copilotkit/react-core/v2/styles.css";
import { z } from "zod";
import { authHeaders } from "@/api/client";
import { useI18n } from "@/i18n";
import { KpiCards, parseKpis } from "./KpiCards";

export const AGENT_URL = "/api/v1/copilotkit/agent";
/** The tool whose result is the workspace's figures. */
export const KPI_TOOL = "show_kpis";

/** Our fetch for the agent: the caller's credential and workspace on every run. */
export async function agentFetch(url: string, init: RequestInit): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(await authHeaders())) headers.set(name, value);
  return fetch(url, { ...init, headers });
}

function KpiRenderer() {
  const { t } = useI18n();
  useRenderTool(
    {
      name: KPI_TOOL,
      parameters: z.object({ focus: z.string().optional(), language: z.string().optional() }),
      render: ({ status, result }) => {
        if (status !== "complete") return <p className="text-sm text-slate-600">{t("copilot.kpiLoading")}</p>;
        const kpis = parseKpis(result);
        return kpis ? <KpiCards kpis={kpis} /> : <p className="text-sm text-red-700">{t("copilot.kpiBroken")}</p>;
      },
    },
    [t],
  );
  return null;
}

/** Opened at once; CopilotKit's own button closes and reopens it (the thread stays). */
export default function CopilotPanel() {
  const { t } = useI18n();
  const agent = useMemo(() => new HttpAgent({ url: AGENT_URL, fetch: agentFetch }), []);
  return (
    <CopilotKit selfManagedAgents={{ default: agent }}>
      <KpiRenderer />
      <CopilotSidebar
        defaultOpen
        labels={{
          modalHeaderTitle: t("copilot.title"),
          welcomeMessageText: t("copilot.welcome"),
          chatInputPlaceholder: t("copilot.placeholder"),
          chatDisclaimerText: t("copilot.disclaimer"),
          chatToggleOpenLabel: t("copilot.open"),
          chatToggleCloseLabel: t("copilot.close"),
        }}
      />
    </CopilotKit>
  );
}
