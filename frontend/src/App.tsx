import { lazy, Suspense } from "react";
import { Navigate, Route, Routes } from "react-router-dom";
import { Layout, usesWorkspace } from "./components/Layout";
import { useMe } from "./api/queries";
import { CollectionsPage } from "./features/collections/CollectionsPage";
import { CollectionPage } from "./features/collections/CollectionPage";
import { DocumentPage } from "./features/collections/DocumentPage";
import { AssistantsPage } from "./features/assistants/AssistantsPage";
import { AssistantPage } from "./features/assistants/AssistantPage";
import { UsagePage } from "./features/usage/UsagePage";
import { SettingsPage } from "./features/settings/SettingsPage";
import { IntegrationsPage } from "./features/integrations/IntegrationsPage";
import { NotFound } from "./components/NotFound";
import { Loading } from "./components/Loading";

// The chat (assistant-ui, the PDF viewer) loads when first opened: the
// other pages do not pay for it.
const ChatPage = lazy(() => import("./features/chat/ChatPage").then((m) => ({ default: m.ChatPage })));
const chat = (
  <Suspense fallback={<Loading />}>
    <ChatPage />
  </Suspense>
);

export function App() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<Home />} />
        <Route path="collections" element={<CollectionsPage />} />
        <Route path="collections/:collectionId" element={<CollectionPage />} />
        <Route path="documents/:documentId" element={<DocumentPage />} />
        <Route path="assistants" element={<AssistantsPage />} />
        <Route path="assistants/:assistantId" element={<AssistantPage />} />
        <Route path="chat/:assistantId" element={chat} />
        <Route path="chat/:assistantId/:conversationId" element={chat} />
        <Route path="usage" element={<UsagePage />} />
        <Route path="integrations" element={<IntegrationsPage />} />
        <Route path="integrations/callback" element={<IntegrationsPage />} />
        <Route path="settings" element={<SettingsPage />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

/** The first page: the collections, or the usage for a `billing` user. */
function Home() {
  const me = useMe();
  if (me.isPending) return null;
  return <Navigate to={usesWorkspace(me.data?.tenant?.role) ? "/collections" : "/usage"} replace />;
}
