import { createInterface } from 'node:readline';
import { type Readable, type Writable } from 'node:stream';
import { type CommandRunner } from '../commands/command-context';
import { renderReplyText } from './render-text';

export interface ShellOptions {
  input: Readable;
  output: Writable;
  commands: CommandRunner;
  user: string;
  /** Resolves when background work (deploys, teardowns) has finished, so end of input does not cut it off. */
  idle: () => Promise<void>;
  /** Printed once at start, e.g. that the VCD is simulated. */
  banner: string;
}

/**
 * The local chat transport: reads `/lab …` lines, prints replies, and at end of input waits for labs in
 * progress before it returns. Shows a prompt only on a terminal, so piped input yields clean output.
 */
export async function runShell(options: ShellOptions): Promise<void> {
  const interactive = (options.input as Readable & { isTTY?: boolean }).isTTY === true;
  const rl = createInterface({
    input: options.input,
    output: options.output,
    terminal: interactive,
    prompt: 'lab> ',
  });
  const print = (text: string): void => {
    options.output.write(`${text}\n`);
  };
  print(options.banner);
  if (interactive) {
    rl.prompt();
  }
  for await (const raw of rl) {
    const line = raw.trim();
    if (line !== '' && !line.startsWith('#')) {
      if (line === 'exit' || line === 'quit') {
        break;
      }
      const text = line.replace(/^\/lab\b/, '').trim();
      if (!line.startsWith('/lab') && !/^(help|demo|repro|list|status|teardown|templates)\b/i.test(line)) {
        print('Type a /lab command, for example `/lab help` or `/lab demo`.');
      } else {
        const reply = await options.commands.run(text, { user: options.user });
        print(renderReplyText(reply));
        if (reply.file !== undefined) {
          // No Slack to upload to: the file follows the reply, between markers, to copy or redirect.
          print(
            `--- ${reply.file.name} ---\n${reply.file.content.replace(/\r\n/g, '\n')}--- end of ${reply.file.name} ---`,
          );
        }
      }
    }
    if (interactive) {
      rl.prompt();
    }
  }
  rl.close();
  await options.idle();
}
