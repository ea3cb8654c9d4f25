// What assistant-ui shows: the conversation's recorded turns, then the turn
// in flight (its streamed tokens, citations, and how it ended), as
// assistant-ui messages. Each turn is a user message and an assistant
// message; the assistant message carries its citations and outcome in
// `metadata.custom`, read back by the thread's components.
import type { ThreadMessageLike } from "@assistant-ui/react";
import type { Citation, ConversationDetail } from "@/api/types";
import type { LiveTurn } from "./store";

type RecordedTurn = ConversationDetail["history"][number];

/** How an answer ended, as the thread shows it under the answer. */
export type Outcome =
  | { kind: "streaming" }
  | { kind: "complete" }
  | { kind: "stopped" }
  | { kind: "failed"; reason?: string | null; error?: unknown };

export interface AnswerMeta {
  citations: Citation[];
  outcome: Outcome;
  [key: string]: unknown;
}

export interface ChatMessage {
  id: string;
  role: "user" | "assistant";
  text: string;
  /** Assistant messages only. */
  meta?: AnswerMeta;
}

/** The recorded turns, then the live one unless it is already among them. */
export function chatMessages(history: RecordedTurn[], live: LiveTurn | undefined, conversationId?: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const turn of history) {
    const outcome: Outcome =
      turn.outcome === "interrupted"
        ? { kind: "stopped" }
        : turn.outcome === "failed"
          ? { kind: "failed", reason: turn.failure_reason }
          : { kind: "complete" };
    messages.push(
      { id: `${conversationId}:${turn.number}:q`, role: "user", text: turn.question },
      { id: `${conversationId}:${turn.number}:a`, role: "assistant", text: turn.answer, meta: { citations: turn.citations, outcome } },
    );
  }
  if (live && liveIsShown(history, live, conversationId)) {
    const outcome: Outcome =
      live.status === "streaming"
        ? { kind: "streaming" }
        : live.status === "stopped"
          ? { kind: "stopped" }
          : live.status === "failed"
            ? { kind: "failed", error: live.error }
            : { kind: "complete" };
    messages.push(
      { id: "live:q", role: "user", text: live.question },
      { id: "live:a", role: "assistant", text: live.answer, meta: { citations: live.citations, outcome } },
    );
  }
  return messages;
}

/**
 * A streaming turn is always shown; a finished one until the recorded copy
 * of it is fetched (then that copy is shown, once). Its number tells them
 * apart (the same question may be asked again); a stopped turn, whose
 * number the client never got, is the last recorded one if that asks the
 * same.
 */
function liveIsShown(history: RecordedTurn[], live: LiveTurn, conversationId?: string): boolean {
  if (live.status === "streaming") return true;
  if (live.conversationId !== conversationId) return false;
  if (live.turn !== undefined) return !history.some((t) => t.number === live.turn);
  const last = history[history.length - 1];
  return last?.question !== live.question;
}

/** assistant-ui's view of one message. */
export function toThreadMessage(message: ChatMessage): ThreadMessageLike {
  if (message.role === "user") {
    return { id: message.id, role: "user", content: [{ type: "text", text: message.text }] };
  }
  const meta = message.meta ?? { citations: [], outcome: { kind: "complete" } };
  return {
    id: message.id,
    role: "assistant",
    content: [{ type: "text", text: message.text }],
    status:
      meta.outcome.kind === "streaming"
        ? { type: "running" }
        : meta.outcome.kind === "stopped"
          ? { type: "incomplete", reason: "cancelled" }
          : meta.outcome.kind === "failed"
            ? { type: "incomplete", reason: "error" }
            : { type: "complete", reason: "stop" },
    metadata: { custom: meta },
  };
}
