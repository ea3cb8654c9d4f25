// Citation markers `[n]` in an answer become links `#cite-n`, which the
// Markdown renderer turns into buttons opening the source. A marker inside
// code stays text.

const MARKER = /\[(\d{1,3})\](?!\()/g;

export function linkMarkers(markdown: string): string {
  return markdown
    .split(/(```[\s\S]*?```|`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(MARKER, "[[$1]](#cite-$1)")))
    .join("");
}

export function citationNumber(href: string | undefined): number | null {
  const match = href?.match(/^#cite-(\d+)$/);
  return match ? Number(match[1]) : null;
}
