import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { useCollections } from "@/api/queries";
import type { Assistant } from "@/api/types";
import { useI18n } from "@/i18n";
import { Button } from "@/components/ui/button";
import { Input, Label, Textarea } from "@/components/ui/input";
import { ErrorMessage } from "@/components/ErrorMessage";

export interface AssistantValues {
  name: string;
  instructions: string;
  model: string;
  temperature: number;
  collections: string[];
  top_k: number;
  dense_weight: number;
  rerank: boolean;
}

/** The form's starting values: an existing assistant's, or the server's defaults (blank model = the deployment's). */
export function valuesOf(a?: Assistant): AssistantValues {
  return {
    name: a?.name ?? "",
    instructions: a?.instructions ?? "",
    model: a?.model ?? "",
    temperature: a?.temperature ?? 0.2,
    collections: a?.collections ?? [],
    top_k: a?.retrieval.top_k ?? 6,
    dense_weight: a?.retrieval.dense_weight ?? 0.5,
    rerank: a?.retrieval.rerank ?? false,
  };
}

/** The request body for create and update (the API accepts the same fields for both). */
export function bodyOf(v: AssistantValues) {
  return {
    name: v.name.trim(),
    instructions: v.instructions,
    model: v.model.trim() || null,
    temperature: v.temperature,
    collections: v.collections,
    retrieval: { top_k: v.top_k, dense_weight: v.dense_weight, rerank: v.rerank },
  };
}

export function AssistantForm({
  initial,
  submitLabel,
  pending,
  error,
  onSubmit,
}: {
  initial: AssistantValues;
  submitLabel: string;
  pending: boolean;
  error: unknown;
  onSubmit: (values: AssistantValues) => void;
}) {
  const { t } = useI18n();
  const [v, setV] = useState(initial);
  const collections = useCollections();
  const set = <K extends keyof AssistantValues>(key: K, value: AssistantValues[K]) => setV((old) => ({ ...old, [key]: value }));
  const toggle = (id: string) =>
    set("collections", v.collections.includes(id) ? v.collections.filter((c) => c !== id) : [...v.collections, id]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(v);
  };
  return (
    <form onSubmit={submit} className="flex flex-col gap-4">
      <div className="flex flex-col gap-1">
        <Label htmlFor="assistant-name">{t("assistants.name")}</Label>
        <Input id="assistant-name" value={v.name} onChange={(e) => set("name", e.target.value)} required maxLength={100} />
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="assistant-instructions">{t("assistants.instructions")}</Label>
        <Textarea
          id="assistant-instructions"
          rows={4}
          value={v.instructions}
          onChange={(e) => set("instructions", e.target.value)}
          maxLength={8000}
          placeholder={t("assistants.instructionsPlaceholder")}
        />
      </div>
      <fieldset className="flex flex-col gap-2">
        <legend className="text-sm font-medium text-slate-700">{t("assistants.collections")}</legend>
        <ErrorMessage error={collections.error} />
        {collections.data && collections.data.items.length === 0 ? (
          <p className="text-sm text-slate-600">
            {t("assistants.noCollections")}{" "}
            <Link to="/collections" className="text-indigo-600 underline">{t("nav.collections")}</Link>
          </p>
        ) : null}
        <div className="grid gap-1 sm:grid-cols-2">
          {collections.data?.items.map((c) => (
            <label key={c.id} className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={v.collections.includes(c.id)} onChange={() => toggle(c.id)} />
              {c.name}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="grid gap-4 sm:grid-cols-2">
        <div className="flex flex-col gap-1">
          <Label htmlFor="assistant-model">{t("assistants.model")}</Label>
          <Input id="assistant-model" list="assistant-models" value={v.model} onChange={(e) => set("model", e.target.value)} placeholder={t("assistants.modelDefault")} />
          <datalist id="assistant-models">
            <option value="extractive" />
            <option value="gpt-4o-mini" />
          </datalist>
          <p className="text-xs text-slate-500">{t("assistants.modelHint")}</p>
        </div>
        <div className="flex flex-col gap-1">
          <Label htmlFor="assistant-temperature">{t("assistants.temperature", { value: v.temperature.toFixed(1) })}</Label>
          <input id="assistant-temperature" type="range" min={0} max={2} step={0.1} value={v.temperature} onChange={(e) => set("temperature", Number(e.target.value))} />
        </div>
        <div className="flex flex-col gap-1">
          <Label htmlFor="assistant-topk">{t("assistants.topK")}</Label>
          <Input id="assistant-topk" type="number" min={1} max={50} value={v.top_k} onChange={(e) => set("top_k", Number(e.target.value))} />
          <p className="text-xs text-slate-500">{t("assistants.topKHint")}</p>
        </div>
        <div className="flex flex-col gap-1">
          <Label htmlFor="assistant-dense">
            {t("assistants.denseWeight", { dense: Math.round(v.dense_weight * 100), keyword: Math.round((1 - v.dense_weight) * 100) })}
          </Label>
          <input id="assistant-dense" type="range" min={0} max={1} step={0.05} value={v.dense_weight} onChange={(e) => set("dense_weight", Number(e.target.value))} />
          <p className="text-xs text-slate-500">{t("assistants.denseWeightHint")}</p>
        </div>
        <div className="flex flex-col gap-1">
          <label className="flex items-center gap-2 text-sm font-medium">
            <input type="checkbox" checked={v.rerank} onChange={(e) => set("rerank", e.target.checked)} />
            {t("assistants.rerank")}
          </label>
          <p className="text-xs text-slate-500">{t("assistants.rerankHint")}</p>
        </div>
      </div>
      <ErrorMessage error={error} />
      <div>
        <Button type="submit" disabled={pending || !v.name.trim()}>{submitLabel}</Button>
      </div>
    </form>
  );
}
