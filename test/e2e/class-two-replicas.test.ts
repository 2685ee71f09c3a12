import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rosterReply } from '../../src/commands/class-reply';
import { labReply } from '../../src/commands/lab-reply';
import { type Reply } from '../../src/commands/reply';
import { createCommandRunner } from '../../src/commands/run-command';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabController } from '../../src/controller/lab-controller';
import { ClassService } from '../../src/labs/class-service';
import { type Lab } from '../../src/labs/lab';
import { LabService } from '../../src/labs/lab-service';
import { type LabEvent, type LabNotifier } from '../../src/labs/ports';
import { createSilentLogger } from '../../src/observability/logger';
import { SlackClassRoster } from '../../src/slack/class-roster';
import { SlackNotifier } from '../../src/slack/slack-notifier';
import { type SlackWebClient } from '../../src/slack/slack-web-client';
import { createStore, type Store } from '../../src/store/create-store';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { migrateToLatest } from '../../src/store/migrate';
import { VcdCloud } from '../../src/vcd/vcd-cloud';
import { startVcdSim, type VcdSim } from '../../src/vcdsim/vcd-sim';
import { ManualClock } from '../helpers/clock';
import { directoryWithGroups } from '../helpers/directory';
import { replyText } from '../helpers/reply-text';

const TRAINER = 'U0TRAINER';
const CHANNEL = 'C0VSPHERE';
const STUDENTS = Array.from({ length: 30 }, (_, i) => `U0STUDENT${String(i).padStart(2, '0')}`);

/** A Slack Web API that records what was posted and updated, per channel, and answers like Slack. */
class RecordingSlack {
  readonly posts: { channel: string; text: string; ts: string }[] = [];
  readonly updates: { channel: string; ts: string; text: string }[] = [];
  private next = 1;

  readonly chat = {
    postMessage: (args: { channel: string; text: string }) => {
      const ts = `1700000000.${String(this.next++).padStart(6, '0')}`;
      this.posts.push({ channel: args.channel, text: args.text, ts });
      return Promise.resolve({ ok: true, channel: args.channel, ts });
    },
    update: (args: { channel: string; ts: string; text: string }) => {
      this.updates.push({ channel: args.channel, ts: args.ts, text: args.text });
      return Promise.resolve({ ok: true, channel: args.channel, ts: args.ts });
    },
    postEphemeral: () => Promise.resolve({ ok: true }),
    delete: (args: { channel: string; ts: string }) => {
      const at = this.posts.findIndex((p) => p.channel === args.channel && p.ts === args.ts);
      if (at >= 0) {
        this.posts.splice(at, 1);
      }
      return Promise.resolve({ ok: true });
    },
  };

  /** The newest text of the messages in a channel (their last post or update). */
  lastTexts(channel: string): string[] {
    return this.posts
      .filter((p) => p.channel === channel)
      .map((p) => this.updates.filter((u) => u.ts === p.ts).at(-1)?.text ?? p.text);
  }
}

/**
 * Issue 18 item 3: a class of 30 on two replicas (two controllers, each with its own connection to one SQLite store and
 * its own VCD client) against the simulator, on an injected clock. Created with one command, every lab is ready and
 * its student DMed their access details, the roster in the class channel is complete; torn down with one command,
 * nothing of the class is left in VCD (vApps and edge as before).
 */
describe('e2e: a class of 30 on two replicas', () => {
  let dataDir: string;
  let databases: LabbotDatabase[] = [];
  let sim: VcdSim;

  afterEach(async () => {
    await sim.close();
    for (const db of databases) {
      await db.close();
    }
    databases = [];
    rmSync(dataDir, { recursive: true, force: true });
  });

  function edgeState(): unknown {
    const world = sim.state.nsxt;
    return structuredClone({
      nat: world.natRules,
      firewall: world.userRules,
      groups: world.groups,
      profiles: world.profiles.filter((p) => p.scope === 'TENANT'),
    });
  }

  async function setup() {
    const clock = new ManualClock();
    sim = await startVcdSim({ speedFactor: 1, now: () => clock.now().getTime(), maxConcurrentTasks: 0 });
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-class-'));
    const logger = createSilentLogger();
    const sleep = (ms: number) => {
      clock.advance(ms);
      return Promise.resolve();
    };
    // A class counts against its trainer: 30 esxi8 labs fit this spend cap, and the students' own limits are untouched.
    const policy = {
      ...DEFAULT_POLICY,
      limits: { maxLabsPerUser: 5, maxHourlySpendPerUser: 200, maxStudentsPerClass: 30 },
    };
    const slack = new RecordingSlack();
    const view = () => ({ now: clock.now(), rates: policy.rates, simulated: true });
    const directory = directoryWithGroups({ [CHANNEL]: [TRAINER, ...STUDENTS] });

    const replica = async (holder: string) => {
      const db = await openDatabase({ kind: 'sqlite', dataDir });
      databases.push(db);
      await migrateToLatest(db);
      const store: Store = createStore(db, { holder, now: () => clock.now() });
      const cloud = new VcdCloud({
        url: sim.url,
        org: 'lab',
        vdc: 'lab-vdc',
        catalog: 'labs',
        networks: policy.networks,
        auth: { kind: 'token', apiToken: 'simulated-api-token' },
        simulated: true,
        logger,
        clock,
        sleep,
      });
      const labMessages = new SlackNotifier({
        client: slack as unknown as SlackWebClient,
        logger,
        describe: (lab, event) => labReply(lab, view(), event),
        saveMessageRef: (labId, channel, ts) => store.labs.setMessageRef(labId, channel, ts),
        minUpdateIntervalMs: 0,
      });
      const hook: { classes?: ClassService; roster?: SlackClassRoster } = {};
      // As compose-core wires it: the lab's own message, then the class's follow-up (replacement, roster).
      const notifier: LabNotifier = {
        labChanged: async (lab: Lab, event: LabEvent) => {
          await labMessages.labChanged(lab, event);
          const className = await hook.classes?.labChanged(lab, event);
          if (className !== undefined) {
            await hook.roster?.rosterChanged(className);
          }
        },
        tellAdmins: () => Promise.resolve(),
      };
      const controller = new LabController({
        installationId: 'install-test',
        store: store.labs,
        cloud,
        notifier,
        clock,
        sleep,
        logger,
        policy,
        claims: { store: store.claims, holder },
        publicIps: store.publicIps,
        maxConcurrentLabs: 10,
      });
      let seed = holder === 'replica-a' ? 11 : 13;
      const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
      const service = new LabService({
        store: store.labs,
        waker: { wake: () => undefined },
        clock,
        random,
        policy,
        audit: store.audit,
        isTrainerOf: (user, labId) => hook.classes?.isTrainerOf(user, labId) ?? Promise.resolve(false),
      });
      hook.roster = new SlackClassRoster({
        client: slack,
        logger,
        load: (name) => hook.classes?.show(name) ?? Promise.resolve(undefined),
        describe: (classroom, seats, labs) => rosterReply(classroom, seats, labs, view()),
        saveRef: (name, channel, ts) => store.classes.setRosterRef(name, channel, ts),
        minUpdateIntervalMs: 0,
      });
      const roster = hook.roster;
      hook.classes = new ClassService({
        labs: service,
        store: store.labs,
        classes: store.classes,
        // Nobody is woken: the two controllers' passes share the labs out between them, as after a restart.
        waker: { wake: () => undefined },
        clock,
        random,
        policy,
        directory,
        audit: store.audit,
        rosterChanged: (name) => void roster.rosterChanged(name),
      });
      const commands = createCommandRunner({
        service,
        policy,
        clock,
        random,
        logger,
        simulated: true,
        classes: hook.classes,
      });
      return { store, controller, commands, classes: hook.classes, roster };
    };
    const replicas = [await replica('replica-a'), await replica('replica-b')];
    const drive = async () => {
      await Promise.all(replicas.map((r) => r.controller.resumeAll()));
      await Promise.all(replicas.map((r) => r.controller.idle()));
    };
    return { clock, slack, replicas, drive };
  }

  it('deploys one lab per student, DMs each one, keeps one roster, and leaves nothing in VCD after one teardown', async () => {
    const { slack, replicas, drive } = await setup();
    const [a, b] = replicas as [(typeof replicas)[number], (typeof replicas)[number]];
    const vappsBefore = sim.state.vApps().map((v) => v.name);
    const edgeBefore = edgeState();

    const created: Reply = await a.commands.run(
      `class esxi8 for <#${CHANNEL}|vsphere-101> for 3h name vsphere-101`,
      { user: TRAINER, channel: CHANNEL },
    );
    expect(created.tone).toBe('success');
    expect(created.title).toBe('Class vsphere-101: 30 labs of esxi8 requested, until 12:00 UTC');

    await drive();

    const shown = await b.classes.show('vsphere-101');
    expect(shown.labs).toHaveLength(30);
    expect(shown.labs.map((l) => [l.phase, l.failureReason])).toEqual(
      STUDENTS.map(() => ['ready', undefined]),
    );
    // One lab per student, owned by the student, none for the trainer; each with its own public address.
    expect(shown.labs.map((l) => l.owner).sort()).toEqual(STUDENTS);
    expect(new Set(shown.labs.map((l) => l.network?.publicIp)).size).toBe(30);
    // Each student got their lab in a DM (its message lives in their DM), showing how to reach it.
    for (const lab of shown.labs) {
      const texts = slack.lastTexts(lab.owner);
      expect(texts).toHaveLength(1);
      expect(texts[0]).toContain(`Lab ${lab.id}: ready`);
      expect(texts[0]).toContain(lab.network?.publicIp ?? 'no ip');
    }
    // The class channel holds one message, the roster: every student ready, and the class total.
    const rosterPosts = slack.posts.filter((p) => p.channel === CHANNEL);
    expect(rosterPosts).toHaveLength(1);
    const roster = slack.lastTexts(CHANNEL)[0] ?? '';
    expect(roster).toMatch(/^Class vsphere-101: 30 of 30 labs ready, \$\d+\.\d\d so far/);
    const fresh = replyText(
      rosterReply(shown.classroom, shown.seats, shown.labs, {
        now: new Date(),
        rates: DEFAULT_POLICY.rates,
        simulated: true,
      }),
    );
    for (const lab of shown.labs) {
      expect(fresh).toContain(lab.id);
    }
    // Students' /lab list shows their lab; a student cannot tear down another's.
    const [first, second] = shown.labs as [Lab, Lab];
    expect(replyText(await b.commands.run('list', { user: first.owner }))).toContain(first.id);
    expect((await b.commands.run(`teardown ${second.id}`, { user: first.owner })).tone).toBe('error');

    // One command, on the other replica, tears the whole class down.
    const torn = await b.commands.run('class teardown vsphere-101', { user: TRAINER, channel: CHANNEL });
    expect(torn.title).toBe('Class vsphere-101: 30 labs being torn down');
    await drive();

    const after = await a.classes.show('vsphere-101');
    expect(after.labs.map((l) => l.phase)).toEqual(STUDENTS.map(() => 'deleted'));
    expect(after.classroom.endedAt).toBeDefined();
    expect(sim.state.vApps().map((v) => v.name)).toEqual(vappsBefore);
    expect(edgeState()).toEqual(edgeBefore);
    expect(await a.store.publicIps.list()).toEqual([]);
    expect(slack.posts.filter((p) => p.channel === CHANNEL)).toHaveLength(1);
    expect(slack.lastTexts(CHANNEL)[0]).toContain('torn down');
  }, 120_000);

  it('schedules a class for a time ahead: nothing deploys before its start, every lab is ready by then, torn down in one command', async () => {
    const { clock, slack, replicas, drive } = await setup();
    const [a, b] = replicas as [(typeof replicas)[number], (typeof replicas)[number]];
    const vappsBefore = sim.state.vApps().map((v) => v.name);
    const readyBy = new Date('2026-11-24T11:00:00Z');

    const created = await a.commands.run(
      `class esxi8 for <#${CHANNEL}|vsphere-101> at 11:00 for 3h name sched-101`,
      { user: TRAINER, channel: CHANNEL },
    );
    expect(created.tone).toBe('success');
    expect(replyText(created)).toContain('every lab ready by');
    const scheduled = await b.classes.show('sched-101');
    expect(scheduled.classroom.startsAt).toEqual(readyBy);
    expect(scheduled.classroom.endsAt).toEqual(new Date('2026-11-24T14:00:00Z'));
    expect(new Set(scheduled.labs.map((l) => l.phase))).toEqual(new Set(['scheduled']));
    const deployAt = scheduled.labs[0]?.deployAt;
    expect(deployAt).toBeDefined();
    expect(scheduled.labs.every((l) => l.deployAt?.getTime() === deployAt?.getTime())).toBe(true);
    expect(deployAt!.getTime()).toBeLessThan(readyBy.getTime());

    // Both replicas pass before the deploy time: nothing reaches VCD.
    await drive();
    expect(sim.state.vApps().map((v) => v.name)).toEqual(vappsBefore);

    clock.advance(deployAt!.getTime() - clock.now().getTime());
    await drive();

    const shown = await a.classes.show('sched-101');
    expect(shown.labs.map((l) => l.phase)).toEqual(STUDENTS.map(() => 'ready'));
    // Ready by the class's start, each once, each student DMed.
    for (const lab of shown.labs) {
      expect(lab.readyAt!.getTime()).toBeLessThanOrEqual(readyBy.getTime());
      expect(slack.lastTexts(lab.owner)[0]).toContain(`Lab ${lab.id}: ready`);
    }
    expect(sim.state.vApps().length - vappsBefore.length).toBe(30);
    expect(slack.lastTexts(CHANNEL)[0]).toMatch(/^Class sched-101: 30 of 30 labs ready/);

    await b.commands.run('class teardown sched-101', { user: TRAINER, channel: CHANNEL });
    await drive();
    expect(sim.state.vApps().map((v) => v.name)).toEqual(vappsBefore);
  }, 120_000);
});
