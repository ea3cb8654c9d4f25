import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Check, Copy, KeyRound, Trash2, UserPlus } from "lucide-react";
import { api } from "@/api/client";
import { useMe } from "@/api/queries";
import type { ApiKey, CreatedApiKey, Invitation, Member } from "@/api/types";
import { useI18n } from "@/i18n";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, Label } from "@/components/ui/input";
import { Badge } from "@/components/ui/badge";
import { ErrorMessage } from "@/components/ErrorMessage";
import { Loading } from "@/components/Loading";
import { Select } from "@/components/ui/select";

const ROLES = ["owner", "member", "billing"] as const;
import { ROLE_KEYS } from "@/components/Invitations";

export function SettingsPage() {
  const { t } = useI18n();
  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-6">
      <header>
        <h1 className="text-2xl font-semibold">{t("settings.title")}</h1>
      </header>
      <ApiKeys />
      <Members />
    </div>
  );
}

function ApiKeys() {
  const { t, locale } = useI18n();
  const client = useQueryClient();
  const keys = useQuery({ queryKey: ["api-keys"], queryFn: () => api.get<ApiKey[]>("/api-keys") });
  const [name, setName] = useState("");
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [copied, setCopied] = useState(false);
  const create = useMutation({
    mutationFn: (keyName: string) => api.post<CreatedApiKey>("/api-keys", { name: keyName }),
    onSuccess: async (key) => {
      setCreated(key);
      setCopied(false);
      setName("");
      await client.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.delete(`/api-keys/${id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ["api-keys"] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) create.mutate(name.trim());
  };
  const copy = async () => {
    if (!created) return;
    await navigator.clipboard?.writeText(created.secret);
    setCopied(true);
  };
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("apiKeys.title")}</CardTitle>
        <p className="text-sm text-slate-600">{t("apiKeys.hint")}</p>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <form onSubmit={submit} className="flex items-end gap-2">
          <div className="flex flex-1 flex-col gap-1">
            <Label htmlFor="api-key-name">{t("apiKeys.name")}</Label>
            <Input id="api-key-name" value={name} onChange={(e) => setName(e.target.value)} placeholder={t("apiKeys.namePlaceholder")} maxLength={100} />
          </div>
          <Button type="submit" disabled={!name.trim() || create.isPending}><KeyRound /> {t("apiKeys.create")}</Button>
        </form>
        <ErrorMessage error={create.error} />
        {created ? (
          <div className="rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm" role="status" data-testid="api-key-secret">
            <p className="font-medium text-emerald-900">{t("apiKeys.once")}</p>
            <div className="mt-2 flex items-center gap-2">
              <code className="flex-1 overflow-x-auto rounded bg-white px-2 py-1 font-mono text-xs">{created.secret}</code>
              <Button size="sm" variant="outline" onClick={copy}>{copied ? <Check /> : <Copy />} {t(copied ? "apiKeys.copied" : "apiKeys.copy")}</Button>
            </div>
          </div>
        ) : null}
        {keys.isPending ? <Loading /> : null}
        <ErrorMessage error={keys.error} />
        <ErrorMessage error={revoke.error} />
        {keys.data && keys.data.length === 0 ? <p className="text-sm text-slate-600">{t("apiKeys.empty")}</p> : null}
        <ul className="flex flex-col divide-y divide-slate-100">
          {keys.data?.map((k) => (
            <li key={k.id} className="flex items-center justify-between gap-2 py-2 text-sm" data-testid="api-key">
              <span>
                <span className="font-medium">{k.name}</span>{" "}
                <code className="text-xs text-slate-500">{k.prefix}…</code>
                <span className="ml-2 text-xs text-slate-500">{t("common.created", { date: new Date(k.created_at).toLocaleDateString(locale) })}</span>
              </span>
              {k.revoked_at ? (
                <Badge tone="danger">{t("apiKeys.revoked")}</Badge>
              ) : (
                <Button size="sm" variant="outline" onClick={() => revoke.mutate(k.id)} disabled={revoke.isPending}>
                  <Trash2 /> {t("apiKeys.revoke")}
                </Button>
              )}
            </li>
          ))}
        </ul>
      </CardContent>
    </Card>
  );
}

function Members() {
  const { t, locale } = useI18n();
  const client = useQueryClient();
  const me = useMe();
  const members = useQuery({ queryKey: ["members"], queryFn: () => api.get<Member[]>("/members") });
  const [userId, setUserId] = useState("");
  const [role, setRole] = useState<string>("member");
  const isOwner = me.data?.tenant?.role === "owner";
  // Owners see who has not answered yet: a member joins on accepting.
  const invitations = useQuery({
    queryKey: ["invitations"],
    queryFn: () => api.get<Invitation[]>("/invitations"),
    enabled: isOwner,
  });
  const refresh = async () => {
    await client.invalidateQueries({ queryKey: ["members"] });
    await client.invalidateQueries({ queryKey: ["invitations"] });
  };
  const [sent, setSent] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: () => api.post<Invitation>("/members", { user_id: userId.trim(), role }),
    onSuccess: async (invitation) => {
      setUserId("");
      setSent(invitation.user_id);
      await refresh();
    },
  });
  const withdraw = useMutation({
    mutationFn: (user: string) => api.delete(`/invitations/${encodeURIComponent(user)}`),
    onSuccess: refresh,
  });
  const change = useMutation({
    mutationFn: ({ user, to }: { user: string; to: string }) => api.patch<Member>(`/members/${encodeURIComponent(user)}`, { role: to }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (user: string) => api.delete(`/members/${encodeURIComponent(user)}`),
    onSuccess: refresh,
  });
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("members.title")}</CardTitle>
        <p className="text-sm text-slate-600">{t("members.hint")}</p>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        {isOwner ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (userId.trim()) add.mutate();
            }}
            className="flex flex-wrap items-end gap-2"
          >
            <div className="flex min-w-48 flex-1 flex-col gap-1">
              <Label htmlFor="member-id">{t("members.userId")}</Label>
              <Input id="member-id" value={userId} onChange={(e) => setUserId(e.target.value)} placeholder="user_2abc…" />
            </div>
            <div className="flex flex-col gap-1">
              <Label htmlFor="member-role">{t("members.role")}</Label>
              <RoleSelect id="member-role" value={role} onChange={setRole} />
            </div>
            <Button type="submit" disabled={!userId.trim() || add.isPending}><UserPlus /> {t("members.invite")}</Button>
          </form>
        ) : null}
        {sent ? <p role="status" className="text-sm text-emerald-700">{t("invitations.sent", { user: sent })}</p> : null}
        <ErrorMessage error={add.error ?? change.error ?? remove.error ?? withdraw.error} />
        {invitations.data?.length ? (
          <div>
            <h3 className="text-sm font-medium">{t("invitations.pending")}</h3>
            <ul className="flex flex-col divide-y divide-slate-100">
              {invitations.data.map((i) => (
                <li key={i.user_id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm" data-testid="pending-invitation">
                  <span>
                    <span className="font-medium">{i.user_id}</span> <Badge className="ml-1">{t(ROLE_KEYS[i.role] ?? "role.member")}</Badge>
                    <span className="ml-2 text-xs text-slate-500">{t("invitations.invitedOn", { date: new Date(i.invited_at).toLocaleDateString(locale) })}</span>
                  </span>
                  <Button size="sm" variant="outline" onClick={() => withdraw.mutate(i.user_id)} aria-label={t("invitations.withdraw", { user: i.user_id })}>
                    <Trash2 />
                  </Button>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {members.isPending ? <Loading /> : null}
        <ErrorMessage error={members.error} />
        <ul className="flex flex-col divide-y divide-slate-100">
          {members.data?.map((m) => (
            <li key={m.user_id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm" data-testid="member">
              <span>
                <span className="font-medium">{m.user_id}</span>
                {m.user_id === me.data?.user_id ? <Badge className="ml-2">{t("members.you")}</Badge> : null}
                <span className="ml-2 text-xs text-slate-500">{t("members.since", { date: new Date(m.added_at).toLocaleDateString(locale) })}</span>
              </span>
              {isOwner ? (
                <span className="flex items-center gap-2">
                  <RoleSelect value={m.role} onChange={(to) => change.mutate({ user: m.user_id, to })} label={t("members.roleOf", { user: m.user_id })} />
                  <Button size="sm" variant="outline" onClick={() => remove.mutate(m.user_id)} aria-label={t("members.removeUser", { user: m.user_id })}>
                    <Trash2 />
                  </Button>
                </span>
              ) : (
                <Badge>{t(ROLE_KEYS[m.role] ?? "role.member")}</Badge>
              )}
            </li>
          ))}
        </ul>
      </CardContent>
    </Card>
  );
}

function RoleSelect({ id, value, onChange, label }: { id?: string; value: string; onChange: (role: string) => void; label?: string }) {
  const { t } = useI18n();
  return (
    <Select id={id} value={value} onChange={(e) => onChange(e.target.value)} aria-label={label} className="h-9">
      {ROLES.map((r) => (
        <option key={r} value={r}>{t(ROLE_KEYS[r] ?? "role.member")}</option>
      ))}
    </Select>
  );
}
