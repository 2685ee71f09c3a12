import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isValidSlackRequest } from '@slack/bolt';
import { signSlackRequest } from '../helpers/slack-signing';

interface SigningVector {
  signing_secret: string;
  timestamp: string;
  content_type: string;
  body: string;
  expected_signature: string;
}

const vector = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', 'shared', 'slack', 'signing-test-vector.json'), 'utf8'),
) as SigningVector;
const timestamp = Number(vector.timestamp);

function boltAccepts(body: string, signature: string, nowMilliseconds: number): boolean {
  return isValidSlackRequest({
    signingSecret: vector.signing_secret,
    body,
    headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
    nowMilliseconds,
  });
}

describe('test/helpers/slack-signing', () => {
  it("reproduces Slack's published signing example exactly", () => {
    const headers = signSlackRequest(vector.signing_secret, vector.body, timestamp);

    expect(headers['x-slack-signature']).toBe(vector.expected_signature);
    expect(headers['x-slack-request-timestamp']).toBe(vector.timestamp);
    expect(headers['content-type']).toBe(vector.content_type);
  });

  it("is accepted by Bolt's own verifier with a clock near the vector's timestamp", () => {
    expect(boltAccepts(vector.body, vector.expected_signature, timestamp * 1000 + 1000)).toBe(true);
  });

  it("is rejected by Bolt's verifier when the body was tampered with", () => {
    const tampered = vector.body.replace('text=', 'text=teardown');

    expect(boltAccepts(tampered, vector.expected_signature, timestamp * 1000)).toBe(false);
  });

  it("is rejected by Bolt's verifier when the request is more than five minutes old", () => {
    expect(boltAccepts(vector.body, vector.expected_signature, (timestamp + 301) * 1000)).toBe(false);
  });
});
