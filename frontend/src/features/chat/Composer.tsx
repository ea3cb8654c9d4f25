import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { Mic, MicOff, Send, Square } from "lucide-react";
import { useI18n } from "@/i18n";
import { Button } from "@/components/ui/button";
import { Textarea } from "@/components/ui/input";

// The Web Speech API is not in TypeScript's DOM types; only what is used here.
interface Recognition {
  lang: string;
  interimResults: boolean;
  continuous: boolean;
  onresult: ((e: { results: ArrayLike<ArrayLike<{ transcript: string }> & { isFinal: boolean }> }) => void) | null;
  onend: (() => void) | null;
  onerror: (() => void) | null;
  start: () => void;
  stop: () => void;
}

function speechRecognition(): (new () => Recognition) | undefined {
  const w = window as unknown as Record<string, unknown>;
  return (w.SpeechRecognition ?? w.webkitSpeechRecognition) as (new () => Recognition) | undefined;
}

/** Enter sends, Shift+Enter breaks the line; while an answer streams, Stop replaces Send. */
export function Composer({
  streaming,
  onSend,
  onStop,
}: {
  streaming: boolean;
  onSend: (message: string) => void;
  onStop: () => void;
}) {
  const { t, locale } = useI18n();
  const [text, setText] = useState("");
  const [listening, setListening] = useState(false);
  const recognition = useRef<Recognition | null>(null);
  const Speech = speechRecognition();

  useEffect(() => () => recognition.current?.stop(), []);

  const send = () => {
    const message = text.trim();
    if (!message || streaming) return;
    onSend(message);
    setText("");
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };

  const dictate = () => {
    if (!Speech) return;
    if (listening) {
      recognition.current?.stop();
      return;
    }
    const r = new Speech();
    r.lang = locale;
    r.interimResults = false;
    r.continuous = false;
    r.onresult = (e) => {
      const said = Array.from(e.results)
        .filter((result) => result.isFinal)
        .map((result) => result[0]?.transcript ?? "")
        .join(" ");
      if (said) setText((old) => (old ? `${old} ${said}` : said));
    };
    r.onend = () => setListening(false);
    r.onerror = () => setListening(false);
    recognition.current = r;
    setListening(true);
    r.start();
  };

  return (
    <div className="flex items-end gap-2 rounded-lg border border-slate-300 bg-white p-2 shadow-sm">
      <Textarea
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        rows={2}
        placeholder={t("chat.placeholder")}
        aria-label={t("chat.message")}
        className="min-h-[2.5rem] resize-none border-0 shadow-none focus-visible:ring-0"
        maxLength={4000}
      />
      {Speech ? (
        <Button type="button" variant="ghost" size="icon" onClick={dictate} aria-label={t(listening ? "chat.stopDictation" : "chat.dictate")} aria-pressed={listening}>
          {listening ? <MicOff className="text-red-600" /> : <Mic />}
        </Button>
      ) : null}
      {streaming ? (
        <Button type="button" variant="outline" onClick={onStop} aria-label={t("chat.stop")}>
          <Square /> {t("chat.stop")}
        </Button>
      ) : (
        <Button type="button" onClick={send} disabled={!text.trim()} aria-label={t("chat.send")}>
          <Send /> {t("chat.send")}
        </Button>
      )}
    </div>
  );
}
