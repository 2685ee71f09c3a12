import { ConfigError } from './config/config-error';
import { loadConfig } from './config/load-config';
import { readPolicyFile } from './config/read-policy-file';
import { startLabbot } from './main';
import type * as DoctorModule from './doctor';
import type * as ReapCommandModule from './reap-command';
import type * as MigrateVcdModule from './migrate-vcd-command';
import type * as VcdSimStandaloneModule from './vcdsim/standalone';

const USAGE = `usage: labbot <command>

  start                      run the bot (default); mode from the environment (see README)
  doctor                     check config, VCD, Slack and the database; print each with its fix
  reap --plan | --enforce    one idle-reaper cycle: print the plan, or carry it out
  migrate-vcd --to-current   move this installation (its store) to the configured VCD on purpose;
                             without --to-current, only say what would change
  vcdsim [--port N] [--speed X] [--tls] [--host H] [--seed S]
         [--edge nsxt|nsxv] [--vdc-group NAME] [--ip-space] [--distributed-only]
                             serve the VCD simulator alone (org lab, VDC lab-vdc, catalog labs,
                             user admin / password admin, API token simulated-api-token);
                             --tls serves HTTPS with a self-signed certificate (needs openssl);
                             --edge nsxt serves an NSX-T edge through the CloudAPI
  help                       this text
`;

/** Entry point of `labbot` and `npm start`. Exits non-zero with a readable message on any startup failure. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command = 'start', ...args] = argv;
  switch (command) {
    case 'start':
      return start(env);
    // The other commands are loaded only when asked for: `start` keeps their modules (and the simulator's) out of
    // the bot's memory.
    case 'doctor':
      return lazy<typeof DoctorModule>('./doctor').runDoctorCommand(env);
    case 'reap':
      return lazy<typeof ReapCommandModule>('./reap-command').runReapCommand(args, env, (text) =>
        process.stdout.write(`${text}\n`),
      );
    case 'migrate-vcd':
      return lazy<typeof MigrateVcdModule>('./migrate-vcd-command').runMigrateVcdCommand(args, env, (text) =>
        process.stdout.write(`${text}\n`),
      );
    case 'vcdsim':
      return vcdsim(args);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`labbot: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function start(env: NodeJS.ProcessEnv): Promise<number> {
  const config = loadConfig(env, readPolicyFile(env));
  // In the local shell, info logs would interleave with the conversation; keep them out unless asked for.
  const quiet =
    config.slack.kind === 'shell' && !env.LOG_LEVEL ? { ...config, logLevel: 'warn' as const } : config;
  const running = await startLabbot(quiet, { stdin: process.stdin, stdout: process.stdout });
  // A repeated signal while stopping is ignored rather than left to kill the process mid-shutdown: `labbot start`
  // runs the bot in a child of the bin (bin/labbot.js), and a Ctrl-C reaches it both from the terminal and relayed
  // by the bin. SIGKILL still ends a stop that hangs.
  let stopping = false;
  const onSignal = (): void => {
    if (!stopping) {
      stopping = true;
      void running.stop();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await running.done;
  return 0;
}

async function vcdsim(args: string[]): Promise<number> {
  const { edgeOptionsFromFlags, runVcdSim } = lazy<typeof VcdSimStandaloneModule>('./vcdsim/standalone');
  const port = numberFlag(args, '--port', 8443);
  const speedFactor = numberFlag(args, '--speed', 1);
  const seed = numberFlag(args, '--seed', 1);
  const hostIndex = args.indexOf('--host');
  const host = hostIndex === -1 ? undefined : args[hostIndex + 1];
  if (hostIndex !== -1 && (host === undefined || host.startsWith('--'))) {
    throw new ConfigError([{ key: '--host', message: 'needs an address', fix: 'e.g. --host 127.0.0.1' }]);
  }
  const edge = edgeOptionsFromFlags(args);
  if (typeof edge === 'string') {
    throw new ConfigError([{ key: '--edge', message: edge, fix: 'e.g. --edge nsxt --ip-space' }]);
  }
  const until = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  return runVcdSim(
    { port, speedFactor, seed, host, tls: args.includes('--tls'), edge },
    { stdout: process.stdout, until },
  );
}

function numberFlag(args: string[], flag: string, fallback: number): number {
  const i = args.indexOf(flag);
  if (i === -1) {
    return fallback;
  }
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigError([
      { key: flag, message: `"${args[i + 1] ?? ''}" is not a number`, fix: `e.g. ${flag} ${fallback}` },
    ]);
  }
  return value;
}

/** Runs the CLI with this process's arguments and exits with its code. */
export function main(): void {
  runCli(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`${error.message}\n`);
        process.exit(78);
      }
      process.stderr.write(`labbot: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) {
  main();
}

/**
 * A module loaded on first use rather than at start-up, so that what only some modes need stays out of the bot's
 * memory. `require`, not `import()`: the package is CommonJS and jest runs it as such.
 */
function lazy<T>(id: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load, see above
  return require(id) as T;
}
