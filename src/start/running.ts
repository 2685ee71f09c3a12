/** The types `startLabbot` and its transport modes share, and the order a running bot stops in. */
import { type Readable, type Writable } from 'node:stream';
import { type CommandRunner } from '../commands/command-context';
import { type LabViewContext } from '../commands/lab-reply';
import { type Core } from '../compose-core';
import { type Config } from '../config/config';
import { type Logger } from '../labs/ports';
import { type VcdSim } from '../vcdsim/vcd-sim';

export interface RunIo {
  stdin: Readable;
  stdout: Writable;
}

export interface Running {
  /** Resolves when the bot has stopped (end of input in the shell; a signal otherwise). */
  done: Promise<void>;
  stop(): Promise<void>;
  /** HTTP port in Slack modes. */
  port?: number;
  /** The embedded simulator, when VCD is simulated (tests look inside it). */
  simulator?: VcdSim;
}

export interface StartOptions {
  logger?: Logger;
  /** Speed of the embedded simulator; tests run it much faster than the default. */
  simSpeedFactor?: number;
}

/** One thing a running bot releases when it stops. */
export type Cleanup = () => Promise<void>;

/**
 * What a running bot releases on stop, in order: the jobs and transport parts first (in the order they were
 * added, `first` ones before them), then the `last` ones, most recently added first (the Slack app before the core
 * it sits on).
 */
export class Shutdown {
  private readonly steps: Cleanup[] = [];
  private readonly finals: Cleanup[] = [];

  add(...cleanups: Cleanup[]): void {
    this.steps.push(...cleanups);
  }

  first(cleanup: Cleanup): void {
    this.steps.unshift(cleanup);
  }

  last(cleanup: Cleanup): void {
    this.finals.unshift(cleanup);
  }

  async run(): Promise<void> {
    for (const cleanup of [...this.steps, ...this.finals]) {
      await cleanup();
    }
  }
}

/** What every transport mode starts from: the core, the command runner, and how to stop. */
export interface ModeContext {
  config: Config;
  logger: Logger;
  core: Core;
  commands: CommandRunner;
  /** What lab messages need to render now (time, rates, simulated or not). */
  view: () => LabViewContext;
  shutdown: Shutdown;
}
