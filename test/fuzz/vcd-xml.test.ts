/**
 * Fuzz: malformed VCD answers. Every recorded document in /work/shared/vcd-fixtures and every body the simulator
 * serves during one lab's life is mutated (see xml-mutations.ts) and fed
 * 1. to every parser in src/vcd/wire: the only errors allowed are XmlParseError and WireFormatError, the two that
 *    parseResponse turns into VcdApiError MALFORMED_RESPONSE; never a TypeError, RangeError or a hang;
 * 2. to the real VcdCloud client, through a proxy that garbles the simulator's answers in flight: every call ends
 *    with a result or one of the typed cloud errors (CloudError: VcdApiError, VcdNotFoundError, VcdUnavailableError,
 *    VcdTaskFailedError), within a deadline.
 * Seeded: LABBOT_FUZZ_SEED replays or varies a run.
 */
import { CloudError } from '../../src/labs/errors';
import { VcdApiError } from '../../src/vcd/errors';
import { parseResponse } from '../../src/vcd/response-errors';
import { parseEdgeGateway } from '../../src/vcd/wire/edge-gateway';
import { parseVcdErrorDocument } from '../../src/vcd/wire/error';
import { parseLeaseSettingsSection } from '../../src/vcd/wire/lease';
import { parseMetadata, parseMetadataValue } from '../../src/vcd/wire/metadata';
import { parseCurrentUsage, summarizeUsage } from '../../src/vcd/wire/metrics';
import { parseNetworkConnectionSection } from '../../src/vcd/wire/network-connection';
import { parseCatalogItem, parseOrgList, parseSession, parseVdc } from '../../src/vcd/wire/org';
import { parseQueryRecords } from '../../src/vcd/wire/query';
import { parseTask, parseTasksList } from '../../src/vcd/wire/task';
import { parseNetworkConfigSection } from '../../src/vcd/wire/vapp-network';
import { parseVApp, parseVAppTemplate, parseVm, totalDiskMb } from '../../src/vcd/wire/vapp';
import { parseSupportedVersions } from '../../src/vcd/wire/versions';
import { WireFormatError } from '../../src/vcd/wire/wire-format';
import { parseXml, XmlParseError } from '../../src/vcd/wire/xml';
import { FUZZ_SEED, FUZZ_TIMEOUT_MS, FuzzFailures, FuzzRandom, settle } from './fuzz-random';
import { fixtureDocuments, lifeOfALab, startSimBehindProxy, type SimBehindProxy } from './vcd-harness';
import { mutateXml } from './xml-mutations';

/** Every parser of a whole VCD document in src/vcd/wire, with what callers compute right after some of them. */
const PARSERS: Record<string, (xml: string) => unknown> = {
  parseXml,
  parseTask,
  parseTasksList,
  parseVApp: (xml) => parseVApp(xml).vms.map(totalDiskMb),
  parseVm: (xml) => totalDiskMb(parseVm(xml)),
  parseVAppTemplate,
  parseQueryRecords,
  parseMetadata,
  parseMetadataValue,
  parseSupportedVersions,
  parseSession,
  parseOrgList,
  parseVdc,
  parseCatalogItem,
  parseLeaseSettingsSection,
  parseNetworkConfigSection,
  parseNetworkConnectionSection,
  parseEdgeGateway,
  parseCurrentUsage: (xml) => summarizeUsage(parseCurrentUsage(xml)),
  parseVcdErrorDocument,
};

const MUTANTS_PER_DOCUMENT = 15;
const CLIENT_SCENARIOS = 150;
/** Longer than any single parse or client call may take; a hang shows up as a failure, not a stuck suite. */
const CALL_DEADLINE_MS = 20_000;
const SLOW_PARSE_MS = 2_000;

/**
 * Every parser for a mutant that is still well-formed XML (that is where a parser meets shapes it does not expect);
 * for one that is not, parseXml and three others picked at random, which must fail the same way. Keeps the suite
 * to seconds: each parser starts with parseXml, and most of the time goes there.
 */
function parsersFor(xml: string, random: FuzzRandom): [string, (xml: string) => unknown][] {
  const all = Object.entries(PARSERS);
  try {
    parseXml(xml);
    return all;
  } catch {
    return [all[0] ?? ['parseXml', parseXml], ...Array.from({ length: 3 }, () => random.pick(all.slice(1)))];
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : String(error);
}

describe(`fuzz: malformed VCD XML (seed ${FUZZ_SEED})`, () => {
  let env: SimBehindProxy;
  /** Bodies the simulator answered during one clean lab life, by operation id. */
  const simBodies: { name: string; xml: string }[] = [];
  const operations = new Set<string>();

  beforeAll(async () => {
    env = await startSimBehindProxy();
    env.rewrite.current = (call, answer) => {
      operations.add(call.operation);
      const body = answer.body.toString('utf8');
      // Two bodies per operation are enough variety (task polls repeat themselves).
      const seen = simBodies.filter((b) => b.name === `simulator ${call.operation}`).length;
      if (body.trimStart().startsWith('<') && seen < 2) {
        simBodies.push({ name: `simulator ${call.operation}`, xml: body });
      }
      return undefined;
    };
    const cloud = env.newCloud();
    await lifeOfALab(cloud, 'lab-fuzz-clean');
    cloud.close();
    env.rewrite.current = undefined;
  });

  afterAll(async () => {
    await env.close();
  });

  it(
    'every wire parser either parses a mutated document or throws XmlParseError/WireFormatError',
    () => {
      const random = new FuzzRandom(FUZZ_SEED);
      const corpus = [...fixtureDocuments(), ...simBodies];
      const failures = new FuzzFailures('wire parsers');
      let documents = 0;
      let n = 0;
      expect(corpus.length).toBeGreaterThan(40);

      for (const doc of corpus) {
        for (let i = 0; i < MUTANTS_PER_DOCUMENT; i++, n++) {
          const caseRandom = random.fork(n);
          const { xml, mutations } = mutateXml(doc.xml, caseRandom);
          documents += 1;
          for (const [name, parse] of parsersFor(xml, caseRandom)) {
            const started = performance.now();
            try {
              parse(xml);
            } catch (error) {
              if (!(error instanceof XmlParseError || error instanceof WireFormatError)) {
                failures.add(
                  n,
                  xml,
                  `${name} on ${doc.name} after ${mutations.join('+')}: ${describeError(error)}`,
                );
                continue;
              }
              const wrapped = (() => {
                try {
                  return parseResponse(
                    { method: 'GET', path: '/api/x' },
                    { status: 200, headers: {}, body: xml },
                    parse,
                  );
                } catch (e) {
                  return e;
                }
              })();
              if (!(wrapped instanceof VcdApiError && wrapped.minorErrorCode === 'MALFORMED_RESPONSE')) {
                failures.add(n, xml, `${name}: parseResponse gave ${describeError(wrapped)}`);
              }
            }
            const ms = performance.now() - started;
            if (ms > SLOW_PARSE_MS) {
              failures.add(
                n,
                xml,
                `${name} on ${doc.name} after ${mutations.join('+')} took ${Math.round(ms)} ms`,
              );
            }
          }
        }
      }

      expect(failures.report()).toEqual([]);
      expect(documents).toBe(corpus.length * MUTANTS_PER_DOCUMENT);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'the VcdCloud client ends every call with a result or a typed cloud error when answers are garbled',
    async () => {
      const random = new FuzzRandom(FUZZ_SEED + 1);
      const failures = new FuzzFailures('VcdCloud client');
      const garbled = [...operations].filter((o) => o !== 'unknown');
      const outcomes = { completed: 0, cloudError: 0 };
      expect(garbled.length).toBeGreaterThan(10);

      for (let n = 0; n < CLIENT_SCENARIOS; n++) {
        const scenario = random.fork(n);
        // One operation's answers garbled (all of them, or just the first), or a few percent of every answer.
        const target = scenario.chance(0.8) ? scenario.pick(garbled) : undefined;
        const onlyFirst = scenario.chance(0.5);
        const rate = target === undefined ? scenario.pick([0.02, 0.05, 0.1]) : 1;
        let fired = 0;
        let description =
          target === undefined ? `${rate * 100}% of answers` : `${target}${onlyFirst ? ' once' : ''}`;
        env.rewrite.current = (call, answer) => {
          if ((target !== undefined && call.operation !== target) || (onlyFirst && fired > 0)) {
            return undefined;
          }
          if (!scenario.chance(rate)) {
            return undefined;
          }
          fired += 1;
          const { xml, mutations } = mutateXml(answer.body.toString('utf8'), scenario);
          description += ` [${call.operation}: ${mutations.join('+')}]`;
          return { ...answer, body: Buffer.from(xml, 'utf8') };
        };
        const cloud = env.newCloud({ taskDeadlineMs: 60 * 60_000 });
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<'hang'>((resolve) => {
          timer = setTimeout(() => resolve('hang'), CALL_DEADLINE_MS);
        });
        try {
          const outcome = await Promise.race([
            lifeOfALab(cloud, `lab-fuzz-${n}`).then(() => 'done' as const),
            deadline,
          ]);
          if (outcome === 'hang') {
            failures.add(n, description, `no answer within ${CALL_DEADLINE_MS} ms`);
          } else {
            outcomes.completed += 1;
          }
        } catch (error) {
          if (error instanceof CloudError) {
            outcomes.cloudError += 1;
          } else {
            failures.add(n, description, `untyped error: ${describeError(error)}`);
          }
        } finally {
          clearTimeout(timer);
          cloud.close();
          env.rewrite.current = undefined;
        }
      }
      await settle();

      expect(failures.report()).toEqual([]);
      // Both ends are reached: garbling something the client does not read still lets a lab live its life.
      expect(outcomes.cloudError).toBeGreaterThan(CLIENT_SCENARIOS / 4);
      expect(outcomes.completed).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});
