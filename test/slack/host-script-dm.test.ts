import { textReply } from '../../src/commands/reply';
import { type Lab } from '../../src/labs/lab';
import { createHostScriptDm } from '../../src/slack/host-script-dm';
import { recordingLogger } from '../helpers/logger';

function client(fail?: string) {
  const posts: Record<string, unknown>[] = [];
  return {
    posts,
    client: {
      chat: {
        postMessage: (args: Record<string, unknown>) => {
          posts.push(args);
          return fail
            ? Promise.reject(Object.assign(new Error(fail), { data: { error: fail } }))
            : Promise.resolve({ ok: true, ts: '1.2' });
        },
        update: () => Promise.resolve({ ok: true }),
        postEphemeral: () => Promise.resolve({ ok: true }),
      },
    },
  };
}

const lab = (owner: string, id = 'demo-4kq'): Lab => ({ id, owner }) as unknown as Lab;

describe('slack/host-script-dm', () => {
  it('DMs the owner the scripts once per lab, and nothing for labs without scripts or without a Slack owner', async () => {
    const c = client();
    const dm = createHostScriptDm({
      client: c.client,
      logger: recordingLogger(),
      scripts: (l) => (l.id === 'demo-none' ? undefined : textReply(`scripts of ${l.id}`)),
    });

    await dm(lab('U0ALICE'));
    await dm(lab('U0ALICE'));
    await dm(lab('U0ALICE', 'demo-none'));
    await dm(lab('local-user', 'demo-shell'));

    expect(c.posts.map((p) => [p.channel, p.text])).toEqual([['U0ALICE', 'scripts of demo-4kq']]);
  });

  it('logs a failed DM instead of rejecting', async () => {
    const c = client('cannot_dm_bot');
    const logger = recordingLogger();
    const dm = createHostScriptDm({ client: c.client, logger, scripts: () => textReply('scripts') });

    await expect(dm(lab('U0ALICE'))).resolves.toBeUndefined();
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        message: 'Could not DM the host scripts to the lab owner',
        fields: expect.objectContaining({ code: 'cannot_dm_bot' }) as unknown,
      }),
    );
  });
});
