// Connectors: the tenant's Google Drive and Notion through Nango. Connect
// opens Nango's Connect UI with a session token; once Nango has made the
// connection the page comes back through the callback (also reachable as
// /integrations/callback?provider=&connection_id=, e.g. after a redirect),
// then the user picks the collection its documents go to. While a sync runs
// the list is polled, so the counts move as documents arrive.
import { useEffect, useRef, useState } from "react";
import { useNavigate, useSearchParams } from "react-router-dom";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Nango from "@nangohq/frontend";
import { Link2, RefreshCw } from "lucide-react";
import { api, ApiError } from "@/api/client";
import { useCollections } from "@/api/queries";
import type { Connection, ConnectionList, ConnectSession } from "@/api/types";
import { useI18n, type Key } from "@/i18n";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { Label } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { ErrorMessage } from "@/components/ErrorMessage";
import { Loading } from "@/components/Loading";
import { ConfirmDelete } from "@/components/ConfirmDelete";
import { PROVIDERS } from "./providers";

const BASE = "/integrations/nango";
const connectionsKey = ["integrations", "connections"] as const;

function useConnections() {
  return useQuery({
    queryKey: connectionsKey,
    queryFn: () => api.get<ConnectionList>(`${BASE}/connections`),
    // A sync in progress: follow its counts.
    refetchInterval: (query) =>
      query.state.data?.connections.some((c) => c.sync?.status === "running") ? 1500 : false,
    retry: (count, error) => !(error instanceof ApiError && error.status === 503) && count < 2,
  });
}

export function IntegrationsPage() {
  const { t } = useI18n();
  const connections = useConnections();
  const notConfigured = connections.error instanceof ApiError && connections.error.status === 503;
  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-6">
      <header>
        <h1 className="text-2xl font-semibold">{t("integrations.title")}</h1>
        <p className="text-sm text-slate-600">{t("integrations.subtitle")}</p>
      </header>
      <Callback />
      {connections.isPending ? (
        <Loading />
      ) : notConfigured ? (
        <p role="status" className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900" data-testid="integrations-off">
          {t("integrations.notConfigured")}
        </p>
      ) : connections.error ? (
        <ErrorMessage error={connections.error} />
      ) : (
        PROVIDERS.map((p) => (
          <ProviderCard
            key={p.id}
            provider={p}
            connection={connections.data?.connections.find((c) => c.provider === p.id)}
          />
        ))
      )}
    </div>
  );
}

/** Back from Nango (`?provider=&connection_id=`): the connection becomes the workspace's. */
function Callback() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const provider = params.get("provider");
  const connectionId = params.get("connection_id");
  const done = useRef(false);
  const complete = useMutation({
    mutationFn: () =>
      api.get<Connection>(
        `${BASE}/callback?provider=${encodeURIComponent(provider ?? "")}&connection_id=${encodeURIComponent(connectionId ?? "")}`,
      ),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: connectionsKey });
      navigate("/integrations", { replace: true });
    },
  });
  useEffect(() => {
    if (provider && connectionId && !done.current) {
      done.current = true;
      complete.mutate();
    }
  }, [provider, connectionId, complete]);
  if (!provider || !connectionId) return null;
  return complete.error ? (
    <ErrorMessage error={complete.error} />
  ) : (
    <p role="status" className="text-sm text-slate-600">{t("integrations.completing")}</p>
  );
}

function ProviderCard({ provider, connection }: { provider: (typeof PROVIDERS)[number]; connection?: Connection }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [connectError, setConnectError] = useState<unknown>(null);
  const refresh = () => client.invalidateQueries({ queryKey: connectionsKey });
  const connect = useMutation({
    mutationFn: () => api.post<ConnectSession>(`${BASE}/connect/${provider.id}`, {}),
    onSuccess: (session) => {
      setConnectError(null);
      const nango = new Nango({ connectSessionToken: session.token });
      nango.openConnectUI({
        baseURL: session.connect_url ?? undefined,
        apiURL: session.api_url ?? undefined,
        onEvent: (event) => {
          if (event.type === "connect") {
            const { connectionId, providerConfigKey } = event.payload;
            navigate(`/integrations?provider=${encodeURIComponent(providerConfigKey)}&connection_id=${encodeURIComponent(connectionId)}`);
          } else if (event.type === "error") {
            setConnectError(new Error(event.payload.errorMessage));
          }
        },
      });
    },
  });
  const sync = useMutation({
    mutationFn: () => api.post<Connection>(`${BASE}/connections/${provider.id}/sync`, {}),
    onSuccess: refresh,
  });
  const bind = useMutation({
    mutationFn: (collectionId: string) =>
      api.put<Connection>(`${BASE}/connections/${provider.id}`, { collection_id: collectionId }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => api.delete(`${BASE}/connections/${provider.id}`),
    onSuccess: refresh,
  });
  return (
    <Card data-testid={`provider-${provider.id}`}>
      <CardHeader className="flex flex-row items-start justify-between gap-4">
        <div>
          <CardTitle>{provider.name}</CardTitle>
          <p className="text-sm text-slate-600">{t(provider.hint)}</p>
        </div>
        {connection ? (
          <Badge tone={connection.status === "connected" ? "success" : "danger"}>
            {t(connection.status === "connected" ? "integrations.connected" : "integrations.authFailed")}
          </Badge>
        ) : null}
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        {!connection ? (
          <div>
            <Button onClick={() => connect.mutate()} disabled={connect.isPending}>
              <Link2 /> {t("integrations.connect")}
            </Button>
            <ErrorMessage error={connect.error ?? connectError} className="mt-2" />
          </div>
        ) : (
          <>
            {connection.status_reason ? <p className="text-sm text-red-700">{connection.status_reason}</p> : null}
            <CollectionPicker connection={connection} pending={bind.isPending} onPick={(id) => bind.mutate(id)} />
            <ErrorMessage error={bind.error} />
            <SyncState connection={connection} />
            <div className="flex gap-2">
              <Button
                variant="outline"
                onClick={() => sync.mutate()}
                disabled={!connection.collection_id || sync.isPending || connection.sync?.status === "running"}
              >
                <RefreshCw /> {t("integrations.syncNow")}
              </Button>
              <ConfirmDelete
                label={t("integrations.disconnect")}
                title={t("integrations.disconnectTitle", { name: provider.name })}
                hint={t("integrations.disconnectHint")}
                pending={remove.isPending}
                error={remove.error}
                onConfirm={() => remove.mutate()}
              />
            </div>
            <ErrorMessage error={sync.error} />
          </>
        )}
      </CardContent>
    </Card>
  );
}

function CollectionPicker({ connection, pending, onPick }: { connection: Connection; pending: boolean; onPick: (id: string) => void }) {
  const { t } = useI18n();
  const collections = useCollections();
  const id = `collection-${connection.provider}`;
  return (
    <div className="flex flex-col gap-1">
      <Label htmlFor={id}>{t("integrations.collection")}</Label>
      <Select
        id={id}
        value={connection.collection_id ?? ""}
        disabled={pending || !collections.data}
        onChange={(e) => e.target.value && onPick(e.target.value)}
      >
        <option value="">{t("integrations.pickCollection")}</option>
        {collections.data?.items.map((c) => (
          <option key={c.id} value={c.id}>{c.name}</option>
        ))}
      </Select>
    </div>
  );
}

function SyncState({ connection }: { connection: Connection }) {
  const { t, locale } = useI18n();
  const sync = connection.sync;
  if (!sync) return <p className="text-sm text-slate-600">{t("integrations.neverSynced")}</p>;
  const when = sync.finished_at ?? sync.started_at;
  const counts = t("integrations.counts", {
    imported: sync.imported,
    removed: sync.removed,
    skipped: sync.skipped,
    documents: connection.documents,
  });
  return (
    <div className="text-sm" role="status" data-testid={`sync-${connection.provider}`}>
      <p>
        <span className="font-medium">{t(`integrations.sync.${sync.status}` as Key)}</span>
        {when ? ` · ${new Date(when).toLocaleString(locale)}` : null}
      </p>
      <p className="text-slate-600">{counts}</p>
      {sync.reason ? <p className="text-red-700">{sync.reason}</p> : null}
    </div>
  );
}
