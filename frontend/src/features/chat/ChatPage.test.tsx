import { afterEach, describe, expect, it, vi } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router-dom";
import { renderInApp } from "@/test-render";
import { ChatPage } from "./ChatPage";
import { useChat } from "./store";

const A = "11111111-1111-1111-1111-111111111111";
const C = "22222222-2222-2222-2222-222222222222";
const citation = {
  number: 1, document_id: "33333333-3333-3333-3333-333333333333", title: "history.pdf", page: 12,
  page_label: "6", excerpt: "Debian was founded in 1993.", char_start: 0, char_end: 27, chunk_index: 4, score: 0.9,
};

/** The SSE body of the answer, written to by the test one frame at a time. */
function controlledStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const encoder = new TextEncoder();
  return {
    body,
    send: (event: string, data: unknown) => controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)),
    close: () => controller.close(),
    error: (reason: unknown) => controller.error(reason),
  };
}

const json = (value: unknown) => new Response(JSON.stringify(value), { headers: { "Content-Type": "application/json" } });
const assistant = { id: A, name: "Historian", model: "extractive", collections: [], instructions: "", temperature: 0.2, retrieval: { top_k: 6, dense_weight: 0.5, keyword_weight: 0.5, rerank: false }, created_at: "", updated_at: "" };

function renderChat() {
  renderInApp(
    <Routes>
      <Route path="chat/:assistantId" element={<ChatPage />} />
      <Route path="chat/:assistantId/:conversationId" element={<ChatPage />} />
    </Routes>,
    { path: `/chat/${A}` },
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  useChat.setState({ live: {} });
});

describe("ChatPage", () => {
  it("shows the answer as its tokens arrive, then its sources, then the recorded turn", async () => {
    const stream = controlledStream();
    const requests: { method: string; url: string; body?: string }[] = [];
    let recorded = false;
    vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
      requests.push({ method: init?.method ?? "GET", url, body: init?.body as string | undefined });
      if (url === `/api/v1/assistants/${A}`) return json(assistant);
      if (url.startsWith(`/api/v1/chat/${A}/conversations?`)) return json({ items: recorded ? [{ id: C, title: "When?", turns: 1, created_at: "", updated_at: "" }] : [], total: 0, limit: 200, offset: 0 });
      if (url === `/api/v1/chat/${A}/stream`) return new Response(stream.body, { headers: { "Content-Type": "text/event-stream" } });
      if (url === `/api/v1/chat/${A}/conversations/${C}`) return json({ id: C, title: "When?", turns: 1, created_at: "", updated_at: "", history: [{ number: 1, question: "When?", answer: "In 1993 [1].", citations: [citation], outcome: "complete", model: "extractive", created_at: "", usage: { tokens_in: 1, tokens_out: 1, chunks_retrieved: 1 } }] });
      return new Response("{}", { status: 404 });
    }));

    renderChat();
    await screen.findByText("Historian");
    await userEvent.type(screen.getByLabelText("Your question"), "When?{Enter}");

    // Before any token: the question, a placeholder, and Stop.
    await screen.findByText("Searching your documents…");
    expect(screen.getByRole("button", { name: "Stop" })).toBeInTheDocument();
    stream.send("token", { text: "In " });
    await waitFor(() => expect(screen.getByTestId("answer")).toHaveTextContent(/^In$/));
    stream.send("token", { text: "1993 " });
    await waitFor(() => expect(screen.getByTestId("answer")).toHaveTextContent(/^In 1993$/));
    stream.send("token", { text: "[1]." });
    stream.send("citations", { citations: [citation] });
    const sources = await screen.findByRole("list", { name: "Sources" });
    expect(within(sources).getByTestId("citation")).toHaveTextContent("[1] history.pdf — page 6");

    recorded = true;
    stream.send("done", { conversation_id: C, turn: 1, model: "extractive", usage: { tokens_in: 1, tokens_out: 3, chunks_retrieved: 1 } });
    stream.close();
    // The page moves to the new conversation and shows the recorded turn once.
    await screen.findByRole("link", { name: "When?" });
    await waitFor(() => expect(screen.getAllByTestId("turn")).toHaveLength(1));
    expect(screen.getByRole("button", { name: "Send" })).toBeInTheDocument();
    expect(screen.queryByText(/Stopped/)).toBeNull();
    const post = requests.find((r) => r.method === "POST");
    expect(JSON.parse(post!.body!)).toEqual({ message: "When?", conversation_id: null });
  });

  it("Stop closes the stream, keeps what was produced and says the answer is incomplete", async () => {
    const stream = controlledStream();
    let signal: AbortSignal | undefined;
    vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
      if (url === `/api/v1/assistants/${A}`) return json(assistant);
      if (url.startsWith(`/api/v1/chat/${A}/conversations`)) return json({ items: [], total: 0, limit: 200, offset: 0 });
      if (url === `/api/v1/chat/${A}/stream`) {
        signal = init?.signal ?? undefined;
        signal?.addEventListener("abort", () => stream.error(new DOMException("aborted", "AbortError")));
        return new Response(stream.body, { headers: { "Content-Type": "text/event-stream" } });
      }
      return new Response("{}", { status: 404 });
    }));
    renderChat();
    await screen.findByText("Historian");
    await userEvent.type(screen.getByLabelText("Your question"), "Tell me everything{Enter}");
    stream.send("token", { text: "Once upon " });
    await waitFor(() => expect(screen.getByTestId("answer")).toHaveTextContent("Once upon"));
    await userEvent.click(screen.getByRole("button", { name: "Stop" }));
    expect(signal?.aborted).toBe(true);
    await screen.findByText("Stopped: the answer is incomplete.");
    expect(screen.getByTestId("answer")).toHaveTextContent(/^Once upon$/);
    expect(screen.getByRole("button", { name: "Send" })).toBeInTheDocument();
  });
});
