// Where a document is in the pipeline, as the user thinks of it.
import type { DocumentItem } from "@/api/types";

export type Phase = "queued" | "parsing" | "embedding" | "indexing" | "indexed" | "failed";

const STAGE_PHASE: Record<string, Phase> = { parse: "parsing", embed: "embedding", index: "indexing" };

export function documentPhase(doc: Pick<DocumentItem, "status" | "progress">): Phase {
  if (doc.status === "failed") return "failed";
  if (doc.status === "indexed") return "indexed";
  const progress = doc.progress;
  if (progress) {
    // A parse job nobody has picked up yet is still just queued.
    if (progress.stage === "parse" && progress.state === "waiting" && progress.attempts === 0) return "queued";
    return STAGE_PHASE[progress.stage] ?? "queued";
  }
  if (doc.status === "parsed") return "embedding";
  if (doc.status === "embedded") return "indexing";
  return "queued";
}

/** 0..1 within the current stage, when the pipeline knows it. */
export function stageFraction(doc: Pick<DocumentItem, "progress">): number | null {
  const p = doc.progress;
  if (!p || p.total <= 0) return null;
  return Math.min(1, p.done / p.total);
}
