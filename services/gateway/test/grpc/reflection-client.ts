// A gRPC client that knows nothing of Kiln's protos and learns them the way grpcurl does: through server
// reflection alone (grpc.reflection.v1 or v1alpha ServerReflectionInfo). It lists services, fetches the files
// declaring a symbol (file_containing_symbol) and any import the answer left out (file_by_filename), loads them
// into a strict descriptor pool (@bufbuild/protobuf's createFileRegistry: it refuses a file whose imports are
// missing or whose type names do not resolve), builds request and response types from that pool and calls
// methods with protobuf JSON, as grpcurl's -d does. Only the reflection protocol's own messages are compiled in
// (the reflection.proto that @grpc/reflection ships), as in grpcurl.
import { dirname, join } from 'node:path';
import {
  create,
  createFileRegistry,
  fromBinary,
  fromJson,
  toBinary,
  toJson,
  type DescMethod,
  type FileRegistry,
  type JsonValue,
} from '@bufbuild/protobuf';
import {
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import {
  Client,
  credentials,
  type ClientDuplexStream,
  type Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync, type MethodDefinition } from '@grpc/proto-loader';

export type ReflectionVersion = 'v1' | 'v1alpha';

/** ServerReflectionRequest as proto-loader hands it over (keepCase, one case of the oneof set). */
type ReflectionRequest =
  | { readonly list_services: string }
  | { readonly file_containing_symbol: string }
  | { readonly file_by_filename: string };

/** ServerReflectionResponse as proto-loader decodes it (keepCase, oneofs: the case in message_response). */
interface ReflectionResponse {
  readonly message_response?: string;
  readonly list_services_response?: { readonly service: readonly { readonly name: string }[] };
  readonly file_descriptor_response?: { readonly file_descriptor_proto: readonly Uint8Array[] };
  readonly error_response?: { readonly error_code: number; readonly error_message: string };
}

/** An error_response of the server: a symbol or file it does not know, or a request it does not serve. */
export class ReflectionError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'ReflectionError';
  }
}

function reflectionMethod(version: ReflectionVersion): MethodDefinition<object, object> {
  const root = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto');
  const definition = loadSync(join(root, 'grpc', 'reflection', version, 'reflection.proto'), {
    keepCase: true,
    oneofs: true,
    includeDirs: [root],
  });
  const service = definition[`grpc.reflection.${version}.ServerReflection`];
  const method = service === undefined || 'format' in service ? undefined : service['ServerReflectionInfo'];
  if (method === undefined) throw new Error(`reflection.proto ${version} has no ServerReflectionInfo`);
  return method;
}

/** Files in an order a descriptor set needs: each after the files it imports (unknown imports skipped). */
export function dependencyOrder(files: ReadonlyMap<string, FileDescriptorProto>): FileDescriptorProto[] {
  const ordered: FileDescriptorProto[] = [];
  const placed = new Set<string>();
  const place = (file: FileDescriptorProto): void => {
    if (placed.has(file.name)) return;
    placed.add(file.name);
    for (const name of file.dependency) {
      const dependency = files.get(name);
      if (dependency !== undefined) place(dependency);
    }
    ordered.push(file);
  };
  for (const file of files.values()) place(file);
  return ordered;
}

/** A strict pool of the files: throws naming the first import or type name that does not resolve. */
export function strictRegistry(files: ReadonlyMap<string, FileDescriptorProto>): FileRegistry {
  return createFileRegistry(create(FileDescriptorSetSchema, { file: dependencyOrder(files) }));
}

export interface UnaryAnswer {
  /** The response as protobuf JSON (grpcurl's output). */
  readonly json: JsonValue;
  /** The response's bytes as the server sent them. */
  readonly bytes: Buffer;
  /** The request's bytes as sent. */
  readonly requestBytes: Buffer;
}

export class ReflectionClient {
  private readonly client: Client;
  private readonly method: MethodDefinition<object, object>;
  private stream: ClientDuplexStream<object, object> | undefined;
  private readonly waiting: {
    resolve: (response: ReflectionResponse) => void;
    reject: (error: Error) => void;
  }[] = [];

  constructor(
    address: string,
    readonly version: ReflectionVersion = 'v1',
  ) {
    this.client = new Client(address, credentials.createInsecure());
    this.method = reflectionMethod(version);
  }

  /** One request on the client's reflection stream (opened on first use), answered in order. */
  private ask(request: ReflectionRequest): Promise<ReflectionResponse> {
    if (this.stream === undefined) {
      const stream = this.client.makeBidiStreamRequest(
        this.method.path,
        this.method.requestSerialize,
        this.method.responseDeserialize,
      );
      stream.on('data', (response: ReflectionResponse) => this.waiting.shift()?.resolve(response));
      stream.on('error', (error: ServiceError) => {
        for (const waiter of this.waiting.splice(0)) waiter.reject(error);
      });
      this.stream = stream;
    }
    const stream = this.stream;
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      stream.write(request);
    });
  }

  private async files(request: ReflectionRequest): Promise<FileDescriptorProto[]> {
    const response = await this.ask(request);
    if (response.error_response !== undefined) {
      throw new ReflectionError(response.error_response.error_code, response.error_response.error_message);
    }
    const files = response.file_descriptor_response?.file_descriptor_proto;
    if (files === undefined)
      throw new Error(`reflection answered ${response.message_response} to a file request`);
    return files.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
  }

  /** grpcurl list: the fully-qualified names of the services. */
  async listServices(): Promise<string[]> {
    const response = await this.ask({ list_services: '*' });
    if (response.list_services_response === undefined) {
      throw new Error(`reflection answered ${response.message_response} to list_services`);
    }
    return response.list_services_response.service.map((service) => service.name);
  }

  /** The server's answer to file_containing_symbol: the file declaring it and the files it depends on. */
  fileContainingSymbol(symbol: string): Promise<FileDescriptorProto[]> {
    return this.files({ file_containing_symbol: symbol });
  }

  fileByFilename(name: string): Promise<FileDescriptorProto[]> {
    return this.files({ file_by_filename: name });
  }

  /**
   * The strict pool of the files declaring the symbols, with every import: what an answer left out is asked for
   * by file name, as grpcurl and grpcio's reflection client do.
   */
  async registryOf(symbols: readonly string[]): Promise<FileRegistry> {
    const files = new Map<string, FileDescriptorProto>();
    const add = (received: readonly FileDescriptorProto[]): void => {
      for (const file of received) if (!files.has(file.name)) files.set(file.name, file);
    };
    for (const symbol of symbols) add(await this.fileContainingSymbol(symbol));
    for (let missing = missingImports(files); missing.length > 0; missing = missingImports(files)) {
      for (const name of missing) add(await this.fileByFilename(name));
    }
    return strictRegistry(files);
  }

  /** grpcurl -d JSON ADDRESS service/Method: a unary call built from the pool's types. */
  async callUnary(
    registry: FileRegistry,
    fullMethod: string,
    requestJson: JsonValue,
    metadata: Metadata,
  ): Promise<UnaryAnswer> {
    const method = methodOf(registry, fullMethod);
    if (method.methodKind !== 'unary') throw new Error(`${fullMethod} is not unary`);
    const requestBytes = Buffer.from(
      toBinary(method.input, fromJson(method.input, requestJson, { registry })),
    );
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      this.client.makeUnaryRequest(
        `/${method.parent.typeName}/${method.name}`,
        (message: Buffer) => message,
        (message: Buffer) => message,
        requestBytes,
        metadata,
        (error: ServiceError | null, response?: Buffer) => {
          if (error !== null) reject(error);
          else resolve(response ?? Buffer.alloc(0));
        },
      );
    });
    return {
      json: toJson(method.output, fromBinary(method.output, bytes), { registry }),
      bytes,
      requestBytes,
    };
  }

  close(): void {
    this.stream?.end();
    this.client.close();
  }
}

function missingImports(files: ReadonlyMap<string, FileDescriptorProto>): string[] {
  return [...new Set([...files.values()].flatMap((file) => file.dependency))].filter(
    (name) => !files.has(name),
  );
}

/** `kiln.v1.OeeService/GetOee` or `kiln.v1.OeeService.GetOee` in the pool. */
export function methodOf(registry: FileRegistry, fullMethod: string): DescMethod {
  const cut = Math.max(fullMethod.lastIndexOf('/'), fullMethod.lastIndexOf('.'));
  const service = registry.getService(fullMethod.slice(0, cut));
  const method = service?.methods.find((candidate) => candidate.name === fullMethod.slice(cut + 1));
  if (method === undefined) throw new Error(`${fullMethod} is not a method in the pool`);
  return method;
}
