import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { App } from "./App";
import { I18nProvider, detectLanguage } from "./i18n";
import { ApiError } from "./api/client";
import { AuthGate } from "./auth/AuthGate";
import "./index.css";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not get better by asking again; a network blip may.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

const lang = detectLanguage(navigator.languages ?? [navigator.language]);
document.documentElement.lang = lang;

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <I18nProvider lang={lang}>
      <QueryClientProvider client={queryClient}>
        <AuthGate>
          <BrowserRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
            <App />
          </BrowserRouter>
        </AuthGate>
      </QueryClientProvider>
    </I18nProvider>
  </StrictMode>,
);
