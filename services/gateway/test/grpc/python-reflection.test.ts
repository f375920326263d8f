// The docs' grpcurl commands once more, through a client nobody here wrote: Python's grpcio with protobuf's own
// descriptor pool (C++), fed by server reflection alone (python/reflection_client.py). Its answers must equal those
// of this repository's reflection-only client (reflection-client.ts). It needs Debian's python3-grpcio,
// python3-protobuf and python3-grpc-tools (.ci/run installs them); where they are not installed the suite is
// skipped, saying so, except in CI (CI=true), where a missing client is a failure.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import type { JsonValue } from '@bufbuild/protobuf';
import { describeWith } from '@kiln/test-infra';
import { seedPlant } from './fixture';
import { grpcurlCommandsOf, wordText } from './grpcurl-commands';
import { ReflectionClient } from './reflection-client';
import { grpcHarness, type GrpcHarness } from './support';

const COMMANDS = grpcurlCommandsOf(
  readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'api.md'), 'utf8'),
);
const SCRIPT = join(__dirname, 'python', 'reflection_client.py');
const REFLECTION_PROTO_ROOT = join(
  dirname(require.resolve('@grpc/reflection/package.json')),
  'build',
  'proto',
);

/** A Python 3 with grpcio, protobuf and grpc_tools: Debian's, or the first python3 on the PATH. */
function pythonWithGrpc(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(python, ['-c', 'import grpc, google.protobuf, grpc_tools'], { stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  return undefined;
}

const PYTHON = pythonWithGrpc();
if (PYTHON === undefined && process.env['CI'] === 'true') {
  throw new Error(
    'python3 with grpcio, protobuf and grpc_tools is not installed (CI=true): ' +
      'apt-get install python3-grpcio python3-protobuf python3-grpc-tools',
  );
}
if (PYTHON === undefined) {
  console.warn(
    'python3 with grpcio, protobuf and grpc_tools is not installed: the Python reflection client is skipped',
  );
}

/** Runs the script without blocking the event loop: the server under test answers from this process. */
function runPython(python: string, args: readonly string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [...args], { stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${python} ${args.join(' ')} exited ${code}: ${stderr}`)),
    );
    child.stdin.end(input);
  });
}

type Answer = { services: string[] } | { described: string } | { response: JsonValue };

function withoutComputedTime(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutComputedTime);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'computedTimeUs')
      .map(([key, item]) => [key, withoutComputedTime(item)]),
  );
}

(PYTHON === undefined ? describe.skip : describe)('with Python grpcio', () => {
  describeWith(
    ['postgres'],
    "docs/api.md's grpcurl commands through grpcio and protobuf's descriptor pool",
    () => {
      let h: GrpcHarness;

      beforeAll(async () => {
        h = await grpcHarness();
        await seedPlant(h.writer);
      });

      afterAll(async () => {
        await h?.stop();
      });

      it("answers every command as this repository's reflection client does", async () => {
        const env = { KEY: h.keys.admin };
        const commands = COMMANDS.map((command) => ({
          verb: command.verb,
          symbol: command.symbol ?? null,
          data: command.data === undefined ? null : wordText(command.data, env),
          headers: command.headers.map((header) => {
            const text = wordText(header, env);
            const colon = text.indexOf(':');
            return [text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim()];
          }),
        }));
        const output = await runPython(
          PYTHON ?? 'python3',
          [SCRIPT, h.address, REFLECTION_PROTO_ROOT],
          JSON.stringify(commands),
        );
        const answers = JSON.parse(output) as Answer[];
        expect(answers).toHaveLength(commands.length);

        const client = new ReflectionClient(h.address);
        try {
          for (const [index, command] of commands.entries()) {
            const answer = answers[index];
            if (command.verb === 'list') {
              expect(answer).toEqual({
                services: expect.arrayContaining(await client.listServices()) as unknown,
              });
            } else if (command.verb === 'describe') {
              expect(answer).toEqual({ described: command.symbol });
            } else {
              const symbol = command.symbol ?? '';
              const registry = await client.registryOf([symbol.slice(0, symbol.indexOf('/'))]);
              const metadata = new Metadata();
              for (const [name = '', value = ''] of command.headers) metadata.set(name, value);
              const ours = await client.callUnary(
                registry,
                symbol,
                JSON.parse(command.data ?? '{}') as JsonValue,
                metadata,
              );
              const theirs = answer !== undefined && 'response' in answer ? answer.response : undefined;
              expect(theirs === undefined ? undefined : withoutComputedTime(theirs)).toEqual(
                withoutComputedTime(ours.json),
              );
            }
          }
        } finally {
          client.close();
        }
      });
    },
  );
});
