import { Loader2 } from "lucide-react";
import { useI18n } from "@/i18n";

export function Loading() {
  const { t } = useI18n();
  return (
    <div className="flex items-center gap-2 p-4 text-sm text-slate-500" role="status">
      <Loader2 className="size-4 animate-spin" /> {t("common.loading")}
    </div>
  );
}
