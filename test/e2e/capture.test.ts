import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/load-config';
import { startLabbot } from '../../src/main';
import { createSilentLogger } from '../../src/observability/logger';
import { OutputWatcher } from './output-watcher';

/**
 * Issue 8, must-show 4: capture then deploy from the captured template, end to end through the local shell on
 * embedded defaults (simulated VCD, SQLite).
 */
describe('e2e: /lab capture through the local shell', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-capture-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('captures a ready lab, brings it back, lists the template and deploys a lab from it', async () => {
    const input = new PassThrough();
    const output = new OutputWatcher();
    const running = await startLabbot(
      loadConfig({ LABBOT_DATA_DIR: dataDir }),
      { stdin: input, stdout: output.stream },
      { logger: createSilentLogger(), simSpeedFactor: 500 },
    );
    const sim = running.simulator;

    input.write('/lab demo esxi8\n');
    const [, labId] = await output.waitFor(/✓ Lab (demo-[a-z0-9]+): ready/);
    const source = sim?.state.findVAppByName(`lab-${labId}`);

    let from = output.text.length;
    input.write(`/lab capture ${labId} mytpl\n`);
    await output.waitFor(/Capturing lab \S+ as template mytpl/, from);
    const captured = await output.waitFor(
      /Lab (\S+): ready[\s\S]*?Captured: the lab is now template mytpl/,
      from,
    );
    const captureText = output.text.slice(from);
    expect(captured[1]).toBe(labId);
    expect(captureText).toContain(`[${labId}] capturing as template mytpl: powering off…`);
    expect(captureText).toContain(`[${labId}] capturing into the catalog as template mytpl…`);
    expect(captureText).toContain(`[${labId}] captured as template mytpl; powering on again…`);
    expect(captureText).toContain('/lab demo mytpl');
    // The source lab runs again.
    expect(sim?.state.findVAppByName(`lab-${labId}`)?.vms.every((vm) => vm.status === 4)).toBe(true);
    expect(sim?.state.templates.some((t) => t.name === 'labbot-capture-mytpl' && t.resolved)).toBe(true);

    from = output.text.length;
    input.write('/lab templates\n');
    await output.waitFor(/mytpl +captured from lab/, from);

    from = output.text.length;
    input.write('/lab demo mytpl\n');
    const [, copyId] = await output.waitFor(/✓ Lab (demo-[a-z0-9]+): ready/, from);
    expect(copyId).not.toBe(labId);
    const copyText = output.text.slice(from);
    expect(copyText).toMatch(/Template +mytpl/);
    const copy = sim?.state.findVAppByName(`lab-${copyId}`);
    expect(copy?.vms.map((vm) => vm.name)).toEqual(source?.vms.map((vm) => vm.name));

    input.end();
    await running.done;
  });

  it('refuses a name that clashes with a configured template, and a malformed name', async () => {
    const input = new PassThrough();
    const output = new OutputWatcher();
    const running = await startLabbot(
      loadConfig({ LABBOT_DATA_DIR: dataDir }),
      { stdin: input, stdout: output.stream },
      { logger: createSilentLogger(), simSpeedFactor: 500 },
    );
    input.write('/lab demo esxi8\n');
    const [, labId] = await output.waitFor(/✓ Lab (demo-[a-z0-9]+): ready/);
    input.end(`/lab capture ${labId} esxi8\n/lab capture ${labId} Bad_Name\n`);
    await running.done;

    expect(output.text).toMatch(/✗ "esxi8" is already a configured template/);
    expect(output.text).toMatch(/✗ "Bad_Name" is not a template name/);
  });
});
