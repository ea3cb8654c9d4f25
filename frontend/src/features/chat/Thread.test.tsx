import { afterEach, describe, expect, it, vi } from "vitest";
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router-dom";
import { renderInApp } from "@/test-render";
import type { Lang } from "@/i18n";
import { ChatPage } from "./ChatPage";
import { useChat } from "./store";

const A = "11111111-1111-1111-1111-111111111111";
const C = "22222222-2222-2222-2222-222222222222";
const citation = {
  number: 1, document_id: "33333333-3333-3333-3333-333333333333", title: "history.pdf", page: 12,
  page_label: "6", excerpt: "Debian was founded in 1993.", char_start: 0, char_end: 27, chunk_index: 4, score: 0.9,
};
const json = (value: unknown) => new Response(JSON.stringify(value), { headers: { "Content-Type": "application/json" } });
const assistant = { id: A, name: "Historian", model: "extractive", collections: [], instructions: "", temperature: 0.2, retrieval: { top_k: 6, dense_weight: 0.5, keyword_weight: 0.5, rerank: false }, created_at: "", updated_at: "" };
const recorded = {
  id: C, title: "When?", turns: 2, created_at: "", updated_at: "",
  history: [
    { number: 1, question: "When was Debian founded?", answer: "In 1993 [1].", citations: [citation], outcome: "complete", model: "extractive", created_at: "", usage: { tokens_in: 1, tokens_out: 1, chunks_retrieved: 1 } },
    { number: 2, question: "And later?", answer: "", citations: [], outcome: "failed", failure_reason: "the index is unavailable", model: "extractive", created_at: "", usage: { tokens_in: 0, tokens_out: 0, chunks_retrieved: 0 } },
  ],
};

/** The app's API for a recorded conversation; chat posts are kept and answered with one token. */
function serve() {
  const posts: unknown[] = [];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
    if (url === `/api/v1/assistants/${A}`) return json(assistant);
    if (url.startsWith(`/api/v1/chat/${A}/conversations?`)) return json({ items: [{ id: C, title: "When?", turns: 2, created_at: "", updated_at: "" }], total: 1, limit: 200, offset: 0 });
    if (url === `/api/v1/chat/${A}/conversations/${C}`) return json(recorded);
    if (url === `/api/v1/chat/${A}/stream`) {
      posts.push(JSON.parse(String(init?.body)));
      const body = `event: token\ndata: {"text":"Again."}\n\nevent: done\ndata: {"conversation_id":"${C}","turn":3,"model":"extractive","usage":{"tokens_in":1,"tokens_out":1,"chunks_retrieved":0}}\n\n`;
      return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
    }
    return new Response("{}", { status: 404 });
  }));
  return posts;
}

function renderConversation(lang: Lang = "en") {
  renderInApp(
    <Routes>
      <Route path="chat/:assistantId/:conversationId" element={<ChatPage />} />
    </Routes>,
    { path: `/chat/${A}/${C}`, lang },
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  useChat.setState({ live: {} });
  delete (window as unknown as Record<string, unknown>).SpeechRecognition;
});

describe("the chat thread (assistant-ui)", () => {
  it("shows recorded turns with their sources and outcome; a marker opens its source", async () => {
    serve();
    renderConversation();
    const [first, second] = (await screen.findAllByTestId("turn")) as [HTMLElement, HTMLElement];
    expect(screen.getAllByTestId("turn")).toHaveLength(2);
    expect(screen.getAllByTestId("question").map((q) => q.textContent)).toEqual(["When was Debian founded?", "And later?"]);
    expect(within(first).getByTestId("citation")).toHaveTextContent("[1] history.pdf — page 6");
    expect(within(second).getByRole("alert")).toHaveTextContent("This answer failed — the index is unavailable");
    await userEvent.click(within(first).getByTestId("citation-marker"));
    expect(await screen.findByRole("dialog")).toHaveTextContent("history.pdf");
  });

  it("Copy puts the answer on the clipboard; Ask again asks its question anew in the conversation", async () => {
    const posts = serve();
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    renderConversation();
    const [first, second] = (await screen.findAllByTestId("turn")) as [HTMLElement, HTMLElement];
    await userEvent.click(within(first).getByRole("button", { name: "Copy" }));
    expect(writeText).toHaveBeenCalledWith("In 1993 [1].");
    await within(first).findByRole("button", { name: "Copied" });

    await userEvent.click(within(second).getByRole("button", { name: "Ask again" }));
    await waitFor(() => expect(posts).toEqual([{ message: "And later?", conversation_id: C }]));
    await waitFor(() => expect(screen.getAllByTestId("answer").at(-1)).toHaveTextContent("Again."));
  });

  it("Enter sends, Shift+Enter breaks the line, blanks are not sent", async () => {
    const posts = serve();
    renderConversation();
    await screen.findAllByTestId("turn");
    const box = screen.getByLabelText("Your question");
    await userEvent.type(box, "   {Enter}");
    expect(posts).toEqual([]);
    expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
    await userEvent.clear(box);
    await userEvent.type(box, "first line{Shift>}{Enter}{/Shift}second line");
    expect(box).toHaveValue("first line\nsecond line");
    expect(posts).toEqual([]);
    await userEvent.type(box, "{Enter}");
    await waitFor(() => expect(posts).toEqual([{ message: "first line\nsecond line", conversation_id: C }]));
    await waitFor(() => expect(box).toHaveValue(""));
  });

  it("offers no dictation without speech recognition", async () => {
    serve();
    renderConversation();
    await screen.findAllByTestId("turn");
    expect(screen.queryByRole("button", { name: "Dictate" })).toBeNull();
  });

  it("dictates into the composer in the interface's language", async () => {
    serve();
    let recognition: (EventTarget & { lang: string }) | undefined;
    class FakeRecognition extends EventTarget {
      lang = "";
      continuous = false;
      interimResults = false;
      constructor() {
        super();
        recognition = this;
      }
      start() {
        queueMicrotask(() => this.dispatchEvent(new Event("start")));
      }
      stop() {
        this.dispatchEvent(new Event("end"));
      }
      abort() {
        this.dispatchEvent(new Event("end"));
      }
    }
    (window as unknown as Record<string, unknown>).SpeechRecognition = FakeRecognition;
    renderConversation("fr");
    await screen.findAllByTestId("turn");
    await userEvent.click(screen.getByRole("button", { name: "Dicter" }));
    expect(recognition?.lang).toBe("fr-FR");
    const said = Object.assign(new Event("result"), {
      resultIndex: 0,
      results: [Object.assign([{ transcript: "quand Debian est-il né" }], { isFinal: true })],
    });
    act(() => void recognition?.dispatchEvent(said));
    await waitFor(() => expect(screen.getByLabelText("Votre question")).toHaveValue("quand Debian est-il né"));
    await userEvent.click(screen.getByRole("button", { name: "Arrêter la dictée" }));
    await waitFor(() => expect(screen.queryByRole("button", { name: "Arrêter la dictée" })).toBeNull());
  });
});
