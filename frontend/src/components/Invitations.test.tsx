import { afterEach, describe, expect, it, vi } from "vitest";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { renderInApp } from "@/test-render";
import type { Invitation } from "@/api/types";
import { MyInvitations } from "./Invitations";

afterEach(() => vi.unstubAllGlobals());

const invitation: Invitation = {
  tenant_id: "t-older",
  tenant_name: "Acme Finance",
  user_id: "bob",
  role: "billing",
  invited_by: "user:alice",
  invited_at: "2026-12-01T10:00:00Z",
};

function serve(calls: string[]) {
  let pending = [invitation];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    calls.push(`${method} ${url}`);
    if (method === "POST") {
      pending = [];
      return new Response(null, { status: 204 });
    }
    return new Response(JSON.stringify(pending), { status: 200, headers: { "Content-Type": "application/json" } });
  }));
}

describe("my invitations", () => {
  it("says who invites me to what, in my language, and declines on my word only", async () => {
    const calls: string[] = [];
    serve(calls);
    renderInApp(<MyInvitations />, { lang: "fr" });
    expect(await screen.findByText("« Acme Finance » vous invite à rejoindre l’espace comme Facturation.")).toBeInTheDocument();
    expect(calls.filter((c) => c.startsWith("POST"))).toEqual([]);
    await userEvent.click(screen.getByRole("button", { name: "Refuser" }));
    await vi.waitFor(() => expect(screen.queryByTestId("invitation")).toBeNull());
    expect(calls.filter((c) => c.startsWith("POST"))).toEqual(["POST /api/v1/me/invitations/t-older/decline"]);
  });
});
