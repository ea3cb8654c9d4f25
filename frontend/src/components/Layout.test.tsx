import { afterEach, describe, expect, it, vi } from "vitest";
import { screen } from "@testing-library/react";
import { Route, Routes } from "react-router-dom";
import { renderInApp } from "@/test-render";
import type { Me } from "@/api/types";
import { Layout } from "./Layout";

afterEach(() => vi.unstubAllGlobals());

function meAs(role: string): Me {
  const tenant = { id: "t1", name: "Acme", plan: "free", status: "active", role, created_at: "", updated_at: "" };
  return { kind: "user", user_id: "u1", platform_admin: false, dev_auth_bypass: false, tenant, tenants: [tenant] } as Me;
}

function serve(me: Me) {
  vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify(me), { status: 200, headers: { "Content-Type": "application/json" } })));
}

async function menu(): Promise<string[]> {
  const nav = await screen.findByRole("navigation", { name: "Main" });
  await vi.waitFor(() => expect(screen.getByTestId("workspace-name")).toBeInTheDocument());
  return Array.from(nav.querySelectorAll("a")).map((a) => a.textContent?.trim() ?? "");
}

describe("the menu", () => {
  it("offers a billing user only what the server lets it read: usage and billing", async () => {
    serve(meAs("billing"));
    renderInApp(<Routes><Route path="*" element={<Layout />} /></Routes>, { path: "/usage" });
    expect(await menu()).toEqual(["Usage & billing"]);
  });

  it("offers the whole product to owners and members", async () => {
    serve(meAs("member"));
    renderInApp(<Routes><Route path="*" element={<Layout />} /></Routes>, { path: "/usage" });
    expect(await menu()).toEqual(["Collections", "Assistants", "Integrations", "Usage & billing", "Settings"]);
  });
});
