// The providers a workspace can connect (the server's `Provider`).
import type { Key } from "@/i18n";

export const PROVIDERS: { id: string; name: string; hint: Key }[] = [
  { id: "google-drive", name: "Google Drive", hint: "integrations.driveHint" },
  { id: "notion", name: "Notion", hint: "integrations.notionHint" },
];
