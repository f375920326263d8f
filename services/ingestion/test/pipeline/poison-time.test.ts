// Issue 13, defect 1: one POST with "timestamp": 1e16 was answered 202 and then ended the process (a time that
// does not fit int64 threw inside the batcher's timer). Now the request is refused with the field named, a
// sample with such a time from any connector goes to kiln.dlq.v1 with its reason, and the pipeline reads on.
import { connectAsync, type MqttClient } from 'mqtt';
import { dlqHeaderNames } from '@kiln/contracts';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import type { HttpConnector } from '../../src/connectors/http';
import { counterValues } from '../support/ingestion-in-process';
import { TestEdgeNode, doubleMetric } from '../sparkplug/test-edge-node';
import { post, startPipeline, type PipelineUnderTest } from './support';

const numbers = (running: PipelineUnderTest, sourceId: string, tag?: string): number[] =>
  running.samples
    .filter((entry) => entry.sourceId === sourceId && (tag === undefined || entry.sample.tag === tag))
    .map((entry) =>
      entry.sample.value?.kind?.$case === 'numberValue' ? entry.sample.value.kind.value : NaN,
    );

describe('a time that does not fit int64, over HTTP', () => {
  let running: PipelineUnderTest | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('is refused with 400 naming samples[0].timestamp, and the pipeline keeps publishing later samples', async () => {
    running = await startPipeline('poison-http', {
      connectors: [{ kind: 'http', id: 'push', host: '127.0.0.1', port: 0 }],
    });
    const { port } = (running.ingestion.connectors[0] as HttpConnector).address();
    const url = `http://127.0.0.1:${port}/api/v1/samples`;

    const refused = await post(url, { source: 'line-1', samples: [{ tag: 't', value: 1, timestamp: 1e16 }] });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { message: string; issues: { field: string }[] };
    expect(body.issues.map((issue) => issue.field)).toEqual(['samples[0].timestamp']);
    expect(body.message).toMatch(/^samples\[0\]\.timestamp: /);

    // Longer than the batcher's linger: an error in its timer would have surfaced by now.
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let n = 0; n < 5; n += 1) {
      const accepted = await post(url, {
        source: 'line-1',
        samples: [{ tag: 't', value: n, timestamp: Date.now() }],
      });
      expect(accepted.status).toBe(202);
    }
    const pipeline = running;
    await waitUntil(() => numbers(pipeline, 'http/line-1').length === 5, {
      timeoutMs: 5_000,
      what: 'the later samples in kiln.raw.v1',
    });
    expect(numbers(pipeline, 'http/line-1')).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses a time in the future beyond the configured window, and accepts it with a wider window', async () => {
    const inTwoDays = Date.now() + 2 * 24 * 3600 * 1000;
    running = await startPipeline('window-http', {
      connectors: [{ kind: 'http', id: 'push', host: '127.0.0.1', port: 0 }],
    });
    let { port } = (running.ingestion.connectors[0] as HttpConnector).address();
    const refused = await post(`http://127.0.0.1:${port}/api/v1/samples`, {
      source: 'line-1',
      samples: [
        { tag: 't', value: 1 },
        { tag: 't', value: 2, timestamp: inTwoDays },
      ],
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(
      /^samples\[1\]\.timestamp: is .* outside the accepted window/,
    );
    await running.stop();

    running = await startPipeline('window-http-wide', {
      samples: { maxSourceTimeAheadMs: 3 * 24 * 3600 * 1000 },
      connectors: [{ kind: 'http', id: 'push', host: '127.0.0.1', port: 0 }],
    });
    ({ port } = (running.ingestion.connectors[0] as HttpConnector).address());
    const accepted = await post(`http://127.0.0.1:${port}/api/v1/samples`, {
      source: 'line-1',
      samples: [{ tag: 't', value: 2, timestamp: inTwoDays }],
    });
    expect(accepted.status).toBe(202);
  });
});

describeWith(['mqtt'], 'a time that does not fit int64, from connectors that cannot answer', () => {
  const url = serviceEndpoints().mqttUrl;
  let running: PipelineUnderTest | undefined;
  let client: MqttClient | undefined;
  const retained: string[] = [];
  afterEach(async () => {
    for (const topic of retained.splice(0)) await client?.publishAsync(topic, '', { qos: 1, retain: true });
    await client?.endAsync();
    client = undefined;
    await running?.stop();
    running = undefined;
  });

  it('dead-letters Sparkplug metrics stamped 1e16 ms and 26 years ago with the field named, and publishes the metrics around them', async () => {
    const groupId = uniqueName('kiln-poison-group');
    const hostId = uniqueName('kiln-poison-host');
    retained.push(`spBv1.0/STATE/${hostId}`);
    running = await startPipeline('poison-sparkplug', {
      connectors: [
        { kind: 'sparkplug', id: 'plant', url, hostId, groups: [groupId], reconnectPeriodMs: 200 },
      ],
    });
    const pipeline = running;
    await waitUntil(() => pipeline.ingestion.status()[0]?.state === 'connected', {
      timeoutMs: 10_000,
      what: 'the Sparkplug host to be online',
    });
    client = await connectAsync(url, { clientId: uniqueName('kiln-poison-edge') });
    const edge = new TestEdgeNode(client, groupId, uniqueName('edge'));
    const sourceId = `sparkplug/${groupId}/${edge.edgeNodeId}`;
    await edge.nbirth(0, [doubleMetric('press/force', 1, 10)]);
    await edge.data([{ alias: 1, doubleValue: 11 }]);
    // Beyond int64 µs: the connector may refuse it itself; either way it ends in kiln.dlq.v1, not in a crash.
    await edge.data([{ alias: 1, doubleValue: 666, timestamp: 1e16 }]);
    // A time Kiln can store but no live source sends: outside the plausible window, refused by the pipeline.
    await edge.data([{ alias: 1, doubleValue: 2000, timestamp: Date.UTC(2000, 0, 1) }]);
    await edge.data([{ alias: 1, doubleValue: 12 }]);

    await waitUntil(
      () => numbers(pipeline, sourceId, 'press/force').length === 3 && pipeline.deadLetters.length === 2,
      {
        timeoutMs: 10_000,
        what: 'three samples in kiln.raw.v1 and two dead letters',
        describe: () =>
          `${numbers(pipeline, sourceId, 'press/force').join(',')}; ${pipeline.deadLetters.length} dead letters`,
      },
    );
    expect(numbers(pipeline, sourceId, 'press/force')).toEqual([10, 11, 12]);
    const [beyondInt64, longAgo] = pipeline.deadLetters;
    expect(beyondInt64?.headers[dlqHeaderNames.error]).toMatch(/source ?time/i);
    expect(longAgo?.key).toBe(sourceId);
    expect(longAgo?.headers[dlqHeaderNames.errorKind]).toBe('invalid-sample');
    expect(longAgo?.headers[dlqHeaderNames.error]).toMatch(
      /^sourceTimeUs of tag "press\/force" is 2000-01-01T00:00:00.000Z, outside the accepted window/,
    );
    expect(JSON.parse(Buffer.from(longAgo?.value ?? []).toString('utf8'))).toMatchObject({
      sourceId,
      connector: 'sparkplug',
      tag: 'press/force',
      value: 2000,
      sourceTimeUs: Date.UTC(2000, 0, 1) * 1000,
    });
    expect(await counterValues(pipeline.registry, 'kiln_ingestion_invalid_samples_total')).toContainEqual({
      labels: { connector: 'plant', field: 'sourceTimeUs' },
      value: expect.any(Number),
    });
    const rejected = await counterValues(pipeline.registry, 'kiln_ingestion_rejected_total');
    expect(rejected.reduce((sum, entry) => sum + entry.value, 0)).toBe(2);
  });

  it('dead-letters an MQTT JSON sample with a NUL in its text value and a non-finite number, and reads on', async () => {
    const prefix = uniqueName('kiln-poison-mqtt');
    running = await startPipeline('poison-mqtt', {
      connectors: [
        {
          kind: 'mqtt',
          id: 'json',
          url,
          cleanSession: true,
          subscriptions: [{ topic: `${prefix}/+signal`, tag: '{signal}', valuePointer: '/value' }],
        },
      ],
    });
    const pipeline = running;
    await waitUntil(() => pipeline.ingestion.status()[0]?.state === 'connected', {
      timeoutMs: 10_000,
      what: 'the MQTT connector to connect',
    });
    client = await connectAsync(url, { clientId: uniqueName('kiln-poison-source') });
    const mqtt = client;
    await waitUntil(
      async () => {
        await mqtt.publishAsync(`${prefix}/first`, JSON.stringify({ value: 1 }), { qos: 1 });
        await new Promise((resolve) => setTimeout(resolve, 100));
        return pipeline.samples.length > 0;
      },
      { timeoutMs: 10_000, what: 'the MQTT connector to read its subscription' },
    );
    await mqtt.publishAsync(`${prefix}/recipe`, JSON.stringify({ value: 'R\u000017' }), { qos: 1 });
    await mqtt.publishAsync(`${prefix}/force`, '{"value": 1e400}', { qos: 1 });
    await mqtt.publishAsync(`${prefix}/last`, JSON.stringify({ value: 2 }), { qos: 1 });
    await waitUntil(
      () =>
        pipeline.samples.some((entry) => entry.sample.tag === 'last') && pipeline.deadLetters.length === 2,
      { timeoutMs: 10_000, what: 'the last sample and two dead letters' },
    );
    const errors = pipeline.deadLetters.map((record) => record.headers[dlqHeaderNames.error]);
    // The NUL may be refused by the MQTT mapping itself or by the pipeline: either names it.
    expect(errors).toEqual([
      expect.stringMatching(/U\+0000/),
      expect.stringMatching(/^value of tag "force" is Infinity, not a finite number/),
    ]);
    expect(pipeline.samples.map((entry) => entry.sample.tag).filter((tag) => tag !== 'first')).toEqual([
      'last',
    ]);
  });
});
