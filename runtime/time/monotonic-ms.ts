// A clock whose readings never repeat: journal and audit rows are keyed by their timestamp (re-sending a
// row is idempotent), so two distinct events of one source in the same millisecond need distinct times.
export function monotonicMs(now: () => number = Date.now): () => number {
  let last = 0;
  return () => {
    last = Math.max(now(), last + 1);
    return last;
  };
}
