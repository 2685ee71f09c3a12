/** `labbot start` without Slack: a conversation on stdin/stdout as the configured user, until end of input. */
import { type Config } from '../config/config';
import { LocalUserDirectory } from '../shell/local-user-directory';
import { runShell } from '../shell/run-shell';
import { ShellMessenger } from '../shell/shell-messenger';
import { ShellNotifier } from '../shell/shell-notifier';
import { type ModeContext, type RunIo, type Running } from './running';
import { startReaperJobs } from './scheduled-jobs';

type ShellConfig = Extract<Config['slack'], { kind: 'shell' }>;

/** Wires the shell as the transport, runs one controller pass, then reads commands until the input ends. */
export async function startShellMode(context: ModeContext, io: RunIo, shell: ShellConfig): Promise<Running> {
  const { config, core, logger, commands, view, shutdown } = context;
  const write = (text: string): void => {
    io.stdout.write(`${text}\n`);
  };
  core.setNotifier(new ShellNotifier(write, view));
  core.setDirectory(new LocalUserDirectory());
  shutdown.add(...startReaperJobs(core, config, logger, new ShellMessenger(write)));
  await core.pass();
  const user = shell.user;
  const stop = (): Promise<void> => shutdown.run();
  const done = runShell({
    input: io.stdin,
    output: io.stdout,
    commands,
    user,
    idle: () => core.controller.idle(),
    banner: `labbot local shell as ${user}${core.cloud.simulated ? ', simulated VCD (nothing real is deployed)' : ''}. Type /lab help; end input (Ctrl-D) to quit.`,
  }).finally(stop);
  return { done, stop, ...(core.simulator ? { simulator: core.simulator } : {}) };
}
