import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { useQuery } from "@tanstack/react-query";
import { Download } from "lucide-react";
import { api } from "@/api/client";
import { keys } from "@/api/queries";
import type { Chunk, DocumentItem, Paginated } from "@/api/types";
import { useI18n } from "@/i18n";
import { formatBytes } from "@/lib/utils";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { ErrorMessage } from "@/components/ErrorMessage";
import { Loading } from "@/components/Loading";
import { Pager } from "@/components/Pager";
import { DocumentStatus } from "./DocumentStatus";
import { SourceNote } from "@/features/integrations/SourceNote";

const PAGE = 50;

/** One document: its facts, and its chunks with the page each comes from. */
export function DocumentPage() {
  const { documentId = "" } = useParams();
  const { t, locale } = useI18n();
  const [offset, setOffset] = useState(0);
  const doc = useQuery({
    queryKey: keys.document(documentId),
    queryFn: () => api.get<DocumentItem>(`/documents/${documentId}`),
    // Until it is indexed or failed, look again now and then.
    refetchInterval: (q) => (q.state.data && ["indexed", "failed"].includes(q.state.data.status) ? false : 2000),
  });
  const chunks = useQuery({
    queryKey: keys.chunks(documentId, offset),
    queryFn: () => api.get<Paginated<Chunk>>(`/documents/${documentId}/chunks?limit=${PAGE}&offset=${offset}`),
    enabled: doc.data?.chunks != null,
  });
  if (doc.isPending) return <Loading />;
  if (doc.error) return <ErrorMessage error={doc.error} />;
  const d = doc.data;
  const total = chunks.data?.total ?? 0;
  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-4">
      <Link to={`/collections/${d.collection_id}`} className="text-sm text-indigo-600 hover:underline">
        ← {t("documents.backToCollection")}
      </Link>
      <header className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold">{d.filename}</h1>
          <SourceNote source={d.source} />
        </div>
        <Button asChild variant="outline" size="sm">
          <a href={d.file_url} download={d.filename}>
            <Download /> {t("documents.download")}
          </a>
        </Button>
      </header>
      <Card>
        <CardContent className="grid grid-cols-2 gap-3 pt-4 text-sm sm:grid-cols-4">
          <Fact label={t("documents.status")}><DocumentStatus doc={d} /></Fact>
          <Fact label={t("documents.pages")}>{d.pages ?? "—"}</Fact>
          <Fact label={t("documents.chunks")}>{d.chunks ?? "—"}</Fact>
          <Fact label={t("documents.size")}>{formatBytes(d.size_bytes, locale)}</Fact>
        </CardContent>
      </Card>
      {d.failure ? <p className="rounded-md bg-red-50 p-3 text-sm text-red-800" role="alert">{d.failure.reason}</p> : null}
      <section>
        <h2 className="mb-2 text-lg font-semibold">{t("documents.chunks")}</h2>
        <ErrorMessage error={chunks.error} />
        {d.chunks == null && !d.failure ? <p className="text-sm text-slate-600">{t("documents.chunksLater")}</p> : null}
        <ol className="flex flex-col gap-2">
          {chunks.data?.items.map((c) => (
            <li key={c.index} className="rounded-md border border-slate-200 bg-white p-3 text-sm" data-testid="chunk">
              <div className="mb-1 flex flex-wrap gap-x-3 text-xs text-slate-500">
                <span>#{c.index + 1}</span>
                <span>{t("documents.pageN", { page: c.page_label ?? c.page })}</span>
                {c.heading_path.length > 0 ? <span className="truncate">{c.heading_path.join(" › ")}</span> : null}
                <span>{t("documents.tokens", { count: c.token_count })}</span>
              </div>
              <p className="whitespace-pre-wrap">{c.text}</p>
            </li>
          ))}
        </ol>
        <Pager offset={offset} size={PAGE} total={total} onChange={setOffset} />
      </section>
    </div>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <p className="text-xs text-slate-500">{label}</p>
      <div className="font-medium">{children}</div>
    </div>
  );
}
