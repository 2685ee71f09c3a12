import { type CommandContext } from '../../commands/command-context';
import {
  type DeployFormChoices,
  type DeployFormResult,
  type DeployFormValues,
} from '../../commands/deploy-form';

/** What the Slack side needs to offer the deploy form; main.ts wires it to commands/deploy-form.ts. */
export interface DeployFormPort {
  /** What the form offers `user` (the captured templates they may use included, hence async). Never rejects. */
  choices(user: string): Promise<DeployFormChoices>;
  /** The command `user`'s submission runs, or what is wrong with each field. Never rejects. */
  command(values: DeployFormValues, user: string): Promise<DeployFormResult>;
  /** Why the caller may not deploy from here, in words for them; undefined when they may. Never throws. */
  refusal(context: CommandContext): string | undefined;
}
