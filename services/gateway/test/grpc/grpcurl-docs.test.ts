// docs/api.md's grpcurl commands, exactly as printed there, run by a client that learns every type from server
// reflection alone (reflection-client.ts): list, describe, and calls whose JSON request and answer are built from
// the descriptors reflection served. Each answer must be what the compiled kiln.v1 client gets for the same bytes
// (apart from when OEE was computed) and hold what the example is there to show. The docs' address and transport
// flags name a real deployment; the commands run against the test's plaintext server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBinary, toJson, type JsonValue } from '@bufbuild/protobuf';
import {
  Client,
  credentials,
  Metadata,
  type MethodDefinition,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { api } from '@kiln/contracts';
import { describeWith } from '@kiln/test-infra';
import { KILN_SERVICE_NAMES } from '../../src/grpc/server';
import { seedPlant } from './fixture';
import { grpcurlCommandsOf, wordText, type GrpcurlCommand } from './grpcurl-commands';
import { methodOf, ReflectionClient } from './reflection-client';
import { grpcHarness, type GrpcHarness } from './support';

const COMMANDS = grpcurlCommandsOf(
  readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'api.md'), 'utf8'),
);

const COMPILED: readonly ServiceDefinition[] = [
  api.AssetServiceService,
  api.TelemetryServiceService,
  api.OeeServiceService,
  api.MachineStateServiceService,
  api.AlertServiceService,
];
type Method = MethodDefinition<unknown, unknown>;

type JsonObject = { readonly [key: string]: JsonValue };
const isObject = (value: JsonValue | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What each method the docs call must answer to its example request (proto JSON, lowerCamel names). */
const ANSWERS: Readonly<Record<string, (answer: JsonObject, request: JsonObject) => void>> = {
  'kiln.v1.OeeService/GetOee': (answer, request) => {
    const windows = answer['windows'];
    expect(Array.isArray(windows) && windows.length > 0).toBe(true);
    for (const window of Array.isArray(windows) ? windows : []) {
      expect(window).toMatchObject({ assetId: request['asset_id'], windowKind: request['granularity'] });
      const oee = isObject(window) ? window['oee'] : undefined;
      expect(typeof oee === 'number' && oee > 0 && oee <= 1).toBe(true);
    }
  },
  'kiln.v1.AssetService/GetAsset': (answer, request) => {
    expect(answer['asset']).toMatchObject({ id: request['asset_id'] });
  },
};

/** The answer without the time OEE was computed at, which differs from one call to the next. */
function withoutComputedTime(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutComputedTime);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'computedTimeUs')
      .map(([key, item]) => [key, withoutComputedTime(item)]),
  );
}

function compiledMethod(path: string): Method {
  for (const service of COMPILED) {
    for (const method of Object.values(service) as Method[]) if (method.path === path) return method;
  }
  throw new Error(`${path} is not a method of the compiled kiln.v1 services`);
}

/** The same request bytes through the compiled client; its answer re-encoded. */
function compiledAnswer(
  address: string,
  path: string,
  requestBytes: Buffer,
  metadata: Metadata,
): Promise<Buffer> {
  const method = compiledMethod(path);
  const client = new Client(address, credentials.createInsecure());
  return new Promise<Buffer>((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      method.requestSerialize,
      method.responseDeserialize,
      method.requestDeserialize(requestBytes),
      metadata,
      (error: ServiceError | null, response?: unknown) => {
        if (error !== null) reject(error);
        else resolve(method.responseSerialize(response));
      },
    );
  }).finally(() => client.close());
}

describeWith(['postgres'], "docs/api.md's grpcurl commands through server reflection", () => {
  let h: GrpcHarness;
  let env: Record<string, string>;

  beforeAll(async () => {
    h = await grpcHarness();
    await seedPlant(h.writer);
    env = { KEY: h.keys.admin };
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('lists services, describes one and calls methods', () => {
    expect(new Set(COMMANDS.map((command) => command.verb))).toEqual(new Set(['list', 'describe', 'call']));
  });

  it.each(COMMANDS.map((command) => [command.text, command] as const))(
    '%s',
    async (_, command: GrpcurlCommand) => {
      const client = new ReflectionClient(h.address);
      try {
        if (command.verb === 'list') {
          const services = await client.listServices();
          if (command.symbol === undefined) {
            expect(services).toEqual(expect.arrayContaining([...KILN_SERVICE_NAMES]));
          } else {
            const registry = await client.registryOf([command.symbol]);
            expect(registry.getService(command.symbol)?.methods.length).toBeGreaterThan(0);
          }
          return;
        }
        const symbol = command.symbol ?? '';
        if (command.verb === 'describe') {
          const registry = await client.registryOf([symbol]);
          const described = registry.get(symbol) ?? methodOf(registry, symbol);
          expect(described).toBeDefined();
          return;
        }
        const check = ANSWERS[symbol];
        if (check === undefined)
          throw new Error(`say in ANSWERS what ${symbol} must answer to the docs' example`);
        const metadata = new Metadata();
        for (const header of command.headers) {
          const text = wordText(header, env);
          const colon = text.indexOf(':');
          metadata.set(text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim());
        }
        const request = JSON.parse(
          command.data === undefined ? '{}' : wordText(command.data, env),
        ) as JsonObject;
        const registry = await client.registryOf([symbol.slice(0, symbol.indexOf('/'))]);
        const answer = await client.callUnary(registry, symbol, request, metadata);

        // The request the JSON made is the one the docs wrote (proto names, RFC 3339 times, enum names).
        const method = methodOf(registry, symbol);
        expect(
          toJson(method.input, fromBinary(method.input, answer.requestBytes), {
            registry,
            useProtoFieldName: true,
          }),
        ).toEqual(request);
        const compiled = await compiledAnswer(h.address, `/${symbol}`, answer.requestBytes, metadata);
        expect(withoutComputedTime(answer.json)).toEqual(
          withoutComputedTime(toJson(method.output, fromBinary(method.output, compiled), { registry })),
        );
        if (!isObject(answer.json)) throw new Error(`${symbol} answered ${JSON.stringify(answer.json)}`);
        check(answer.json, request);
      } finally {
        client.close();
      }
    },
  );
});
