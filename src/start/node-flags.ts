/**
 * The V8 flags the bot process runs with. Measured by bench/memory.ts (issue 17 target 2): with them the bot holds
 * about 111 MB with 1,000 labs tracked instead of about 200 MB, for about 2.6× the CPU per reaper interval. V8 reads
 * them only at start-up, so `npm start` passes them on the node command line and the `labbot` bin re-runs node with
 * them for `start` (bin/labbot.js).
 */
export const BOT_NODE_FLAGS: readonly string[] = ['--optimize-for-size', '--v8-pool-size=1'];

/**
 * The node arguments to run `cliPath` again with, when `argv` (the CLI's arguments) starts the bot and this process
 * lacks some of {@link BOT_NODE_FLAGS}; undefined when this process should go on itself (another command, or the
 * flags are already there). The process's own node flags are kept.
 */
export function respawnArgs(
  argv: readonly string[],
  execArgv: readonly string[],
  cliPath: string,
): string[] | undefined {
  const command = argv[0] ?? 'start';
  if (command !== 'start') {
    return undefined;
  }
  const missing = BOT_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
  if (missing.length === 0) {
    return undefined;
  }
  return [...execArgv, ...missing, cliPath, ...argv];
}
