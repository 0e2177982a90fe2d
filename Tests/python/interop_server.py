#!/usr/bin/env python3
"""grpcio implementation of grpc.testing.TestService (the gRPC interop server).

Follows the "Server" section of grpc's doc/interop-test-descriptions.md:
EmptyCall, UnaryCall, CacheableUnaryCall, StreamingOutputCall,
StreamingInputCall, FullDuplexCall, HalfDuplexCall; Echo Status, Echo
Metadata, CompressedResponse, interval_us.
UnimplementedCall answers UNIMPLEMENTED; grpc.testing.UnimplementedService is
not registered at all. Also serves grpc.health.v1.Health (the server and
TestService SERVING; grpc.testing.NotServing always NOT_SERVING, for clients'
unhealthy paths) and server reflection (grpc.reflection.v1 and v1alpha).

CompressedRequest is NOT implemented: a grpcio server sees neither a request
message's compressed flag nor the grpc-encoding header (grpc core strips it),
so `expect_compressed` is ignored and the client_compressed_* probes (which
expect INVALID_ARGUMENT) fail against this server. The Swift server checks the
flag itself.

    .venv/bin/python Tests/python/interop_server.py --port=0
prints `READY <port>` once listening; SIGTERM/SIGINT stop it cleanly.
"""

import argparse
import signal
import sys
import threading
import time
from concurrent import futures

import genpath
import grpc
from grpc.testing import empty_pb2, messages_pb2, test_pb2, test_pb2_grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_reflection.v1alpha import reflection_pb2 as reflection_v1alpha_pb2

# Loaded so reflection can describe grpc.reflection.v1 itself.
reflection_v1_pb2 = genpath.load_generated("grpc/reflection/v1/reflection_pb2.py")

ECHO_INITIAL_KEY = "x-grpc-test-echo-initial"
ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin"
TEST_SERVICE = test_pb2.DESCRIPTOR.services_by_name["TestService"].full_name
NOT_SERVING_SERVICE = "grpc.testing.NotServing"
REFLECTION_V1 = reflection_v1_pb2.DESCRIPTOR.services_by_name["ServerReflection"].full_name
CODES = {c.value[0]: c for c in grpc.StatusCode}
SUPPORTED_PAYLOAD_TYPES = {messages_pb2.COMPRESSABLE}


def _metadata(context):
    return tuple(context.invocation_metadata() or ())


def echo_initial_metadata(context):
    """Echo Metadata: sends the initial part (call before the first response)."""
    initial = [(k, v) for k, v in _metadata(context) if k == ECHO_INITIAL_KEY]
    if initial:
        context.send_initial_metadata(initial)


def echo_trailing_metadata(context):
    trailing = [(k, v) for k, v in _metadata(context) if k == ECHO_TRAILING_KEY]
    if trailing:
        context.set_trailing_metadata(trailing)


def check_response_type(response_type, context):
    if response_type not in SUPPORTED_PAYLOAD_TYPES:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                      "unsupported response_type %d" % response_type)


def maybe_echo_status(request, context):
    """Echo Status: close the call with the requested code and message."""
    if request.HasField("response_status") and request.response_status.code != 0:
        code = CODES.get(request.response_status.code, grpc.StatusCode.UNKNOWN)
        context.abort(code, request.response_status.message)


def payload(size, context):
    if size < 0:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "negative size %d" % size)
    return messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=bytes(size))


class TestService(test_pb2_grpc.TestServiceServicer):
    def EmptyCall(self, request, context):
        echo_initial_metadata(context)
        echo_trailing_metadata(context)
        return empty_pb2.Empty()

    def UnaryCall(self, request, context):
        if request.response_compressed.value:
            context.set_compression(grpc.Compression.Gzip)
        echo_initial_metadata(context)
        echo_trailing_metadata(context)
        # expect_compressed: not observable by a grpcio server (see module doc).
        check_response_type(request.response_type, context)
        maybe_echo_status(request, context)
        return messages_pb2.SimpleResponse(payload=payload(request.response_size, context))

    def CacheableUnaryCall(self, request, context):
        context.send_initial_metadata([("cache-control", "max-age=60")])
        echo_trailing_metadata(context)
        body = str(time.time_ns()).encode()
        return messages_pb2.SimpleResponse(
            payload=messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=body))

    def _respond(self, params, context, state):
        """Yields one response per ResponseParameters (interval_us, compressed)."""
        for p in params:
            if not context.is_active():
                return
            if p.interval_us > 0:
                time.sleep(p.interval_us / 1e6)
            if state["compressing"] and not p.compressed.value:
                context.disable_next_message_compression()
            yield messages_pb2.StreamingOutputCallResponse(payload=payload(p.size, context))

    @staticmethod
    def _start_stream(context, params, state):
        # Compression is chosen before initial metadata goes out.
        if any(p.compressed.value for p in params):
            context.set_compression(grpc.Compression.Gzip)
            state["compressing"] = True
        echo_initial_metadata(context)
        echo_trailing_metadata(context)
        state["started"] = True

    def StreamingOutputCall(self, request, context):
        state = {"compressing": False, "started": False}
        check_response_type(request.response_type, context)
        self._start_stream(context, request.response_parameters, state)
        yield from self._respond(request.response_parameters, context, state)
        maybe_echo_status(request, context)

    def StreamingInputCall(self, request_iterator, context):
        echo_initial_metadata(context)
        echo_trailing_metadata(context)
        total = 0
        for request in request_iterator:
            total += len(request.payload.body)
        return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=total)

    def FullDuplexCall(self, request_iterator, context):
        state = {"compressing": False, "started": False}
        for request in request_iterator:
            if not state["started"]:
                self._start_stream(context, request.response_parameters, state)
            maybe_echo_status(request, context)
            check_response_type(request.response_type, context)
            yield from self._respond(request.response_parameters, context, state)
        if not state["started"]:
            self._start_stream(context, (), state)

    def HalfDuplexCall(self, request_iterator, context):
        requests = list(request_iterator)
        state = {"compressing": False, "started": False}
        self._start_stream(context, [p for r in requests for p in r.response_parameters], state)
        for request in requests:
            maybe_echo_status(request, context)
            check_response_type(request.response_type, context)
            yield from self._respond(request.response_parameters, context, state)

    def UnimplementedCall(self, request, context):
        context.abort(grpc.StatusCode.UNIMPLEMENTED,
                      "grpc.testing.TestService/UnimplementedCall is not implemented")


def add_reflection(server, names):
    reflection.enable_server_reflection(names, server)
    # grpcio-reflection only registers v1alpha; v1 has the same messages on
    # the wire, so the same servicer answers it.
    servicer = reflection.ReflectionServicer(names)
    handler = grpc.method_handlers_generic_handler(REFLECTION_V1, {
        "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
            servicer.ServerReflectionInfo,
            request_deserializer=reflection_v1alpha_pb2.ServerReflectionRequest.FromString,
            response_serializer=lambda m: m.SerializeToString(),
        ),
    })
    server.add_generic_rpc_handlers((handler,))


def serve(server, host, port, on_stop=lambda: None, grace=2):
    """Listens on host:port, prints `READY <port>`, serves until SIGTERM or
    SIGINT, then calls `on_stop` and stops with `grace` seconds. Returns
    the exit status."""
    host = host if ":" not in host else "[%s]" % host
    bound = server.add_insecure_port("%s:%d" % (host, port))
    if bound == 0:
        print("cannot listen on %s:%d" % (host, port), file=sys.stderr)
        return 1
    server.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print("READY %d" % bound, flush=True)
    while not stop.wait(3600):
        pass
    on_stop()
    server.stop(grace=grace).wait()
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True, help="0 picks a free port")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--use_tls", default="false", help="only false is supported")
    ap.add_argument("--max_workers", type=int, default=64)
    args = ap.parse_args(argv)
    if args.use_tls.lower() not in ("false", "0", "no"):
        ap.error("TLS is not supported by this harness")

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=args.max_workers),
                         options=[("grpc.so_reuseport", 0)])
    test_pb2_grpc.add_TestServiceServicer_to_server(TestService(), server)

    health_servicer = health.HealthServicer()
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_servicer.set(TEST_SERVICE, health_pb2.HealthCheckResponse.SERVING)
    health_servicer.set(NOT_SERVING_SERVICE, health_pb2.HealthCheckResponse.NOT_SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)

    add_reflection(server, (TEST_SERVICE, health.SERVICE_NAME, reflection.SERVICE_NAME,
                            REFLECTION_V1))

    return serve(server, args.host, args.port, on_stop=health_servicer.enter_graceful_shutdown)


if __name__ == "__main__":
    sys.exit(main())
