// Which pieces of a page's text belong to a cited excerpt. The excerpt comes
// from our extractor (pdfium), the page's text items from pdf.js: spacing,
// line breaks, hyphenation and ligatures differ, so both are compared
// squashed (NFKC, lower case, no whitespace, hyphens or the " | " our PDF
// reader puts between a table row's cells).

export function squash(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/[\s\u00ad|-]+/g, "");
}

/** Longest anchor taken from each end of the excerpt when it is not found whole. */
const ANCHOR = 40;

/**
 * Indexes of the items the excerpt covers, in the page's reading order. The
 * excerpt is looked for whole in the page's squashed text; failing that
 * (one character read differently is enough), between a match of its first
 * and of its last characters.
 */
export function itemsInExcerpt(items: string[], excerpt: string): number[] {
  const target = squash(excerpt);
  if (!target) return [];
  const starts: number[] = [];
  let text = "";
  for (const raw of items) {
    starts.push(text.length);
    text += squash(raw);
  }
  let range: [number, number] | null = null;
  const whole = text.indexOf(target);
  if (whole >= 0) {
    range = [whole, whole + target.length];
  } else {
    const n = Math.min(ANCHOR, target.length);
    const head = text.indexOf(target.slice(0, n));
    const tail = text.indexOf(target.slice(-n), Math.max(0, head));
    if (head >= 0 && tail >= head && tail + n - head <= target.length * 2) range = [head, tail + n];
    else if (head >= 0) range = [head, head + n];
    else if (tail >= 0) range = [tail, tail + n];
  }
  if (!range) return [];
  const [from, to] = range;
  return items.flatMap((raw, i) => {
    const start = starts[i] ?? 0;
    const end = start + squash(raw).length;
    return end > start && start < to && end > from ? [i] : [];
  });
}
