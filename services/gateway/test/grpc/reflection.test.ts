// Server reflection as strict clients (grpcurl, grpcio's reflection client, protoc-based tools) use it: the files
// it serves must load into a descriptor pool that refuses a missing import or a type name that does not resolve,
// under the names, packages and imports of proto/, with google/protobuf/*.proto as files of their own and maps
// as protoc describes them. Issue 14 found per-package synthetic files without imports, relative type names and
// map entry types named after the field instead.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { equals } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { status } from '@grpc/grpc-js';
import { describeWith } from '@kiln/test-infra';
import { kilnDescriptors } from '../../src/grpc/descriptor-set';
import { KILN_SERVICE_NAMES } from '../../src/grpc/server';
import { grpcHarness, type GrpcHarness } from './support';
import {
  ReflectionClient,
  ReflectionError,
  strictRegistry,
  type ReflectionVersion,
} from './reflection-client';

const PROTO_ROOT = join(__dirname, '..', '..', '..', '..', 'proto');

/** The files a .proto imports, read from its source. */
const importsOf = (file: string): string[] =>
  [...readFileSync(join(PROTO_ROOT, file), 'utf8').matchAll(/^import\s+"([^"]+)";/gm)].map(
    (match) => match[1] ?? '',
  );

const packageOf = (file: string): string =>
  /^package\s+([\w.]+);/m.exec(readFileSync(join(PROTO_ROOT, file), 'utf8'))?.[1] ?? '';

const SERVICE_FILES: Readonly<Record<(typeof KILN_SERVICE_NAMES)[number], string>> = {
  'kiln.v1.AssetService': 'kiln/v1/asset_service.proto',
  'kiln.v1.TelemetryService': 'kiln/v1/telemetry_service.proto',
  'kiln.v1.OeeService': 'kiln/v1/oee_service.proto',
  'kiln.v1.MachineStateService': 'kiln/v1/machine_state_service.proto',
  'kiln.v1.AlertService': 'kiln/v1/alert_service.proto',
};

describeWith(['postgres'], 'gRPC server reflection', () => {
  let h: GrpcHarness;

  beforeAll(async () => {
    h = await grpcHarness();
  });

  afterAll(async () => {
    await h?.stop();
  });

  describe.each<ReflectionVersion>(['v1', 'v1alpha'])('grpc.reflection.%s', (version) => {
    let client: ReflectionClient;

    beforeAll(() => {
      client = new ReflectionClient(h.address, version);
    });

    afterAll(() => client.close());

    it('answers file_containing_symbol of each service with its file and every file it imports, which a strict pool loads', async () => {
      expect(await client.listServices()).toEqual(expect.arrayContaining([...KILN_SERVICE_NAMES]));
      for (const service of KILN_SERVICE_NAMES) {
        const files = await client.fileContainingSymbol(service);
        expect(files[0]?.name).toBe(SERVICE_FILES[service]);
        // No file_by_filename for what the answer left out: the answer alone must hold the imports.
        const registry = strictRegistry(new Map(files.map((file) => [file.name, file])));
        const described = registry.getService(service);
        expect(described?.file.proto.name).toBe(SERVICE_FILES[service]);
        for (const method of described?.methods ?? []) {
          expect(method.input.typeName).toMatch(/^kiln\.v1\./);
          expect(method.output.typeName).toMatch(/^kiln\.v1\./);
        }
      }
    });

    it('serves each file of proto/ under its own name, with its package and its imports', async () => {
      for (const file of Object.values(SERVICE_FILES)) {
        const [served] = await client.fileByFilename(file);
        expect({ name: served?.name, package: served?.package, dependency: served?.dependency }).toEqual({
          name: file,
          package: packageOf(file),
          dependency: importsOf(file),
        });
      }
    });

    it('serves the well-known types as google/protobuf files of their own', async () => {
      const [timestamp] = await client.fileByFilename('google/protobuf/timestamp.proto');
      expect(timestamp?.package).toBe('google.protobuf');
      expect(timestamp?.messageType.map((message) => message.name)).toEqual(['Timestamp']);
      const registry = await client.registryOf(['kiln.v1.GetOeeRequest']);
      const startTime = registry
        .getMessage('kiln.v1.GetOeeRequest')
        ?.fields.find((f) => f.name === 'start_time');
      expect(startTime?.message?.typeName).toBe('google.protobuf.Timestamp');
      expect(startTime?.message?.file.proto.name).toBe('google/protobuf/timestamp.proto');
    });

    it('describes a map field as protoc does, so that a strict pool sees a map', async () => {
      const registry = await client.registryOf(['kiln.events.v1.MaintenanceAlert']);
      const details = registry
        .getMessage('kiln.events.v1.MaintenanceAlert')
        ?.fields.find((field) => field.name === 'details');
      expect(details?.fieldKind).toBe('map');
    });

    it('serves every file of the descriptor set the build compiled, unchanged', async () => {
      const { files } = kilnDescriptors();
      expect(files.map((file) => file.name)).toEqual(
        expect.arrayContaining(['google/protobuf/duration.proto', ...Object.values(SERVICE_FILES)]),
      );
      for (const file of files) {
        const [served] = await client.fileByFilename(file.name);
        expect(served !== undefined && equals(FileDescriptorProtoSchema, served, file)).toBe(true);
      }
    });

    it('answers NOT_FOUND for a symbol it does not know', async () => {
      const refused = client.fileContainingSymbol('kiln.v1.NoSuchService');
      await expect(refused).rejects.toBeInstanceOf(ReflectionError);
      await expect(refused).rejects.toMatchObject({ code: status.NOT_FOUND });
    });
  });
});
