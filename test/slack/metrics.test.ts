import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { createMetrics, metricsHandler } from '../../src/observability/metrics';
import { countCommand, replyOutcome } from '../../src/slack/slack-metrics';
import { textReply } from '../../src/commands/reply';

describe('observability/metrics', () => {
  it('exposes commands by verb and outcome, ack latency, Slack errors, lab failures and labs by phase', async () => {
    const metrics = createMetrics({
      labsByPhase: () => Promise.resolve({ ready: 2, deploying: 1 }),
      processMetrics: false,
    });

    countCommand(metrics, 'DEMO esxi8', textReply('ok'));
    countCommand(metrics, 'teardown demo-4kq', textReply('Lab demo-4kq belongs to someone else.', 'error'));
    countCommand(metrics, 'rm -rf /', textReply('Unknown command "rm".', 'error'));
    metrics.acked('command', 0.02);
    metrics.slackError('chat.postMessage', 'not_in_channel');
    metrics.labFailed();
    const { contentType, body } = await metrics.render();

    expect(contentType).toContain('text/plain');
    expect(body).toContain('labbot_commands_total{verb="demo",outcome="ok"} 1');
    expect(body).toContain('labbot_commands_total{verb="teardown",outcome="refused"} 1');
    expect(body).toContain('labbot_commands_total{verb="unknown",outcome="refused"} 1');
    expect(body).toContain('labbot_slack_ack_seconds_bucket{le="0.025",kind="command"} 1');
    expect(body).toContain(
      'labbot_slack_api_errors_total{method="chat.postMessage",code="not_in_channel"} 1',
    );
    expect(body).toContain('labbot_lab_failures_total 1');
    expect(body).toContain('labbot_labs{phase="ready"} 2');
    expect(body).not.toContain('labbot_process_');
  });

  it('keeps reporting a phase at 0 once its last lab has moved on', async () => {
    let counts: Record<string, number> = { deploying: 1 };
    let now = 0;
    const metrics = createMetrics({
      labsByPhase: () => Promise.resolve(counts),
      processMetrics: false,
      now: () => now,
    });
    await metrics.render();

    counts = { ready: 1 };
    now = 5000;
    const { body } = await metrics.render();

    expect(body).toContain('labbot_labs{phase="deploying"} 0');
    expect(body).toContain('labbot_labs{phase="ready"} 1');
  });

  it('reads the labs at most once per snapshot age, however often it is scraped', async () => {
    let reads = 0;
    let now = 0;
    const metrics = createMetrics({
      labsByPhase: () => {
        reads += 1;
        return Promise.resolve({ ready: reads });
      },
      processMetrics: false,
      snapshotMaxAgeMs: 5000,
      now: () => now,
    });

    const bodies = await Promise.all(Array.from({ length: 20 }, () => metrics.render()));
    for (let i = 0; i < 30; i++) {
      now += 100;
      await metrics.render();
    }
    expect(reads).toBe(1);
    expect(bodies.every((b) => b.body.includes('labbot_labs{phase="ready"} 1'))).toBe(true);

    now = 5000;
    const { body } = await metrics.render();
    expect(reads).toBe(2);
    expect(body).toContain('labbot_labs{phase="ready"} 2');
  });

  it('serves /metrics only to a bearer of the token when one is set', async () => {
    const metrics = createMetrics({ labsByPhase: () => Promise.resolve({}), processMetrics: false });
    const server = createServer(metricsHandler(metrics, () => undefined, 's3cret-metrics'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    try {
      const none = await fetch(url);
      const wrong = await fetch(url, { headers: { authorization: 'Bearer nope' } });
      const right = await fetch(url, { headers: { authorization: 'Bearer s3cret-metrics' } });

      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      expect(await none.text()).not.toContain('labbot_');
      expect(wrong.status).toBe(401);
      expect(right.status).toBe(200);
      expect(await right.text()).toContain('labbot_commands_total');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('tells an unexpected failure from a refusal', () => {
    expect(replyOutcome(textReply('Something went wrong (ref abc123). Nothing was lost.', 'error'))).toBe(
      'failed',
    );
    expect(replyOutcome(textReply('No.', 'error'))).toBe('refused');
    expect(replyOutcome(textReply('Yes.', 'success'))).toBe('ok');
  });

  it('answers a scrape whose store read fails with 500 and reports it', async () => {
    const errors: unknown[] = [];
    const metrics = createMetrics({
      labsByPhase: () => Promise.reject(new Error('db down')),
      processMetrics: false,
    });
    let status = 0;
    const done = new Promise<void>((resolve) => {
      const response = {
        writeHead: (code: number) => {
          status = code;
        },
        end: () => resolve(),
      };
      metricsHandler(metrics, (e) => errors.push(e))({} as never, response as never);
    });

    await done;

    expect(status).toBe(500);
    expect(errors).toHaveLength(1);
  });
});
