import { describe, expect, it } from "vitest";
import { screen, within } from "@testing-library/react";
import { HttpAgent } from "@copilotkit/react-core/v2";
import recorded from "./fixtures/kpi-run.sse?raw";
import { renderInApp } from "@/test-render";
import { KpiCards, parseKpis } from "./KpiCards";
import { agentFetch, AGENT_URL, KPI_TOOL } from "./CopilotPanel";
import { setTenant } from "@/api/client";

/**
 * Runs CopilotKit's own AG-UI client against a recorded run of our agent
 * (the stream POST /api/v1/copilotkit/agent sends), and returns the tool
 * call and its result as the client understood them.
 */
async function replay() {
  const requests: { url: string; init: RequestInit }[] = [];
  const agent = new HttpAgent({
    url: AGENT_URL,
    fetch: async (url, init) => {
      requests.push({ url, init });
      return new Response(recorded, { headers: { "content-type": "text/event-stream" } });
    },
  });
  agent.addMessage({ id: "u1", role: "user", content: "Montre mes indicateurs" });
  const { newMessages } = await agent.runAgent();
  const call = newMessages.flatMap((m) => ("toolCalls" in m && m.toolCalls ? m.toolCalls : []))[0];
  const result = newMessages.find((m) => m.role === "tool");
  const text = newMessages.find((m) => m.role === "assistant" && typeof m.content === "string" && m.content);
  return { requests, call, result, text };
}

describe("the copilot's KPI cards", () => {
  it("come from the tool result of a recorded AG-UI run", async () => {
    const { requests, call, result, text } = await replay();
    expect(requests[0]?.url).toBe("/api/v1/copilotkit/agent");
    expect(call?.function.name).toBe(KPI_TOOL);
    expect(JSON.parse(call?.function.arguments ?? "{}")).toEqual({ focus: "overview", language: "fr" });
    expect(text?.content).toContain("Aucun modèle de langue");
    const kpis = parseKpis(result?.content as string);
    expect(kpis).not.toBeNull();

    renderInApp(<KpiCards kpis={kpis!} />, { lang: "fr" });
    expect(screen.getByTestId("kpi-documents-total")).toHaveTextContent("7");
    expect(screen.getByTestId("kpi-status-indexed")).toHaveTextContent("5 indexés");
    expect(screen.getByTestId("kpi-status-failed")).toHaveTextContent("1 en échec");
    const failures = screen.getByTestId("kpi-failures");
    expect(within(failures).getByText("Échecs des 7 derniers jours")).toBeInTheDocument();
    expect(within(failures).getByRole("link", { name: "scan-protected.pdf" })).toHaveAttribute(
      "href",
      "/documents/7c1f6c52-1f0e-4c43-9d1e-0b7f2b0f6a11",
    );
    expect(within(failures).getByText(/protected by a password/)).toBeInTheDocument();
    expect(screen.getByTestId("kpi-assistants")).toHaveTextContent("Contracts12 messages");
    expect(screen.getByTestId("kpi-first-token")).toHaveTextContent("Délai avant le premier mot (dernières 24 h)64 msmédiane sur 9 réponses");
    expect(screen.getByTestId("kpi-metric.pages_parsed")).toHaveTextContent(/1\s234/);
    expect(screen.getByTestId("kpi-quota-messages_per_month")).toHaveTextContent("13 / 100 · 13 %");
    expect(screen.getByRole("progressbar", { name: "les messages de ce mois-ci" })).toBeInTheDocument();
  });

  it("in English, and only the sections the role may see", async () => {
    const { result } = await replay();
    const kpis = parseKpis(result?.content as string)!;
    renderInApp(<KpiCards kpis={{ ...kpis, role: "billing", workspace: null }} />);
    expect(screen.queryByTestId("kpi-documents")).toBeNull();
    expect(screen.getByTestId("kpi-usage")).toHaveTextContent("Usage of 2026-12 (free plan)");
    expect(screen.getByTestId("kpi-metric.pages_parsed")).toHaveTextContent("1,234");
  });

  it("a result that is not KPIs is not drawn", () => {
    expect(parseKpis("not json")).toBeNull();
    expect(parseKpis('{"other": 1}')).toBeNull();
    expect(parseKpis(undefined)).toBeNull();
  });

  it("runs carry the caller's workspace", async () => {
    setTenant("11111111-2222-3333-4444-555555555555");
    const seen: Headers[] = [];
    const original = globalThis.fetch;
    globalThis.fetch = (async (_url: string, init: RequestInit) => {
      seen.push(new Headers(init.headers));
      return new Response("", { status: 200 });
    }) as typeof fetch;
    try {
      await agentFetch(AGENT_URL, { method: "POST", headers: { Accept: "text/event-stream" } });
    } finally {
      globalThis.fetch = original;
      setTenant(null);
    }
    expect(seen[0]?.get("x-ancre-tenant")).toBe("11111111-2222-3333-4444-555555555555");
    expect(seen[0]?.get("accept")).toBe("text/event-stream");
  });
});
