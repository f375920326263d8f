"""The docs' grpcurl commands through an implementation nobody here wrote: grpcio as the client and protobuf's own
descriptor pool (the C++ one in Debian's python3-protobuf), fed only by server reflection, the way grpcio-reflection's
ProtoReflectionDescriptorDatabase feeds it: the pool asks the database for a file by symbol or by name and builds
it, refusing a missing import or a type name that does not resolve. Only reflection.proto is compiled here (with
grpc_tools' protoc), as grpcurl compiles in its reflection stubs.

Usage: reflection_client.py ADDRESS REFLECTION_PROTO_ROOT < commands.json > answers.json
commands.json: [{"verb": "list" | "describe" | "call", "symbol": str | null, "data": str | null,
                 "headers": [[name, value], ...]}, ...]
answers.json: one object per command: {"services": [...]}, {"described": full name}, or {"response": JSON}.
"""

import json
import os
import sys
import tempfile

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from grpc_tools import protoc

REFLECTION = "grpc.reflection.v1"


def reflection_messages(proto_root):
    """ServerReflectionRequest and ServerReflectionResponse, compiled from reflection.proto."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "reflection.binpb")
        status = protoc.main(
            ["protoc", f"--proto_path={proto_root}", f"--descriptor_set_out={out}", "grpc/reflection/v1/reflection.proto"]
        )
        if status != 0:
            raise RuntimeError(f"protoc could not compile reflection.proto under {proto_root}")
        with open(out, "rb") as handle:
            files = descriptor_pb2.FileDescriptorSet.FromString(handle.read())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    factory = message_factory.MessageFactory(pool)
    return (
        factory.GetPrototype(pool.FindMessageTypeByName(f"{REFLECTION}.ServerReflectionRequest")),
        factory.GetPrototype(pool.FindMessageTypeByName(f"{REFLECTION}.ServerReflectionResponse")),
    )


class ReflectionDatabase:
    """A descriptor database answering from server reflection, as grpcio-reflection's does."""

    def __init__(self, channel, request_type, response_type):
        self._info = channel.stream_stream(
            f"/{REFLECTION}.ServerReflection/ServerReflectionInfo",
            request_serializer=request_type.SerializeToString,
            response_deserializer=response_type.FromString,
        )
        self._request_type = request_type
        self._files = {}

    def _ask(self, **fields):
        response = next(self._info(iter([self._request_type(**fields)])))
        if response.HasField("error_response"):
            raise KeyError(response.error_response.error_message)
        return response

    def _add(self, response):
        first = None
        for serialized in response.file_descriptor_response.file_descriptor_proto:
            file = descriptor_pb2.FileDescriptorProto.FromString(serialized)
            self._files.setdefault(file.name, file)
            first = first or file
        return first

    def list_services(self):
        return [service.name for service in self._ask(list_services="*").list_services_response.service]

    def FindFileByName(self, name):  # noqa: N802 (the descriptor database protocol)
        if name not in self._files:
            self._add(self._ask(file_by_filename=name))
        return self._files[name]

    def FindFileContainingSymbol(self, symbol):  # noqa: N802
        return self._add(self._ask(file_containing_symbol=symbol))

    def FindAllExtensionNumbers(self, extendee_name):  # noqa: N802
        return []


def run(command, database, pool, channel):
    verb, symbol = command["verb"], command.get("symbol")
    if verb == "list":
        return {"services": database.list_services()}
    if verb == "describe":
        for find in (pool.FindMethodByName, pool.FindServiceByName, pool.FindMessageTypeByName, pool.FindEnumTypeByName):
            try:
                return {"described": find(symbol).full_name}
            except KeyError:
                continue
        raise KeyError(f"{symbol} is not a method, service, message or enum")
    service_name, method_name = symbol.split("/")
    method = pool.FindServiceByName(service_name).FindMethodByName(method_name)
    factory = message_factory.MessageFactory(pool)
    request_type = factory.GetPrototype(method.input_type)
    response_type = factory.GetPrototype(method.output_type)
    request = json_format.Parse(command.get("data") or "{}", request_type())
    call = channel.unary_unary(
        f"/{symbol}",
        request_serializer=request_type.SerializeToString,
        response_deserializer=response_type.FromString,
    )
    response = call(request, metadata=[(name, value) for name, value in command.get("headers", [])], timeout=30)
    return {"response": json_format.MessageToDict(response)}


def main():
    address, proto_root = sys.argv[1], sys.argv[2]
    commands = json.load(sys.stdin)
    request_type, response_type = reflection_messages(proto_root)
    with grpc.insecure_channel(address) as channel:
        database = ReflectionDatabase(channel, request_type, response_type)
        pool = descriptor_pool.DescriptorPool(database)
        json.dump([run(command, database, pool, channel) for command in commands], sys.stdout)


if __name__ == "__main__":
    main()
