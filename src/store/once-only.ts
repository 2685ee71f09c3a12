/** Wraps an async action so that it runs once; later calls get the first call's promise. */
export function onceOnly(action: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= action());
}
