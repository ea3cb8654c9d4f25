// Files being uploaded, per collection: each with its progress and outcome,
// so the page shows a bar per file and what became of it.
import { create } from "zustand";

export type UploadState = "uploading" | "queued" | "duplicate" | "rejected" | "failed";

export interface UploadItem {
  key: string;
  collectionId: string;
  filename: string;
  size: number;
  progress: number;
  state: UploadState;
  /** The server's reason for a rejected file. */
  reason?: string;
  /** A failed request's error (quota, network…). */
  error?: unknown;
  documentId?: string;
}

interface UploadsStore {
  items: UploadItem[];
  add: (item: UploadItem) => void;
  update: (key: string, change: Partial<UploadItem>) => void;
  /** Forgets finished uploads of a collection (the documents list shows them now). */
  clearFinished: (collectionId: string) => void;
}

export const useUploads = create<UploadsStore>((set) => ({
  items: [],
  add: (item) => set((s) => ({ items: [...s.items, item] })),
  update: (key, change) =>
    set((s) => ({ items: s.items.map((i) => (i.key === key ? { ...i, ...change } : i)) })),
  clearFinished: (collectionId) =>
    set((s) => ({
      items: s.items.filter((i) => i.collectionId !== collectionId || i.state === "uploading"),
    })),
}));
