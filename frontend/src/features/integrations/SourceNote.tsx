// Where a connector's document came from: the provider, and a link to it there.
import { ExternalLink } from "lucide-react";
import type { DocumentSource } from "@/api/types";
import { useI18n } from "@/i18n";
import { PROVIDERS } from "./providers";

export function SourceNote({ source }: { source?: DocumentSource | null }) {
  const { t } = useI18n();
  if (!source) return null;
  const provider = PROVIDERS.find((p) => p.id === source.provider)?.name ?? source.provider;
  // Only web links: a provider's URL must not become a script.
  const url = source.url && /^https?:\/\//i.test(source.url) ? source.url : null;
  return (
    <span className="inline-flex items-center gap-1 text-xs text-slate-600" data-testid="document-source">
      {t("documents.source", { provider })}
      {url ? (
        <a href={url} target="_blank" rel="noopener noreferrer" className="inline-flex items-center gap-0.5 text-indigo-700 hover:underline">
          <ExternalLink className="size-3" /> {t("documents.openAtSource")}
        </a>
      ) : null}
    </span>
  );
}
