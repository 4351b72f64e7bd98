/** Where a user's message goes (docs/protocol.md › Routing words); only `chat` uses the SSE chat. */
export type Intent = 'export' | 'credits' | 'status' | 'upload' | 'chat';

/** Options of {@link routeIntent}. */
export interface RouteIntentOptions {
  /** Files attached to the message (a count or the files); any routes to `upload`. */
  attachments?: number | readonly unknown[];
}

// English words match whole words only ("exported", "uploaded" do not count); Chinese has no
// word breaks, so a past tense (已上传, 上传了) is excluded by hand. Every regex here runs in
// linear time on any text (test/decoders/hostile.test.ts): no `.*`, and each `\s+` or `\W*`
// starts after a fixed word or at `^`, so a run of spaces is scanned once, not from each position.
const upload = /\bupload\b|(?<!已|已经)上传(?![了的过])/i;
const rules: [Intent, RegExp][] = [
  ['export', /\b(?:export|download|send (?:me )?(?:the |my |that )?(?:video|file|mp4|result)|send it (?:over )?to me)\b|导出|下载|发给我/i],
  ['credits', /\b(?:credits?|(?:my|account|credit|remaining|current|check)\s+balance)\b|^\W*balance\W*$|积分|余额|额度/i],
  ['status', /\b(?:status|progress|show (?:me )?(?:the |my )?(?:tracks|timeline))\b|状态|进度|轨道/i],
];
// The routing words also occur in editing requests ("add end credits", "make a status bar"):
// a message that asks for an edit or a generation goes to chat.
const edit =
  /\b(?:add|make|create|generate|edit|change|remove|delete|replace|insert|put|trim|cut|turn|adjust|apply|fix|move|(?:end|opening|closing|roll(?:ing)?)\s+credits|credits\s+(?:text|roll|scene|sequence))\b|添加|加上|加入|生成|制作|修改|改成|删除|去掉|替换|剪辑|编辑/i;

/**
 * Routes a user's message to an action without asking the agent: `export`, `credits`, `status`,
 * `upload`, or `chat` for everything else (generate, edit, add BGM…).
 *
 * In order: an attachment or the word "upload"/"上传" is `upload` (the file must go first); a
 * message asking for an edit or a generation ("add credits text at the end", "make it brighter
 * and export") is `chat`; then "export", "download", "send me the video", "导出", "下载" are
 * `export`; "credits", "my balance", "积分", "余额" are `credits`; "status", "progress",
 * "show tracks", "状态", "进度" are `status`. English matches whole words, case-insensitively.
 */
export function routeIntent(text: string, opts: RouteIntentOptions = {}): Intent {
  const n = opts.attachments;
  if ((typeof n === 'number' ? n > 0 : !!n?.length) || upload.test(text)) return 'upload';
  if (edit.test(text)) return 'chat';
  return rules.find(([, re]) => re.test(text))?.[0] ?? 'chat';
}
