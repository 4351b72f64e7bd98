/** Byte-chunking for stream tests; free of vitest so benches can use it too. */

/** Splits `data` at the given offsets (sorted, deduplicated, within bounds). */
export function chunksAt(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < data.length))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    out.push(data.subarray(start, point));
    start = point;
  }
  out.push(data.subarray(start));
  return out;
}
