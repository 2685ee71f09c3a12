/**
 * What the steps share (controller/controller-context.ts), through the controller on fakes: a controller without an
 * audit log, notices carrying the lab as stored, a record without a vApp href, and a stop that ends a drive after
 * its current step.
 */
import { type Lab } from '../../src/labs/lab';
import { type CloudTask, type DeployRequest, type LabEvent } from '../../src/labs/ports';
import { RecordingNotifier, wireCore } from '../helpers/core';
import { FakeCloud } from '../helpers/fake-cloud';
import { labIn } from '../helpers/labs';
import { recordingLogger } from '../helpers/logger';
import { MemoryLabStore } from '../helpers/memory-lab-store';

/** Keeps the lab each event was told with. */
class LabNotifier extends RecordingNotifier {
  readonly told: { event: LabEvent; lab: Lab }[] = [];

  override labChanged(lab: Lab, event: LabEvent): Promise<void> {
    this.told.push({ event, lab });
    return super.labChanged(lab, event);
  }
}

describe('controller context', () => {
  it('deploys without an audit log', async () => {
    const core = wireCore({ controller: { audit: undefined } });

    const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo' });
    await core.controller.idle();

    expect((await core.store.get(lab.id))?.phase).toBe('ready');
    expect(core.audit.entries.filter((e) => e.actor === 'controller')).toEqual([]);
  });

  it('tells people about the lab as stored: a teardown asked during a step shows in the notice after it', async () => {
    const store = new MemoryLabStore();
    const notifier = new LabNotifier();
    class TeardownDuringTagging extends FakeCloud {
      override setMetadata(
        vappHref: string,
        entries: Record<string, string>,
      ): Promise<CloudTask | undefined> {
        const id = entries['labbot.id'] ?? '';
        return store
          .applyRequest(id, { desired: 'deleted' })
          .then(() => super.setMetadata(vappHref, entries));
      }
    }
    const core = wireCore({ store, cloud: new TeardownDuringTagging(), controller: { notifier } });

    const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo' });
    await core.controller.idle();

    const configuring = notifier.told.find(
      (t) => t.event.type === 'progress' && t.event.message === 'configuring…',
    );
    expect(configuring?.lab).toMatchObject({ id: lab.id, phase: 'configuring', desired: 'deleted' });
    expect((await store.get(lab.id))?.phase).toBe('deleted');
  });

  it('logs for admins a lab recorded without the vApp href its step needs', async () => {
    const logger = recordingLogger();
    const core = wireCore({ controller: { logger } });
    await core.store.insert(labIn('starting', { id: 'nohref-1', vappHref: undefined }));

    core.controller.wake('nohref-1');
    await core.controller.idle();

    expect(logger.lines.find((l) => l.message === 'lab step failed')?.fields.causes).toEqual([
      'Error: lab nohref-1 has no vApp href',
    ]);
    expect(core.cloud.calls.filter((c) => c.startsWith('getVApp'))).toEqual([]);
  });

  it('a stop during a step ends the drive once that step is recorded', async () => {
    let stopping: Promise<void> | undefined;
    let stop: () => Promise<void> = () => Promise.resolve();
    class StopDuringDeploy extends FakeCloud {
      override startDeploy(request: DeployRequest): Promise<{ vappHref: string; task: CloudTask }> {
        stopping = stop();
        return super.startDeploy(request);
      }
    }
    const core = wireCore({ cloud: new StopDuringDeploy() });
    stop = () => core.controller.stop();

    const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo' });
    await core.controller.idle();
    await stopping;

    const stored = await core.store.get(lab.id);
    expect(stored?.phase).toBe('deploying');
    expect(stored?.taskHref).toBeDefined();
    expect(core.cloud.calls.filter((c) => c.startsWith('waitForTask'))).toEqual([]);
  });
});
