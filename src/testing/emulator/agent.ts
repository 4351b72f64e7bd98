import {
  addClip,
  findTrack,
  removeElement,
  setBgm,
  setTitle,
  trimVideo,
  type RemoveTarget,
  type SessionData,
} from './draft.js';
import { isChinese, parseOperations, type Operation } from './intent.js';
import type { ResolvedOptions } from './options.js';
import type { Random } from './random.js';
import { EventFactory, type Frame, type ToolCall } from './sse.js';

/** A change to the session state, due `atMs` after the run started. */
export interface Mutation {
  atMs: number;
  apply(state: SessionData): void;
}

/** Everything one `/run_sse` message does: what it streams, what it changes and when, what it costs. */
export interface RunPlan {
  /** Credits charged when the run is done (frozen until then). */
  cost: number;
  /** Events to stream, by offset. */
  frames: Frame[];
  /** State changes, by offset: they happen whether or not anyone reads the stream. */
  mutations: Mutation[];
  /** Offset at which all work (second stage included) is done. */
  doneAtMs: number;
}

/** Credits per operation (docs/protocol.md › The chat stream: generation ~100 a clip, editing ~50). */
export const costs = { generation: 100, edit: 50 } as const;

/** What {@link planRun} needs. */
export interface PlanInput {
  text: string;
  streaming: boolean;
  state: SessionData;
  origin: string;
  random: Random;
  options: ResolvedOptions;
}

/** The trailing text the real backend sometimes adds after normal output (docs/protocol.md › The chat stream). */
export const temporaryIssueText =
  'I encountered a temporary issue while finishing your request. Your changes have been saved.';

const seconds = (ms: number): string => String(Math.round(ms / 100) / 10);

const names: Record<RemoveTarget, [string, string]> = {
  bgm: ['background music', '背景音乐'],
  title: ['title', '标题'],
  video: ['video track', '视频轨道'],
  segment: ['last clip', '最后一个片段'],
};

interface Step {
  call: ToolCall;
  response: Record<string, unknown>;
  text: string;
  mutations: Array<{ stage: 1 | 2; apply: (state: SessionData) => void }>;
  cost: number;
}

/** Runs an operation on a preview copy of the state to know its result, and keeps the change to replay on the real state. */
function step(op: Operation, input: PlanInput, preview: SessionData, callId: string, zh: boolean): Step {
  const { random, origin } = input;
  const id = () => random.hex(8);
  const mutations: Step['mutations'] = [];
  const run = (stage: 1 | 2, apply: (state: SessionData) => void) => {
    apply(preview);
    mutations.push({ stage, apply });
  };
  switch (op.kind) {
    case 'generate': {
      const videoId = `vid_${random.hex(10)}`;
      const url = `${origin}/_emulator/media/${videoId}.mp4`;
      const clip = { trackId: id(), segmentId: id(), label: op.label, prompt: op.prompt, durationMs: op.durationMs, url };
      const [width, height] = op.vertical ? [1080, 1920] : [1920, 1080];
      run(1, (state) => {
        addClip(state, clip);
        state.canvas_config = { width, height, aspect: op.vertical ? '9:16' : '16:9' };
        state.generated_media.push({ id: videoId, type: 'video', url, prompt: op.prompt, duration: op.durationMs / 1000, width, height });
      });
      const bgm = { trackId: id(), segmentId: id(), style: op.bgmStyle, volume: op.bgmVolume };
      const title = { trackId: id(), segmentId: id(), text: op.title };
      run(2, (state) => {
        if (!findTrack(state.draft, 'bgm')) setBgm(state, bgm);
        if (!findTrack(state.draft, 'title')) setTitle(state, title);
      });
      const secs = seconds(op.durationMs);
      return {
        call: { id: callId, name: 'generate_video', args: { prompt: op.prompt, duration: op.durationMs / 1000 } },
        response: { status: 'success', video_id: videoId, url, prompt: op.prompt, duration: op.durationMs / 1000 },
        text: zh
          ? `你的${secs}秒视频「${op.label}」已生成。我正在为它添加背景音乐和标题。`
          : `Your ${secs}-second video "${op.label}" is ready. I'm adding background music and a title now.`,
        mutations,
        cost: costs.generation,
      };
    }
    case 'bgm': {
      const bgm = { trackId: id(), segmentId: id(), style: op.style, volume: op.volume };
      run(1, (state) => setBgm(state, bgm));
      const pct = Math.round(op.volume * 100);
      return {
        call: { id: callId, name: 'add_bgm', args: { style: op.style, volume: op.volume } },
        response: { status: 'success', track: `${op.style.toLowerCase().replace(/\W+/g, '')}_${random.int(1, 99)}`, style: op.style },
        text: zh ? `已添加${op.style}背景音乐，音量${pct}%。` : `Added ${op.style} background music at ${pct}% volume.`,
        mutations,
        cost: costs.edit,
      };
    }
    case 'title': {
      const title = { trackId: id(), segmentId: id(), text: op.text };
      run(1, (state) => setTitle(state, title));
      return {
        call: { id: callId, name: 'add_text', args: { text: op.text, role: 'title' } },
        response: { status: 'success', text: op.text },
        text: zh ? `已添加标题「${op.text}」（0-3秒）。` : `Title set: "${op.text}" (0-3s).`,
        mutations,
        cost: costs.edit,
      };
    }
    case 'trim': {
      const call = { id: callId, name: 'trim_clip', args: op.targetMs === undefined ? {} : { duration: op.targetMs / 1000 } };
      const length = trimVideo(structuredClone(preview), op.targetMs);
      if (length === undefined) {
        return {
          call,
          response: { error: "Error in tool 'trim_clip': no video to trim" },
          text: zh ? '还没有可以剪辑的视频。请先让我生成一个。' : 'There is no video to trim yet. Ask me to generate one first.',
          mutations,
          cost: 0,
        };
      }
      run(1, (state) => void trimVideo(state, op.targetMs));
      return {
        call,
        response: { status: 'success', duration: length / 1000 },
        text: zh ? `已将视频剪短到${seconds(length)}秒。` : `Trimmed the video to ${seconds(length)}s.`,
        mutations,
        cost: costs.edit,
      };
    }
    case 'remove': {
      const call = { id: callId, name: 'remove_element', args: { target: op.target } };
      const [en, cn] = names[op.target];
      if (!removeElement(structuredClone(preview), op.target)) {
        return {
          call,
          response: { error: `Error in tool 'remove_element': no ${en} in the draft` },
          text: zh ? `没有可以删除的${cn}。` : `There is no ${en} to remove.`,
          mutations,
          cost: 0,
        };
      }
      run(1, (state) => void removeElement(state, op.target));
      return {
        call,
        response: { status: 'success', removed: op.target },
        text: zh ? `已删除${cn}。` : `Removed the ${en}.`,
        mutations,
        cost: costs.edit,
      };
    }
  }
}

/** Plans the answer to one message: the ADK events, the draft changes and the credits. */
export function planRun(input: PlanInput): RunPlan {
  const { options, random, text } = input;
  const zh = isChinese(text);
  const events = new EventFactory(random, input.streaming, text);
  const hasVideo = findTrack(input.state.draft, 'video') !== undefined;
  const ops = parseOperations(text, hasVideo);
  const frames: Frame[] = [];
  const mutations: Mutation[] = [];
  const gap = options.replyMs > 0 ? 20 : 0;
  const pushText = (atMs: number, reply: string): number => {
    let at = atMs;
    for (const event of events.text(reply)) {
      frames.push({ atMs: at, event });
      at += gap;
    }
    return at;
  };

  if (ops.length === 0) {
    const reply = zh
      ? '我可以根据描述生成视频，并进行编辑：添加音乐、标题、剪短或删除片段。你想做什么？'
      : 'I can generate a video from a prompt, then edit it: add music, add a title, trim or remove clips. What would you like to make?';
    const end = pushText(options.replyMs, reply);
    if (random.chance(options.temporaryIssueRate)) pushText(end + options.replyMs, temporaryIssueText);
    return { cost: 0, frames, mutations, doneAtMs: 0 };
  }

  const preview = structuredClone(input.state);
  const steps = ops.map((op) => step(op, input, preview, events.callId(), zh));
  const generating = ops.some((op) => op.kind === 'generate');
  const callsAt = options.replyMs;
  const doneAt = callsAt + (generating ? options.generationMs : options.editMs);
  const calls = steps.map((s) => s.call);
  frames.push({ atMs: callsAt, event: events.calls(calls) });
  frames.push({ atMs: doneAt, event: events.results(calls, steps.map((s) => s.response)) });
  for (const s of steps) {
    for (const m of s.mutations) {
      mutations.push({ atMs: m.stage === 1 ? doneAt : doneAt + options.secondStageMs, apply: m.apply });
    }
  }
  if (input.streaming) frames.push({ atMs: doneAt, event: events.metadata() });
  const silent = random.chance(options.silentRate);
  if (!silent) {
    const end = pushText(doneAt + options.replyMs, steps.map((s) => s.text).join(' '));
    if (random.chance(options.temporaryIssueRate)) pushText(end + options.replyMs, temporaryIssueText);
  } else if (input.streaming) {
    // A silent model turn still closes with a metadata-only event (fixtures/adk-sse › tool_silent.sse).
    frames.push({ atMs: doneAt + options.replyMs, event: events.metadata() });
  }
  const cost = steps.reduce((sum, s) => sum + s.cost, 0);
  const doneAtMs = mutations.reduce((end, m) => Math.max(end, m.atMs), doneAt);
  return { cost: generating ? costs.generation : Math.min(cost, costs.edit), frames, mutations, doneAtMs };
}
