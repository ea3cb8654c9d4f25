import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { useQuery, useQueryClient } from "@tanstack/react-query";
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
import { Answer, CitationList } from "./Answer";
import { Composer } from "./Composer";
import { SourceViewer } from "./SourceViewer";
import { useChat } from "./store";
import { streamChat } from "./stream";

export function ChatPage() {
  const { assistantId = "", conversationId } = useParams();
  const { t } = useI18n();
  const assistant = useAssistant(assistantId);
  const conversations = useConversations(assistantId);
  const navigate = useNavigate();
  const client = useQueryClient();
  const live = useChat((s) => s.live[assistantId]);
  const chat = useChat.getState;
  const abort = useRef<AbortController | null>(null);
  const [source, setSource] = useState<Citation | null>(null);
  const bottom = useRef<HTMLDivElement>(null);

  const detail = useQuery({
    queryKey: keys.conversation(assistantId, conversationId ?? ""),
    queryFn: () => api.get<ConversationDetail>(`/chat/${assistantId}/conversations/${conversationId}`),
    enabled: !!conversationId,
  });

  // A finished live turn gives way to the recorded one once it is fetched.
  const history = conversationId ? detail.data?.history ?? [] : [];
  const last = history[history.length - 1];
  const recorded = live && live.status !== "streaming" && live.conversationId === conversationId && last?.question === live.question;
  const liveShown = live && !recorded && (live.status === "streaming" || live.conversationId === conversationId);

  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: "end" });
  }, [history.length, live?.answer.length]);

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
          chat().finish(assistantId, "done", { conversationId: done.conversation_id });
        },
        onError: (frame) => {
          conversation = frame.conversation_id;
          chat().finish(assistantId, "failed", {
            conversationId: frame.conversation_id,
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

  const newConversation = () => {
    if (live?.status !== "streaming") chat().clear(assistantId);
    navigate(`/chat/${assistantId}`);
  };

  const openCitation = (citations: Citation[]) => (n: number) => {
    const c = citations.find((c) => c.number === n);
    if (c) setSource(c);
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
        <div className="flex-1 overflow-y-auto px-6 py-4">
          <div className="mx-auto flex max-w-3xl flex-col gap-5">
            {detail.isPending && conversationId ? <Loading /> : null}
            <ErrorMessage error={detail.error} />
            {!conversationId && !live ? (
              <EmptyState icon={MessageSquare} title={t("chat.emptyTitle")} hint={t("chat.emptyHint")} />
            ) : null}
            {history.map((turn) => (
              <TurnView key={turn.number} question={turn.question} answer={turn.answer} citations={turn.citations} onOpen={setSource}>
                {turn.outcome === "interrupted" ? <p className="text-xs text-amber-700">{t("chat.turnStopped")}</p> : null}
                {turn.outcome === "failed" ? (
                  <p className="text-xs text-red-700" role="alert">
                    {t("chat.turnFailed")}
                    {turn.failure_reason ? ` — ${turn.failure_reason}` : ""}
                  </p>
                ) : null}
              </TurnView>
            ))}
            {live && liveShown ? (
              <TurnView question={live.question} answer={live.answer} citations={live.citations} onOpen={setSource} streaming={live.status === "streaming"} onCite={openCitation(live.citations)}>
                {live.status === "stopped" ? <p className="text-xs text-amber-700">{t("chat.turnStopped")}</p> : null}
                {live.status === "failed" ? <ErrorMessage error={live.error} /> : null}
              </TurnView>
            ) : null}
            <div ref={bottom} />
          </div>
        </div>
        <div className="border-t border-slate-200 bg-slate-50 px-6 py-3">
          <div className="mx-auto max-w-3xl">
            <Composer streaming={live?.status === "streaming"} onSend={send} onStop={stop} />
          </div>
        </div>
      </section>
      <SourceViewer citation={source} onClose={() => setSource(null)} />
    </div>
  );
}

function TurnView({
  question,
  answer,
  citations,
  onOpen,
  onCite,
  streaming,
  children,
}: {
  question: string;
  answer: string;
  citations: Citation[];
  onOpen: (c: Citation) => void;
  onCite?: (n: number) => void;
  streaming?: boolean;
  children?: React.ReactNode;
}) {
  const { t } = useI18n();
  const cite = onCite ?? ((n: number) => {
    const c = citations.find((c) => c.number === n);
    if (c) onOpen(c);
  });
  return (
    <article className="flex flex-col gap-2" data-testid="turn">
      <div className="self-end rounded-lg bg-indigo-600 px-3 py-2 text-sm text-white" data-testid="question">
        <p className="whitespace-pre-wrap">{question}</p>
      </div>
      <div className="rounded-lg border border-slate-200 bg-white px-4 py-3" aria-busy={streaming}>
        {answer ? <Answer text={answer} onCite={cite} /> : streaming ? <p className="text-sm text-slate-500">{t("chat.thinking")}</p> : null}
        {streaming ? <span className="ml-0.5 inline-block h-4 w-1.5 animate-pulse bg-indigo-500 align-middle" /> : null}
        <CitationList citations={citations} onOpen={onOpen} />
        {children}
      </div>
    </article>
  );
}
