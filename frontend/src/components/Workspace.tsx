import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Building2, Plus } from "lucide-react";
import { api } from "@/api/client";
import type { Me, Tenant } from "@/api/types";
import { useWorkspace } from "@/auth/workspace";
import { useI18n } from "@/i18n";
import { Button } from "./ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "./ui/card";
import { Dialog, DialogContent, DialogTrigger } from "./ui/dialog";
import { Input, Label } from "./ui/input";
import { ErrorMessage } from "./ErrorMessage";
import { Select } from "@/components/ui/select";

/**
 * Switching workspace forgets every cached answer (they belong to the other
 * tenant): reset, not cleared, so the pages on screen fetch theirs again.
 */
function useSwitch() {
  const client = useQueryClient();
  const navigate = useNavigate();
  const choose = useWorkspace((s) => s.choose);
  return (id: string) => {
    choose(id);
    void client.resetQueries();
    navigate("/collections");
  };
}

function CreateWorkspaceForm({ onCreated }: { onCreated?: () => void }) {
  const { t } = useI18n();
  const switchTo = useSwitch();
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: (workspace: string) => api.post<Tenant>("/tenants", { name: workspace }),
    onSuccess: (tenant) => {
      onCreated?.();
      switchTo(tenant.id);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) create.mutate(name.trim());
  };
  return (
    <form onSubmit={submit} className="flex flex-col gap-3">
      <div className="flex flex-col gap-1">
        <Label htmlFor="workspace-name">{t("workspace.name")}</Label>
        <Input id="workspace-name" value={name} onChange={(e) => setName(e.target.value)} placeholder={t("workspace.namePlaceholder")} maxLength={100} required />
      </div>
      <ErrorMessage error={create.error} />
      <div>
        <Button type="submit" disabled={!name.trim() || create.isPending}><Plus /> {t("workspace.create")}</Button>
      </div>
    </form>
  );
}

/** In the sidebar: the workspace requests act in, the others to switch to, and a new one. */
export function WorkspaceSwitcher({ me }: { me: Me }) {
  const { t } = useI18n();
  const switchTo = useSwitch();
  const [open, setOpen] = useState(false);
  const current = me.tenant?.id ?? "";
  return (
    <div className="flex flex-col gap-2">
      {me.tenants.length > 1 ? (
        <Select
          aria-label={t("workspace.switch")}
          value={current}
          onChange={(e) => switchTo(e.target.value)}
          className="w-full"
        >
          {me.tenants.map((tenant) => (
            <option key={tenant.id} value={tenant.id}>{tenant.name}</option>
          ))}
        </Select>
      ) : null}
      {me.kind === "user" ? (
        <Dialog open={open} onOpenChange={setOpen}>
          <DialogTrigger asChild>
            <Button variant="ghost" size="sm" className="justify-start px-1 text-slate-600"><Plus /> {t("workspace.new")}</Button>
          </DialogTrigger>
          <DialogContent title={t("workspace.new")} description={t("workspace.newHint")} closeLabel={t("common.close")}>
            <CreateWorkspaceForm onCreated={() => setOpen(false)} />
          </DialogContent>
        </Dialog>
      ) : null}
    </div>
  );
}

/** Instead of a page, for a user in no workspace yet (a first Clerk sign-in), or only in suspended ones. */
export function NoWorkspace({ me }: { me: Me }) {
  const { t } = useI18n();
  const suspended = me.tenants.find((tenant) => tenant.status === "suspended");
  return (
    <div className="mx-auto flex max-w-lg flex-col gap-4 pt-8">
      {suspended ? (
        <p role="alert" className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">
          {t("workspace.suspended", { name: suspended.name, reason: suspended.suspension_reason ?? "—" })}
        </p>
      ) : null}
      <Card>
        <CardHeader>
          <CardTitle className="flex items-center gap-2"><Building2 className="size-5 text-indigo-600" /> {t("workspace.noneTitle")}</CardTitle>
          <p className="text-sm text-slate-600">{t("workspace.noneHint")}</p>
        </CardHeader>
        <CardContent>
          <CreateWorkspaceForm />
        </CardContent>
      </Card>
    </div>
  );
}
