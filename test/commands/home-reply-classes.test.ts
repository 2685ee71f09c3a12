import { homeReply } from '../../src/commands/home-reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { replyText } from '../helpers/reply-text';

describe('commands/home-reply: classes', () => {
  const context = { now: new Date('2026-11-24T09:30:00Z'), rates: DEFAULT_POLICY.rates, simulated: false };
  const classroom = {
    name: 'vsphere-101',
    trainer: 'U0TRAINER',
    template: 'esxi8',
    startsAt: new Date('2026-11-24T09:00:00Z'),
    endsAt: new Date('2026-11-24T12:00:00Z'),
    createdAt: new Date('2026-11-24T09:00:00Z'),
  };

  it('lists the classes the viewer trains, with how to see their roster', () => {
    const text = replyText(homeReply([], context, { mayDeploy: true, classes: [classroom] }));
    expect(text).toContain('Classes you train (1)');
    expect(text).toContain(
      'vsphere-101  esxi8  until 2026-11-24 12:00 UTC  ·  `/lab class show vsphere-101`',
    );
  });

  it('says nothing about classes to someone who trains none', () => {
    expect(replyText(homeReply([], context, { mayDeploy: true, classes: [] }))).not.toContain('Classes');
  });
});
