/**
 * An API action standing in for a GUI instruction of the agent (PROTOCOL.md › Routing words):
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

// Specific words first; "open" and "click" count only when nothing more specific matched.
const specific: [ActionType, RegExp][] = [
  ['export', /\b(?:click|tap|press|hit|select|use|choose)\b.*\bexport\b|\bexport (?:button|menu|panel|tab|option)\b|\b(?:you can|you may|feel free to|ready to)\s+(?:now\s+)?export\b|(?:点击|点|按|使用|选择|可以|请|去)[^]*导出|导出按钮/i],
  ['credits', /\b(?:check|open|visit|go to|view|see)\b.*\b(?:account|billing|balance|credits|subscription)\b|\bbilling\b|(?:查看|打开|前往).*(?:账户|账号|积分|余额)|充值/i],
  ['chat', /\bdrag(?:ging)?\b|\bdrop (?:it|them|the \w+|your \w+) (?:onto|into)\b|拖拽|拖动|拖入|拖到/i],
  ['timeline', /\b(?:preview|view|see|check|look at|watch)\b.*\btimeline\b|(?:预览|查看|在).*(?:时间线|时间轴)/i],
];
const fallback: [ActionType, RegExp][] = [
  ['state', /(?:^|\b(?:you can|please|just|then|and|simply|now)\s+)open\b|打开/i],
  ['chat', /\b(?:click|tap|press)\b|点击|单击/i],
];
// Leftovers that only led into a GUI clause: "To download it, click Export".
const lead = /^(?:to|then|and|or|if|once|when|please|simply|just)\b|^(?:如需|如果|然后|请|要)/i;

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
  const add = (type: ActionType, source: string) => {
    if (type === 'chat' || !actions.some((a) => a.type === type)) actions.push({ type, source });
  };
  // A sentence ends at `.!?` before a space, so URLs and decimals stay whole.
  const out = text.split(/(?<=[.!?])(?=\s)|(?<=[。！？\n])/).map((sentence) => {
    const [, ws = '', body = '', end = ''] = /^(\s*)([^]*?)([.!?。！？\s]*)$/.exec(sentence)!;
    const parts = body.split(/([,;，；]\s*)/);
    const kept: number[] = [];
    let gui = false;
    for (let i = 0; i < parts.length; i += 2) {
      const clause = parts[i]!.trim();
      let types = specific.filter(([, re]) => re.test(clause));
      if (!types.length) types = fallback.filter(([, re]) => re.test(clause));
      for (const [type] of types) add(type, clause);
      if (types.length) gui = true;
      else kept.push(i);
    }
    if (!gui) return sentence;
    const rest = kept.filter((i) => !lead.test(parts[i]!.trim()) && parts[i]!.trim());
    if (!rest.length) return '';
    return ws + rest.map((i, k) => parts[i]!.trim() + (k < rest.length - 1 ? parts[i + 1] : '')).join('') + end;
  });
  if (!actions.length) return { text, actions };
  return { text: out.join('').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim(), actions };
}
