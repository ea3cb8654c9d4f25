import { afterEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { renderInApp } from "@/test-render";
import { UsagePage } from "./UsagePage";

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { "Content-Type": "application/json" } });

const usage = {
  period: "2026-12", starts_at: "2026-12-01T00:00:00Z", resets_at: "2027-01-01T00:00:00Z", plan: "free",
  quotas: [
    { quota: "documents", used: 100, limit: 100, unit: "documents", resets_at: null },
    { quota: "messages_per_month", used: 30, limit: 300, unit: "messages", resets_at: "2027-01-01T00:00:00Z" },
    { quota: "storage_bytes", used: 170 * 1024 * 1024, limit: 200 * 1024 * 1024, unit: "bytes", resets_at: null },
  ],
  metrics: [],
};

function serve(billing: Record<string, unknown>, calls: string[]) {
  vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
    calls.push(`${init?.method ?? "GET"} ${url}`);
    if (url === "/api/v1/usage") return json(usage);
    if (url.startsWith("/api/v1/usage/history")) return json({ periods: [{ period: "2026-11", metrics: { chat_messages: 10 }, days: [] }, { period: "2026-12", metrics: { chat_messages: 30 }, days: [] }] });
    if (url.startsWith("/api/v1/usage/ledger")) return json({ items: [], total: 0, limit: 50, offset: 0 });
    if (url === "/api/v1/billing") return json(billing);
    if (url === "/api/v1/billing/checkout") return json({ id: "cs_test_1", url: "https://checkout.stripe.test/c/cs_test_1" });
    return json({}, 404);
  }));
}

function renderPage() {
  renderInApp(<UsagePage />);
}

afterEach(() => vi.unstubAllGlobals());

describe("UsagePage", () => {
  it("shows each quota's use, full ones in red, near-full in amber, and a bar per month", async () => {
    serve({ plan: "free", billing_enabled: false }, []);
    renderPage();
    const documents = await screen.findByText("100 of 100");
    const bar = (quota: string) => within(document.querySelector(`[data-quota=${quota}]`) as HTMLElement).getByRole("progressbar");
    expect(documents).toBeInTheDocument();
    expect(bar("documents").firstElementChild).toHaveClass("bg-red-500");
    expect(bar("storage_bytes").firstElementChild).toHaveClass("bg-amber-500");
    expect(bar("messages_per_month").firstElementChild).toHaveClass("bg-indigo-500");
    expect(screen.getByText("170 MB of 200 MB")).toBeInTheDocument();
    const bars = await screen.findAllByTestId("usage-bar");
    expect(bars.map((b) => b.getAttribute("data-value"))).toEqual(["10", "30"]);
    expect(screen.getByText(/Billing is not set up on this server/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Upgrade to Pro" })).toBeNull();
  });

  it("sends an owner to Stripe Checkout to upgrade when billing is configured", async () => {
    const calls: string[] = [];
    serve({ plan: "free", billing_enabled: true, subscription_status: null }, calls);
    const assign = vi.fn();
    vi.stubGlobal("location", { ...window.location, assign });
    renderPage();
    await userEvent.click(await screen.findByRole("button", { name: "Upgrade to Pro" }));
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith("https://checkout.stripe.test/c/cs_test_1"));
    expect(calls).toContain("POST /api/v1/billing/checkout");
  });
});
