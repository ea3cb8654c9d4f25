import { useState } from "react";
import { Trash2 } from "lucide-react";
import { useI18n } from "@/i18n";
import { Button } from "./ui/button";
import { Dialog, DialogClose, DialogContent, DialogTrigger } from "./ui/dialog";
import { ErrorMessage } from "./ErrorMessage";

/** A Delete button that asks first, saying what deleting means; the error stays in the dialog.
 *  `label` names the action when it is not a deletion (e.g. "Disconnect"). */
export function ConfirmDelete({ title, hint, pending, error, onConfirm, label }: {
  title: string;
  hint: string;
  pending: boolean;
  error: unknown;
  onConfirm: () => void;
  label?: string;
}) {
  const { t } = useI18n();
  const action = label ?? t("common.delete");
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline">
          <Trash2 /> {action}
        </Button>
      </DialogTrigger>
      <DialogContent title={title} description={hint} closeLabel={t("common.close")}>
        <ErrorMessage error={error} />
        <div className="flex justify-end gap-2">
          <DialogClose asChild>
            <Button variant="outline">{t("common.cancel")}</Button>
          </DialogClose>
          <Button variant="destructive" onClick={onConfirm} disabled={pending}>
            {action}
          </Button>
        </div>
      </DialogContent>
    </Dialog>
  );
}
