import { describe, expect, it } from "vitest";
import { readSse, type SseEvent } from "./sse";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

async function all(chunks: string[]): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const e of readSse(streamOf(chunks))) out.push(e);
  return out;
}

describe("readSse", () => {
  it("reads named events whose lines are split across network reads", async () => {
    const events = await all(['event: tok', 'en\ndata: {"text":"Bon', 'jour "}\n', "\n", 'event: done\ndata: {}\n\n']);
    expect(events).toEqual([
      { event: "token", data: '{"text":"Bonjour "}' },
      { event: "done", data: "{}" },
    ]);
  });

  it("joins multi-line data, skips comments (keep-alives) and accepts CRLF", async () => {
    const events = await all([": keep-alive\r\n\r\n", "data: a\r\ndata: b\r\n\r\n"]);
    expect(events).toEqual([{ event: "message", data: "a\nb" }]);
  });

  it("drops an event the stream ended in the middle of", async () => {
    const events = await all(["event: token\ndata: {}\n\n", "event: token\ndata: {"]);
    expect(events).toHaveLength(1);
  });
});
