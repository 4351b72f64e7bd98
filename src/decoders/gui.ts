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
type Test = RegExp | [before: RegExp, after: RegExp, acrossLines?: boolean];

// What ends a line for `.`; the regexes below have no `.` of their own.
const lineBreaks = /[\n\r\u2028\u2029]/;

/** Whether `clause` passes any of `tests`; `lines` are its lines when it has line breaks. */
function passes(clause: string, lines: string[] | undefined, tests: Test[]): boolean {
  return tests.some((test) => {
    if (test instanceof RegExp) return test.test(clause);
    return !lines || test[2] ? inOrder(clause, test) : lines.some((line) => inOrder(line, test));
  });
}

/** Whether `before`, then later `after`, occurs in `text` (see {@link Test}). */
function inOrder(text: string, [before, after]: Exclude<Test, RegExp>): boolean {
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
    [/\b(?:click|tap|press|hit|select|use|choose)\b/gi, /\bexport\b/gi],
    /\bexport (?:button|menu|panel|tab|option)\b|\b(?:you can|you may|feel free to|ready to)\s+(?:now\s+)?export\b|导出按钮/i,
    // 点 stands for 点击 too: it matches wherever 点击 does.
    [/点|按|使用|选择|可以|请|去/g, /导出/g, true],
  ]],
  ['credits', [
    [/\b(?:check|open|visit|go to|view|see)\b/gi, /\b(?:account|billing|balance|credits|subscription)\b/gi],
    /\bbilling\b|充值/i,
    [/查看|打开|前往/g, /账户|账号|积分|余额/g],
  ]],
  ['chat', [/\bdrag(?:ging)?\b|\bdrop (?:it|them|the \w+|your \w+) (?:onto|into)\b|拖拽|拖动|拖入|拖到/i]],
  ['timeline', [
    [/\b(?:preview|view|see|check|look at|watch)\b/gi, /\btimeline\b/gi],
    [/预览|查看|在/g, /时间线|时间轴/g],
  ]],
];
const fallback: [ActionType, Test[]][] = [
  ['state', [/(?:^|\b(?:you can|please|just|then|and|simply|now)\s+)open\b|打开/i]],
  ['chat', [/\b(?:click|tap|press)\b|点击|单击/i]],
];
// Leftovers that only led into a GUI clause: "To download it, click Export".
const lead = /^(?:to|then|and|or|if|once|when|please|simply|just)\b|^(?:如需|如果|然后|请|要)/i;

// White space as `\s` and `trim()` read it (one character); what ends a clause; what a
// sentence may end with (then white space). A sentence ends
// after `.!?` before white space (so URLs and decimals stay whole), or after `。！？` or a line
// feed: `sentenceEnd` finds that end from its `lastIndex`, trying each character once.
const space = /\s/;
const clauseEnd = /([,;，；]\s*)/;
const closing = /[\s.!?。！？]/;
const sentenceEnd = /[\n。！？]|[.!?](?=\s)/g;

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
  let out = '';
  let at = 0;
  // In one pass, by hand or with regexes that try each character once: the regexes this replaces
  // retried runs of spaces from every position.
  for (let from = 0, to = 0; from < text.length; from = to) {
    sentenceEnd.lastIndex = from;
    to = sentenceEnd.test(text) ? sentenceEnd.lastIndex : text.length;
    // Leading white space, the body, then closing marks and white space.
    let start = from;
    while (start < to && space.test(text[start]!)) start++;
    let stop = to;
    while (stop > start && closing.test(text[stop - 1]!)) stop--;
    if (stop === start) continue;
    // Clauses: split at `,;，；` and the white space after it, each separator kept after its
    // clause. A clause that may stay is kept with the separator after it; an empty one (", ,")
    // passes no test and is not kept.
    const parts = text.slice(start, stop).split(clauseEnd);
    const kept: string[][] = [];
    let gui = false;
    for (let i = 0; i < parts.length; i += 2) {
      const clause = parts[i]!.trim();
      if (clause) {
        const lines = lineBreaks.test(clause) ? clause.split(lineBreaks) : undefined;
        let found = false;
        for (const [type, tests] of specific) if (passes(clause, lines, tests)) add(type, clause), (found = true);
        if (!found) for (const [type, tests] of fallback) if (passes(clause, lines, tests)) add(type, clause), (found = true);
        if (found) gui = true;
        else kept.push([clause, parts[i + 1] ?? '']);
      }
    }
    // A sentence with GUI wording keeps the clauses that do not only lead into a GUI clause,
    // between its own leading space and closing marks; the text up to it is copied as it is.
    if (gui) {
      const rest = kept.filter(([clause]) => !lead.test(clause!)).flat();
      rest.pop();
      out += text.slice(at, from) + (rest.length ? text.slice(from, start) + rest.join('') + text.slice(stop, to) : '');
      at = to;
    }
  }
  if (!actions.length) return { text, actions };
  // Spaces and tabs go before each line break, at most one blank line stays in a row. The
  // lookbehind makes a run of spaces start only where it begins: the plain `[ \t]+\n` retried it
  // from each of its spaces, quadratic on a long run.
  return {
    text: (out + text.slice(at)).replace(/(?<![ \t])[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim(),
    actions,
  };
}
