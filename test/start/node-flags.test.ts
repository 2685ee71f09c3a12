import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BOT_NODE_FLAGS, respawnArgs } from '../../src/start/node-flags';

const REPO = path.join(__dirname, '..', '..');
const CLI = '/opt/labbot/dist/cli.js';

describe('the V8 flags of the bot process', () => {
  it('are the flags of `npm start`, so the bin and the script cannot drift apart', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    expect(pkg.scripts.start).toBe(`node ${BOT_NODE_FLAGS.join(' ')} dist/cli.js start`);
  });

  it('makes `labbot start` (and `labbot` alone, which starts) run node again with them', () => {
    expect(respawnArgs(['start'], [], CLI)).toEqual([...BOT_NODE_FLAGS, CLI, 'start']);
    expect(respawnArgs([], [], CLI)).toEqual([...BOT_NODE_FLAGS, CLI]);
  });

  it("keeps the process's own node flags and adds only the missing ones", () => {
    expect(respawnArgs(['start'], ['--inspect', '--optimize-for-size'], CLI)).toEqual([
      '--inspect',
      '--optimize-for-size',
      '--v8-pool-size=1',
      CLI,
      'start',
    ]);
  });

  it('goes on in this process when the flags are there or another command is run', () => {
    expect(respawnArgs(['start'], [...BOT_NODE_FLAGS], CLI)).toBeUndefined();
    for (const command of ['doctor', 'reap', 'help', 'vcdsim', 'migrate-vcd']) {
      expect(respawnArgs([command, '--plan'], [], CLI)).toBeUndefined();
    }
  });
});

describe('bin/labbot.js', () => {
  // Runs the compiled CLI (dist/, built by `npm ci`'s prepare), as an installed `labbot` does.
  const bin = path.join(REPO, 'bin', 'labbot.js');

  it('starts the bot in a child node with the flags, and relays its output and exit code', () => {
    // A preload kept by the respawn (it is one of the parent's node flags) prints each process's node flags.
    const dir = mkdtempSync(path.join(tmpdir(), 'labbot-bin-'));
    const preload = path.join(dir, 'print-flags.js');
    writeFileSync(preload, "process.stdout.write('node flags: ' + process.execArgv.join(' ') + '\\n');\n");
    try {
      const run = spawnSync(process.execPath, ['--require', preload, bin, 'start'], {
        // An invalid port: the bot refuses to start at once, with its configuration error.
        env: { ...process.env, PORT: 'notaport' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.stdout.split('\n').filter((line) => line.startsWith('node flags:'))).toEqual([
        `node flags: --require ${preload}`,
        `node flags: --require ${preload} ${BOT_NODE_FLAGS.join(' ')}`,
      ]);
      expect(run.stderr).toContain('PORT: "notaport" is not a TCP port');
      expect(run.status).toBe(78);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs other commands in its own process', () => {
    const run = spawnSync(process.execPath, [bin, 'help'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stdout).toContain('usage: labbot <command>');
    expect(run.status).toBe(0);
  });
});
