/**
 * How chat events look while they arrive: tool calls as dim lines, the agent's words live (when
 * asked), JSON lines with `--json`.
 * @module
 */
import type { ChatEvent } from '../../index.js';
import { eventJson } from './json.js';
import type { Ui } from './output.js';
import { formatElapsed } from './style.js';
import { quote } from '../../core/error-map.js';
import { redactText } from '../../core/redact.js';

/** Follows one chat stream on screen. */
export interface ChatView {
  event(event: ChatEvent): void;
  /** Ends a live line left open. */
  end(): void;
  /** Whether the agent's text was already shown live (so it need not be printed again). */
  readonly shownText: boolean;
}

const maxArgs = 72;

/** `generate_video(duration: 30, topic: "coffee")`, cut to a screen line. */
export function describeToolCall(name: string, args: Record<string, unknown>): string {
  const parts = Object.entries(args).map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
  const inner = parts.join(', ');
  return `${name}(${inner.length > maxArgs ? `${inner.slice(0, maxArgs - 1)}…` : inner})`;
}

/** The "still working" status (the service's advice: tell the user every two minutes); a spinner already shows the time. */
export function stillWorking(ui: Ui, elapsedMs: number): string {
  return ui.mode === 'tty' ? 'Still working' : `Still working (${formatElapsed(elapsedMs)})`;
}

/** A view of a chat stream; with `live`, text deltas are written as they come. */
export function createChatView(ui: Ui, options: { live: boolean }): ChatView {
  let open = false;
  let shownText = false;
  const closeLine = () => {
    if (open) ui.write('\n');
    open = false;
  };
  return {
    get shownText() {
      return shownText;
    },
    event(event) {
      if (event.type !== 'heartbeat') ui.json({ event: eventJson(event) });
      switch (event.type) {
        case 'text':
          if (!options.live) return;
          if (event.partial) {
            if (!open) ui.stopStatus();
            ui.write(event.text);
            open = true;
            shownText = true;
          } else if (open) {
            closeLine(); // the whole text repeats the deltas just shown
          } else {
            ui.stopStatus();
            ui.print(event.text);
            shownText = true;
          }
          return;
        case 'tool_call':
          closeLine();
          ui.note(ui.style.dim(`→ ${describeToolCall(event.name, event.args)}`));
          ui.status(`Agent working: ${event.name}`);
          return;
        case 'tool_result':
          ui.status('Agent writing its answer');
          return;
        case 'error':
          closeLine();
          ui.warn(`Agent reported ${event.code}: ${quote(redactText(event.message))}`);
          return;
        default:
          return;
      }
    },
    end: closeLine,
  };
}
