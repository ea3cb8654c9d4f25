import { Loader2 } from "lucide-react";
import type { DocumentItem } from "@/api/types";
import { useI18n } from "@/i18n";
import { Badge } from "@/components/ui/badge";
import { documentPhase, stageFraction } from "./phase";

const TONE = {
  queued: "neutral",
  parsing: "progress",
  embedding: "progress",
  indexing: "progress",
  indexed: "success",
  failed: "danger",
} as const;

export function DocumentStatus({ doc }: { doc: DocumentItem }) {
  const { t } = useI18n();
  const phase = documentPhase(doc);
  const fraction = stageFraction(doc);
  const working = phase === "parsing" || phase === "embedding" || phase === "indexing";
  return (
    <span className="inline-flex items-center gap-2" data-testid="document-status" data-phase={phase}>
      <Badge tone={TONE[phase]}>
        {working ? <Loader2 className="size-3 animate-spin" /> : null}
        {t(`phase.${phase}` as const)}
        {working && fraction !== null ? ` ${Math.round(fraction * 100)} %` : null}
      </Badge>
      {doc.progress?.last_error ? (
        <span className="text-xs text-amber-700" title={doc.progress.last_error}>
          {t("phase.retrying", { attempts: doc.progress.attempts })}
        </span>
      ) : null}
    </span>
  );
}
