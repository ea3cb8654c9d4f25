// The turn being answered, per assistant: what has streamed so far, its
// citations, and how it ended. Recorded turns come from the server; this is
// only the one in flight (and the one just finished, until the server's copy
// is fetched).
import { create } from "zustand";
import type { Citation } from "@/api/types";

export type LiveStatus = "streaming" | "done" | "stopped" | "failed";

export interface LiveTurn {
  question: string;
  answer: string;
  citations: Citation[];
  status: LiveStatus;
  conversationId?: string;
  /** Its number in the conversation, once the server said it (`done` / `error`). */
  turn?: number;
  /** Why it failed: the server's `error` frame detail, or the request's error. */
  error?: unknown;
}

interface ChatStore {
  live: Record<string, LiveTurn | undefined>;
  start: (assistantId: string, question: string, conversationId?: string) => void;
  token: (assistantId: string, text: string) => void;
  citations: (assistantId: string, citations: Citation[]) => void;
  finish: (assistantId: string, status: Exclude<LiveStatus, "streaming">, change?: Partial<LiveTurn>) => void;
  clear: (assistantId: string) => void;
}

export const useChat = create<ChatStore>((set) => {
  const patch = (assistantId: string, f: (turn: LiveTurn) => Partial<LiveTurn>) =>
    set((s) => {
      const turn = s.live[assistantId];
      return turn ? { live: { ...s.live, [assistantId]: { ...turn, ...f(turn) } } } : s;
    });
  return {
    live: {},
    start: (assistantId, question, conversationId) =>
      set((s) => ({
        live: { ...s.live, [assistantId]: { question, answer: "", citations: [], status: "streaming", conversationId } },
      })),
    token: (assistantId, text) => patch(assistantId, (t) => ({ answer: t.answer + text })),
    citations: (assistantId, citations) => patch(assistantId, () => ({ citations })),
    finish: (assistantId, status, change) => patch(assistantId, () => ({ status, ...change })),
    clear: (assistantId) => set((s) => ({ live: { ...s.live, [assistantId]: undefined } })),
  };
});
