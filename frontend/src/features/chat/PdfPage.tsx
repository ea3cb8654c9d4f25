import { useEffect, useRef, useState } from "react";
import { authHeaders } from "@/api/client";
import { useI18n } from "@/i18n";
import { Loading } from "@/components/Loading";
import { itemsInExcerpt } from "./highlight";
import type { PDFDocumentProxy, RenderTask } from "pdfjs-dist";

/** pdf.js and its worker, loaded on first use (the module cache keeps them). */
async function loadPdfjs() {
  const pdfjs = await import("pdfjs-dist");
  const worker = await import("pdfjs-dist/build/pdf.worker.min.mjs?url");
  pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
  return pdfjs;
}

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * One page of a PDF drawn in the browser (pdf.js), with the cited excerpt
 * highlighted over it. pdf.js is loaded only when a PDF source is opened.
 */
export function PdfPage({
  url,
  page,
  excerpt,
  onPages,
}: {
  url: string;
  page: number;
  /** Highlighted on this page; empty on the others. */
  excerpt: string;
  /** Told the document's page count once it is open. */
  onPages?: (count: number) => void;
}) {
  const { t } = useI18n();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [boxes, setBoxes] = useState<Box[]>([]);
  const [state, setState] = useState<"loading" | "ready" | "failed">("loading");
  const [size, setSize] = useState({ width: 0, height: 0 });

  // The document is fetched and parsed once per URL; turning pages only
  // renders another page of it.
  const [doc, setDoc] = useState<PDFDocumentProxy | null>(null);
  useEffect(() => {
    let cancelled = false;
    let destroy: (() => void) | undefined;
    setDoc(null);
    setState("loading");
    (async () => {
      try {
        const pdfjs = await loadPdfjs();
        const task = pdfjs.getDocument({ url, httpHeaders: await authHeaders() });
        destroy = () => void task.destroy();
        if (cancelled) return destroy();
        const opened = await task.promise;
        if (cancelled) return;
        onPages?.(opened.numPages);
        setDoc(opened);
      } catch {
        if (!cancelled) setState("failed");
      }
    })();
    return () => {
      cancelled = true;
      destroy?.();
    };
    // onPages is a notification: a new function identity must not reload the document.
  }, [url]);

  useEffect(() => {
    if (!doc) return;
    let cancelled = false;
    let rendering: RenderTask | undefined;
    setState("loading");
    (async () => {
      try {
        const pdfjs = await loadPdfjs();
        const pdfPage = await doc.getPage(Math.min(Math.max(1, page), doc.numPages));
        const base = pdfPage.getViewport({ scale: 1 });
        const viewport = pdfPage.getViewport({ scale: Math.min(2, 760 / base.width) });
        const element = canvas.current;
        if (cancelled || !element) return;
        element.width = viewport.width;
        element.height = viewport.height;
        // One render at a time on a canvas: a page turned mid-render cancels it.
        rendering = pdfPage.render({ canvas: element, viewport });
        await rendering.promise;
        const content = await pdfPage.getTextContent();
        const items = content.items.filter((i): i is typeof i & { str: string; transform: number[]; width: number } => "str" in i);
        const hit = excerpt ? itemsInExcerpt(items.map((i) => i.str), excerpt) : [];
        const found = hit.flatMap((index) => {
          const item = items[index];
          if (!item || !item.str.trim()) return [];
          const m = pdfjs.Util.transform(viewport.transform, item.transform);
          const height = Math.hypot(m[2] ?? 0, m[3] ?? 0);
          return [{ left: m[4] ?? 0, top: (m[5] ?? 0) - height, width: item.width * viewport.scale, height: height * 1.15 }];
        });
        if (cancelled) return;
        setSize({ width: viewport.width, height: viewport.height });
        setBoxes(found);
        setState("ready");
      } catch {
        if (!cancelled) setState("failed");
      }
    })();
    return () => {
      cancelled = true;
      rendering?.cancel();
    };
  }, [doc, page, excerpt]);

  return (
    <div className="relative mx-auto" style={{ width: size.width || undefined }} data-testid="pdf-page" data-state={state} data-highlights={boxes.length}>
      {state === "loading" ? <Loading /> : null}
      {state === "failed" ? <p className="text-sm text-red-700" role="alert">{t("source.pdfFailed")}</p> : null}
      <canvas ref={canvas} className="block max-w-full shadow" />
      {boxes.map((b, i) => (
        <div
          key={i}
          className="pointer-events-none absolute rounded-sm bg-yellow-300/40 mix-blend-multiply"
          style={{ left: b.left, top: b.top, width: b.width, height: b.height }}
          data-testid="highlight"
        />
      ))}
    </div>
  );
}
