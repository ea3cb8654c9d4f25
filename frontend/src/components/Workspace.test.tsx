import { afterEach, describe, expect, it, vi } from "vitest";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { renderInApp } from "@/test-render";
import { authHeaders } from "@/api/client";
import { useWorkspace } from "@/auth/workspace";
import type { Me } from "@/api/types";
import { NoWorkspace } from "./Workspace";

afterEach(() => {
  vi.unstubAllGlobals();
  useWorkspace.getState().choose(null);
});

const me: Me = { kind: "user", user_id: "user_new", platform_admin: false, dev_auth_bypass: false, tenant: null, tenants: [] };

describe("workspaces", () => {
  it("a user in no workspace creates one, then acts in it (X-Ancre-Tenant on every request)", async () => {
    const posted: unknown[] = [];
    vi.stubGlobal("fetch", vi.fn(async (_url: string, init?: RequestInit) => {
      posted.push(JSON.parse(String(init?.body)));
      return new Response(JSON.stringify({ id: "t-new", name: "Acme", plan: "free", status: "active", created_at: "", updated_at: "" }), { status: 201, headers: { "Content-Type": "application/json" } });
    }));
    renderInApp(<NoWorkspace me={me} />);
    expect(screen.getByText("Create your workspace")).toBeInTheDocument();
    expect(await authHeaders()).not.toHaveProperty("X-Ancre-Tenant");
    await userEvent.type(screen.getByLabelText("Workspace name"), "Acme");
    await userEvent.click(screen.getByRole("button", { name: "Create workspace" }));
    await vi.waitFor(() => expect(useWorkspace.getState().tenantId).toBe("t-new"));
    expect(posted).toEqual([{ name: "Acme" }]);
    expect(await authHeaders()).toEqual({ "X-Ancre-Tenant": "t-new" });
    expect(localStorage.getItem("ancre.tenant")).toBe("t-new");
  });

  it("says a suspended workspace is suspended, with its reason", () => {
    const suspended = { ...me, tenants: [{ id: "t1", name: "Old", plan: "free", status: "suspended", suspension_reason: "unpaid invoices", role: "owner", created_at: "", updated_at: "" }] } as Me;
    renderInApp(<NoWorkspace me={suspended} />);
    expect(screen.getByRole("alert")).toHaveTextContent("The workspace “Old” is suspended (unpaid invoices).");
  });
});
