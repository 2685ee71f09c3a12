import { type CommandRunner } from './command-context';
import { runParsed } from './command-registry';
import { type CommandRunnerDeps, type RunEnv } from './command-spec';
import { type LabViewContext } from './lab-reply';
import { parseCommand } from './parse-command';
import { type Reply } from './reply';
import { errorReply } from './report-error';

export { type CommandRunnerDeps } from './command-spec';

/**
 * Turns `/lab …` text into a use case call and its Reply: parsing and running both go through the verb's entry in
 * the command registry. The same runner serves Slack and the local shell.
 */
export function createCommandRunner(deps: CommandRunnerDeps): CommandRunner {
  const env: RunEnv = {
    deps,
    view: (): LabViewContext => ({
      now: deps.clock.now(),
      rates: deps.policy.rates,
      simulated: deps.simulated,
    }),
    // Answers to commands are for the caller only: the lab's own message, which the notifier posts and keeps up
    // to date, is what the channel sees, so the channel gets one message per lab rather than one per command.
    answer: (reply: Reply): Reply => ({ ...reply, visibility: 'ephemeral' }),
  };

  return {
    async run(text, context) {
      try {
        return await runParsed(
          parseCommand(text, { ticketPattern: deps.policy.ticketPattern }),
          context,
          env,
        );
      } catch (error) {
        return errorReply(error, deps.logger, deps.random);
      }
    },
  };
}
