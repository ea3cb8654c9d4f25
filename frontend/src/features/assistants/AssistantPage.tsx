import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { MessageSquare } from "lucide-react";
import { api } from "@/api/client";
import { keys, useAssistant } from "@/api/queries";
import type { Assistant } from "@/api/types";
import { useI18n } from "@/i18n";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { ConfirmDelete } from "@/components/ConfirmDelete";
import { ErrorMessage } from "@/components/ErrorMessage";
import { Loading } from "@/components/Loading";
import { AssistantForm, bodyOf, valuesOf } from "./AssistantForm";
import { RetrievalPreview } from "./RetrievalPreview";

export function AssistantPage() {
  const { assistantId = "" } = useParams();
  const { t } = useI18n();
  const assistant = useAssistant(assistantId);
  const client = useQueryClient();
  const [saved, setSaved] = useState(false);
  const update = useMutation({
    mutationFn: (body: ReturnType<typeof bodyOf>) => api.patch<Assistant>(`/assistants/${assistantId}`, body),
    onSuccess: async (a) => {
      client.setQueryData(keys.assistant(a.id), a);
      await client.invalidateQueries({ queryKey: keys.assistants });
      setSaved(true);
    },
  });
  if (assistant.isPending) return <Loading />;
  if (assistant.error) return <ErrorMessage error={assistant.error} />;
  const a = assistant.data;
  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-4">
      <Link to="/assistants" className="text-sm text-indigo-600 hover:underline">← {t("nav.assistants")}</Link>
      <header className="flex items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">{a.name}</h1>
        <div className="flex gap-2">
          <Button asChild>
            <Link to={`/chat/${a.id}`}><MessageSquare /> {t("assistants.chat")}</Link>
          </Button>
          <DeleteAssistant id={a.id} name={a.name} />
        </div>
      </header>
      <Card>
        <CardContent className="pt-4">
          <AssistantForm
            key={a.updated_at}
            initial={valuesOf(a)}
            submitLabel={t("common.save")}
            pending={update.isPending}
            error={update.error}
            onSubmit={(v) => {
              setSaved(false);
              update.mutate(bodyOf(v));
            }}
          />
          {saved ? <p className="mt-2 text-sm text-emerald-700" role="status">{t("common.saved")}</p> : null}
        </CardContent>
      </Card>
      <RetrievalPreview key={a.updated_at} assistant={a} />
    </div>
  );
}

function DeleteAssistant({ id, name }: { id: string; name: string }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const navigate = useNavigate();
  const remove = useMutation({
    mutationFn: () => api.delete(`/assistants/${id}`),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: keys.assistants });
      navigate("/assistants");
    },
  });
  return (
    <ConfirmDelete
      title={t("assistants.deleteTitle", { name })}
      hint={t("assistants.deleteHint")}
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() => remove.mutate()}
    />
  );
}
