// What the assistant would retrieve for a question, without answering or
// charging a message: to tune top-k, the dense/keyword weight and the rerank
// by best sentence before saving them. Each passage shows its fused score
// and its place in the dense and keyword rankings taken alone.
import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { useMutation } from "@tanstack/react-query";
import { Search } from "lucide-react";
import { api } from "@/api/client";
import type { Assistant, RetrievalPreviewResult } from "@/api/types";
import { useI18n } from "@/i18n";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, Label } from "@/components/ui/input";
import { ErrorMessage } from "@/components/ErrorMessage";

export function RetrievalPreview({ assistant }: { assistant: Assistant }) {
  const { t, locale } = useI18n();
  const [question, setQuestion] = useState("");
  const [topK, setTopK] = useState(assistant.retrieval.top_k);
  const [dense, setDense] = useState(assistant.retrieval.dense_weight);
  const [rerank, setRerank] = useState(assistant.retrieval.rerank);
  const preview = useMutation({
    mutationFn: () =>
      api.post<RetrievalPreviewResult>(`/assistants/${assistant.id}/search`, {
        question,
        top_k: topK,
        dense_weight: dense,
        rerank,
      }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (question.trim()) preview.mutate();
  };
  const score = (n: number) => n.toLocaleString(locale, { maximumFractionDigits: 3 });
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("preview.title")}</CardTitle>
        <p className="text-sm text-slate-600">{t("preview.hint")}</p>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <form onSubmit={submit} className="flex flex-col gap-3">
          <div className="flex flex-col gap-1">
            <Label htmlFor="preview-question">{t("preview.question")}</Label>
            <Input id="preview-question" value={question} onChange={(e) => setQuestion(e.target.value)} maxLength={4000} />
          </div>
          <div className="flex flex-wrap items-end gap-4">
            <div className="flex flex-col gap-1">
              <Label htmlFor="preview-topk">{t("assistants.topK")}</Label>
              <Input id="preview-topk" type="number" min={1} max={50} value={topK} onChange={(e) => setTopK(Number(e.target.value))} className="w-24" />
            </div>
            <div className="flex flex-1 flex-col gap-1">
              <Label htmlFor="preview-dense">
                {t("assistants.denseWeight", { dense: Math.round(dense * 100), keyword: Math.round((1 - dense) * 100) })}
              </Label>
              <input id="preview-dense" type="range" min={0} max={1} step={0.05} value={dense} onChange={(e) => setDense(Number(e.target.value))} />
            </div>
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={rerank} onChange={(e) => setRerank(e.target.checked)} />
              {t("assistants.rerank")}
            </label>
            <Button type="submit" disabled={!question.trim() || preview.isPending}>
              <Search /> {t("preview.run")}
            </Button>
          </div>
        </form>
        <ErrorMessage error={preview.error} />
        {preview.data ? (
          preview.data.passages.length === 0 ? (
            <p className="text-sm text-slate-600" role="status">{t("preview.none")}</p>
          ) : (
            <ol className="flex flex-col gap-2" data-testid="preview-results">
              {preview.data.passages.map((p) => (
                <li key={`${p.document_id}-${p.chunk_index}`} className="rounded-md border border-slate-200 p-2 text-sm" data-testid="preview-passage">
                  <div className="flex flex-wrap items-baseline justify-between gap-2">
                    <span>
                      <span className="font-medium">[{p.rank}]</span>{" "}
                      <Link to={`/documents/${p.document_id}`} className="text-indigo-700 hover:underline">{p.filename}</Link>{" "}
                      <span className="text-slate-500">{t("preview.page", { page: p.page_label ?? p.page })}</span>
                    </span>
                    <span className="text-xs tabular-nums text-slate-600">
                      {t("preview.scores", {
                        score: score(p.score),
                        dense: p.dense ? `#${p.dense.rank}` : "—",
                        keyword: p.keyword ? `#${p.keyword.rank}` : "—",
                      })}
                    </span>
                  </div>
                  <p className="mt-1 line-clamp-3 text-slate-700">{p.excerpt}</p>
                </li>
              ))}
            </ol>
          )
        ) : null}
      </CardContent>
    </Card>
  );
}
