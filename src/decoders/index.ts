/**
 * Pure decoders and helpers over NemoVideo JSON: drafts, timeline summaries and diffs, message
 * routing, GUI wording and language detection. Each is importable alone.
 *
 * @module
 */
export { decodeDraft, isExportable } from './draft.js';
export type { Draft, Track, Segment, TrackType, RawDraft, RawTrack, RawSegment } from './draft.js';
export { summarizeTimeline, trackKind } from './timeline.js';
export type { TrackKind } from './timeline.js';
export { diffTimelines, describeChanges } from './diff.js';
export type { TimelineChange, TrackChange, SegmentPresenceChange, SegmentEdit } from './diff.js';
export { routeIntent } from './intent.js';
export type { Intent, RouteIntentOptions } from './intent.js';
export { translateGuiText } from './gui.js';
export type { GuiAction, GuiTranslation } from './gui.js';
export { detectLanguage } from './language.js';
