import * as ProgressPrimitive from "@radix-ui/react-progress";
import { cn } from "@/lib/utils";

/** A bar from 0 to 100; `tone` colours it (a quota near its limit turns amber, then red). */
export function Progress({
  value,
  className,
  tone = "default",
  label,
}: {
  value: number;
  className?: string;
  tone?: "default" | "warning" | "danger";
  label?: string;
}) {
  const clamped = Math.max(0, Math.min(100, value));
  const colour = tone === "danger" ? "bg-red-500" : tone === "warning" ? "bg-amber-500" : "bg-indigo-500";
  return (
    <ProgressPrimitive.Root
      value={clamped}
      aria-label={label}
      className={cn("relative h-2 w-full overflow-hidden rounded-full bg-slate-200", className)}
    >
      <ProgressPrimitive.Indicator
        className={cn("h-full transition-all", colour)}
        style={{ width: `${clamped}%` }}
      />
    </ProgressPrimitive.Root>
  );
}
