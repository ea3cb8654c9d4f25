// Quantities as the user reads them: bytes in KB/MB, the rest as counts.
import { formatBytes } from "@/lib/utils";

export function formatQuantity(value: number, unit: string, locale: string): string {
  if (unit === "bytes") return formatBytes(value, locale);
  return value.toLocaleString(locale);
}

/** How full a quota is, 0..100, and the colour it deserves. */
export function fill(used: number, limit: number): { percent: number; tone: "default" | "warning" | "danger" } {
  const percent = limit > 0 ? Math.min(100, (used / limit) * 100) : 100;
  return { percent, tone: percent >= 100 ? "danger" : percent >= 80 ? "warning" : "default" };
}

/** `YYYY-MM` of a date (UTC, as periods are) shifted by `months`. */
export function periodOf(date: Date, months = 0): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}
