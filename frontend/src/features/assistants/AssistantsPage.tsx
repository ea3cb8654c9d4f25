import { Link, useNavigate } from "react-router-dom";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Bot, MessageSquare } from "lucide-react";
import { api } from "@/api/client";
import { keys, useAssistants } from "@/api/queries";
import type { Assistant } from "@/api/types";
import { useI18n } from "@/i18n";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/EmptyState";
import { ErrorMessage } from "@/components/ErrorMessage";
import { Loading } from "@/components/Loading";
import { AssistantForm, bodyOf, valuesOf } from "./AssistantForm";

export function AssistantsPage() {
  const { t } = useI18n();
  const assistants = useAssistants();
  const client = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: (body: ReturnType<typeof bodyOf>) => api.post<Assistant>("/assistants", body),
    onSuccess: async (a) => {
      await client.invalidateQueries({ queryKey: keys.assistants });
      navigate(`/chat/${a.id}`);
    },
  });
  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-6">
      <header>
        <h1 className="text-2xl font-semibold">{t("assistants.title")}</h1>
        <p className="text-slate-600">{t("assistants.subtitle")}</p>
      </header>
      {assistants.isPending ? <Loading /> : null}
      <ErrorMessage error={assistants.error} />
      {assistants.data && assistants.data.items.length === 0 ? (
        <EmptyState icon={Bot} title={t("assistants.empty")} hint={t("assistants.emptyHint")} />
      ) : null}
      <ul className="grid gap-3 sm:grid-cols-2">
        {assistants.data?.items.map((a) => (
          <li key={a.id}>
            <Card>
              <CardHeader>
                <CardTitle>{a.name}</CardTitle>
                <p className="text-xs text-slate-500">
                  {a.model} · {t("assistants.collectionCount", { count: a.collections.length })}
                </p>
              </CardHeader>
              <CardContent className="flex gap-2">
                <Button asChild size="sm">
                  <Link to={`/chat/${a.id}`}><MessageSquare /> {t("assistants.chat")}</Link>
                </Button>
                <Button asChild size="sm" variant="outline">
                  <Link to={`/assistants/${a.id}`}>{t("common.edit")}</Link>
                </Button>
              </CardContent>
            </Card>
          </li>
        ))}
      </ul>
      <Card>
        <CardHeader>
          <CardTitle>{t("assistants.new")}</CardTitle>
        </CardHeader>
        <CardContent>
          <AssistantForm
            initial={valuesOf()}
            submitLabel={t("assistants.create")}
            pending={create.isPending}
            error={create.error}
            onSubmit={(v) => create.mutate(bodyOf(v))}
          />
        </CardContent>
      </Card>
    </div>
  );
}
