import { ConfigError } from './config/config-error';
import { loadConfig } from './config/load-config';
import { readPolicyFile } from './config/read-policy-file';
import { startLabbot } from './main';
import { startVcdSim } from './vcdsim/vcd-sim';

const USAGE = `usage: labbot <command>

  start                      run the bot (default); mode from the environment (see README)
  vcdsim [--port N] [--speed X]
                             serve the VCD simulator alone (org lab, VDC lab-vdc, catalog labs,
                             user admin / password admin, API token simulated-api-token)
  help                       this text
`;

/** Entry point of `labbot` and `npm start`. Exits non-zero with a readable message on any startup failure. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command = 'start', ...args] = argv;
  switch (command) {
    case 'start':
      return start(env);
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
  const onSignal = (): void => {
    void running.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await running.done;
  return 0;
}

async function vcdsim(args: string[]): Promise<number> {
  const port = numberFlag(args, '--port', 8443);
  const speedFactor = numberFlag(args, '--speed', 1);
  const sim = await startVcdSim({ port, speedFactor });
  process.stdout.write(
    `VCD simulator listening on ${sim.url}\n` +
      `  versions:  curl ${sim.url}/api/versions\n` +
      `  login:     curl -i -X POST -u admin@lab:admin -H 'Accept: application/json;version=38.0' ${sim.url}/cloudapi/1.0.0/sessions\n` +
      `  API token: simulated-api-token (POST ${sim.url}/oauth/tenant/lab/token)\n` +
      `  labbot:    VCD_URL=${sim.url} VCD_ORG=lab VCD_VDC=lab-vdc VCD_API_TOKEN=simulated-api-token npm start\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.close();
  return 0;
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
