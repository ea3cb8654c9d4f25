import { lazy, Suspense, useEffect, useState } from "react";
import { NavLink, Outlet } from "react-router-dom";
import { Anchor, Bot, FolderOpen, Gauge, Plug, Settings, ShieldAlert, Sparkles } from "lucide-react";
import { ApiError } from "@/api/client";
import { useMe } from "@/api/queries";
import { clerkEnabled } from "@/auth/AuthGate";
import { useWorkspace } from "@/auth/workspace";
import { NoWorkspace, WorkspaceSwitcher } from "./Workspace";
import { MyInvitations } from "./Invitations";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/utils";
import { ErrorMessage } from "./ErrorMessage";
import { Badge } from "./ui/badge";

// `workspace`: pages a `billing` user may not open (the server refuses them;
// the menu does not offer them).
const NAV = [
  { to: "/collections", icon: FolderOpen, key: "nav.collections", workspace: true },
  { to: "/assistants", icon: Bot, key: "nav.assistants", workspace: true },
  { to: "/integrations", icon: Plug, key: "nav.integrations", workspace: true },
  { to: "/usage", icon: Gauge, key: "nav.usage", workspace: false },
  { to: "/settings", icon: Settings, key: "nav.settings", workspace: true },
] as const;

// CopilotKit is large: loaded the first time the copilot is asked for.
const CopilotPanel = lazy(() => import("@/features/copilot/CopilotPanel"));

/**
 * The copilot's button in the sidebar (a floating one covered the chat's
 * Send button), then the copilot itself (kept once opened).
 */
function Copilot() {
  const { t } = useI18n();
  const [opened, setOpened] = useState(false);
  if (opened) {
    return (
      <Suspense fallback={null}>
        <CopilotPanel />
      </Suspense>
    );
  }
  return (
    <button
      type="button"
      onClick={() => setOpened(true)}
      className="mx-2 mt-3 flex items-center gap-2 rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-700"
    >
      <Sparkles className="size-4" /> {t("copilot.open")}
    </button>
  );
}

/** Whether a role uses the product (collections, assistants, chat), not only usage and invoices. */
export function usesWorkspace(role: string | null | undefined): boolean {
  return role !== "billing";
}

export function Layout() {
  const { t } = useI18n();
  const me = useMe();
  const tenant = me.data?.tenant;
  const { tenantId, choose } = useWorkspace();
  // A remembered workspace the user left (or that was deleted): back to the default.
  useEffect(() => {
    if (tenantId && me.error instanceof ApiError && me.error.status === 404) {
      choose(null);
      void me.refetch();
    }
  }, [tenantId, me, choose]);
  return (
    <div className="flex h-screen overflow-hidden">
      <aside className="flex w-56 shrink-0 flex-col border-r border-slate-200 bg-white">
        <div className="flex items-center gap-2 px-4 py-4 text-lg font-semibold text-indigo-700">
          <Anchor className="size-5" /> Ancre
        </div>
        <nav className="flex flex-col gap-1 px-2" aria-label={t("nav.label")}>
          {NAV.filter(({ workspace }) => !workspace || usesWorkspace(tenant?.role)).map(({ to, icon: Icon, key }) => (
            <NavLink
              key={to}
              to={to}
              className={({ isActive }) =>
                cn(
                  "flex items-center gap-2 rounded-md px-3 py-2 text-sm",
                  isActive ? "bg-indigo-50 font-medium text-indigo-700" : "text-slate-700 hover:bg-slate-100",
                )
              }
            >
              <Icon className="size-4" /> {t(key)}
            </NavLink>
          ))}
        </nav>
        {tenant && <Copilot />}
        <div className="mt-auto flex flex-col gap-2 border-t border-slate-200 p-4 text-sm">
          {tenant ? (
            <div>
              <p className="truncate font-medium" title={tenant.name} data-testid="workspace-name">{tenant.name}</p>
              <Badge tone={tenant.plan === "pro" ? "info" : "neutral"} className="mt-1">
                {t(tenant.plan === "pro" ? "plan.pro" : "plan.free")}
              </Badge>
            </div>
          ) : null}
          {me.data ? <WorkspaceSwitcher me={me.data} /> : null}
        </div>
      </aside>
      <div className="flex min-h-0 min-w-0 flex-1 flex-col">
        {me.data?.dev_auth_bypass ? (
          <div className="flex items-center gap-2 border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900" data-testid="dev-bypass">
            <ShieldAlert className="size-4" /> {t("auth.devBypass")}
          </div>
        ) : null}
        {me.error instanceof ApiError && me.error.status === 401 && !clerkEnabled ? (
          <p role="alert" className="m-4 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
            {t("auth.notConfigured")}
          </p>
        ) : me.error ? (
          <ErrorMessage error={me.error} className="m-4" />
        ) : null}
        <main className="min-h-0 min-w-0 flex-1 overflow-y-auto p-6">
          {me.data?.kind === "user" ? <MyInvitations /> : null}
          {me.data && !me.data.tenant ? <NoWorkspace me={me.data} /> : <Outlet />}
        </main>
      </div>
    </div>
  );
}
