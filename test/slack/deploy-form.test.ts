import { deployFormChoices, deployFormCommand, deployFormRefusal } from '../../src/commands/deploy-form';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type LabPolicy } from '../../src/labs/policy';
import { deployableTemplates } from '../../src/labs/templates';
import {
  blockErrors,
  deployModal,
  readDeployForm,
  readModalOrigin,
} from '../../src/slack/views/deploy-modal';

const policy: LabPolicy = {
  ...DEFAULT_POLICY,
  kinds: DEFAULT_POLICY.kinds.map((k) => (k.name === 'repro' ? { ...k, templates: ['esxi7', 'esxi8'] } : k)),
};

describe('deploy form: submission → the typed command', () => {
  it('turns a demo with template and lifetime into `demo TEMPLATE for DURATION`', () => {
    expect(deployFormCommand({ kind: 'demo', template: 'esxi8', duration: ' 1h 30m ' }, policy)).toEqual({
      text: 'demo esxi8 for 1h30m',
    });
    expect(deployFormCommand({ kind: 'demo' }, policy)).toEqual({ text: 'demo' });
  });

  it('turns a repro into `repro TICKET [TEMPLATE]`', () => {
    expect(deployFormCommand({ kind: 'repro', ticket: ' SUP-12 ', template: 'esxi7' }, policy)).toEqual({
      text: 'repro SUP-12 esxi7',
    });
  });

  it('accepts a captured template where its base template is allowed, and only there', () => {
    const captured = deployableTemplates(policy.templates, [
      {
        key: 'mytpl',
        catalogItem: 'labbot-capture-mytpl',
        catalog: 'labs',
        baseTemplate: 'esxi8',
        sourceLabId: 'demo-abc',
        capturedBy: 'U1',
        capturedAt: new Date('2026-11-24T00:00:00Z'),
      },
      {
        key: 'big',
        catalogItem: 'labbot-capture-big',
        catalog: 'labs',
        baseTemplate: 'vsphere8',
        sourceLabId: 'demo-def',
        capturedBy: 'U1',
        capturedAt: new Date('2026-11-24T00:00:00Z'),
      },
    ]);
    const withCaptured: LabPolicy = { ...policy, templates: captured };

    expect(deployFormChoices(withCaptured).templates.map((t) => t.key)).toContain('mytpl');
    expect(deployFormCommand({ kind: 'repro', ticket: 'SUP-12', template: 'mytpl' }, withCaptured)).toEqual({
      text: 'repro SUP-12 mytpl',
    });
    expect(deployFormCommand({ kind: 'repro', ticket: 'SUP-12', template: 'big' }, withCaptured)).toEqual({
      errors: { template: 'A repro lab cannot use big. Allowed: esxi7, esxi8.' },
    });
  });

  it('says what is wrong with each field, in words for the user', () => {
    expect(deployFormCommand({}, policy)).toEqual({ errors: { kind: 'Pick the kind of lab.' } });
    expect(deployFormCommand({ kind: 'dev' }, policy)).toEqual({
      errors: { kind: 'Pick demo, repro or class.' },
    });
    expect(deployFormCommand({ kind: 'class' }, policy)).toEqual({
      errors: { students: 'A class needs its students: pick them here.' },
    });
    expect(deployFormCommand({ kind: 'class', students: 'U0A <!channel>' }, policy)).toEqual({
      errors: { students: 'Pick the students from the list.' },
    });
    expect(deployFormCommand({ kind: 'demo', students: 'U0A' }, policy)).toEqual({
      errors: { students: 'Only a class has students; leave this empty or pick the class kind.' },
    });
    expect(
      deployFormCommand({ kind: 'demo', template: 'nope', ticket: 'SUP-1', duration: '13h' }, policy),
    ).toEqual({
      errors: {
        template: 'There is no template "nope".',
        ticket: 'Only repro labs belong to a ticket; leave this empty for a demo lab.',
        duration: 'A demo lab can live at most 12h.',
      },
    });
    expect(deployFormCommand({ kind: 'demo', duration: 'soon' }, policy)).toEqual({
      errors: { duration: '"soon" is not a duration such as 90m, 4h or 2d.' },
    });
    expect(deployFormCommand({ kind: 'repro', template: 'vsphere8', duration: '4h' }, policy)).toEqual({
      errors: {
        template: 'A repro lab cannot use vsphere8. Allowed: esxi7, esxi8.',
        ticket: 'A repro lab needs the ticket id, e.g. TICKET-123.',
        duration: 'Repro labs live 3d; leave this empty and extend the lab later if needed.',
      },
    });
  });

  it('refuses a ticket the pattern rejects, or one that would smuggle in more words', () => {
    const loose = { ...policy, ticketPattern: '^.+$' };

    expect(deployFormCommand({ kind: 'repro', ticket: '<!channel>' }, policy)).toEqual({
      errors: { ticket: '"<!channel>" is not a ticket id (expected something like TICKET-123).' },
    });
    expect(deployFormCommand({ kind: 'repro', ticket: 'SUP-1 esxi7' }, loose)).toEqual({
      errors: { ticket: '"SUP-1 esxi7" is not a ticket id (expected something like TICKET-123).' },
    });
  });

  it('explains why the form is closed, channel list first', () => {
    const limited: LabPolicy = {
      ...policy,
      access: { deployChannels: ['C0LABS'], deployUserGroups: ['S0'] },
    };

    expect(deployFormRefusal(limited, 'C0LABS', true)).toBeUndefined();
    expect(deployFormRefusal(limited, 'C0OTHER', false)).toContain(
      'only from the channels the labbot admins chose (C0LABS)',
    );
    expect(deployFormRefusal(limited, 'C0LABS', false)).toContain('members of the user groups');
    // No channel named (lost modal metadata): the channel list refuses, it does not fall through (fails closed).
    expect(deployFormRefusal(limited, undefined, false)).toContain('only from the channels');
  });
});

describe('slack/views/deploy-modal', () => {
  it('makes a class of the picked students the `/lab class` command', () => {
    expect(
      deployFormCommand({ kind: 'class', template: 'esxi8', students: 'U0A U0B', duration: '3h' }, policy),
    ).toEqual({ text: 'class esxi8 for <@U0A> <@U0B> for 3h' });
    expect(
      readDeployForm({
        kind: { kind: { selected_option: { value: 'class' } } },
        students: { students: { selected_users: ['U0A', 'U0B'] } },
      }),
    ).toEqual({ kind: 'class', students: 'U0A U0B' });
  });

  it('offers the demo, repro and class kinds (demo first, preselected) and every template with its rate', () => {
    const modal = deployModal(deployFormChoices(policy), { from: 'command', channel: 'C0LABS' });

    expect(modal.callback_id).toBe('lab_deploy');
    expect(JSON.parse(modal.private_metadata ?? '')).toEqual({ from: 'command', channel: 'C0LABS' });
    const [kind, template, ticket, duration, students] = modal.blocks as unknown as {
      block_id: string;
      optional?: boolean;
      element: {
        action_id: string;
        options?: { value: string; text: { text: string } }[];
        initial_option?: { value: string };
      };
    }[];
    expect([kind, template, ticket, duration, students].map((b) => b?.block_id)).toEqual([
      'kind',
      'template',
      'ticket',
      'duration',
      'students',
    ]);
    expect(kind?.element.options?.map((o) => o.value)).toEqual(['demo', 'repro', 'class']);
    expect(kind?.element.initial_option?.value).toBe('demo');
    expect(template?.optional).toBe(true);
    expect(template?.element.options?.map((o) => o.text.text)).toContain(
      'esxi8: One nested ESXi 8.0 host ($0.18/h)',
    );
  });

  it('reads the submitted fields back, leaving out empty ones', () => {
    const form = readDeployForm({
      kind: { kind: { selected_option: { value: 'repro' } } },
      template: { template: { selected_option: null } },
      ticket: { ticket: { value: 'SUP-9' } },
      duration: { duration: { value: '' } },
    });

    expect(form).toEqual({ kind: 'repro', ticket: 'SUP-9' });
  });

  it('does not trust private_metadata: anything odd is a command in no known channel', () => {
    expect(readModalOrigin('{"from":"home","channel":"U0ALICE"}')).toEqual({
      from: 'home',
      channel: 'U0ALICE',
    });
    expect(readModalOrigin('{"from":"x","channel":"<!channel>"}')).toEqual({ from: 'command' });
    expect(readModalOrigin('not json')).toEqual({ from: 'command' });
    expect(readModalOrigin(undefined)).toEqual({ from: 'command' });
  });

  it('keys field errors by block id for response_action: errors', () => {
    expect(blockErrors({ duration: 'bad', kind: 'pick' })).toEqual({ kind: 'pick', duration: 'bad' });
  });
});
