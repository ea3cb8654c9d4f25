// The conversation as assistant-ui draws it: questions, answers with their
// `[n]` markers and sources, how an answer ended, Copy and Ask again under
// each answer, and the composer (Enter sends, Shift+Enter breaks the line,
// Stop while an answer streams, dictation where the browser has speech
// recognition). The messages come from `messages.ts` through the page's
// external-store runtime; a citation opens through `SourceContext`.
import { createContext, useContext, type ReactNode } from "react";
import {
  ActionBarPrimitive,
  AuiIf,
  ComposerPrimitive,
  MessagePrimitive,
  ThreadPrimitive,
  useAuiState,
  type EmptyMessagePartComponent,
  type TextMessagePartComponent,
} from "@assistant-ui/react";
import { Check, Copy, Mic, MicOff, RotateCcw, Send, Square } from "lucide-react";
import type { Citation } from "@/api/types";
import { useI18n } from "@/i18n";
import { Button } from "@/components/ui/button";
import { ErrorMessage } from "@/components/ErrorMessage";
import { Answer, CitationList } from "./Answer";
import type { AnswerMeta } from "./messages";

/** Opens a citation's source beside the conversation. */
export const SourceContext = createContext<(citation: Citation) => void>(() => {});

const NO_META: AnswerMeta = { citations: [], outcome: { kind: "complete" } };

function useAnswerMeta(): AnswerMeta {
  return useAuiState((s) => (s.message.metadata.custom as AnswerMeta | undefined) ?? NO_META);
}

/** The answer's Markdown; its `[n]` markers open their sources. */
const AnswerText: TextMessagePartComponent = ({ text }) => {
  const { citations } = useAnswerMeta();
  const open = useContext(SourceContext);
  return (
    <Answer
      text={text}
      onCite={(n) => {
        const c = citations.find((c) => c.number === n);
        if (c) open(c);
      }}
    />
  );
};

/** Before the first token. */
const Thinking: EmptyMessagePartComponent = ({ status }) => {
  const { t } = useI18n();
  return status.type === "running" ? <p className="text-sm text-slate-500">{t("chat.thinking")}</p> : null;
};

function UserMessage() {
  return (
    <MessagePrimitive.Root className="self-end rounded-lg bg-indigo-600 px-3 py-2 text-sm whitespace-pre-wrap text-white" data-testid="question">
      <MessagePrimitive.Parts />
    </MessagePrimitive.Root>
  );
}

function AssistantMessage() {
  const { t } = useI18n();
  const { citations, outcome } = useAnswerMeta();
  const open = useContext(SourceContext);
  const streaming = outcome.kind === "streaming";
  return (
    <MessagePrimitive.Root className="flex flex-col gap-1" data-testid="turn">
      <div className="rounded-lg border border-slate-200 bg-white px-4 py-3" aria-busy={streaming}>
        <MessagePrimitive.Parts components={{ Text: AnswerText, Empty: Thinking }} />
        {streaming ? <span className="ml-0.5 inline-block h-4 w-1.5 animate-pulse bg-indigo-500 align-middle" /> : null}
        <CitationList citations={citations} onOpen={open} />
        {outcome.kind === "stopped" ? <p className="text-xs text-amber-700">{t("chat.turnStopped")}</p> : null}
        {outcome.kind === "failed" && outcome.error ? <ErrorMessage error={outcome.error} /> : null}
        {outcome.kind === "failed" && !outcome.error ? (
          <p className="text-xs text-red-700" role="alert">
            {t("chat.turnFailed")}
            {outcome.reason ? ` — ${outcome.reason}` : ""}
          </p>
        ) : null}
      </div>
      <ActionBarPrimitive.Root hideWhenRunning className="flex gap-1 text-slate-500">
        <ActionBarPrimitive.Copy asChild copiedDuration={2000}>
          <Button variant="ghost" size="sm">
            <AuiIf condition={(s) => s.message.isCopied}>
              <Check /> {t("chat.copied")}
            </AuiIf>
            <AuiIf condition={(s) => !s.message.isCopied}>
              <Copy /> {t("chat.copy")}
            </AuiIf>
          </Button>
        </ActionBarPrimitive.Copy>
        <ActionBarPrimitive.Reload asChild>
          <Button variant="ghost" size="sm">
            <RotateCcw /> {t("chat.retry")}
          </Button>
        </ActionBarPrimitive.Reload>
      </ActionBarPrimitive.Root>
    </MessagePrimitive.Root>
  );
}

function Composer() {
  const { t } = useI18n();
  return (
    <ComposerPrimitive.Root className="flex items-end gap-2 rounded-lg border border-slate-300 bg-white p-2 shadow-sm">
      <ComposerPrimitive.Input
        rows={2}
        maxLength={4000}
        placeholder={t("chat.placeholder")}
        aria-label={t("chat.message")}
        className="min-h-[2.5rem] w-full flex-1 resize-none bg-transparent px-2 py-1 text-sm outline-none"
      />
      <AuiIf condition={(s) => s.thread.capabilities.dictation && s.composer.dictation == null}>
        <ComposerPrimitive.Dictate asChild>
          <Button type="button" variant="ghost" size="icon" aria-label={t("chat.dictate")}>
            <Mic />
          </Button>
        </ComposerPrimitive.Dictate>
      </AuiIf>
      <AuiIf condition={(s) => s.composer.dictation != null}>
        <ComposerPrimitive.StopDictation asChild>
          <Button type="button" variant="ghost" size="icon" aria-label={t("chat.stopDictation")} title={t("chat.listening")}>
            <MicOff className="text-red-600" />
          </Button>
        </ComposerPrimitive.StopDictation>
      </AuiIf>
      <AuiIf condition={(s) => !s.thread.isRunning}>
        <ComposerPrimitive.Send asChild>
          <Button type="submit" aria-label={t("chat.send")}>
            <Send /> {t("chat.send")}
          </Button>
        </ComposerPrimitive.Send>
      </AuiIf>
      <AuiIf condition={(s) => s.thread.isRunning}>
        <ComposerPrimitive.Cancel asChild>
          <Button type="button" variant="outline" aria-label={t("chat.stop")}>
            <Square /> {t("chat.stop")}
          </Button>
        </ComposerPrimitive.Cancel>
      </AuiIf>
    </ComposerPrimitive.Root>
  );
}

/** The messages (with `before`: loading, errors, the empty state) above the composer. */
export function Thread({ before }: { before?: ReactNode }) {
  return (
    <ThreadPrimitive.Root className="flex min-h-0 flex-1 flex-col">
      <ThreadPrimitive.Viewport className="flex-1 overflow-y-auto px-6 py-4">
        <div className="mx-auto flex max-w-3xl flex-col gap-5">
          {before}
          <ThreadPrimitive.Messages>
            {({ message }) => (message.role === "user" ? <UserMessage /> : <AssistantMessage />)}
          </ThreadPrimitive.Messages>
        </div>
      </ThreadPrimitive.Viewport>
      <div className="border-t border-slate-200 bg-slate-50 px-6 py-3">
        <div className="mx-auto max-w-3xl">
          <Composer />
        </div>
      </div>
    </ThreadPrimitive.Root>
  );
}
