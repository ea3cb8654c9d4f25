import { AlertCircle } from "lucide-react";
import { describeError } from "@/api/errors";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/utils";

/** Any failure, as a sentence the user can act on (role=alert so it is announced). */
export function ErrorMessage({ error, className }: { error: unknown; className?: string }) {
  const { t, locale } = useI18n();
  if (!error) return null;
  const { message, detail } = describeError(error, t, locale);
  return (
    <div
      role="alert"
      className={cn("flex gap-2 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800", className)}
    >
      <AlertCircle className="mt-0.5 size-4 shrink-0" />
      <div>
        <p className="font-medium">{message}</p>
        {detail && detail !== message ? <p className="mt-0.5 text-red-700">{detail}</p> : null}
      </div>
    </div>
  );
}
