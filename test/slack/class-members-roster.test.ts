import { type Reply } from '../../src/commands/reply';
import { type Classroom } from '../../src/labs/class';
import { createSilentLogger } from '../../src/observability/logger';
import { SlackClassRoster } from '../../src/slack/class-roster';
import { SlackUserDirectory } from '../../src/slack/slack-user-directory';

/** A Web API error as web-api throws it for `ok: false` answers (slackErrorCode reads `data.error`). */
function platformError(code: string): Error {
  return Object.assign(new Error(`An API error occurred: ${code}`), { data: { ok: false, error: code } });
}

const noUsers = {
  users: { info: () => Promise.reject(platformError('user_not_found')) },
  auth: { test: () => Promise.resolve({ ok: true, team_id: 'T1' }) },
};

describe('slack/slack-user-directory: class members', () => {
  it('reads a channel’s members page by page until the cursor is empty', async () => {
    const calls: { channel: string; cursor?: string; limit?: number }[] = [];
    const pages: Record<string, { members: string[]; next: string }> = {
      '': { members: ['U1', 'U2'], next: 'page2' },
      page2: { members: ['U3'], next: '' },
    };
    const directory = new SlackUserDirectory({
      ...noUsers,
      conversations: {
        open: () => Promise.reject(new Error('not used by the directory')),
        members: (args) => {
          calls.push(args);
          const page = pages[args.cursor ?? '']!;
          return Promise.resolve({
            ok: true,
            members: page.members,
            response_metadata: { next_cursor: page.next },
          });
        },
      },
    });

    expect(await directory.channelMembers('C1')).toEqual(['U1', 'U2', 'U3']);
    expect(calls).toEqual([
      { channel: 'C1', limit: 200 },
      { channel: 'C1', limit: 200, cursor: 'page2' },
    ]);
  });

  it('passes Slack’s refusal on (a channel labbot cannot see)', async () => {
    const directory = new SlackUserDirectory({
      ...noUsers,
      conversations: {
        open: () => Promise.reject(new Error('not used by the directory')),
        members: () => Promise.reject(platformError('channel_not_found')),
      },
    });
    await expect(directory.channelMembers('C9')).rejects.toThrow('channel_not_found');
  });

  it('reads a user group’s members', async () => {
    const directory = new SlackUserDirectory({
      ...noUsers,
      usergroups: {
        users: { list: ({ usergroup }) => Promise.resolve({ ok: true, users: [`${usergroup}-a`] }) },
      },
    });
    expect(await directory.userGroupMembers('S1')).toEqual(['S1-a']);
  });
});

describe('slack/class-roster', () => {
  const classroom: Classroom = {
    name: 'vsphere-101',
    trainer: 'U0TRAINER',
    template: 'esxi8',
    channel: 'C0CLASS',
    startsAt: new Date('2026-11-24T09:00:00Z'),
    endsAt: new Date('2026-11-24T12:00:00Z'),
    createdAt: new Date('2026-11-24T09:00:00Z'),
  };

  function setup(updateError?: string) {
    const sent: string[] = [];
    let stored: Classroom = { ...classroom };
    let version = 0;
    const timers: (() => void)[] = [];
    let now = 0;
    const roster = new SlackClassRoster({
      client: {
        chat: {
          postMessage: (args) => {
            sent.push(`post ${args.channel} ${args.text}`);
            return Promise.resolve({ ok: true, channel: args.channel, ts: `ts${sent.length}` });
          },
          update: (args) => {
            if (updateError !== undefined) {
              return Promise.reject(platformError(updateError));
            }
            sent.push(`update ${args.ts} ${args.text}`);
            return Promise.resolve({ ok: true });
          },
          postEphemeral: () => Promise.resolve({ ok: true }),
        },
      },
      logger: createSilentLogger(),
      load: () => Promise.resolve({ classroom: stored, seats: [], labs: [] }),
      describe: (): Reply => ({ visibility: 'channel', tone: 'info', title: `v${++version}`, sections: [] }),
      saveRef: (_name, channel, ts, replacing) => {
        if (stored.rosterTs !== replacing) {
          return Promise.resolve(false);
        }
        stored = { ...stored, channel, rosterTs: ts };
        return Promise.resolve(true);
      },
      clock: () => now,
      schedule: (run) => {
        timers.push(run);
        return () => undefined;
      },
    });
    return {
      roster,
      sent,
      tick: (ms: number) => {
        now += ms;
      },
      fire: async () => {
        timers.splice(0).forEach((run) => run());
        // Lets the trailing delivery (promise callbacks only, no timer) run to its end.
        await new Promise((resolve) => setImmediate(resolve));
      },
    };
  }

  it('posts the roster once, then updates it, coalescing changes within the interval', async () => {
    const { roster, sent, tick, fire } = setup();
    await roster.rosterChanged('vsphere-101');
    tick(5000);
    await roster.rosterChanged('vsphere-101');
    tick(100);
    await roster.rosterChanged('vsphere-101');
    await roster.rosterChanged('vsphere-101');
    expect(sent).toEqual(['post C0CLASS v1', 'update ts1 v2']);
    await fire();

    expect(sent).toEqual(['post C0CLASS v1', 'update ts1 v2', 'update ts1 v3']);
  });

  it('posts a new roster when the old message is gone', async () => {
    const { roster, sent, tick } = setup('message_not_found');
    await roster.rosterChanged('vsphere-101');
    tick(5000);
    await roster.rosterChanged('vsphere-101');
    expect(sent).toEqual(['post C0CLASS v1', 'post C0CLASS v2']);
  });

  it('keeps one roster when two replicas post the first one at the same moment', async () => {
    const sent: string[] = [];
    let stored: Classroom = { ...classroom };
    let posts = 0;
    const replica = (id: string) =>
      new SlackClassRoster({
        client: {
          chat: {
            postMessage: (args) => {
              sent.push(`${id} post ${args.text}`);
              return Promise.resolve({ ok: true, channel: args.channel, ts: `ts${++posts}` });
            },
            update: (args) => {
              sent.push(`${id} update ${args.ts} ${args.text}`);
              return Promise.resolve({ ok: true });
            },
            postEphemeral: () => Promise.resolve({ ok: true }),
            delete: (args) => {
              sent.push(`${id} delete ${args.ts}`);
              return Promise.resolve({ ok: true });
            },
          },
        },
        logger: createSilentLogger(),
        load: () => Promise.resolve({ classroom: stored, seats: [], labs: [] }),
        describe: (): Reply => ({
          visibility: 'channel',
          tone: 'info',
          title: `seen by ${id}`,
          sections: [],
        }),
        // The store's conditional write: only the first roster of the class is recorded.
        saveRef: (_name, channel, ts, replacing) => {
          if (stored.rosterTs !== replacing) {
            return Promise.resolve(false);
          }
          stored = { ...stored, channel, rosterTs: ts };
          return Promise.resolve(true);
        },
      });

    await Promise.all([replica('a').rosterChanged('vsphere-101'), replica('b').rosterChanged('vsphere-101')]);

    expect(stored.rosterTs).toBe('ts1');
    expect(sent).toEqual(['a post seen by a', 'b post seen by b', 'b delete ts2', 'b update ts1 seen by b']);
  });
});
