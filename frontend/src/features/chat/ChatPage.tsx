import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import {
  AssistantRuntimeProvider,
  useExternalStoreRuntime,
  WebSpeechDictationAdapter,
  type AppendMessage,
} from "@assistant-ui/react";
import { MessageSquare, Plus, Settings2 } from "lucide-react";
import { api, ApiError, problemFrom } from "@/api/client";
import { keys, useAssistant, useConversations } from "@/api/queries";
import type { Citation, ConversationDetail } from "@/api/types";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/utils";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/EmptyState";
import { ErrorMessage } from "@/components/ErrorMessage";
import { Loading } from "@/components/Loading";
import { chatMessages, toThreadMessage, type ChatMessage } from "./messages";
import { SourceViewer } from "./SourceViewer";
import { useChat } from "./store";
import { streamChat } from "./stream";
import { SourceContext, Thread } from "./Thread";

type RecordedTurn = ConversationDetail["history"][number];
const NO_TURNS: RecordedTurn[] = [];

/** The text of what the composer sent. */
function sentText(message: AppendMessage): string {
  return message.content
    .map((part) => (part.type === "text" ? part.text : ""))
    .join("\n")
    .trim();
}

export function ChatPage() {
  const { assistantId = "", conversationId } = useParams();
  const { t, locale } = useI18n();
  const assistant = useAssistant(assistantId);
  const conversations = useConversations(assistantId);
  const navigate = useNavigate();
  const client = useQueryClient();
  const live = useChat((s) => s.live[assistantId]);
  const chat = useChat.getState;
  const abort = useRef<AbortController | null>(null);
  const [source, setSource] = useState<Citation | null>(null);

  const detail = useQuery({
    queryKey: keys.conversation(assistantId, conversationId ?? ""),
    queryFn: () => api.get<ConversationDetail>(`/chat/${assistantId}/conversations/${conversationId}`),
    enabled: !!conversationId,
  });

  // The recorded turns, then the one in flight (until its recorded copy is fetched).
  const history = conversationId ? detail.data?.history ?? NO_TURNS : NO_TURNS;
  const messages = useMemo(() => chatMessages(history, live, conversationId), [history, live, conversationId]);

  // Leaving the page stops the answer (the server records the partial turn).
  useEffect(() => () => abort.current?.abort(), []);

  const send = async (message: string) => {
    const controller = new AbortController();
    abort.current = controller;
    chat().start(assistantId, message, conversationId);
    let conversation = conversationId;
    try {
      await streamChat(assistantId, { message, conversation_id: conversationId ?? null }, controller.signal, {
        onToken: (text) => chat().token(assistantId, text),
        onCitations: (citations) => chat().citations(assistantId, citations),
        onDone: (done) => {
          conversation = done.conversation_id;
          chat().finish(assistantId, "done", { conversationId: done.conversation_id, turn: done.turn });
        },
        onError: (frame) => {
          conversation = frame.conversation_id;
          chat().finish(assistantId, "failed", {
            conversationId: frame.conversation_id,
            turn: frame.turn,
            error: new ApiError(problemFrom(500, JSON.stringify({ title: "Answer failed", status: 500, detail: frame.detail }))),
          });
        },
      });
      if (useChat.getState().live[assistantId]?.status === "streaming") {
        chat().finish(assistantId, "failed", { error: new ApiError(problemFrom(0, "The answer was cut off.")) });
      }
    } catch (error) {
      if (controller.signal.aborted) chat().finish(assistantId, "stopped");
      else chat().finish(assistantId, "failed", { error });
    } finally {
      abort.current = null;
    }
    await client.invalidateQueries({ queryKey: keys.conversations(assistantId) });
    if (conversation) {
      await client.invalidateQueries({ queryKey: keys.conversation(assistantId, conversation) });
      if (conversation !== conversationId) navigate(`/chat/${assistantId}/${conversation}`, { replace: true });
    }
  };

  const stop = () => abort.current?.abort();

  // Dictation through the browser's speech recognition, in the UI's language.
  const dictation = useMemo(
    () => (WebSpeechDictationAdapter.isSupported() ? new WebSpeechDictationAdapter({ language: locale }) : undefined),
    [locale],
  );
  const runtime = useExternalStoreRuntime<ChatMessage>({
    messages,
    isRunning: live?.status === "streaming",
    convertMessage: toThreadMessage,
    onNew: async (message) => {
      const text = sentText(message);
      if (text) await send(text);
    },
    onCancel: async () => stop(),
    // Ask again: the question before this answer, as a new turn.
    onReload: async (parentId) => {
      const question = messages.find((m) => m.id === parentId && m.role === "user");
      if (question) await send(question.text);
    },
    adapters: { dictation },
  });

  const newConversation = () => {
    if (live?.status !== "streaming") chat().clear(assistantId);
    navigate(`/chat/${assistantId}`);
  };

  if (assistant.error) return <ErrorMessage error={assistant.error} />;

  return (
    <div className="-m-6 flex h-[calc(100%+3rem)] min-h-0">
      <aside className="flex w-64 shrink-0 flex-col gap-2 border-r border-slate-200 bg-white p-3">
        <Button variant="outline" onClick={newConversation}>
          <Plus /> {t("chat.newConversation")}
        </Button>
        <ErrorMessage error={conversations.error} />
        <nav className="flex min-h-0 flex-col gap-1 overflow-y-auto" aria-label={t("chat.conversations")}>
          {conversations.data?.items.length === 0 ? <p className="p-2 text-sm text-slate-500">{t("chat.noConversations")}</p> : null}
          {conversations.data?.items.map((c) => (
            <Link
              key={c.id}
              to={`/chat/${assistantId}/${c.id}`}
              className={cn(
                "truncate rounded-md px-2 py-1.5 text-sm",
                c.id === conversationId ? "bg-indigo-50 font-medium text-indigo-700" : "hover:bg-slate-100",
              )}
              title={c.title}
            >
              {c.title}
            </Link>
          ))}
        </nav>
      </aside>
      <section className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-between border-b border-slate-200 bg-white px-6 py-3">
          <div>
            <h1 className="font-semibold">{assistant.data?.name ?? "…"}</h1>
            {assistant.data?.model === "extractive" ? <p className="text-xs text-slate-500">{t("chat.extractiveNote")}</p> : null}
          </div>
          <Button asChild variant="ghost" size="sm">
            <Link to={`/assistants/${assistantId}`}><Settings2 /> {t("common.settings")}</Link>
          </Button>
        </header>
        <AssistantRuntimeProvider runtime={runtime}>
          <SourceContext.Provider value={setSource}>
            <Thread
              before={
                <>
                  {detail.isPending && conversationId ? <Loading /> : null}
                  <ErrorMessage error={detail.error} />
                  {!conversationId && !live ? (
                    <EmptyState icon={MessageSquare} title={t("chat.emptyTitle")} hint={t("chat.emptyHint")} />
                  ) : null}
                </>
              }
            />
          </SourceContext.Provider>
        </AssistantRuntimeProvider>
      </section>
      <SourceViewer citation={source} onClose={() => setSource(null)} />
    </div>
  );
}
