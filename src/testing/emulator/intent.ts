import type { RemoveTarget } from './draft.js';

/** One thing a message asks the agent to do. */
export type Operation =
  | {
      kind: 'generate';
      prompt: string;
      durationMs: number;
      label: string;
      title: string;
      bgmStyle: string;
      bgmVolume: number;
      vertical: boolean;
    }
  | { kind: 'bgm'; style: string; volume: number }
  | { kind: 'title'; text: string }
  | { kind: 'trim'; targetMs: number | undefined }
  | { kind: 'remove'; target: RemoveTarget };

/** Whether a text is (mostly) Chinese, so the agent answers in Chinese. */
export function isChinese(text: string): boolean {
  return /[\u3400-\u9fff]/.test(text);
}

const removeWords = /\b(remove|delete|drop|get rid of|take out)\b|删除|删掉|去掉|移除|去除/i;
const trimWords = /\b(trim|shorten|shorter|cut (?:it |the \w+ )?(?:down )?to)\b|剪短|裁剪|缩短|剪到|剪成/i;
const musicWords = /\b(music|bgm|soundtrack|song)\b|音乐|配乐|背景乐/i;
const titleWords = /\btitle\b|标题/i;
const generateWords = /\b(generate|create|make|produce|film)\b|\bvideo (?:about|of|for|showing)\b|生成|制作|做一个|做个|创建|创作/i;
const regenerateWords = /\b(generate|new video|another video)\b|重新生成|再生成|生成/i;
const questionStart = /^(what|how|why|who|which|can|could|do|does|is|are|help|hi|hello|hey)\b|^(什么|怎么|如何|为什么|你好|帮助|能不能)/i;

const styles: Array<[RegExp, string]> = [
  [/lo-?fi/i, 'Lo-fi'],
  [/jazz|爵士/i, 'Jazz'],
  [/piano|钢琴/i, 'Piano'],
  [/epic|cinematic|史诗|电影感/i, 'Epic'],
  [/chill|calm|relax|舒缓|轻松/i, 'Chill'],
  [/rock|摇滚/i, 'Rock'],
  [/acoustic|guitar|吉他/i, 'Acoustic'],
  [/classical|古典/i, 'Classical'],
  [/upbeat|happy|energetic|轻快|欢快/i, 'Upbeat'],
];

function styleOf(text: string): string {
  return styles.find(([re]) => re.test(text))?.[1] ?? 'Upbeat';
}

function volumeOf(text: string): number {
  const match = /(\d{1,3})\s*%/.exec(text);
  const pct = match ? Number(match[1]) : 35;
  return Math.min(100, Math.max(0, pct)) / 100;
}

/** Reads a duration such as "30-second", "5 s", "2 minutes" or "10秒" (ms), if any. */
export function durationOf(text: string): number | undefined {
  const minutes = /(\d+(?:\.\d+)?)\s*-?\s*(?:minutes?|mins?\b|分钟)/i.exec(text);
  if (minutes) return Math.round(Number(minutes[1]) * 60_000);
  const seconds = /(\d+(?:\.\d+)?)\s*-?\s*(?:seconds?|secs?\b|s\b|秒)/i.exec(text);
  return seconds ? Math.round(Number(seconds[1]) * 1000) : undefined;
}

function quoted(text: string): string | undefined {
  const match = /["“「『]([^"”」』]+)["”」』]/.exec(text) ?? /(?:^|\s)'([^']+)'/.exec(text);
  return match?.[1]?.trim() || undefined;
}

function titleText(text: string): string {
  const inQuotes = quoted(text);
  if (inQuotes) return inQuotes;
  const zh = /标题(?:为|是|叫|改成|改为|[:：])?\s*([^。！？，,.!?]+)/.exec(text);
  if (zh?.[1]?.trim()) return zh[1].trim();
  const en = /\btitle\b(?:\s+(?:called|saying|that says|reading|to|as|of))?\s*:?\s*([^.!?,;]+)/i.exec(text);
  return en?.[1]?.trim() || 'Untitled';
}

function removeTarget(text: string): RemoveTarget {
  if (musicWords.test(text)) return 'bgm';
  if (/\b(title|text|caption)\b|标题|字幕|文字/i.test(text)) return 'title';
  if (/\b(clip|segment|scene|shot)\b|片段|镜头/i.test(text)) return 'segment';
  if (/\bvideo\b|视频/i.test(text)) return 'video';
  return 'segment';
}

function titleCase(words: string[]): string {
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

function subjectOf(text: string): string {
  const about = /\b(?:about|of|showing|featuring)\s+(.+)/i.exec(text) ?? /关于(.+)/.exec(text);
  let subject = about?.[1] ?? text;
  if (!about) {
    subject = subject
      .replace(/^(?:please\s+)?(?:generate|create|make|produce|film)\s+(?:me\s+)?/i, '')
      .replace(/^(?:请)?(?:帮我)?(?:生成|制作|创建|创作|做)(?:一个|一段|个)?/, '');
  }
  subject = subject.split(/\s+(?:with|and add|add|then)\s+|[.,!?;，。！？；]/i)[0] ?? subject;
  subject = subject
    .replace(/^(?:an?|the)\s+/i, '')
    .replace(/^\d+(?:\.\d+)?\s*-?\s*(?:seconds?|secs?|s|minutes?|mins?)\s+/i, '')
    .replace(/^(?:(?:vertical|portrait|short|long)\s+)*(?:video|clip|film)\s*/i, '')
    .replace(/^(?:an?|the)\s+/i, '')
    .replace(/(?:的)?视频$/, '')
    .trim();
  return subject || (isChinese(text) ? '视频' : 'video');
}

/** Reads what a message asks for. `hasVideo`: the draft has a video track already. No operations: a plain text answer. */
export function parseOperations(text: string, hasVideo: boolean): Operation[] {
  if (removeWords.test(text)) return [{ kind: 'remove', target: removeTarget(text) }];
  const ops: Operation[] = [];
  const trim = trimWords.test(text);
  if (trim) ops.push({ kind: 'trim', targetMs: durationOf(text) });
  const bgm = musicWords.test(text) ? { kind: 'bgm' as const, style: styleOf(text), volume: volumeOf(text) } : undefined;
  const title = titleWords.test(text) ? { kind: 'title' as const, text: titleText(text) } : undefined;
  const question = /[?？]\s*$/.test(text.trim()) || questionStart.test(text.trim());
  const asksGenerate = generateWords.test(text) && (!hasVideo || regenerateWords.test(text));
  if (!trim && (asksGenerate || (!bgm && !title && !hasVideo && !question))) {
    const subject = subjectOf(text);
    const zh = isChinese(subject);
    const words = subject.split(/\s+/);
    return [
      {
        kind: 'generate',
        prompt: text,
        durationMs: Math.min(300_000, Math.max(1000, durationOf(text) ?? 10_000)),
        label: zh ? subject.slice(0, 12) : words.slice(0, 6).join(' ').toLowerCase(),
        title: title?.text ?? (zh ? subject.slice(0, 8) : titleCase(words.slice(0, 4))),
        bgmStyle: bgm?.style ?? styleOf(text),
        bgmVolume: bgm?.volume ?? 0.35,
        vertical: /\b(vertical|portrait|9:16|tiktok|reels|shorts)\b|竖屏|竖版/i.test(text),
      },
    ];
  }
  if (bgm) ops.push(bgm);
  if (title) ops.push(title);
  return ops;
}
