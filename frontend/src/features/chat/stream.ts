// One question, answered as a stream: `POST /chat/{assistant}/stream` read as
// SSE (`token`…, `citations`, then `done` or `error`). Aborting the signal
// closes the connection, which stops generation on the server; the partial
// turn is recorded there.
import { apiFetch, toApiError } from "@/api/client";
import { readSse } from "@/api/sse";
import type { Citation, TurnUsage } from "@/api/types";

export interface DoneFrame {
  conversation_id: string;
  turn: number;
  model: string;
  usage: TurnUsage;
}

export interface ErrorFrame {
  conversation_id: string;
  turn: number;
  detail: string;
}

export interface StreamHandlers {
  onToken: (text: string) => void;
  onCitations: (citations: Citation[]) => void;
  onDone: (done: DoneFrame) => void;
  onError: (error: ErrorFrame) => void;
}

export async function streamChat(
  assistantId: string,
  body: { message: string; conversation_id?: string | null },
  signal: AbortSignal,
  handlers: StreamHandlers,
): Promise<void> {
  const response = await apiFetch(`/chat/${assistantId}/stream`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok || !response.body) throw await toApiError(response);
  for await (const event of readSse(response.body)) {
    const data = JSON.parse(event.data) as Record<string, unknown>;
    switch (event.event) {
      case "token":
        handlers.onToken(String(data.text ?? ""));
        break;
      case "citations":
        handlers.onCitations((data.citations as Citation[]) ?? []);
        break;
      case "done":
        handlers.onDone(data as unknown as DoneFrame);
        return;
      case "error":
        handlers.onError(data as unknown as ErrorFrame);
        return;
    }
  }
}
