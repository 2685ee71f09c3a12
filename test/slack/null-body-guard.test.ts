import { parsesToNull } from '../../src/slack/null-body-guard';

describe('slack/null-body-guard', () => {
  it.each([
    ['null', 'application/json', true],
    [' null\n', 'application/json', true],
    ['null', undefined, true],
    ['payload=null', 'application/x-www-form-urlencoded', true],
    ['payload=%20null', 'application/x-www-form-urlencoded', true],
    ['payload=null&payload=null', 'application/x-www-form-urlencoded', false],
    ['text=null', 'application/x-www-form-urlencoded', false],
    ['payload={}', 'application/x-www-form-urlencoded', false],
    ['{}', 'application/json', false],
    ['42', 'application/json', false],
    ['nul', 'application/json', false],
    ['', 'application/json', false],
    ['payload=null', 'application/x-www-form-urlencoded; charset=utf-8', false],
  ])('parsesToNull(%j, %s) is %s, as Bolt parses bodies', (body, contentType, expected) => {
    expect(parsesToNull(body, contentType)).toBe(expected);
  });
});
