import type { ReactNode } from "react";
import type { LucideIcon } from "lucide-react";

/** What an empty list means and the next step to take. */
export function EmptyState({ icon: Icon, title, hint, action }: {
  icon: LucideIcon;
  title: string;
  hint: string;
  action?: ReactNode;
}) {
  return (
    <div className="flex flex-col items-center gap-2 rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center">
      <Icon className="size-8 text-slate-400" />
      <p className="font-medium">{title}</p>
      <p className="max-w-md text-sm text-slate-600">{hint}</p>
      {action}
    </div>
  );
}
