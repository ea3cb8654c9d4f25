// Keeps a collection's documents live: reads `GET /documents/events` (SSE)
// and writes each changed document into the query cache, so statuses move
// from queued to indexed (or failed, with the reason) without reloading.
import { useEffect } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "@/api/client";
import { keys } from "@/api/queries";
import { readSse } from "@/api/sse";
import type { DocumentItem, Paginated } from "@/api/types";

export function upsertDocument(
  page: Paginated<DocumentItem> | undefined,
  doc: DocumentItem,
): Paginated<DocumentItem> | undefined {
  if (!page) return page;
  const at = page.items.findIndex((d) => d.id === doc.id);
  if (at < 0) return { ...page, items: [...page.items, doc], total: page.total + 1 };
  const items = page.items.slice();
  items[at] = doc;
  return { ...page, items };
}

export function useDocumentFeed(collectionId: string) {
  const client = useQueryClient();
  useEffect(() => {
    const abort = new AbortController();
    let delay = 500;
    (async () => {
      while (!abort.signal.aborted) {
        try {
          const response = await apiFetch(`/documents/events?collection_id=${collectionId}`, {
            headers: { Accept: "text/event-stream" },
            signal: abort.signal,
          });
          if (!response.ok || !response.body) throw new Error(`feed: HTTP ${response.status}`);
          delay = 500;
          for await (const event of readSse(response.body)) {
            if (event.event !== "document") continue;
            const doc = JSON.parse(event.data) as DocumentItem;
            client.setQueryData<Paginated<DocumentItem>>(keys.documents(collectionId), (page) =>
              upsertDocument(page, doc),
            );
            client.setQueryData(keys.document(doc.id), doc);
          }
        } catch {
          if (abort.signal.aborted) return;
        }
        // The stream ended or failed: catch up on what was missed, then reconnect.
        await client.invalidateQueries({ queryKey: keys.documents(collectionId) });
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 10_000);
      }
    })();
    return () => abort.abort();
  }, [client, collectionId]);
}
