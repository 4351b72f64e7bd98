/**
 * An API action standing in for a GUI instruction of the agent (docs/protocol.md › Routing words):
 * `export` (render), `credits` (read the balance), `state` (show the session state), `timeline`
 * (show the timeline summary) or `chat` (send the edit as a chat message).
 */
export interface GuiAction {
  type: 'export' | 'credits' | 'state' | 'timeline' | 'chat';
  /** The clause of the agent's text that asked for it, e.g. `Click Export to download it`. */
  source: string;
}

/** The result of {@link translateGuiText}. */
export interface GuiTranslation {
  /** The text without its GUI instructions. */
  text: string;
  actions: GuiAction[];
}

type ActionType = GuiAction['type'];

/**
 * A test over one clause: a regex, or "`before`, then later `after`", which is what the regex
 * `before.*after` means (`before[^]*after` when `acrossLines`; `.` stops at a line break). That
 * regex backtracks: each `before` retries every later position, quadratic on a long clause
 * ("click click click …"). Two searches do it in linear time: the first `before` of a line, then
 * `after` from where it ends. That decides it because the first `before` match ends no later than
 * any other (these alternatives never overlap). Both regexes carry `g`: a search resumes at `lastIndex`.
 */
type Test = RegExp | { before: RegExp; after: RegExp; acrossLines?: boolean };

// What ends a line for `.`; the regexes below have no `.` of their own.
const lineBreaks = /[\n\r\u2028\u2029]/;

/** Whether `clause` passes any of `tests`; `lines` are its lines when it has line breaks. */
function passes(clause: string, lines: string[] | undefined, tests: Test[]): boolean {
  return tests.some((test) => {
    if (test instanceof RegExp) return test.test(clause);
    return !lines || test.acrossLines ? inOrder(clause, test) : lines.some((line) => inOrder(line, test));
  });
}

/** Whether `before`, then later `after`, occurs in `text` (see {@link Test}). */
function inOrder(text: string, { before, after }: Exclude<Test, RegExp>): boolean {
  before.lastIndex = 0;
  if (!before.test(text)) return false;
  after.lastIndex = before.lastIndex;
  return after.test(text);
}

// Specific words first; "open" and "click" count only when nothing more specific matched.
// Every regex here runs in linear time: alternatives of fixed words, each `\s+` or `\w+` stops
// before a fixed word, and `.*` is written as a Test pair.
const specific: [ActionType, Test[]][] = [
  ['export', [
    { before: /\b(?:click|tap|press|hit|select|use|choose)\b/gi, after: /\bexport\b/gi },
    /\bexport (?:button|menu|panel|tab|option)\b|\b(?:you can|you may|feel free to|ready to)\s+(?:now\s+)?export\b|导出按钮/i,
    // 点 stands for 点击 too: it matches wherever 点击 does.
    { before: /点|按|使用|选择|可以|请|去/g, after: /导出/g, acrossLines: true },
  ]],
  ['credits', [
    { before: /\b(?:check|open|visit|go to|view|see)\b/gi, after: /\b(?:account|billing|balance|credits|subscription)\b/gi },
    /\bbilling\b|充值/i,
    { before: /查看|打开|前往/g, after: /账户|账号|积分|余额/g },
  ]],
  ['chat', [/\bdrag(?:ging)?\b|\bdrop (?:it|them|the \w+|your \w+) (?:onto|into)\b|拖拽|拖动|拖入|拖到/i]],
  ['timeline', [
    { before: /\b(?:preview|view|see|check|look at|watch)\b/gi, after: /\btimeline\b/gi },
    { before: /预览|查看|在/g, after: /时间线|时间轴/g },
  ]],
];
const fallback: [ActionType, Test[]][] = [
  ['state', [/(?:^|\b(?:you can|please|just|then|and|simply|now)\s+)open\b|打开/i]],
  ['chat', [/\b(?:click|tap|press)\b|点击|单击/i]],
];
// Leftovers that only led into a GUI clause: "To download it, click Export".
const lead = /^(?:to|then|and|or|if|once|when|please|simply|just)\b|^(?:如需|如果|然后|请|要)/i;

/** Whether a UTF-16 code unit is white space as `\s` and `trim()` read it. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
// `.!?`, which end a sentence before white space, and `。！？`, which end one anyway.
const isStop = (c: number) => c === 46 || c === 33 || c === 63;
const isWideStop = (c: number) => c === 0x3002 || c === 0xff01 || c === 0xff1f;
// `,;，；`, which end a clause.
const isComma = (c: number) => c === 44 || c === 59 || c === 0xff0c || c === 0xff1b;

/**
 * Turns the agent's GUI wording into API actions and removes it from the text, keeping what the
 * text says about the content.
 *
 * "click …"/"点击" becomes the action of what is clicked (else `chat`), "open …"/"打开" `state`,
 * "drag/drop"/"拖拽" `chat`, "preview in the timeline" `timeline`, "Export"/"导出" `export`,
 * "check account/billing" `credits`. Clauses (split at `.!?。！？` and `,;，；`) holding such an
 * instruction are dropped, with any lead-in clause of the same sentence ("To download it, …").
 * Actions keep their order; each type but `chat` appears once. A text without GUI wording comes
 * back unchanged.
 *
 * "Your video is ready! Click Export to download it." gives the text "Your video is ready!" and
 * one `export` action.
 */
export function translateGuiText(text: string): GuiTranslation {
  const actions: GuiAction[] = [];
  const seen = new Set<ActionType>();
  const add = (type: ActionType, source: string) => {
    if (type === 'chat' || !seen.has(type)) actions.push({ type, source }), seen.add(type);
  };
  // Sentences that lose a clause, as [from, to, what replaces them]; the others stay as they are.
  const edits: [number, number, string][] = [];
  // By hand, in one pass: the regexes this replaces retried runs of spaces from every position.
  for (let from = 0, to = 0; from < text.length; from = to) {
    // A sentence ends after `.!?` before white space (so URLs and decimals stay whole), or after
    // `。！？` or a line feed.
    to = from + 1;
    while (to < text.length) {
      const c = text.charCodeAt(to - 1);
      if (c === 10 || isWideStop(c) || (isStop(c) && isSpace(text.charCodeAt(to)))) break;
      to++;
    }
    // Leading white space, the body, then closing marks and white space.
    let start = from;
    while (start < to && isSpace(text.charCodeAt(start))) start++;
    let stop = to;
    while (stop > start) {
      const c = text.charCodeAt(stop - 1);
      if (!isSpace(c) && !isStop(c) && !isWideStop(c)) break;
      stop--;
    }
    if (stop === start) continue;
    // Clauses: split at `,;，；` and the white space after it. A clause that may stay is kept as
    // three offsets: its start and end, and the end of the separator after it.
    const kept: number[] = [];
    let gui = false;
    for (let cs = start; ; ) {
      let ce = cs;
      while (ce < stop && !isComma(text.charCodeAt(ce))) ce++;
      let next = ce;
      if (ce < stop) for (next++; next < stop && isSpace(text.charCodeAt(next)); next++);
      // An empty clause (", ,") passes no test and is not kept: no need to slice it.
      const clause = ce > cs ? text.slice(cs, ce).trim() : '';
      if (clause) {
        const lines = lineBreaks.test(clause) ? clause.split(lineBreaks) : undefined;
        let found = false;
        for (const [type, tests] of specific) if (passes(clause, lines, tests)) add(type, clause), (found = true);
        if (!found) for (const [type, tests] of fallback) if (passes(clause, lines, tests)) add(type, clause), (found = true);
        if (found) gui = true;
        else kept.push(cs, ce, next);
      }
      if (ce === stop) break;
      cs = next;
    }
    if (!gui) continue;
    // What stays: the kept clauses that do not only lead into a GUI clause.
    const rest: string[] = [];
    for (let k = 0; k < kept.length; k += 3) {
      const clause = text.slice(kept[k], kept[k + 1]).trim();
      if (!lead.test(clause)) rest.push(clause, text.slice(kept[k + 1], kept[k + 2]));
    }
    rest.pop();
    edits.push([from, to, rest.length ? text.slice(from, start) + rest.join('') + text.slice(stop, to) : '']);
  }
  if (!actions.length) return { text, actions };
  let out = '';
  let at = 0;
  for (const [from, to, replacement] of edits) (out += text.slice(at, from) + replacement), (at = to);
  return { text: tidy(out + text.slice(at)), actions };
}

/**
 * Drops spaces and tabs before each line break and keeps at most one blank line in a row, then
 * trims: what `.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim()` did, without the
 * first regex's quadratic retries on a long run of spaces.
 */
function tidy(text: string): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i]!;
    let stop = line.length;
    while (stop > 0 && (line[stop - 1] === ' ' || line[stop - 1] === '\t')) stop--;
    if (stop < line.length) lines[i] = line.slice(0, stop);
  }
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}
