import { afterEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { renderInApp } from "@/test-render";
import { IntegrationsPage } from "./IntegrationsPage";

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), {
    status,
    headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json" },
  });

const drive = {
  id: "c1", provider: "google-drive", status: "connected", status_reason: null, collection_id: "k1",
  sync: { status: "completed", reason: null, started_at: "2026-12-06T10:00:00Z", finished_at: "2026-12-06T10:01:00Z", imported: 5, removed: 1, skipped: 2 },
  documents: 4, created_at: "2026-12-06T09:00:00Z", updated_at: "2026-12-06T10:01:00Z",
};

function serve(routes: (url: string, method: string) => Response | undefined, calls: string[] = []) {
  vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    calls.push(`${method} ${url}${init?.body ? ` ${init.body}` : ""}`);
    if (url.startsWith("/api/v1/collections")) return json({ items: [{ id: "k1", name: "Contrats" }, { id: "k2", name: "Wiki" }], total: 2, limit: 200, offset: 0 });
    return routes(url, method) ?? json({ type: "https://ancre.dev/problems/not-found", title: "Not found", status: 404 }, 404);
  }));
}

afterEach(() => vi.unstubAllGlobals());

describe("IntegrationsPage", () => {
  it("says connectors are off when the server answers 503", async () => {
    serve(() => json({ type: "https://ancre.dev/problems/unavailable", title: "Unavailable", status: 503, detail: "connectors are not configured (NANGO_SECRET_KEY is unset)" }, 503));
    renderInApp(<IntegrationsPage />, { lang: "fr" });
    expect(await screen.findByTestId("integrations-off")).toHaveTextContent("Les connecteurs ne sont pas configurés");
    expect(screen.queryByRole("button", { name: "Connecter" })).toBeNull();
  });

  it("shows a connection's collection and last sync, and syncs or rebinds it", async () => {
    const calls: string[] = [];
    serve((url, method) => {
      if (url === "/api/v1/integrations/nango/connections") return json({ connections: [drive] });
      if (method === "POST" && url.endsWith("/google-drive/sync")) return json({ ...drive, sync: { ...drive.sync, status: "running" } }, 202);
      if (method === "PUT") return json({ ...drive, collection_id: "k2" });
      return undefined;
    }, calls);
    renderInApp(<IntegrationsPage />);
    const card = await screen.findByTestId("provider-google-drive");
    expect(await within(card).findByText("5 imported, 1 removed, 2 skipped · 4 documents from this source")).toBeInTheDocument();
    expect(within(card).getByText("Last sync completed")).toBeInTheDocument();
    expect(within(card).getByText("Connected")).toBeInTheDocument();
    const picker = within(card).getByLabelText("Collection its documents go to");
    await vi.waitFor(() => expect(picker).toHaveValue("k1"));
    // Notion is not connected: it offers to connect.
    const notion = screen.getByTestId("provider-notion");
    expect(within(notion).getByRole("button", { name: "Connect" })).toBeInTheDocument();

    await userEvent.click(within(card).getByRole("button", { name: "Sync now" }));
    await vi.waitFor(() => expect(calls).toContain("POST /api/v1/integrations/nango/connections/google-drive/sync {}"));
    await userEvent.selectOptions(picker, "k2");
    await vi.waitFor(() => expect(calls).toContain('PUT /api/v1/integrations/nango/connections/google-drive {"collection_id":"k2"}'));
  });

  it("completes a connection coming back from Nango through the callback", async () => {
    const calls: string[] = [];
    serve((url) => {
      if (url.startsWith("/api/v1/integrations/nango/callback")) return json(drive);
      if (url === "/api/v1/integrations/nango/connections") return json({ connections: [drive] });
      return undefined;
    }, calls);
    renderInApp(<IntegrationsPage />, { path: "/integrations?provider=google-drive&connection_id=conn%201" });
    await vi.waitFor(() =>
      expect(calls).toContain("GET /api/v1/integrations/nango/callback?provider=google-drive&connection_id=conn%201"),
    );
    expect(calls.filter((c) => c.includes("/callback")).length).toBe(1);
  });
});
