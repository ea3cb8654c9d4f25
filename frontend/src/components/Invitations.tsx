// The invitations waiting for the signed-in user: nobody joins a workspace
// without accepting (the server's rule); this is where they accept or
// decline, on every page and on the page of a user in no workspace yet.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Check, MailOpen, X } from "lucide-react";
import { api } from "@/api/client";
import type { Invitation, Tenant } from "@/api/types";
import { useI18n, type Key } from "@/i18n";
import { Button } from "./ui/button";
import { ErrorMessage } from "./ErrorMessage";

export const ROLE_KEYS: Record<string, Key> = { owner: "role.owner", member: "role.member", billing: "role.billing" };

export function MyInvitations() {
  const { t } = useI18n();
  const client = useQueryClient();
  const invitations = useQuery({ queryKey: ["my-invitations"], queryFn: () => api.get<Invitation[]>("/me/invitations") });
  const settle = async () => {
    await client.invalidateQueries({ queryKey: ["my-invitations"] });
    await client.invalidateQueries({ queryKey: ["me"] });
  };
  const accept = useMutation({
    mutationFn: (tenant: string) => api.post<Tenant>(`/me/invitations/${tenant}/accept`, {}),
    onSuccess: settle,
  });
  const decline = useMutation({
    mutationFn: (tenant: string) => api.post(`/me/invitations/${tenant}/decline`, {}),
    onSuccess: settle,
  });
  if (!invitations.data?.length) return null;
  return (
    <section className="mb-4 flex flex-col gap-2" aria-label={t("invitations.title")}>
      {invitations.data.map((i) => (
        <div
          key={i.tenant_id}
          className="flex flex-wrap items-center justify-between gap-2 rounded-md border border-indigo-200 bg-indigo-50 px-3 py-2 text-sm"
          data-testid="invitation"
        >
          <span className="flex items-center gap-2">
            <MailOpen className="size-4 text-indigo-600" />
            {t("invitations.forYou", { tenant: i.tenant_name, role: t(ROLE_KEYS[i.role] ?? "role.member") })}
          </span>
          <span className="flex gap-2">
            <Button size="sm" onClick={() => accept.mutate(i.tenant_id)} disabled={accept.isPending}>
              <Check /> {t("invitations.accept")}
            </Button>
            <Button size="sm" variant="outline" onClick={() => decline.mutate(i.tenant_id)} disabled={decline.isPending}>
              <X /> {t("invitations.decline")}
            </Button>
          </span>
        </div>
      ))}
      <ErrorMessage error={accept.error ?? decline.error} />
    </section>
  );
}
