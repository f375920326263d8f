import { httpConnectorConfigSchema, type HttpConnectorConfigInput } from '../../src/connectors/http/config';
import { createHttpConnector, type HttpConnector } from '../../src/connectors/http/http-connector';
import { DEFAULT_SAMPLE_RULES, type SampleRules } from '../../src/pipeline/sample-check';
import { collectingContext, type CollectingContext } from '../support/collecting-context';

// The examples are stamped in 2024: a window reaching back ten years takes them.
const TEN_YEARS_US = 10 * 366 * 24 * 3600 * 1_000_000;
const REPLAY_RULES: SampleRules = {
  ...DEFAULT_SAMPLE_RULES,
  window: { ...DEFAULT_SAMPLE_RULES.window, pastUs: TEN_YEARS_US },
};

const TOKEN = 'line-1-gateway-secret-token';

let connector: HttpConnector | undefined;
afterEach(async () => {
  await connector?.stop();
  connector = undefined;
});

async function start(
  overrides: Partial<HttpConnectorConfigInput> = {},
  rules: SampleRules = REPLAY_RULES,
): Promise<{ context: CollectingContext; url: string }> {
  const context = collectingContext('http-test', rules);
  connector = createHttpConnector(
    httpConnectorConfigSchema.parse({ kind: 'http', id: 'push', host: '127.0.0.1', port: 0, ...overrides }),
  );
  await connector.start(context);
  const { host, port } = connector.address();
  return { context, url: `http://${host}:${port}${overrides.path ?? '/api/v1/samples'}` };
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('HTTP push connector', () => {
  it('accepts a batch and emits its samples with source times in microseconds', async () => {
    const { context, url } = await start();
    const before = Date.now() * 1000;
    const response = await post(url, {
      source: 'line-1-gateway',
      samples: [
        { tag: 'press-04/force', value: 123.5, timestamp: '2024-05-01T06:00:00.123456Z' },
        { tag: 'press-04/running', value: true, timestamp: 1714543200125, quality: 'uncertain' },
        { tag: 'press-04/recipe', value: 'R-17', timestamp: '2024-05-01T08:00:00+02:00' },
        { tag: 'press-04/vibration', value: [0.1, -0.2, 0.3] },
      ],
    });

    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 4 });
    expect(context.samples.map((entry) => entry.sourceId)).toEqual(Array(4).fill('http/line-1-gateway'));
    const [force, running, recipe, vibration] = context.samples.map((entry) => entry.sample);
    expect(force).toMatchObject({
      value: 123.5,
      quality: 'good',
      statusCode: 0,
      sourceTimeUs: 1714543200123456,
    });
    expect(running).toMatchObject({ value: true, quality: 'uncertain', sourceTimeUs: 1714543200125000 });
    expect(recipe).toMatchObject({ value: 'R-17', sourceTimeUs: 1714543200000000 });
    expect(vibration?.value).toEqual([0.1, -0.2, 0.3]);
    expect(vibration?.sourceTimeUs).toBeUndefined();
    expect(vibration?.receiveTimeUs).toBeGreaterThanOrEqual(before);
    expect(vibration?.receiveTimeUs).toBeLessThanOrEqual(Date.now() * 1000 + 1000);
    expect(context.rejected).toEqual([]);
    expect(context.currentState()).toBe('connected');
  });

  it.each([
    [
      'a value of the wrong type',
      {
        source: 'gw',
        samples: [
          { tag: 'a', value: 1 },
          { tag: 'b', value: 2 },
          { tag: 'c', value: 3 },
          { tag: 'd', value: { x: 1 } },
        ],
      },
      'samples[3].value: expected number, boolean, string or array of numbers',
    ],
    [
      'a missing value',
      { source: 'gw', samples: [{ tag: 'a' }] },
      'samples[0].value: required: expected number',
    ],
    [
      'an array with a non-number',
      { source: 'gw', samples: [{ tag: 'a', value: [1, 'x'] }] },
      'samples[0].value: expected',
    ],
    [
      'an empty tag',
      { source: 'gw', samples: [{ tag: '', value: 1 }] },
      'samples[0].tag: expected a non-empty string',
    ],
    [
      'a time without zone',
      { source: 'gw', samples: [{ tag: 'a', value: 1, timestamp: '2024-05-01T06:00:00' }] },
      'samples[0].timestamp: expected an ISO 8601 time with a zone',
    ],
    [
      'an unknown quality',
      { source: 'gw', samples: [{ tag: 'a', value: 1, quality: 'ok' }] },
      'samples[0].quality: expected "good", "uncertain" or "bad"',
    ],
    [
      'a misspelt field',
      { source: 'gw', samples: [{ tag: 'a', value: 1, timestmp: 5 }] },
      'samples[0]: unknown field "timestmp"',
    ],
    ['a missing source', { samples: [] }, 'source: required: expected a source name'],
    ['a source with spaces', { source: 'line 1', samples: [] }, 'source: expected 1-128 letters'],
    [
      'samples not an array',
      { source: 'gw', samples: { tag: 'a' } },
      'samples: expected an array of samples',
    ],
    ['a body that is not an object', [1, 2], 'body: expected a JSON object'],
  ])('answers 400 naming the field and dead-letters the body for %s', async (_case, body, message) => {
    const { context, url } = await start();
    const raw = JSON.stringify(body);
    const response = await post(url, raw);

    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string; message: string };
    expect(answer.error).toBe('bad-request');
    expect(answer.message).toContain(message);
    expect(context.samples).toEqual([]);
    expect(context.rejected).toHaveLength(1);
    const [rejected] = context.rejected;
    expect(rejected?.cause).toBe('bad-request');
    expect(rejected?.origin).toBe('/api/v1/samples');
    expect(Buffer.from(rejected?.payload ?? []).toString('utf8')).toBe(raw);
    expect(String(rejected?.error)).toContain(message);
  });

  it('refuses the whole batch when one sample is bad', async () => {
    const { context, url } = await start();
    const response = await post(url, {
      source: 'gw',
      samples: [
        { tag: 'good', value: 1 },
        { tag: 'bad', value: null },
      ],
    });
    expect(response.status).toBe(400);
    expect(context.samples).toEqual([]);
    expect(context.rejected[0]?.sourceId).toBe('http/gw');
  });

  it('answers 400 and dead-letters malformed JSON as malformed-json', async () => {
    const { context, url } = await start();
    const response = await post(url, '{"source": "gw", "samples": [');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('malformed-json');
    expect(context.rejected).toHaveLength(1);
    expect(context.rejected[0]).toMatchObject({
      cause: 'malformed-json',
      sourceId: 'http/push',
      origin: '/api/v1/samples',
    });
    expect(Buffer.from(context.rejected[0]?.payload ?? []).toString()).toBe('{"source": "gw", "samples": [');
  });

  it('answers 413 to a body over maxBodyBytes without dead-lettering it', async () => {
    const { context, url } = await start({ maxBodyBytes: 1024 });
    const samples = Array.from({ length: 100 }, (_, i) => ({ tag: `tag-${i}`, value: i }));
    const response = await post(url, { source: 'gw', samples });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { message: string }).message).toMatch(/exceeds 1024 bytes/);
    expect(context.samples).toEqual([]);
    expect(context.rejected).toEqual([]);
  });

  it('answers 415 to a body that is not JSON', async () => {
    const { context, url } = await start();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'a=1',
    });
    expect(response.status).toBe(415);
    expect(context.rejected).toEqual([]);
  });

  it('requires the bearer token when one is configured, without dead-lettering refused requests', async () => {
    const { context, url } = await start({ authToken: TOKEN, path: '/ingest' });
    const batch = { source: 'gw', samples: [{ tag: 'a', value: 1 }] };

    const missing = await post(url, batch);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await post(url, batch, { authorization: 'Bearer not-the-token-at-all' });
    expect(wrong.status).toBe(401);
    const basic = await post(url, batch, { authorization: `Basic ${TOKEN}` });
    expect(basic.status).toBe(401);
    expect(context.rejected).toEqual([]);
    expect(context.samples).toEqual([]);

    const good = await post(url, batch, { authorization: `Bearer ${TOKEN}` });
    expect(good.status).toBe(202);
    expect(context.samples).toHaveLength(1);
  });

  it('accepts an empty batch without emitting and answers 404 elsewhere', async () => {
    const { context, url } = await start();
    const empty = await post(url, { source: 'gw', samples: [] });
    expect(empty.status).toBe(202);
    expect(await empty.json()).toEqual({ accepted: 0 });
    expect(context.samples).toEqual([]);
    const elsewhere = await post(url.replace('/api/v1/samples', '/other'), { source: 'gw', samples: [] });
    expect(elsewhere.status).toBe(404);
  });

  it('reports stopped and frees its port on stop', async () => {
    const { context, url } = await start();
    await connector?.stop();
    connector = undefined;
    expect(context.currentState()).toBe('stopped');
    await expect(post(url, { source: 'gw', samples: [] })).rejects.toThrow();
  });
  it('refuses a batch whose sample lies outside the plausible window, naming the field, and dead-letters the body', async () => {
    const { context, url } = await start({}, DEFAULT_SAMPLE_RULES);
    const body = {
      source: 'gw',
      samples: [
        { tag: 'ok', value: 1, timestamp: Date.now() },
        { tag: 'old', value: 2, timestamp: '2024-05-01T06:00:00Z' },
        { tag: 'ahead', value: 3, timestamp: Date.now() + 3 * 24 * 3600 * 1000 },
      ],
    };
    const response = await post(url, body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { issues: { field: string; message: string }[] };
    expect(answer.issues).toEqual([
      {
        field: 'samples[1].timestamp',
        message: expect.stringMatching(/^is 2024-05-01T06:00:00.000Z, outside/),
      },
      { field: 'samples[2].timestamp', message: expect.stringMatching(/outside the accepted window/) },
    ]);
    expect(context.samples).toEqual([]);
    expect(context.rejected).toMatchObject([{ sourceId: 'http/gw', cause: 'bad-request' }]);
    expect(Buffer.from(context.rejected[0]?.payload ?? []).toString()).toBe(JSON.stringify(body));

    const beyond = await post(url, { source: 'gw', samples: [{ tag: 'far', value: 3, timestamp: 1e16 }] });
    expect(beyond.status).toBe(400);
    expect(((await beyond.json()) as { message: string }).message).toMatch(
      /^samples\[0\]\.timestamp: is 10000000000000000000 us, not a time between 1970 and/,
    );
  });

  it('refuses a tag with a control character and a number JSON reads as Infinity, naming each field', async () => {
    const { context, url } = await start();
    const response = await post(
      url,
      '{"source":"gw","samples":[{"tag":"a\\u0000b","value":1},{"tag":"big","value":1e400},{"tag":"w","value":[1,-1e999]}]}',
    );
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { issues: { field: string; message: string }[] };
    expect(answer.issues.map((issue) => issue.field)).toEqual([
      'samples[0].tag',
      'samples[1].value',
      'samples[2].value',
    ]);
    expect(answer.issues[0]?.message).toMatch(/U\+0000/);
    expect(context.samples).toEqual([]);
  });
});
