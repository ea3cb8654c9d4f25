// What a page needs around it in a component test: the language, a fresh
// query cache (no answer shared between tests) and a router.
import type { ReactElement } from "react";
import { render } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { I18nProvider, type Lang } from "@/i18n";

export function renderInApp(ui: ReactElement, { lang = "en", path }: { lang?: Lang; path?: string } = {}) {
  return render(
    <I18nProvider lang={lang}>
      <QueryClientProvider client={new QueryClient()}>
        <MemoryRouter initialEntries={path ? [path] : undefined} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
          {ui}
        </MemoryRouter>
      </QueryClientProvider>
    </I18nProvider>,
  );
}
