/**
 * The one way the SDK waits: a timer that an `AbortSignal` cancels.
 * @module
 */

/** Resolves after `ms`, or rejects with `signal.reason` as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // Throwing here rejects the promise with the reason.
    signal?.throwIfAborted();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms)); // Node warns about a negative wait
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
