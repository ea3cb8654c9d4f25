import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { FileText } from "lucide-react";
import { api } from "@/api/client";
import { DOCUMENTS_PAGE, keys, useCollection, useDocuments } from "@/api/queries";
import type { DocumentItem } from "@/api/types";
import { useI18n, type Key, type Vars } from "@/i18n";
import { formatBytes } from "@/lib/utils";
import { ConfirmDelete } from "@/components/ConfirmDelete";
import { EmptyState } from "@/components/EmptyState";
import { ErrorMessage } from "@/components/ErrorMessage";
import { Loading } from "@/components/Loading";
import { Pager } from "@/components/Pager";
import { DocumentStatus } from "./DocumentStatus";
import { UploadZone } from "./UploadZone";
import { useDocumentFeed } from "./useDocumentFeed";
import { SourceNote } from "@/features/integrations/SourceNote";

export function CollectionPage() {
  const { collectionId = "" } = useParams();
  const { t } = useI18n();
  const collection = useCollection(collectionId);
  const [offset, setOffset] = useState(0);
  const documents = useDocuments(collectionId, offset);
  useDocumentFeed(collectionId);

  if (collection.isPending) return <Loading />;
  if (collection.error) return <ErrorMessage error={collection.error} />;
  const c = collection.data;
  return (
    <div className="mx-auto flex max-w-5xl flex-col gap-6">
      <header className="flex items-start justify-between gap-4">
        <div>
          <Link to="/collections" className="text-sm text-indigo-600 hover:underline">
            ← {t("nav.collections")}
          </Link>
          <h1 className="text-2xl font-semibold">{c.name}</h1>
          {c.description ? <p className="text-slate-600">{c.description}</p> : null}
        </div>
        <DeleteCollection id={c.id} name={c.name} />
      </header>
      <UploadZone collectionId={c.id} />
      <section>
        <h2 className="mb-2 text-lg font-semibold">{t("documents.title")}</h2>
        <ErrorMessage error={documents.error} />
        {documents.data && documents.data.items.length === 0 ? (
          <EmptyState icon={FileText} title={t("documents.empty")} hint={t("documents.emptyHint")} />
        ) : null}
        {documents.data && documents.data.items.length > 0 ? <DocumentsTable docs={documents.data.items} /> : null}
        <Pager offset={offset} size={DOCUMENTS_PAGE} total={documents.data?.total ?? 0} onChange={setOffset} />
      </section>
    </div>
  );
}

function DocumentsTable({ docs }: { docs: DocumentItem[] }) {
  const { t, locale } = useI18n();
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-sm">
        <thead className="bg-slate-50 text-left text-slate-600">
          <tr>
            <th className="px-3 py-2 font-medium">{t("documents.file")}</th>
            <th className="px-3 py-2 font-medium">{t("documents.status")}</th>
            <th className="px-3 py-2 font-medium">{t("documents.pages")}</th>
            <th className="px-3 py-2 font-medium">{t("documents.size")}</th>
          </tr>
        </thead>
        <tbody>
          {docs.map((d) => (
            <tr key={d.id} className="border-t border-slate-100 align-top" data-testid="document-row" data-filename={d.filename}>
              <td className="px-3 py-2">
                <Link to={`/documents/${d.id}`} className="font-medium text-indigo-700 hover:underline">
                  {d.filename}
                </Link>
                <span className="ml-2 text-xs uppercase text-slate-500">{d.media_type}</span>
                {d.source ? (
                  <div>
                    <SourceNote source={d.source} />
                  </div>
                ) : null}
                {d.failure ? (
                  <p className="mt-1 text-red-700" data-testid="failure-reason">
                    {t("documents.failedAt", { stage: stageLabel(d.failure.stage, t) })}{" "}
                    {d.failure.reason}
                  </p>
                ) : null}
              </td>
              <td className="px-3 py-2">
                <DocumentStatus doc={d} />
              </td>
              <td className="px-3 py-2 tabular-nums">{d.pages ?? "—"}</td>
              <td className="px-3 py-2 tabular-nums">{formatBytes(d.size_bytes, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const STAGES: Record<string, Key> = { parse: "stage.parse", embed: "stage.embed", index: "stage.index" };

function stageLabel(stage: string, t: (key: Key, vars?: Vars) => string): string {
  const key = STAGES[stage];
  return key ? t(key) : stage;
}

function DeleteCollection({ id, name }: { id: string; name: string }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const navigate = useNavigate();
  const remove = useMutation({
    mutationFn: () => api.delete(`/collections/${id}`),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: keys.collections });
      navigate("/collections");
    },
  });
  return (
    <ConfirmDelete
      title={t("collections.deleteTitle", { name })}
      hint={t("collections.deleteHint")}
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() => remove.mutate()}
    />
  );
}
