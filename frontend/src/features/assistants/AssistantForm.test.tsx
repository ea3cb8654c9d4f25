import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { renderInApp } from "@/test-render";
import { AssistantForm, bodyOf, valuesOf, type AssistantValues } from "./AssistantForm";

afterEach(() => vi.unstubAllGlobals());

describe("AssistantForm", () => {
  it("edits every setting and submits the API's body (blank model = the deployment's default)", async () => {
    vi.stubGlobal("fetch", vi.fn(async () =>
      new Response(JSON.stringify({ items: [{ id: "c1", name: "Manuals" }, { id: "c2", name: "Contracts" }], total: 2, limit: 200, offset: 0 }), { headers: { "Content-Type": "application/json" } }),
    ));
    const submitted: AssistantValues[] = [];
    renderInApp(
      <AssistantForm initial={valuesOf()} submitLabel="OK" pending={false} error={null} onSubmit={(v) => submitted.push(v)} />,
      { lang: "fr" },
    );
    await userEvent.type(screen.getByLabelText("Nom"), "  Support  ");
    await userEvent.type(screen.getByLabelText("Consignes"), "Sois bref.");
    await userEvent.click(await screen.findByLabelText("Contracts"));
    const topK = screen.getByLabelText("Passages par question");
    await userEvent.clear(topK);
    await userEvent.type(topK, "10");
    fireEvent.change(screen.getByLabelText(/^Recherche/), { target: { value: "0.7" } });
    expect(screen.getByText("Recherche : 70 % sens, 30 % mots-clés")).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText("Reclasser par meilleure phrase"));
    await userEvent.click(screen.getByRole("button", { name: "OK" }));
    expect(submitted).toHaveLength(1);
    expect(bodyOf(submitted[0]!)).toEqual({
      name: "Support",
      instructions: "Sois bref.",
      model: null,
      temperature: 0.2,
      collections: ["c2"],
      retrieval: { top_k: 10, dense_weight: 0.7, rerank: true },
    });
  });
});
