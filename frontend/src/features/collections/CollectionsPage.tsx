import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { FolderOpen, Plus } from "lucide-react";
import { api } from "@/api/client";
import { keys, useCollections } from "@/api/queries";
import type { Collection, CreateCollection } from "@/api/types";
import { useI18n } from "@/i18n";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, Label } from "@/components/ui/input";
import { EmptyState } from "@/components/EmptyState";
import { ErrorMessage } from "@/components/ErrorMessage";
import { Loading } from "@/components/Loading";

export function CollectionsPage() {
  const { t, locale } = useI18n();
  const collections = useCollections();
  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-6">
      <header>
        <h1 className="text-2xl font-semibold">{t("collections.title")}</h1>
        <p className="text-slate-600">{t("collections.subtitle")}</p>
      </header>
      <CreateCollectionForm />
      {collections.isPending ? <Loading /> : null}
      <ErrorMessage error={collections.error} />
      {collections.data && collections.data.items.length === 0 ? (
        <EmptyState icon={FolderOpen} title={t("collections.empty")} hint={t("collections.emptyHint")} />
      ) : null}
      <ul className="grid gap-3 sm:grid-cols-2">
        {collections.data?.items.map((c) => (
          <li key={c.id}>
            <Link to={`/collections/${c.id}`} className="block">
              <Card className="transition-colors hover:border-indigo-300">
                <CardHeader>
                  <CardTitle>{c.name}</CardTitle>
                </CardHeader>
                <CardContent className="text-sm text-slate-600">
                  {c.description || <span className="italic">{t("collections.noDescription")}</span>}
                  <p className="mt-2 text-xs text-slate-500">
                    {t("common.created", { date: new Date(c.created_at).toLocaleDateString(locale) })}
                  </p>
                </CardContent>
              </Card>
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}

function CreateCollectionForm() {
  const { t } = useI18n();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const create = useMutation({
    mutationFn: (body: CreateCollection) => api.post<Collection>("/collections", body),
    onSuccess: async (collection) => {
      await client.invalidateQueries({ queryKey: keys.collections });
      navigate(`/collections/${collection.id}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) create.mutate({ name: name.trim(), description: description.trim() });
  };
  return (
    <Card>
      <CardContent className="pt-4">
        <form onSubmit={submit} className="flex flex-col gap-3 sm:flex-row sm:items-end">
          <div className="flex flex-1 flex-col gap-1">
            <Label htmlFor="collection-name">{t("collections.name")}</Label>
            <Input id="collection-name" value={name} onChange={(e) => setName(e.target.value)} placeholder={t("collections.namePlaceholder")} required maxLength={100} />
          </div>
          <div className="flex flex-[2] flex-col gap-1">
            <Label htmlFor="collection-description">{t("collections.description")}</Label>
            <Input id="collection-description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} />
          </div>
          <Button type="submit" disabled={!name.trim() || create.isPending}>
            <Plus /> {t("collections.create")}
          </Button>
        </form>
        <ErrorMessage error={create.error} className="mt-3" />
      </CardContent>
    </Card>
  );
}
