/**
 * `nemovideo credits`: the balance.
 * @module
 */
import type { Context } from '../context.js';
import { exitCodes } from '../errors.js';

/** Runs `credits`; resolves with the exit code. */
export async function creditsCommand(ctx: Context): Promise<number> {
  const { ui, nemo, signal } = ctx;
  ui.status('Reading the balance');
  const { available, frozen, total } = await nemo.credits.balance({ signal });
  ui.stopStatus();
  ui.json({ result: { available, frozen, total } });
  ui.print(`${ui.style.bold(String(available))} credits available${frozen ? ` (${frozen} reserved by work in progress)` : ''}, ${total} in all`);
  return exitCodes.ok;
}
