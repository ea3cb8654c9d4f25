import { afterEach, describe, expect, it } from "vitest";
import { ApiError, problemFrom } from "@/api/client";
import { chatMessages, toThreadMessage } from "./messages";
import { useChat } from "./store";

const A = "assistant-1";
const C = "conversation-1";
const citation = {
  number: 1, document_id: "d", title: "history.pdf", page: 12, page_label: "6",
  excerpt: "Debian was founded in 1993.", char_start: 0, char_end: 27, chunk_index: 4, score: 0.9,
};
const chat = useChat.getState;
const live = () => useChat.getState().live[A];
/** The question and answer of a one-turn thread. */
function pair<T>(messages: T[]): [T, T] {
  const [question, answer] = messages;
  if (!question || !answer) throw new Error(`a question and its answer expected, got ${messages.length} messages`);
  return [question, answer];
}
const thread = (history = [] as Parameters<typeof chatMessages>[0], conversation?: string) =>
  pair(chatMessages(history, live(), conversation).map(toThreadMessage));

afterEach(() => useChat.setState({ live: {} }));

describe("our stream's events as assistant-ui messages", () => {
  it("tokens run, citations ride along, done completes", () => {
    chat().start(A, "When?");
    let [question, answer] = thread();
    expect(question).toEqual({ id: "live:q", role: "user", content: [{ type: "text", text: "When?" }] });
    expect(answer.status).toEqual({ type: "running" });
    expect(answer.content).toEqual([{ type: "text", text: "" }]);

    chat().token(A, "In ");
    chat().token(A, "1993 [1].");
    chat().citations(A, [citation]);
    [, answer] = thread();
    expect(answer.content).toEqual([{ type: "text", text: "In 1993 [1]." }]);
    expect(answer.metadata?.custom).toEqual({ citations: [citation], outcome: { kind: "streaming" } });

    chat().finish(A, "done", { conversationId: C, turn: 1 });
    [, answer] = thread([], C);
    expect(answer.status).toEqual({ type: "complete", reason: "stop" });
  });

  it("Stop is a cancelled answer that keeps its text; an error frame is a failed one with its reason", () => {
    chat().start(A, "Tell me everything");
    chat().token(A, "Once upon");
    chat().finish(A, "stopped");
    let [, answer] = thread();
    expect(answer.status).toEqual({ type: "incomplete", reason: "cancelled" });
    expect(answer.content).toEqual([{ type: "text", text: "Once upon" }]);
    expect(answer.metadata?.custom).toMatchObject({ outcome: { kind: "stopped" } });

    const error = new ApiError(problemFrom(500, JSON.stringify({ title: "Answer failed", status: 500, detail: "the model is unavailable" })));
    chat().start(A, "Again?", C);
    chat().finish(A, "failed", { conversationId: C, turn: 2, error });
    [, answer] = thread([], C);
    expect(answer.status).toEqual({ type: "incomplete", reason: "error" });
    expect(answer.metadata?.custom).toMatchObject({ outcome: { kind: "failed", error } });
  });

  it("a finished turn gives way to its recorded copy, told apart by number, not by question", () => {
    const recorded = (number: number) => ({
      number, question: "When?", answer: "In 1993 [1].", citations: [citation], outcome: "complete" as const,
      model: "extractive", created_at: "", usage: { tokens_in: 1, tokens_out: 1, chunks_retrieved: 1 },
    });
    chat().start(A, "When?", C);
    chat().finish(A, "done", { conversationId: C, turn: 2 });
    // Turn 1 asked the same; turn 2 is not fetched yet: both are shown.
    expect(chatMessages([recorded(1)], live(), C).map((m) => m.id)).toEqual([`${C}:1:q`, `${C}:1:a`, "live:q", "live:a"]);
    // Once fetched, the recorded copy only.
    expect(chatMessages([recorded(1), recorded(2)], live(), C).map((m) => m.id)).toEqual([`${C}:1:q`, `${C}:1:a`, `${C}:2:q`, `${C}:2:a`]);
    // Recorded outcomes map as live ones do.
    const failed = { ...recorded(3), outcome: "failed" as const, failure_reason: "no index" };
    const [, answer] = pair(chatMessages([failed], undefined, C).map(toThreadMessage));
    expect(answer.status).toEqual({ type: "incomplete", reason: "error" });
    expect(answer.metadata?.custom).toMatchObject({ outcome: { kind: "failed", reason: "no index" } });
  });
});
