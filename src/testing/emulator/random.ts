/** A seeded source of ids and random choices, so that one seed replays one run. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability `rate` (0 never draws, so a zero rate does not shift the sequence). */
  chance(rate: number | undefined): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** `length` characters of `[A-Za-z0-9]` (ADK event ids are 8 of them). */
  id(length: number): string;
  /** `length` lowercase hex digits. */
  hex(length: number): string;
  /** A version 4 UUID. */
  uuid(): string;
}

const alphanumeric = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function hashSeed(seed: number | string): number {
  const text = String(seed);
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

function randomSeed(): number {
  const cryptoApi = globalThis.crypto;
  if (cryptoApi?.getRandomValues) return cryptoApi.getRandomValues(new Uint32Array(1))[0] ?? 1;
  return Math.floor(Math.random() * 2 ** 32);
}

/** Makes a mulberry32 generator; without a seed it starts from a random one. */
export function createRandom(seed?: number | string): Random {
  let state = seed === undefined ? randomSeed() : hashSeed(seed);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const hex = (length: number): string => {
    let out = '';
    for (let i = 0; i < length; i++) out += int(0, 15).toString(16);
    return out;
  };
  return {
    next,
    int,
    chance: (rate) => (rate ?? 0) > 0 && next() < (rate ?? 0),
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T,
    id: (length) => {
      let out = '';
      for (let i = 0; i < length; i++) out += alphanumeric[int(0, alphanumeric.length - 1)];
      return out;
    },
    hex,
    uuid: () =>
      `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(0, 3)]}${hex(3)}-${hex(12)}`,
  };
}
