/** A draft segment in the backend's short keys (docs/protocol.md › The draft): `st` start, `d` duration (ms), `m` metadata. */
export interface RawSegment {
  id: string;
  st: number;
  d: number;
  m: Record<string, unknown>;
}

/** A draft track: `tt` type (0 video, 1 audio, 7 text), `sg` segments, `m` metadata. */
export interface RawTrack {
  id: string;
  tt: number;
  sg: RawSegment[];
  m: Record<string, unknown>;
}

/** A draft: `t` tracks, `d` duration (ms). `fps` and `v` (revision) stand for keys a client does not know and must send back untouched. */
export interface RawDraft {
  t: RawTrack[];
  d: number;
  fps: number;
  v: number;
}

/** The `state` object of a session. */
export interface SessionData {
  draft: RawDraft;
  video_infos: Array<Record<string, unknown>>;
  canvas_config: { width: number; height: number; aspect: string };
  video_analyses: Record<string, unknown>;
  generated_media: Array<Record<string, unknown>>;
}

/** Track type codes. */
export const trackType = { video: 0, audio: 1, text: 7 } as const;

/** The state of a new session. */
export function emptyState(): SessionData {
  return {
    draft: { t: [], d: 0, fps: 30, v: 0 },
    video_infos: [],
    canvas_config: { width: 1920, height: 1080, aspect: '16:9' },
    video_analyses: {},
    generated_media: [],
  };
}

/** A role a track plays. */
export type TrackRole = 'video' | 'bgm' | 'title';

/** Finds the first track playing a role. */
export function findTrack(draft: RawDraft, role: TrackRole): RawTrack | undefined {
  if (role === 'video') return draft.t.find((t) => t.tt === trackType.video);
  const type = role === 'bgm' ? trackType.audio : trackType.text;
  return draft.t.find((t) => t.tt === type && (t.m.role === role || t.sg.some((s) => s.m.role === role)));
}

function endOf(track: RawTrack | undefined): number {
  return track?.sg.reduce((end, s) => Math.max(end, s.st + s.d), 0) ?? 0;
}

/** Recomputes `d` after a change and bumps the revision; tracks left without segments go. */
function touch(draft: RawDraft): void {
  draft.t = draft.t.filter((t) => t.sg.length > 0);
  draft.d = draft.t.reduce((end, t) => Math.max(end, endOf(t)), 0);
  draft.v += 1;
}

/** Length of the video track, or of the whole draft when there is none (ms). */
export function videoLengthMs(draft: RawDraft): number {
  return endOf(findTrack(draft, 'video')) || draft.d;
}

/** Appends a generated clip to the video track (made first when missing). */
export function addClip(
  state: SessionData,
  clip: { trackId: string; segmentId: string; label: string; prompt: string; durationMs: number; url: string },
): void {
  const draft = state.draft;
  let track = findTrack(draft, 'video');
  if (!track) {
    track = { id: clip.trackId, tt: trackType.video, sg: [], m: { name: 'Video' } };
    draft.t.unshift(track);
  }
  const st = endOf(track);
  track.sg.push({ id: clip.segmentId, st, d: clip.durationMs, m: { name: clip.label, src: clip.url, prompt: clip.prompt } });
  touch(draft);
}

/** Adds background music over the whole video, or changes the existing one. */
export function setBgm(state: SessionData, bgm: { trackId: string; segmentId: string; style: string; volume: number }): void {
  const draft = state.draft;
  const length = videoLengthMs(draft) || 10_000;
  const segment: RawSegment = { id: bgm.segmentId, st: 0, d: length, m: { name: bgm.style, role: 'bgm', volume: bgm.volume } };
  const track = findTrack(draft, 'bgm');
  if (track) track.sg = [segment];
  else draft.t.push({ id: bgm.trackId, tt: trackType.audio, sg: [segment], m: { role: 'bgm' } });
  touch(draft);
}

/** Adds a title over the first 3 seconds, or changes the existing one's text. */
export function setTitle(state: SessionData, title: { trackId: string; segmentId: string; text: string }): void {
  const draft = state.draft;
  const track = findTrack(draft, 'title');
  const existing = track?.sg[0];
  if (existing) {
    existing.m = { ...existing.m, text: title.text };
  } else {
    const d = Math.min(3000, videoLengthMs(draft) || 3000);
    const segment: RawSegment = { id: title.segmentId, st: 0, d, m: { text: title.text, role: 'title' } };
    draft.t.push({ id: title.trackId, tt: trackType.text, sg: [segment], m: { role: 'title' } });
  }
  touch(draft);
}

/** Shortens the last clip (to `targetMs` of total video length, else by 30 %); other tracks are cut to fit. Returns the new length, or undefined when there is no video. */
export function trimVideo(state: SessionData, targetMs?: number): number | undefined {
  const draft = state.draft;
  const track = findTrack(draft, 'video');
  const last = track?.sg[track.sg.length - 1];
  if (!track || !last) return undefined;
  const length = endOf(track);
  const wanted = targetMs ?? Math.round((length * 0.7) / 100) * 100;
  const newLength = Math.max(last.st + 500, Math.min(length, wanted));
  last.d = newLength - last.st;
  for (const other of draft.t) {
    if (other === track) continue;
    other.sg = other.sg.filter((s) => s.st < newLength);
    for (const s of other.sg) s.d = Math.min(s.d, newLength - s.st);
  }
  touch(draft);
  return newLength;
}

/** What a remove request names. */
export type RemoveTarget = 'bgm' | 'title' | 'video' | 'segment';

/** Removes a track (or the last clip for `segment`). Returns whether something was removed. */
export function removeElement(state: SessionData, target: RemoveTarget): boolean {
  const draft = state.draft;
  const track = findTrack(draft, target === 'segment' ? 'video' : target);
  if (!track) return false;
  if (target === 'segment') track.sg.pop();
  else draft.t = draft.t.filter((t) => t !== track);
  touch(draft);
  return true;
}
