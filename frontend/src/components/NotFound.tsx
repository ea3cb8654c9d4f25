import { Link } from "react-router-dom";
import { useI18n } from "@/i18n";

export function NotFound() {
  const { t } = useI18n();
  return (
    <div className="p-8">
      <h1 className="text-xl font-semibold">{t("notFound.title")}</h1>
      <p className="mt-2 text-slate-600">{t("notFound.hint")}</p>
      <Link className="mt-4 inline-block text-indigo-600 underline" to="/collections">
        {t("nav.collections")}
      </Link>
    </div>
  );
}
