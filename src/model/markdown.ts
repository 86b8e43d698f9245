/**
 * The headings of a doc comment as rustdoc's Markdown parser (pulldown-cmark, CommonMark) sees them,
 * so that `# Safety` inside a code block, an HTML block or a paragraph does not count while a setext
 * heading or one inside a list item or block quote does. This is the subset of CommonMark's block
 * rules that decides what is a heading (checked case by case against clippy), not a renderer.
 */

interface Line {
  text: string;
  /** A lazy continuation line of a container's paragraph: it can only be paragraph text. */
  lazy?: boolean;
}

/** Every heading of `doc`, each as the text runs pulldown-cmark emits for it (emphasis, links and code split them). */
export function markdownHeadings(doc: string): string[][] {
  const out: string[][] = [];
  blocks(doc.split(/\r?\n|\r/).map((text) => ({ text })), out);
  return out;
}

const ATX = /^(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/;
const SETEXT_UNDERLINE = /^(?:=+|-+)[ \t]*$/;
const THEMATIC_BREAK = /^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const FENCE = /^(`{3,}|~{3,})(.*)$/;
const BULLET = /^([-+*])(?:([ \t]+)(.*)|$)/;
const ORDERED = /^(\d{1,9})([.)])(?:([ \t]+)(.*)|$)/;
const HTML_BLOCK_TAGS =
  'address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|' +
  'fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|' +
  'menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul';
/** HTML block starts (CommonMark types 1–7) and the line that ends each; `null` means a blank line ends it. */
const HTML_BLOCKS: { start: RegExp; end: RegExp | null; interruptsParagraph: boolean }[] = [
  { start: /^<(?:script|pre|style|textarea)(?:[ \t>]|$)/i, end: /<\/(?:script|pre|style|textarea)>/i, interruptsParagraph: true },
  { start: /^<!--/, end: /-->/, interruptsParagraph: true },
  { start: /^<\?/, end: /\?>/, interruptsParagraph: true },
  { start: /^<![A-Za-z]/, end: />/, interruptsParagraph: true },
  { start: /^<!\[CDATA\[/, end: /\]\]>/, interruptsParagraph: true },
  { start: new RegExp(`^</?(?:${HTML_BLOCK_TAGS})(?:[ \\t>]|/>|$)`, 'i'), end: null, interruptsParagraph: true },
  {
    start: /^(?:<[A-Za-z][A-Za-z0-9-]*(?:[ \t]+[A-Za-z_:][\w.:-]*(?:[ \t]*=[ \t]*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)*[ \t]*\/?>|<\/[A-Za-z][A-Za-z0-9-]*[ \t]*>)[ \t]*$/,
    end: null,
    interruptsParagraph: false,
  },
];

function expandTabs(s: string): string {
  if (!s.includes('\t')) return s;
  let out = '';
  for (const ch of s) out += ch === '\t' ? ' '.repeat(4 - (out.length % 4)) : ch;
  return out;
}

const isBlank = (s: string): boolean => /^[ \t]*$/.test(s);
const indentOf = (s: string): number => expandTabs(s).search(/\S|$/);

function isFence(rest: string): RegExpExecArray | null {
  const m = FENCE.exec(rest);
  return m && !(m[1]![0] === '`' && m[2]!.includes('`')) ? m : null;
}

/**
 * Does this line start a block outside the open container, so that it cannot be a lazy continuation
 * of the container's paragraph? List items count here even when they could not interrupt a paragraph
 * (`2. x`, an empty item): that rule only applies inside the paragraph's own container.
 */
function startsBlock(raw: string): boolean {
  const line = expandTabs(raw);
  const indent = line.search(/\S|$/);
  if (indent >= 4) return false;
  const rest = line.slice(indent);
  if (ATX.test(rest) || isFence(rest) || THEMATIC_BREAK.test(rest) || rest.startsWith('>')) return true;
  if (BULLET.test(rest) || ORDERED.test(rest)) return true;
  return HTML_BLOCKS.some((h) => h.interruptsParagraph && h.start.test(rest));
}

/** After this line (one of a container's), is a paragraph open, so that a lazy continuation line may follow? */
function endsInParagraph(line: Line): boolean {
  if (line.lazy) return true;
  let t = expandTabs(line.text);
  for (;;) {
    const indent = t.search(/\S|$/);
    const rest = t.slice(indent);
    if (indent >= 4 || isBlank(rest)) return false;
    if (rest.startsWith('>')) {
      t = rest.slice(1).replace(/^ /, '');
      continue;
    }
    const item = THEMATIC_BREAK.test(rest) ? null : listItem(rest, 0, false);
    if (item) {
      t = item.first;
      continue;
    }
    return !(ATX.test(rest) || isFence(rest) || THEMATIC_BREAK.test(rest) || SETEXT_UNDERLINE.test(rest) || HTML_BLOCKS.some((h) => h.start.test(rest)));
  }
}

function blocks(lines: Line[], out: string[][]): void {
  let para: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const { text: raw, lazy } = lines[i]!;
    const line = expandTabs(raw);
    if (isBlank(line)) {
      para = [];
      i++;
      continue;
    }
    const indent = line.search(/\S/);
    const rest = line.slice(indent);
    if (lazy || (indent >= 4 && para.length)) {
      para.push(rest);
      i++;
      continue;
    }
    if (indent >= 4) {
      // Indented code block: runs until a non-blank line indented less.
      i++;
      while (i < lines.length && (isBlank(lines[i]!.text) || indentOf(lines[i]!.text) >= 4)) i++;
      continue;
    }
    if (para.length && SETEXT_UNDERLINE.test(rest)) {
      // A backslash at the end of a line is a hard line break, not text.
      out.push(para.flatMap((l, k) => inlineTextRuns(k < para.length - 1 ? l.replace(/\\$/, '') : l)));
      para = [];
      i++;
      continue;
    }
    const fence = isFence(rest);
    if (fence) {
      // Fenced code runs to a closing fence of the same character, at least as long, or to the end.
      const close = new RegExp(`^ {0,3}${fence[1]![0] === '`' ? '`' : '~'}{${fence[1]!.length},}[ \\t]*$`);
      para = [];
      i++;
      while (i < lines.length && !close.test(expandTabs(lines[i++]!.text)));
      continue;
    }
    const atx = ATX.exec(rest);
    if (atx) {
      const content = (atx[2] ?? '').replace(/(?:^|[ \t]+)#+[ \t]*$/, '');
      out.push(inlineTextRuns(content));
      para = [];
      i++;
      continue;
    }
    if (THEMATIC_BREAK.test(rest)) {
      para = [];
      i++;
      continue;
    }
    if (rest.startsWith('>')) {
      const inner: Line[] = [];
      while (i < lines.length) {
        const l = expandTabs(lines[i]!.text);
        const ind = l.search(/\S|$/);
        if (ind <= 3 && l[ind] === '>') inner.push({ text: l.slice(ind + 1).replace(/^ /, '') });
        else if (!isBlank(l) && inner.length && endsInParagraph(inner[inner.length - 1]!) && !startsBlock(l)) inner.push({ text: l, lazy: true });
        else break;
        i++;
      }
      blocks(inner, out);
      para = [];
      continue;
    }
    const footnote = para.length ? null : /^\[\^[^\]\s]+\]:[ \t]*(.*)$/.exec(rest);
    const item = footnote ? { first: footnote[1]!, width: indent + 4 } : listItem(rest, indent, para.length > 0);
    if (item) {
      const inner: Line[] = [{ text: item.first }];
      i++;
      while (i < lines.length) {
        const l = lines[i]!.text;
        if (isBlank(l)) {
          // An item may start with at most one blank line.
          if (inner.length === 1 && isBlank(item.first)) break;
          let j = i;
          while (j < lines.length && isBlank(lines[j]!.text)) j++;
          if (j === lines.length || indentOf(lines[j]!.text) < item.width) break;
          for (; i < j; i++) inner.push({ text: '' });
          continue;
        }
        const e = expandTabs(l);
        if (e.search(/\S/) >= item.width) inner.push({ text: e.slice(item.width) });
        else if (endsInParagraph(inner[inner.length - 1]!) && !startsBlock(e)) inner.push({ text: e, lazy: true });
        else break;
        i++;
      }
      blocks(inner, out);
      para = [];
      continue;
    }
    if (!para.length) {
      const html = HTML_BLOCKS.find((h) => h.start.test(rest));
      if (html) {
        if (html.end) {
          while (i < lines.length && !html.end.test(lines[i]!.text)) i++;
          i++;
        } else {
          while (i < lines.length && !isBlank(lines[i]!.text)) i++;
        }
        continue;
      }
    } else if (HTML_BLOCKS.some((h) => h.interruptsParagraph && h.start.test(rest))) {
      para = [];
      continue;
    }
    para.push(rest);
    i++;
  }
}

/** A list item starting on this line: its first content line and the indent its continuation lines need. */
function listItem(rest: string, indent: number, inParagraph: boolean): { first: string; width: number } | null {
  let marker: string;
  let spaces: string | undefined;
  let content: string | undefined;
  const b = BULLET.exec(rest);
  const o = b ? null : ORDERED.exec(rest);
  if (b) [marker, spaces, content] = [b[1]!, b[2], b[3]];
  else if (o) {
    if (inParagraph && o[1] !== '1') return null;
    [marker, spaces, content] = [o[1]! + o[2]!, o[3], o[4]];
  } else return null;
  const empty = content === undefined || isBlank(content);
  if (inParagraph && empty) return null;
  if (empty) return { first: '', width: indent + marker.length + 1 };
  const pad = spaces!.length;
  // Five or more spaces after the marker: the content is an indented code block one space in.
  if (pad > 4) return { first: ' '.repeat(pad - 1) + content, width: indent + marker.length + 1 };
  return { first: content!, width: indent + marker.length + pad };
}

/**
 * The text runs of a heading's inline content: code spans, HTML and link destinations are not text,
 * and emphasis delimiters, brackets, escapes and entities end one run and start another.
 */
export function inlineTextRuns(text: string): string[] {
  const runs: string[] = [];
  let cur = '';
  const cut = (): void => {
    runs.push(cur);
    cur = '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && /[!-/:-@[-`{-~]/.test(text[i + 1] ?? '')) {
      cut();
      cur = text[i + 1]!;
      i += 2;
      continue;
    }
    if (c === '`') {
      const run = /^`+/.exec(text.slice(i))![0];
      const close = text.indexOf(run, i + run.length);
      let end = close;
      // A closing run must be exactly as long.
      while (end >= 0 && text[end + run.length] === '`') end = text.indexOf(run, end + run.length + 1);
      cut();
      i = end >= 0 ? end + run.length : i + run.length;
      continue;
    }
    if (c === '&') {
      const entity = /^&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/.exec(text.slice(i));
      if (entity) {
        cut();
        i += entity[0].length;
        continue;
      }
    }
    if (c === '<') {
      const tag = /^<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[^\s@<>]+@[^\s@<>]+|\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?|!--[\s\S]*?--)>/.exec(text.slice(i));
      cut();
      if (tag) {
        i += tag[0].length;
        continue;
      }
    }
    if (c === ']' && text[i + 1] === '(') {
      const dest = /^\]\(\s*<?([^)\s>]*)>?[^)]*\)/.exec(text.slice(i));
      if (dest) {
        // Clippy ignores link text equal to its destination (it takes it for an autolink).
        if (cur === dest[1]) cur = '';
        cut();
        i += dest[0].length;
        continue;
      }
    }
    if (c === '[' || c === ']' || (c === '!' && text[i + 1] === '[')) {
      cut();
      i += 1;
      continue;
    }
    if (c === '*' || c === '_' || c === '~') {
      const run = new RegExp(`^\\${c}+`).exec(text.slice(i))![0];
      if (isDelimiter(text, i, run.length, c)) {
        cut();
        i += run.length;
        continue;
      }
      cur += run;
      i += run.length;
      continue;
    }
    cur += c;
    i++;
  }
  cut();
  return runs.filter((r) => r !== '');
}

/** Can this run of `*`, `_` or `~` open or close emphasis (CommonMark's flanking rules)? */
function isDelimiter(text: string, at: number, len: number, c: string): boolean {
  const before = text[at - 1] ?? ' ';
  const after = text[at + len] ?? ' ';
  const ws = (ch: string): boolean => /\s/.test(ch);
  const punct = (ch: string): boolean => /[\p{P}\p{S}]/u.test(ch);
  const left = !ws(after) && (!punct(after) || ws(before) || punct(before));
  const right = !ws(before) && (!punct(before) || ws(after) || punct(after));
  // `*` may open or close inside a word; `_` and `~` may not.
  if (c === '*') return left || right;
  return (left && (!right || punct(before))) || (right && (!left || punct(after)));
}
