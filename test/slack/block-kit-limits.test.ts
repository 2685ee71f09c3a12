/**
 * Every Block Kit surface labbot builds, fed extreme but possible input, stays within Slack's limits
 * (50 blocks per message, 100 per view, text lengths, action_id and value lengths, options, modal fields).
 */
import { deployFormChoices } from '../../src/commands/deploy-form';
import { homeReply } from '../../src/commands/home-reply';
import { labReply, type LabViewContext } from '../../src/commands/lab-reply';
import { helpReply } from '../../src/commands/command-registry';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type Lab } from '../../src/labs/lab';
import { type LabPolicy } from '../../src/labs/policy';
import { renderReplyBlocks } from '../../src/slack/render/render-reply';
import { deployModal } from '../../src/slack/views/deploy-modal';
import { minimalLab } from '../helpers/labs';
import { blockViolations, LIMITS, modalViolations } from './block-kit-limits';

const view: LabViewContext = {
  now: new Date('2025-03-04T06:00:00Z'),
  rates: DEFAULT_POLICY.rates,
  simulated: true,
};

const NASTY = '<!channel> & <https://evil.example|click> `x` *b* '.repeat(40);

/** A lab with the longest id the id pattern allows, a hostile ticket, and 30 VMs of 4 NICs each. */
function hugeLab(index = 0): Lab {
  return minimalLab({
    id: `${'r'.repeat(16)}-${String(index).padStart(48, 'x')}`,
    kind: 'repro',
    ticket: NASTY.slice(0, 40),
    template: 't'.repeat(32),
    phase: 'ready',
    channel: 'C0LABS',
    vms: Array.from({ length: 30 }, (_, v) => ({
      name: `${NASTY.slice(0, 60)}-${v}`,
      href: `https://vcd.example.com/api/vApp/vm-${v}`,
      powerState: 'powered_on' as const,
      cpus: 4,
      memoryMb: 16384,
      nics: Array.from({ length: 4 }, (__, n) => ({
        index: n,
        network: NASTY.slice(0, 80),
        mac: `00:50:56:00:${String(v).padStart(2, '0')}:0${n}`,
        ipAddress: '10.0.0.1',
        connected: true,
      })),
    })),
    failureReason: NASTY,
  });
}

describe('Block Kit limits of every surface', () => {
  it('keeps the lab message of a huge lab within message limits, with its buttons intact', () => {
    const message = renderReplyBlocks(labReply({ ...hugeLab(), phase: 'failed' }, view));
    const ready = renderReplyBlocks(labReply(hugeLab(), view));

    expect(blockViolations(message.blocks, 'message')).toEqual([]);
    expect(blockViolations(ready.blocks, 'message')).toEqual([]);
    expect(message.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
    const actions = ready.blocks.filter((b) => b.type === 'actions');
    expect(JSON.stringify(actions)).toContain('"action_id":"lab_teardown"');
    expect(JSON.stringify(actions)).toContain(`"value":"${hugeLab().id}"`);
  });

  it('keeps a Home tab with many labs within view limits, cutting rather than overflowing', () => {
    const labs = Array.from({ length: 40 }, (_, i) => hugeLab(i));

    const { blocks } = renderReplyBlocks(
      homeReply(labs, view, {
        mayDeploy: true,
        notice: { visibility: 'ephemeral', tone: 'error', title: NASTY, sections: [] },
      }),
    );

    expect(blockViolations(blocks, 'home')).toEqual([]);
    expect(blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    expect(JSON.stringify(blocks.at(-1))).toContain('more blocks not shown');
  });

  it('keeps the deploy form within modal limits with 150 templates and long descriptions', () => {
    const policy: LabPolicy = {
      ...DEFAULT_POLICY,
      templates: Array.from({ length: 150 }, (_, i) => ({
        ...DEFAULT_POLICY.templates[0]!,
        key: `template-${String(i).padStart(3, '0')}-${'k'.repeat(19)}`,
        description: NASTY.slice(0, 200),
      })),
    };

    const modal = deployModal(deployFormChoices(policy), { from: 'command', channel: 'C0LABS' });

    expect(modalViolations(modal as unknown as Record<string, unknown>)).toEqual([]);
    expect(JSON.stringify(modal)).not.toContain('<!channel>');
  });

  it('keeps help within message limits and every button of a lab list unique per actions block', () => {
    const help = renderReplyBlocks(helpReply(true));
    const list = renderReplyBlocks({
      visibility: 'ephemeral',
      tone: 'info',
      title: 'labs',
      sections: Array.from({ length: 30 }, (_, i) => labReply(hugeLab(i), view).sections.at(-1)!),
    });

    expect(blockViolations(help.blocks, 'message')).toEqual([]);
    expect(blockViolations(list.blocks, 'message')).toEqual([]);
  });

  it('is checked by a checker that catches each limit (the oracle is not vacuous)', () => {
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    const bad = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
      { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) },
      {
        type: 'actions',
        elements: [
          { type: 'button', action_id: 'a'.repeat(256), value: 'v', text: { type: 'plain_text', text: 'b' } },
          {
            type: 'button',
            action_id: 'x',
            value: 'v'.repeat(2001),
            text: { type: 'plain_text', text: 'b' },
          },
          { type: 'button', action_id: 'x', value: 'v', text: { type: 'plain_text', text: 'b'.repeat(76) } },
        ],
      },
    ];

    expect(blockViolations(tooMany, 'message')).toEqual(['blocks: count 51 > 50']);
    expect(blockViolations(tooMany, 'home')).toEqual([]);
    expect(blockViolations(bad, 'message')).toEqual([
      'blocks[0] (header): text 151 > 150',
      'blocks[1] (section): fields 11 > 10',
      'blocks[2] (actions): action_id repeated within the block',
      'blocks[2] (actions).elements[0]: action_id 256 > 255',
      'blocks[2] (actions).elements[1]: button value 2001 > 2000',
      'blocks[2] (actions).elements[2]: button text 76 > 75',
    ]);
  });
});
