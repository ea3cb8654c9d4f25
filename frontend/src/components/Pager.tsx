import { useI18n } from "@/i18n";
import { Button } from "./ui/button";

/** Previous / next over a paginated list; hidden when everything fits on one page. */
export function Pager({ offset, size, total, onChange }: { offset: number; size: number; total: number; onChange: (offset: number) => void }) {
  const { t } = useI18n();
  if (total <= size) return null;
  return (
    <div className="mt-3 flex items-center gap-2 text-sm">
      <Button variant="outline" size="sm" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - size))}>
        {t("common.previous")}
      </Button>
      <span>{t("common.range", { from: offset + 1, to: Math.min(total, offset + size), total })}</span>
      <Button variant="outline" size="sm" disabled={offset + size >= total} onClick={() => onChange(offset + size)}>
        {t("common.next")}
      </Button>
    </div>
  );
}
