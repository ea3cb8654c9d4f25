import { afterEach, describe, expect, it, vi } from "vitest";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { renderInApp } from "@/test-render";
import type { Assistant } from "@/api/types";
import { RetrievalPreview } from "./RetrievalPreview";

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { "Content-Type": "application/json" } });

const assistant = {
  id: "a1", name: "Archivist", instructions: "", model: "extractive", temperature: 0.2,
  collections: ["k1"], retrieval: { top_k: 6, dense_weight: 0.5, rerank: false },
  created_at: "2026-12-06T09:00:00Z", updated_at: "2026-12-06T09:00:00Z",
} as unknown as Assistant;

afterEach(() => vi.unstubAllGlobals());

describe("RetrievalPreview", () => {
  it("asks with the settings tried and shows each passage with its places", async () => {
    const bodies: unknown[] = [];
    vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
      if (url === "/api/v1/assistants/a1/search") {
        bodies.push(JSON.parse(String(init?.body)));
        return json({
          question: "capex 2022", top_k: 3, dense_weight: 0.5, rerank: true,
          passages: [{
            rank: 1, document_id: "d1", collection_id: "k1", filename: "10-K.pdf", page: 54, page_label: "52",
            chunk_index: 7, excerpt: "Purchases of property, plant and equipment (812)", score: 0.0327,
            dense: { rank: 2, score: 0.8 }, keyword: null,
          }],
        });
      }
      return json({}, 404);
    }));
    renderInApp(<RetrievalPreview assistant={assistant} />);
    await userEvent.type(screen.getByLabelText("Question"), "capex 2022");
    const topK = screen.getByLabelText("Passages per question");
    await userEvent.clear(topK);
    await userEvent.type(topK, "3");
    await userEvent.click(screen.getByLabelText("Rank again by best sentence"));
    await userEvent.click(screen.getByRole("button", { name: "Preview" }));
    expect(await screen.findByText("10-K.pdf")).toHaveAttribute("href", "/documents/d1");
    expect(screen.getByText("page 52")).toBeInTheDocument();
    expect(screen.getByText("score 0.033 · meaning #2 · keywords —")).toBeInTheDocument();
    expect(bodies).toEqual([{ question: "capex 2022", top_k: 3, dense_weight: 0.5, rerank: true }]);
  });
});
