// The file descriptors gRPC server reflection serves: the FileDescriptorSet that `buf build` compiled from proto/
// at build time (scripts/generate-descriptor-set.mjs), every file under its real name, with its package, its
// imports (google/protobuf/timestamp.proto among them) and fully-qualified type names, exactly as protoc would
// describe it. The set is loaded once into a strict registry (@bufbuild/protobuf's createFileRegistry refuses a
// file whose imports are missing or whose type names do not resolve), so a broken set stops the server at start
// instead of breaking clients.
//
// Why not @grpc/proto-loader's package definition, which @grpc/reflection expects: its `fileDescriptorProtos` come
// from protobufjs' Root.toDescriptor, which merges the files of a package into one synthetic file without imports,
// writes type names relative to the package and names map entry types after the field; strict clients (grpcurl,
// grpcio's reflection client) cannot load those.
import {
  createFileRegistry,
  fromBinary,
  toBinary,
  type DescFile,
  type FileRegistry,
} from '@bufbuild/protobuf';
import {
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import {
  loadFileDescriptorSetFromBuffer,
  type AnyDefinition,
  type EnumTypeDefinition,
  type MessageTypeDefinition,
  type PackageDefinition,
} from '@grpc/proto-loader';
import { KILN_DESCRIPTOR_SET_BASE64 } from '../gen/kiln-descriptor-set';

export interface KilnDescriptors {
  /** The serialized google.protobuf.FileDescriptorSet. */
  readonly set: Buffer;
  /** The files, dependencies before the files that import them (as protoc and buf write them). */
  readonly files: readonly FileDescriptorProto[];
  /** The files resolved: every import present, every type name found. */
  readonly registry: FileRegistry;
}

let loaded: KilnDescriptors | undefined;

/** The descriptors of proto/ and their imports; throws when the generated set does not hold together. */
export function kilnDescriptors(): KilnDescriptors {
  if (loaded !== undefined) return loaded;
  const bytes = Buffer.from(KILN_DESCRIPTOR_SET_BASE64, 'base64');
  const set = fromBinary(FileDescriptorSetSchema, bytes);
  let registry: FileRegistry;
  try {
    registry = createFileRegistry(set);
  } catch (error) {
    throw new Error(
      `the generated descriptor set of proto/ does not resolve (${error instanceof Error ? error.message : String(error)}); ` +
        'run npm run generate -w @kiln/gateway',
    );
  }
  loaded = { set: bytes, files: set.file, registry };
  return loaded;
}

/**
 * The package definition @grpc/reflection takes, with the real files: proto-loader builds it from the descriptor
 * set (its services, messages and enums), but each entry's `fileDescriptorProtos`, the files reflection indexes by
 * name and symbol and serves, would be protobufjs' synthetic ones; each gets the file declaring it and the files
 * that one imports, transitively. Built once: it never changes while the process runs.
 */
export function reflectionPackageDefinition(): PackageDefinition {
  if (definition !== undefined) return definition;
  const descriptors = kilnDescriptors();
  const encoded = new Map(
    descriptors.files.map((file) => [file.name, Buffer.from(toBinary(FileDescriptorProtoSchema, file))]),
  );
  const filesOf = (name: string): Buffer[] => {
    const declaring = descriptors.registry.get(name)?.file;
    if (declaring === undefined) return [...encoded.values()];
    const names = new Set<string>();
    const visit = (file: DescFile): void => {
      if (names.has(file.proto.name)) return;
      names.add(file.proto.name);
      file.dependencies.forEach(visit);
    };
    visit(declaring);
    return [...names].flatMap((fileName) => encoded.get(fileName) ?? []);
  };
  const built: PackageDefinition = {};
  for (const [name, entry] of Object.entries(loadFileDescriptorSetFromBuffer(descriptors.set))) {
    built[name] = isProtobufType(entry) ? { ...entry, fileDescriptorProtos: filesOf(name) } : entry;
  }
  definition = built;
  return definition;
}

let definition: PackageDefinition | undefined;

/** A message or enum entry (a service entry maps method names to methods and has no files of its own). */
const isProtobufType = (
  entry: AnyDefinition,
): entry is MessageTypeDefinition<object, object> | EnumTypeDefinition =>
  Array.isArray(entry['fileDescriptorProtos']);
