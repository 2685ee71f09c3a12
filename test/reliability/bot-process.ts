import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';

export interface BotRun {
  output: string;
  /** It ended by SIGKILL (a kill point), not by reaching the end of its input. */
  killed: boolean;
}

/**
 * Runs the built bot (`node <cli> start`, local shell) against a real VCD URL (the simulator, usually behind a proxy
 * that kills it), on `dataDir`'s SQLite store and labbot.yml, feeds it `lines` and ends its input; resolves with its
 * output when it exits, killed or done. `onSpawn` receives the process so that a proxy can SIGKILL it.
 */
export function runBot(
  options: { cli: string; dataDir: string; vcdUrl: string; lines: string[] },
  onSpawn: (proc: ChildProcessWithoutNullStreams) => void,
): Promise<BotRun> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [options.cli, 'start'], {
      cwd: options.dataDir,
      env: {
        PATH: process.env.PATH ?? '',
        VCD_URL: options.vcdUrl,
        VCD_ORG: 'lab',
        VCD_VDC: 'lab-vdc',
        VCD_API_TOKEN: 'simulated-api-token',
        LABBOT_DATA_DIR: options.dataDir,
        LABBOT_CONFIG: path.join(options.dataDir, 'labbot.yml'),
        LOG_LEVEL: 'silent',
      },
    });
    onSpawn(proc);
    let output = '';
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    proc.on('exit', (_code, signal) => resolve({ output, killed: signal === 'SIGKILL' }));
    // A kill while the input is still being written must not fail the test with EPIPE.
    proc.stdin.on('error', () => undefined);
    proc.stdin.end(options.lines.map((line) => `${line}\n`).join(''));
  });
}
