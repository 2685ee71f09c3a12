import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCommand } from '../../src/commands/parse-command';
import { DEFAULT_POLICY } from '../../src/config/default-policy';

/** Every `/lab class` example of the README's "Classes" section is a command labbot reads (the README stays honest). */
describe('README: class examples', () => {
  const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Classes'));
  const block = /```\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const examples = block
    .split('\n')
    .filter((line) => line.startsWith('/lab class'))
    // The command ends where its comment starts (two or more spaces); optional words are left out.
    .map((line) => (line.split(/ {2,}/)[0] ?? '').replace(/ \[[^\]]*\]/g, '').slice('/lab '.length));

  it('has examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  it.each(examples)('parses %j', (text) => {
    // Slack escapes mentions; the README shows them as people type them.
    const escaped = text
      .replace(/@(alice|bob|carol|dave)/g, (_m, name: string) => `<@U0${name.toUpperCase()}|${name}>`)
      .replace('#vsphere-101', '<#C0VSPHERE|vsphere-101>')
      .replace('@trainees', '<!subteam^S0TRAINEES|@trainees>');
    expect(parseCommand(escaped, { ticketPattern: DEFAULT_POLICY.ticketPattern })).toMatchObject({
      verb: 'class',
    });
  });
});
