import { useRef, useState, type DragEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { CheckCircle2, Copy, FileWarning, Upload, XCircle } from "lucide-react";
import { uploadFile } from "@/api/upload";
import { keys } from "@/api/queries";
import { useI18n } from "@/i18n";
import { cn, formatBytes } from "@/lib/utils";
import { Button } from "@/components/ui/button";
import { Progress } from "@/components/ui/progress";
import { ErrorMessage } from "@/components/ErrorMessage";
import { useUploads, type UploadItem } from "./uploads";

export const ACCEPTED = ".pdf,.docx,.pptx,.html,.htm,.md,.markdown,.txt";

let counter = 0;

/** Drop several files (or pick them): one upload per file, each with its bar. */
export function UploadZone({ collectionId }: { collectionId: string }) {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const client = useQueryClient();
  const { items, add, update, clearFinished } = useUploads();
  const mine = items.filter((i) => i.collectionId === collectionId);

  const start = (files: FileList | File[]) => {
    for (const file of Array.from(files)) {
      const key = `upload-${++counter}`;
      add({ key, collectionId, filename: file.name, size: file.size, progress: 0, state: "uploading" });
      uploadFile(collectionId, file, (progress) => update(key, { progress })).done.then(
        (answer) => {
          const state = answer.outcome === "queued" || answer.outcome === "duplicate" || answer.outcome === "rejected"
            ? answer.outcome
            : "rejected";
          update(key, { state, reason: answer.reason ?? undefined, documentId: answer.id ?? undefined, progress: 1 });
          void client.invalidateQueries({ queryKey: keys.documents(collectionId) });
        },
        (error: unknown) => update(key, { state: "failed", error }),
      );
    }
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (e.dataTransfer.files.length > 0) start(e.dataTransfer.files);
  };

  return (
    <section className="flex flex-col gap-3">
      <div
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        onClick={() => input.current?.click()}
        onKeyDown={(e) => {
          if (e.key === "Enter" || e.key === " ") input.current?.click();
        }}
        role="button"
        tabIndex={0}
        data-testid="upload-zone"
        className={cn(
          "flex cursor-pointer flex-col items-center gap-2 rounded-lg border-2 border-dashed p-6 text-center transition-colors",
          over ? "border-indigo-500 bg-indigo-50" : "border-slate-300 bg-white hover:border-indigo-300",
        )}
      >
        <Upload className="size-6 text-indigo-600" />
        <p className="font-medium">{t("upload.drop")}</p>
        <p className="text-sm text-slate-600">{t("upload.formats")}</p>
        <input
          ref={input}
          type="file"
          multiple
          accept={ACCEPTED}
          className="hidden"
          data-testid="upload-input"
          onChange={(e) => {
            if (e.target.files) start(e.target.files);
            e.target.value = "";
          }}
        />
      </div>
      {mine.length > 0 ? (
        <>
          <ul className="flex flex-col gap-2" aria-label={t("upload.list")}>
            {mine.map((item) => (
              <UploadRow key={item.key} item={item} />
            ))}
          </ul>
          {mine.some((i) => i.state !== "uploading") ? (
            <Button variant="ghost" size="sm" className="self-end" onClick={() => clearFinished(collectionId)}>
              {t("upload.clear")}
            </Button>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function UploadRow({ item }: { item: UploadItem }) {
  const { t, locale } = useI18n();
  const icon = {
    uploading: null,
    queued: <CheckCircle2 className="size-4 text-emerald-600" />,
    duplicate: <Copy className="size-4 text-slate-500" />,
    rejected: <FileWarning className="size-4 text-red-600" />,
    failed: <XCircle className="size-4 text-red-600" />,
  }[item.state];
  return (
    <li className="rounded-md border border-slate-200 bg-white p-3 text-sm" data-testid="upload-row">
      <div className="flex items-center justify-between gap-2">
        <span className="flex min-w-0 items-center gap-2">
          {icon}
          <span className="truncate font-medium">{item.filename}</span>
          <span className="shrink-0 text-slate-500">{formatBytes(item.size, locale)}</span>
        </span>
        <span className="shrink-0 text-slate-600">
          {item.state === "uploading"
            ? t("upload.percent", { percent: Math.round(item.progress * 100) })
            : t(`upload.${item.state}` as const)}
        </span>
      </div>
      {item.state === "uploading" ? (
        <Progress value={item.progress * 100} className="mt-2" label={t("upload.progressOf", { name: item.filename })} />
      ) : null}
      {item.state === "rejected" && item.reason ? <p className="mt-1 text-red-700">{item.reason}</p> : null}
      {item.state === "failed" ? <ErrorMessage error={item.error} className="mt-2" /> : null}
    </li>
  );
}
