// The workspace (tenant) the user works in, for users who belong to several:
// remembered in the browser and sent as `X-Ancre-Tenant` on every request.
// The server checks the membership; this is only the user's choice.
import { create } from "zustand";
import { setTenant } from "@/api/client";

const STORAGE_KEY = "ancre.tenant";

function stored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the server's default workspace
  }
}

interface WorkspaceStore {
  tenantId: string | null;
  choose: (id: string | null) => void;
}

export const useWorkspace = create<WorkspaceStore>((set) => ({
  tenantId: stored(),
  choose: (id) => {
    try {
      if (id) localStorage.setItem(STORAGE_KEY, id);
      else localStorage.removeItem(STORAGE_KEY);
    } catch {
      // storage disabled: the choice lasts until the page is reloaded
    }
    setTenant(id);
    set({ tenantId: id });
  },
}));

setTenant(useWorkspace.getState().tenantId);
