import { beforeEach, describe, expect, it } from "vitest";
import type { DocumentItem, Paginated } from "@/api/types";
import { documentPhase, stageFraction } from "./phase";
import { useUploads } from "./uploads";
import { replaceDocument } from "./useDocumentFeed";

const progress = (stage: string, state: "waiting" | "running", attempts: number, done = 0, total = 0) => ({
  stage, state, attempts, done, total,
});

describe("documentPhase", () => {
  it("names each step of the pipeline as the user sees it", () => {
    expect(documentPhase({ status: "queued", progress: progress("parse", "waiting", 0) })).toBe("queued");
    expect(documentPhase({ status: "queued", progress: progress("parse", "running", 1) })).toBe("parsing");
    expect(documentPhase({ status: "parsed", progress: progress("embed", "running", 1, 40, 103) })).toBe("embedding");
    expect(documentPhase({ status: "parsed" })).toBe("embedding");
    expect(documentPhase({ status: "embedded", progress: progress("index", "waiting", 0) })).toBe("indexing");
    expect(documentPhase({ status: "indexed" })).toBe("indexed");
    expect(documentPhase({ status: "failed", progress: progress("parse", "running", 3) })).toBe("failed");
  });

  it("gives the stage's fraction only when its size is known", () => {
    expect(stageFraction({ progress: progress("embed", "running", 1, 40, 100) })).toBe(0.4);
    expect(stageFraction({ progress: progress("parse", "running", 1) })).toBeNull();
    expect(stageFraction({})).toBeNull();
  });
});

describe("replaceDocument", () => {
  const doc = (id: string, status: string) => ({ id, status }) as DocumentItem;
  const page: Paginated<DocumentItem> = { items: [doc("a", "queued"), doc("b", "queued")], total: 2, limit: 100, offset: 0 };

  it("replaces a document the page shows, in place", () => {
    expect(replaceDocument(page, doc("b", "indexed"))?.items.map((d) => [d.id, d.status])).toEqual([["a", "queued"], ["b", "indexed"]]);
    expect(page.items[1]?.status).toBe("queued");
  });

  it("leaves a document the page does not show to a refetch", () => {
    expect(replaceDocument(page, doc("c", "queued"))).toBeNull();
    expect(replaceDocument(undefined, doc("a", "indexed"))).toBeNull();
  });
});

describe("uploads store", () => {
  beforeEach(() => useUploads.setState({ items: [] }));

  it("tracks each file's progress and keeps unfinished uploads when clearing", () => {
    const { add, update, clearFinished } = useUploads.getState();
    add({ key: "1", collectionId: "c", filename: "a.pdf", size: 10, progress: 0, state: "uploading" });
    add({ key: "2", collectionId: "c", filename: "b.pdf", size: 10, progress: 0, state: "uploading" });
    add({ key: "3", collectionId: "other", filename: "c.pdf", size: 10, progress: 1, state: "queued" });
    update("1", { progress: 0.5 });
    update("2", { state: "rejected", reason: "not a supported format" });
    expect(useUploads.getState().items.map((i) => [i.key, i.progress, i.state])).toEqual([
      ["1", 0.5, "uploading"],
      ["2", 0, "rejected"],
      ["3", 1, "queued"],
    ]);
    clearFinished("c");
    expect(useUploads.getState().items.map((i) => i.key)).toEqual(["1", "3"]);
  });
});
