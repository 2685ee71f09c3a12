/**
 * The deploy form as plain data (commands/deploy-form.ts): what it offers under a policy, how a submission becomes
 * the typed command, and each field's refusal at its edges (trimming, case, clipping, the kinds offered, limits).
 * test/slack/deploy-form.test.ts covers the main paths with the modal; these pin the rest.
 */
import { deployFormChoices, deployFormCommand, deployFormRefusal } from '../../src/commands/deploy-form';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type KindPolicy, type LabPolicy } from '../../src/labs/policy';

const kind = (name: string): KindPolicy => {
  const found = DEFAULT_POLICY.kinds.find((k) => k.name === name);
  if (found === undefined) {
    throw new Error(`no kind ${name} in the default policy`);
  }
  return found;
};

/** The default policy with only these kinds, in this order. */
const withKinds = (...names: string[]): LabPolicy => ({ ...DEFAULT_POLICY, kinds: names.map(kind) });

describe('commands/deploy-form: what the form offers', () => {
  it('offers demo, repro and class in that order whatever the policy’s order, each with its lifetime', () => {
    const choices = deployFormChoices(withKinds('dev', 'class', 'repro', 'demo'));
    expect(choices.kinds).toEqual([
      { name: 'demo', label: 'Demo: 4h by default' },
      { name: 'repro', label: 'Repro for a ticket: 3d' },
      { name: 'class', label: 'Class: one lab per student, 8h by default' },
    ]);
    expect(choices.durationHint).toBe('Demo labs only, e.g. 90m or 4h; default 4h, at most 12h.');
    expect(choices.ticketHint).toBe('Repro labs only: one lab per ticket, living 3d.');
  });

  it('labels every template with its description and hourly rate', () => {
    expect(deployFormChoices(DEFAULT_POLICY).templates.slice(0, 3)).toEqual([
      { key: 'esxi8', label: 'esxi8: One nested ESXi 8.0 host ($0.18/h)' },
      { key: 'esxi7', label: 'esxi7: One nested ESXi 7.0 host ($0.16/h)' },
      {
        key: 'vsphere8',
        label: 'vsphere8: vSphere 8 lab: two nested ESXi hosts, a vCenter and a jump host ($0.57/h)',
      },
    ]);
  });

  it('gives plain hints when the policy has no demo or no repro kind', () => {
    const choices = deployFormChoices(withKinds('class'));
    expect(choices.kinds.map((k) => k.name)).toEqual(['class']);
    expect(choices.durationHint).toBe('e.g. 90m or 4h');
    expect(choices.ticketHint).toBe('Repro labs only.');
  });
});

describe('commands/deploy-form: a submission becomes the command', () => {
  it('trims the kind, the ticket and the template, and lowercases the template', () => {
    expect(
      deployFormCommand({ kind: ' repro ', ticket: ' SUP-12 ', template: ' ESXI7 ' }, DEFAULT_POLICY),
    ).toEqual({
      text: 'repro SUP-12 esxi7',
    });
    expect(deployFormCommand({ kind: 'demo', template: '', duration: '' }, DEFAULT_POLICY)).toEqual({
      text: 'demo',
    });
    expect(deployFormCommand({ kind: 'demo', duration: '12h' }, DEFAULT_POLICY)).toEqual({
      text: 'demo for 12h',
    });
    expect(deployFormCommand({ kind: 'repro', ticket: 'SUP-12' }, DEFAULT_POLICY)).toEqual({
      text: 'repro SUP-12',
    });
  });

  it('makes a class of students picked with any spacing, with or without a template', () => {
    expect(deployFormCommand({ kind: 'class', students: '  U0A\n W0B  ' }, DEFAULT_POLICY)).toEqual({
      text: 'class for <@U0A> <@W0B>',
    });
  });

  it('accepts only Slack user ids as students', () => {
    const refused = { errors: { students: 'Pick the students from the list.' } };
    for (const students of ['U0', 'u0abc', 'xU0AB', 'U0AB!', 'C0ABC', 'U0a']) {
      expect(deployFormCommand({ kind: 'class', students }, DEFAULT_POLICY)).toEqual(refused);
    }
    expect(deployFormCommand({ kind: 'class', students: 'U0A U0B' }, DEFAULT_POLICY)).toEqual({
      text: 'class for <@U0A> <@U0B>',
    });
  });
});

describe('commands/deploy-form: refusals', () => {
  it('names the kinds the policy offers, joined with "or"', () => {
    expect(deployFormCommand({ kind: 'dev' }, withKinds('demo', 'repro'))).toEqual({
      errors: { kind: 'Pick demo or repro.' },
    });
    expect(deployFormCommand({ kind: 'dev' }, withKinds('demo'))).toEqual({ errors: { kind: 'Pick demo.' } });
    // A kind the policy lacks is not offered even when typed.
    expect(deployFormCommand({ kind: 'class', students: 'U0A' }, withKinds('demo', 'repro'))).toEqual({
      errors: {
        kind: 'Pick demo or repro.',
        students: 'Only a class has students; leave this empty or pick the class kind.',
      },
    });
  });

  it('still checks the template without a kind, but not against a kind’s allow list', () => {
    expect(deployFormCommand({ template: 'nope' }, DEFAULT_POLICY)).toEqual({
      errors: { kind: 'Pick the kind of lab.', template: 'There is no template "nope".' },
    });
    expect(deployFormCommand({ template: 'vsphere8' }, DEFAULT_POLICY)).toEqual({
      errors: { kind: 'Pick the kind of lab.' },
    });
  });

  it('clips echoed input at 40 characters', () => {
    const forty = 'a'.repeat(40);
    expect(deployFormCommand({ kind: 'demo', template: forty }, DEFAULT_POLICY)).toEqual({
      errors: { template: `There is no template "${forty}".` },
    });
    expect(deployFormCommand({ kind: 'demo', template: `${forty}bc` }, DEFAULT_POLICY)).toEqual({
      errors: { template: `There is no template "${forty}…".` },
    });
    expect(deployFormCommand({ kind: 'repro', ticket: `${forty}-1` }, DEFAULT_POLICY)).toEqual({
      errors: { ticket: `"${forty}…" is not a ticket id (expected something like TICKET-123).` },
    });
    expect(deployFormCommand({ kind: 'demo', duration: `${forty}x` }, DEFAULT_POLICY)).toEqual({
      errors: { duration: `"${forty}…" is not a duration such as 90m, 4h or 2d.` },
    });
  });

  it('refuses a ticket with a space inside even where the pattern would take it', () => {
    const loose: LabPolicy = { ...DEFAULT_POLICY, ticketPattern: '^.+$' };
    expect(deployFormCommand({ kind: 'repro', ticket: 'SUP-1\tX' }, loose)).toEqual({
      errors: { ticket: '"SUP-1\tX" is not a ticket id (expected something like TICKET-123).' },
    });
    expect(deployFormCommand({ kind: 'repro', ticket: 'anything' }, loose)).toEqual({
      text: 'repro anything',
    });
  });

  it('holds a class to its own maximum, and refuses a ticket for it', () => {
    expect(deployFormCommand({ kind: 'class', students: 'U0A', duration: '1d' }, DEFAULT_POLICY)).toEqual({
      text: 'class for <@U0A> for 1d',
    });
    expect(
      deployFormCommand(
        { kind: 'class', students: 'U0A', duration: '1441m', ticket: 'SUP-1' },
        DEFAULT_POLICY,
      ),
    ).toEqual({
      errors: {
        ticket: 'Only repro labs belong to a ticket; leave this empty for a class lab.',
        duration: 'A class lab can live at most 1d.',
      },
    });
  });

  it('takes a demo duration up to its maximum to the minute, with the spaces typed in it removed', () => {
    expect(deployFormCommand({ kind: 'demo', duration: '11h 60m' }, DEFAULT_POLICY)).toEqual({
      text: 'demo for 11h60m',
    });
    expect(deployFormCommand({ kind: 'demo', duration: '721m' }, DEFAULT_POLICY)).toEqual({
      errors: { duration: 'A demo lab can live at most 12h.' },
    });
  });

  it('lets a kind without an allow list use any known template', () => {
    expect(deployFormCommand({ kind: 'demo', template: 'vsphere8' }, DEFAULT_POLICY)).toEqual({
      text: 'demo vsphere8',
    });
  });
});

describe('commands/deploy-form: why the form is closed', () => {
  const limited = (deployChannels: string[]): LabPolicy => ({
    ...DEFAULT_POLICY,
    access: { deployChannels, deployUserGroups: ['S0'] },
  });

  it('names the channels when deploying is limited to some and this is not one of them', () => {
    expect(deployFormRefusal(limited(['C0LABS', 'C0MORE']), 'C0OTHER', false)).toBe(
      'Labs can be deployed only from the channels the labbot admins chose (C0LABS, C0MORE), not from here. `/lab help` lists what you can run.',
    );
  });

  it('blames the user groups otherwise, channel known or not', () => {
    const groups =
      'Deploying labs is limited to members of the user groups the labbot admins chose, and you are not in one. Ask an admin to add you; `/lab help` lists what you can run.';
    expect(deployFormRefusal(limited([]), undefined, false)).toBe(groups);
    expect(deployFormRefusal(limited([]), 'C0OTHER', false)).toBe(groups);
    expect(deployFormRefusal(limited(['C0LABS']), 'C0LABS', false)).toBe(groups);
    expect(deployFormRefusal(limited([]), undefined, true)).toBeUndefined();
  });
});
