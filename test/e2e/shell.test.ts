import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/load-config';
import { startLabbot } from '../../src/main';
import { createSilentLogger } from '../../src/observability/logger';
import { OutputWatcher } from './output-watcher';

/**
 * The local shell end to end: the real composition root on embedded defaults (simulated VCD, SQLite), fed
 * `/lab …` lines the way `npm start` reads them from stdin.
 */
describe('e2e: local shell on embedded defaults', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-shell-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start() {
    const input = new PassThrough();
    const output = new OutputWatcher();
    const config = loadConfig({ LABBOT_DATA_DIR: dataDir });
    const running = await startLabbot(
      config,
      { stdin: input, stdout: output.stream },
      { logger: createSilentLogger(), simSpeedFactor: 500 },
    );
    return { input, output, running };
  }

  it('deploys a demo lab to ready, lists it, tears it down, and the simulator no longer holds its vApp', async () => {
    const { input, output, running } = await start();

    input.write('/lab demo esxi8\n');
    const [, labId] = await output.waitFor(/✓ Lab (demo-[a-z0-9]+): ready/);
    const ready = output.text;
    input.write('/lab list\n');
    await output.waitFor(new RegExp(`- ${labId}  ready  esxi8`));
    input.write(`/lab teardown ${labId}\n`);
    await output.waitFor(new RegExp(`Lab ${labId}: deleted`));
    input.end();
    await running.done;

    expect(ready).toMatch(/\[demo-\w+\] deploying…\n/);
    expect(ready).toMatch(/\[demo-\w+\] powering on…\n/);
    expect(ready).toContain(`vApp      lab-${labId}`);
    expect(ready).toMatch(/esxi-01 +powered on +4 +16 GB +10\.10\.\d+\.\d+/);
    expect(ready).toMatch(/vmnic1 +00:50:56:[0-9a-f:]{8} +VM Network/);
    expect(ready).toContain('Nested VM n takes the MAC of vmnic n');
    expect(ready).toMatch(/Cost +\$\d+\.\d\d so far, \$0\.18\/h/);
    expect(ready).toContain('simulated VCD: nothing real was deployed');
    expect(running.simulator?.state.findVAppByName(`lab-${labId}`)).toBeUndefined();
  });

  it('prints the usage of every command for /lab help and ends cleanly at end of input', async () => {
    const { input, output, running } = await start();

    input.end('/lab help\n');
    await running.done;

    for (const usage of [
      '/lab demo [template] [for DURATION]',
      '/lab repro TICKET [template]',
      '/lab list [all]',
      '/lab status LAB',
      '/lab teardown LAB',
      '/lab templates',
      '/lab help',
    ]) {
      expect(output.text).toContain(usage);
    }
  });

  it('keeps labs across a restart with the same data directory', async () => {
    const first = await start();
    first.input.write('/lab demo esxi8\n');
    const [, labId] = await first.output.waitFor(/✓ Lab (demo-[a-z0-9]+): ready/);
    first.input.end();
    await first.running.done;

    const second = await start();
    second.input.end(`/lab status ${labId}\n`);
    await second.running.done;

    expect(second.output.text).toContain(`Lab ${labId}: ready`);
  });

  it.each([
    ['an unknown command', '/lab frobnicate', /✗ Unknown command "frobnicate"/],
    [
      '10 kB of text',
      `/lab ${'x'.repeat(10_000)}`,
      /✗ That command is 10000 characters long; labbot reads at most 500/,
    ],
    ['a ticket id with <!channel>', '/lab repro <!channel>', /✗ "<!channel>" is not a ticket id/],
    [
      'a ticket id with XML characters',
      '/lab repro TICKET-1<tag attr="&">',
      /✗ "TICKET-1<tag" is not a ticket id/,
    ],
    ['an unknown lab', '/lab status demo-zzz', /✗ There is no lab demo-zzz/],
  ])('answers %s with a clear error and keeps running', async (_what, line, message) => {
    const { input, output, running } = await start();

    input.end(`${line}\n/lab help\n`);
    await running.done;

    expect(output.text).toMatch(message);
    expect(output.text).toContain('/lab templates');
  });
});
