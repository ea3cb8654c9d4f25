// Keeps a collection's documents live: reads `GET /documents/events` (SSE)
// and writes each changed document into the query cache, so statuses move
// from queued to indexed (or failed, with the reason) without reloading.
import { useEffect } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "@/api/client";
import { keys } from "@/api/queries";
import { readSse } from "@/api/sse";
import type { DocumentItem, Paginated } from "@/api/types";

/** A page with `doc` replaced; null when the page does not hold it (a new document, or one on another page). */
export function replaceDocument(
  page: Paginated<DocumentItem> | undefined,
  doc: DocumentItem,
): Paginated<DocumentItem> | null {
  const at = page ? page.items.findIndex((d) => d.id === doc.id) : -1;
  if (!page || at < 0) return null;
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
            client.setQueryData(keys.document(doc.id), doc);
            // Each cached page of the collection: replace the document where it
            // is shown; a document no page holds yet (just uploaded) means the
            // pages are stale, and they are fetched again.
            let shown = false;
            for (const [key, page] of client.getQueriesData<Paginated<DocumentItem>>({ queryKey: keys.documents(collectionId) })) {
              const updated = replaceDocument(page, doc);
              if (updated) {
                client.setQueryData(key, updated);
                shown = true;
              }
            }
            if (!shown) void client.invalidateQueries({ queryKey: keys.documents(collectionId) });
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
