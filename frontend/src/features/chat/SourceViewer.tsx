import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { ChevronLeft, ChevronRight, ExternalLink } from "lucide-react";
import { api } from "@/api/client";
import { keys } from "@/api/queries";
import type { Chunk, Citation, DocumentItem, Paginated } from "@/api/types";
import { useI18n } from "@/i18n";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { ErrorMessage } from "@/components/ErrorMessage";
import { Loading } from "@/components/Loading";
import { PdfPage } from "./PdfPage";

/** A cited source opened at its page: the PDF page with the excerpt highlighted, or the chunk in its section. */
export function SourceViewer({ citation, onClose }: { citation: Citation | null; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog open={citation !== null} onOpenChange={(open) => (open ? null : onClose())}>
      {citation ? (
        <DialogContent
          title={`[${citation.number}] ${citation.title}`}
          description={t("documents.pageN", { page: citation.page_label ?? citation.page })}
          closeLabel={t("common.close")}
          className="max-w-4xl"
        >
          <Source citation={citation} />
        </DialogContent>
      ) : null}
    </Dialog>
  );
}

function Source({ citation }: { citation: Citation }) {
  const { t } = useI18n();
  const doc = useQuery({
    queryKey: keys.document(citation.document_id),
    queryFn: () => api.get<DocumentItem>(`/documents/${citation.document_id}`),
  });
  if (doc.isPending) return <Loading />;
  if (doc.error) return <ErrorMessage error={doc.error} />;
  return (
    <div className="flex min-h-0 flex-col gap-2">
      <a href={doc.data.file_url} target="_blank" rel="noreferrer" className="inline-flex items-center gap-1 text-sm text-indigo-600 hover:underline">
        <ExternalLink className="size-4" /> {t("source.openFile")}
      </a>
      <div className="min-h-0 overflow-auto rounded-md bg-slate-100 p-2" data-testid="source" data-page={citation.page}>
        {doc.data.media_type === "pdf" ? (
          <PdfPages url={doc.data.file_url} citation={citation} />
        ) : (
          <ChunkInSection citation={citation} />
        )}
      </div>
    </div>
  );
}

/** The cited page first; the pages around it a click away (the excerpt is marked on its own page only). */
function PdfPages({ url, citation }: { url: string; citation: Citation }) {
  const { t } = useI18n();
  const [page, setPage] = useState(citation.page);
  const [count, setCount] = useState<number | null>(null);
  return (
    <div className="flex flex-col gap-2">
      <div className="flex items-center justify-center gap-2 text-sm">
        <Button variant="outline" size="sm" onClick={() => setPage(page - 1)} disabled={page <= 1} aria-label={t("source.previousPage")}>
          <ChevronLeft />
        </Button>
        <span data-testid="pdf-page-number">{t("source.pageOf", { page, count: count ?? "…" })}</span>
        <Button variant="outline" size="sm" onClick={() => setPage(page + 1)} disabled={count !== null && page >= count} aria-label={t("source.nextPage")}>
          <ChevronRight />
        </Button>
        {page !== citation.page ? (
          <Button variant="link" size="sm" onClick={() => setPage(citation.page)}>{t("source.backToCited")}</Button>
        ) : null}
      </div>
      <PdfPage url={url} page={page} excerpt={page === citation.page ? citation.excerpt : ""} onPages={setCount} />
    </div>
  );
}

/** Formats without pages drawn here: the cited chunk, under its headings, the excerpt marked. */
function ChunkInSection({ citation }: { citation: Citation }) {
  const { t } = useI18n();
  const chunk = useQuery({
    queryKey: ["chunk", citation.document_id, citation.chunk_index],
    queryFn: async () => {
      const page = await api.get<Paginated<Chunk>>(
        `/documents/${citation.document_id}/chunks?limit=1&offset=${citation.chunk_index}`,
      );
      return page.items[0] ?? null;
    },
  });
  if (chunk.isPending) return <Loading />;
  if (chunk.error) return <ErrorMessage error={chunk.error} />;
  if (!chunk.data) return <p className="text-sm">{t("source.gone")}</p>;
  const text = chunk.data.text;
  const at = text.indexOf(citation.excerpt.trim().slice(0, 80));
  const end = at >= 0 ? at + citation.excerpt.trim().length : -1;
  return (
    <article className="rounded bg-white p-4 text-sm">
      {chunk.data.heading_path.length > 0 ? (
        <p className="mb-2 text-xs font-medium text-slate-500">{chunk.data.heading_path.join(" › ")}</p>
      ) : null}
      <p className="whitespace-pre-wrap">
        {at >= 0 ? (
          <>
            {text.slice(0, at)}
            <mark className="bg-yellow-200" data-testid="highlight">{text.slice(at, end)}</mark>
            {text.slice(end)}
          </>
        ) : (
          text
        )}
      </p>
    </article>
  );
}
