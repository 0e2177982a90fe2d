#!/usr/bin/env python3
"""grpcio interop client: the test cases of grpc's doc/interop-test-descriptions.md.

    .venv/bin/python Tests/python/interop_client.py --server_host=127.0.0.1 \\
        --server_port=50051 --test_case=all

--test_case takes one name, a comma-separated list, or `all` (every case
below, in order). --skip removes cases from that list. Each case prints
`PASS <case> (<seconds>s)` on stdout, or `FAIL <case>: <reason>` on stderr;
a run of several ends with `interop_client: N passed, N failed`. Exit status 0
only if every case passed.

grpcio never shows the per-message compressed flag, so the compression cases
also look at the wire with a small raw HTTP/2 client (h2grpc.py): the
server_compressed_* cases check the flag of each response message, and
client_compressed_streaming sends its compressed-then-uncompressed stream
that way (grpcio can only compress a whole call).
"""

import argparse
import queue
import sys
import time
import traceback

import genpath  # noqa: F401  (makes grpc.testing importable)
import grpc
from grpc.testing import empty_pb2, messages_pb2, test_pb2_grpc

import h2grpc

ECHO_INITIAL = ("x-grpc-test-echo-initial", "test_initial_metadata_value")
ECHO_TRAILING = ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")
SPECIAL_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
NO_COMPRESSION = grpc.Compression.NoCompression
GZIP = grpc.Compression.Gzip


class TestFailure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise TestFailure(message)


def zeros(n):
    return messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=bytes(n))


def check_payload(payload, size, what="response"):
    n = len(payload.body)
    check(n == size, "%s payload body is %d bytes, want %d" % (what, n, size))
    check(payload.body == bytes(size), "%s payload body is not all zeros" % what)
    check(payload.type == messages_pb2.COMPRESSABLE, "%s payload type is %d" % (what, payload.type))


def expect_status(fn, code, what):
    """Runs fn(), which must fail with `code`; returns the RpcError."""
    try:
        fn()
    except grpc.RpcError as e:
        check(e.code() == code, "%s: got %s (%r), want %s" % (what, e.code(), e.details(), code))
        return e
    raise TestFailure("%s: call succeeded, want %s" % (what, code))


def simple_request(**kw):
    return messages_pb2.SimpleRequest(response_type=messages_pb2.COMPRESSABLE,
                                      response_size=314159, payload=zeros(271828), **kw)


class Pipe:
    """A request iterator the test feeds one message at a time."""
    _CLOSE = object()

    def __init__(self):
        self._q = queue.Queue()

    def __iter__(self):
        return self

    def __next__(self):
        item = self._q.get()
        if item is self._CLOSE:
            raise StopIteration
        return item

    def add(self, item):
        self._q.put(item)

    def close(self):
        self._q.put(self._CLOSE)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Ctx:
    def __init__(self, args):
        self.host = args.server_host
        self.port = args.server_port
        self.authority = args.server_host_override
        self.timeout = args.rpc_timeout
        options = [("grpc.max_receive_message_length", 16 << 20),
                   ("grpc.max_send_message_length", 16 << 20)]
        if self.authority:
            options.append(("grpc.default_authority", self.authority))
        self.channel = grpc.insecure_channel("%s:%d" % (self.host, self.port), options=options)
        self.stub = test_pb2_grpc.TestServiceStub(self.channel)

    def wire(self):
        """A raw HTTP/2 connection to the same server (for what grpcio hides)."""
        c = h2grpc.H2Client(self.host, self.port, timeout=self.timeout)
        if self.authority:
            c.host = self.authority
        return c


# ---------------------------------------------------------------- test cases


def empty_unary(ctx):
    resp = ctx.stub.EmptyCall(empty_pb2.Empty(), timeout=ctx.timeout)
    check(resp is not None and isinstance(resp, empty_pb2.Empty), "response is not an Empty")
    check(resp.ByteSize() == 0, "response Empty is not zero bytes")


def large_unary(ctx):
    resp = ctx.stub.UnaryCall(simple_request(), timeout=ctx.timeout)
    check_payload(resp.payload, 314159)


def client_compressed_unary(ctx):
    probe = simple_request(expect_compressed=messages_pb2.BoolValue(value=True))
    expect_status(lambda: ctx.stub.UnaryCall(probe, timeout=ctx.timeout, compression=NO_COMPRESSION),
                  grpc.StatusCode.INVALID_ARGUMENT,
                  "probe (expect_compressed=true, sent uncompressed)")
    resp = ctx.stub.UnaryCall(probe, timeout=ctx.timeout, compression=GZIP)
    check_payload(resp.payload, 314159, "compressed call's")
    plain = simple_request(expect_compressed=messages_pb2.BoolValue(value=False))
    resp = ctx.stub.UnaryCall(plain, timeout=ctx.timeout, compression=NO_COMPRESSION)
    check_payload(resp.payload, 314159, "uncompressed call's")


def _wire_unary_flags(ctx, request, want_flag):
    c = ctx.wire()
    try:
        st = c.unary(h2grpc.UNARY_CALL, request.SerializeToString())
    finally:
        c.close()
    check(st.grpc_status == 0, "raw HTTP/2 UnaryCall: " + st.describe())
    msgs = st.messages()
    check(len(msgs) == 1, "raw HTTP/2 UnaryCall: %d response messages, want 1" % len(msgs))
    flag, body = msgs[0]
    check(flag == want_flag, "response_compressed=%s but the response's compressed flag is %d"
          % (bool(want_flag), flag))
    if want_flag:
        check(st.header("grpc-encoding") == "gzip",
              "compressed response with grpc-encoding %r" % st.header("grpc-encoding"))
    check_payload(messages_pb2.SimpleResponse.FromString(body).payload, 314159, "raw HTTP/2")


def server_compressed_unary(ctx):
    for flag in (True, False):
        req = simple_request(response_compressed=messages_pb2.BoolValue(value=flag))
        resp = ctx.stub.UnaryCall(req, timeout=ctx.timeout)
        check_payload(resp.payload, 314159, "response_compressed=%s" % flag)
        _wire_unary_flags(ctx, req, 1 if flag else 0)


def client_streaming(ctx):
    sizes = (27182, 8, 1828, 45904)
    reqs = [messages_pb2.StreamingInputCallRequest(payload=zeros(n)) for n in sizes]
    resp = ctx.stub.StreamingInputCall(iter(reqs), timeout=ctx.timeout)
    check(resp.aggregated_payload_size == 74922,
          "aggregated_payload_size %d, want 74922" % resp.aggregated_payload_size)


def client_compressed_streaming(ctx):
    first = messages_pb2.StreamingInputCallRequest(
        expect_compressed=messages_pb2.BoolValue(value=True), payload=zeros(27182))
    second = messages_pb2.StreamingInputCallRequest(
        expect_compressed=messages_pb2.BoolValue(value=False), payload=zeros(45904))
    expect_status(lambda: ctx.stub.StreamingInputCall(iter([first]), timeout=ctx.timeout,
                                                      compression=NO_COMPRESSION),
                  grpc.StatusCode.INVALID_ARGUMENT,
                  "probe (expect_compressed=true, sent uncompressed)")
    # The doc's second call: message 1 compressed, message 2 not, one stream.
    # grpcio compresses all or nothing, so this goes over raw HTTP/2.
    c = ctx.wire()
    try:
        body = h2grpc.gzip_frame(first.SerializeToString()) + h2grpc.frame(second.SerializeToString())
        sid = c.start("/grpc.testing.TestService/StreamingInputCall", body, end_stream=True,
                      encoding="gzip")
        st = c.wait_stream(sid)
    finally:
        c.close()
    check(st.grpc_status == 0, "compressed+uncompressed stream: " + st.describe())
    msgs = st.messages()
    check(len(msgs) == 1, "%d response messages, want 1" % len(msgs))
    resp = messages_pb2.StreamingInputCallResponse.FromString(msgs[0][1])
    check(resp.aggregated_payload_size == 73086,
          "aggregated_payload_size %d, want 73086" % resp.aggregated_payload_size)
    # And grpcio's own (whole-call) compression of a client stream is accepted.
    resp = ctx.stub.StreamingInputCall(iter([first]), timeout=ctx.timeout, compression=GZIP)
    check(resp.aggregated_payload_size == 27182,
          "grpcio-compressed stream: aggregated_payload_size %d, want 27182"
          % resp.aggregated_payload_size)


def _output_request(sizes, compressed=None):
    params = []
    for i, n in enumerate(sizes):
        p = messages_pb2.ResponseParameters(size=n)
        if compressed is not None:
            p.compressed.value = compressed[i]
        params.append(p)
    return messages_pb2.StreamingOutputCallRequest(response_type=messages_pb2.COMPRESSABLE,
                                                   response_parameters=params)


def _check_sizes(responses, sizes):
    check(len(responses) == len(sizes), "%d responses, want %d" % (len(responses), len(sizes)))
    for i, (r, n) in enumerate(zip(responses, sizes)):
        check_payload(r.payload, n, "response %d" % i)


def server_streaming(ctx):
    sizes = (31415, 9, 2653, 58979)
    call = ctx.stub.StreamingOutputCall(_output_request(sizes), timeout=ctx.timeout)
    responses = list(call)
    _check_sizes(responses, sizes)
    check(call.code() == grpc.StatusCode.OK, "status %s" % call.code())


def server_compressed_streaming(ctx):
    sizes, flags = (31415, 92653), (True, False)
    req = _output_request(sizes, flags)
    call = ctx.stub.StreamingOutputCall(req, timeout=ctx.timeout)
    _check_sizes(list(call), sizes)
    check(call.code() == grpc.StatusCode.OK, "status %s" % call.code())
    c = ctx.wire()
    try:
        sid = c.start(h2grpc.STREAMING_OUTPUT_CALL, h2grpc.frame(req.SerializeToString()))
        st = c.wait_stream(sid)
    finally:
        c.close()
    check(st.grpc_status == 0, "raw HTTP/2 StreamingOutputCall: " + st.describe())
    msgs = st.messages()
    check(len(msgs) == 2, "raw HTTP/2: %d responses, want 2" % len(msgs))
    for i, ((flag, body), want, n) in enumerate(zip(msgs, flags, sizes)):
        check(flag == int(want), "response %d: compressed=%s but its compressed flag is %d"
              % (i, want, flag))
        check_payload(messages_pb2.StreamingOutputCallResponse.FromString(body).payload, n,
                      "raw HTTP/2 response %d" % i)


def ping_pong(ctx):
    steps = ((31415, 27182), (9, 8), (2653, 1828), (58979, 45904))
    with Pipe() as pipe:
        call = ctx.stub.FullDuplexCall(pipe, timeout=ctx.timeout)
        for i, (resp_size, req_size) in enumerate(steps):
            pipe.add(messages_pb2.StreamingOutputCallRequest(
                response_type=messages_pb2.COMPRESSABLE,
                response_parameters=[messages_pb2.ResponseParameters(size=resp_size)],
                payload=zeros(req_size)))
            try:
                resp = next(call)
            except StopIteration:
                raise TestFailure("stream ended after %d responses, want 4" % i)
            check_payload(resp.payload, resp_size, "response %d" % i)
        pipe.close()
        extra = list(call)
        check(not extra, "%d responses after the 4th, want none" % len(extra))
    check(call.code() == grpc.StatusCode.OK, "status %s" % call.code())


def empty_stream(ctx):
    call = ctx.stub.FullDuplexCall(iter(()), timeout=ctx.timeout)
    responses = list(call)
    check(not responses, "%d responses, want 0" % len(responses))
    check(call.code() == grpc.StatusCode.OK, "status %s" % call.code())


def _check_echoed(initial, trailing, what):
    initial = list(initial or ())
    trailing = list(trailing or ())
    got_i = [v for k, v in initial if k == ECHO_INITIAL[0]]
    got_t = [v for k, v in trailing if k == ECHO_TRAILING[0]]
    check(got_i == [ECHO_INITIAL[1]], "%s: initial metadata %s is %r, want [%r]"
          % (what, ECHO_INITIAL[0], got_i, ECHO_INITIAL[1]))
    check(got_t == [ECHO_TRAILING[1]], "%s: trailing metadata %s is %r, want [%r]"
          % (what, ECHO_TRAILING[0], got_t, ECHO_TRAILING[1]))


def custom_metadata(ctx):
    md = (ECHO_INITIAL, ECHO_TRAILING)
    resp, call = ctx.stub.UnaryCall.with_call(simple_request(), metadata=md, timeout=ctx.timeout)
    check_payload(resp.payload, 314159, "UnaryCall")
    _check_echoed(call.initial_metadata(), call.trailing_metadata(), "UnaryCall")

    req = messages_pb2.StreamingOutputCallRequest(
        response_type=messages_pb2.COMPRESSABLE,
        response_parameters=[messages_pb2.ResponseParameters(size=314159)],
        payload=zeros(271828))
    call = ctx.stub.FullDuplexCall(iter([req]), metadata=md, timeout=ctx.timeout)
    initial = call.initial_metadata()
    responses = list(call)
    _check_sizes(responses, (314159,))
    check(call.code() == grpc.StatusCode.OK, "FullDuplexCall status %s" % call.code())
    _check_echoed(initial, call.trailing_metadata(), "FullDuplexCall")


def _status_case(ctx, message, with_duplex):
    status = messages_pb2.EchoStatus(code=2, message=message)
    e = expect_status(lambda: ctx.stub.UnaryCall(
        messages_pb2.SimpleRequest(response_status=status), timeout=ctx.timeout),
        grpc.StatusCode.UNKNOWN, "UnaryCall")
    check(e.details() == message, "UnaryCall status message %r, want %r" % (e.details(), message))
    if with_duplex:
        req = messages_pb2.StreamingOutputCallRequest(response_status=status)
        e = expect_status(lambda: list(ctx.stub.FullDuplexCall(iter([req]), timeout=ctx.timeout)),
                          grpc.StatusCode.UNKNOWN, "FullDuplexCall")
        check(e.details() == message,
              "FullDuplexCall status message %r, want %r" % (e.details(), message))


def status_code_and_message(ctx):
    _status_case(ctx, "test status message", with_duplex=True)


def special_status_message(ctx):
    _status_case(ctx, SPECIAL_MESSAGE, with_duplex=False)


def unimplemented_method(ctx):
    expect_status(lambda: ctx.stub.UnimplementedCall(empty_pb2.Empty(), timeout=ctx.timeout),
                  grpc.StatusCode.UNIMPLEMENTED, "TestService/UnimplementedCall")


def unimplemented_service(ctx):
    stub = test_pb2_grpc.UnimplementedServiceStub(ctx.channel)
    expect_status(lambda: stub.UnimplementedCall(empty_pb2.Empty(), timeout=ctx.timeout),
                  grpc.StatusCode.UNIMPLEMENTED, "UnimplementedService/UnimplementedCall")


def cancel_after_begin(ctx):
    with Pipe() as pipe:
        future = ctx.stub.StreamingInputCall.future(pipe, timeout=ctx.timeout)
        # Let the request headers reach the server (doc: "after metadata has
        # been sent but before payloads are sent").
        time.sleep(0.05)
        future.cancel()
        check(future.cancelled(), "call was not cancelled")
        check(future.code() == grpc.StatusCode.CANCELLED, "status %s, want CANCELLED" % future.code())


def cancel_after_first_response(ctx):
    with Pipe() as pipe:
        call = ctx.stub.FullDuplexCall(pipe, timeout=ctx.timeout)
        pipe.add(messages_pb2.StreamingOutputCallRequest(
            response_type=messages_pb2.COMPRESSABLE,
            response_parameters=[messages_pb2.ResponseParameters(size=31415)],
            payload=zeros(27182)))
        resp = next(call)
        check_payload(resp.payload, 31415)
        call.cancel()
        try:
            next(call)
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.CANCELLED, "status %s, want CANCELLED" % e.code())
        except StopIteration:
            raise TestFailure("stream ended normally after cancel")
        else:
            raise TestFailure("got another response after cancel")
        check(call.code() == grpc.StatusCode.CANCELLED, "status %s, want CANCELLED" % call.code())


def timeout_on_sleeping_server(ctx):
    with Pipe() as pipe:
        call = ctx.stub.FullDuplexCall(pipe, timeout=0.001)
        pipe.add(messages_pb2.StreamingOutputCallRequest(payload=zeros(27182)))
        try:
            next(call)
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.DEADLINE_EXCEEDED,
                  "status %s, want DEADLINE_EXCEEDED" % e.code())
        except StopIteration:
            raise TestFailure("stream ended normally, want DEADLINE_EXCEEDED")
        else:
            raise TestFailure("got a response, want DEADLINE_EXCEEDED")
        check(call.code() == grpc.StatusCode.DEADLINE_EXCEEDED,
              "status %s, want DEADLINE_EXCEEDED" % call.code())


def concurrent_large_unary(ctx, n=1000):
    req = simple_request()
    futures = [ctx.stub.UnaryCall.future(req, timeout=max(ctx.timeout, 120)) for _ in range(n)]
    failures = []
    for i, f in enumerate(futures):
        try:
            check_payload(f.result().payload, 314159, "call %d" % i)
        except (grpc.RpcError, TestFailure) as e:
            failures.append("call %d: %s" % (i, e.code() if isinstance(e, grpc.RpcError) else e))
        futures[i] = None
    check(not failures, "%d of %d calls failed, first: %s" % (len(failures), n, failures[:3]))


CASES = [
    ("empty_unary", empty_unary),
    ("large_unary", large_unary),
    ("client_compressed_unary", client_compressed_unary),
    ("server_compressed_unary", server_compressed_unary),
    ("client_streaming", client_streaming),
    ("client_compressed_streaming", client_compressed_streaming),
    ("server_streaming", server_streaming),
    ("server_compressed_streaming", server_compressed_streaming),
    ("ping_pong", ping_pong),
    ("empty_stream", empty_stream),
    ("custom_metadata", custom_metadata),
    ("status_code_and_message", status_code_and_message),
    ("special_status_message", special_status_message),
    ("unimplemented_method", unimplemented_method),
    ("unimplemented_service", unimplemented_service),
    ("cancel_after_begin", cancel_after_begin),
    ("cancel_after_first_response", cancel_after_first_response),
    ("timeout_on_sleeping_server", timeout_on_sleeping_server),
    ("concurrent_large_unary", concurrent_large_unary),
]


def run_case(ctx, name, fn):
    t0 = time.monotonic()
    try:
        fn(ctx)
    except TestFailure as e:
        return "%s" % e
    except grpc.RpcError as e:
        return "unexpected RPC failure: %s %r" % (e.code(), e.details())
    except Exception as e:  # a harness bug or a broken connection: still a failure
        return "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc())
    print("PASS %s (%.2fs)" % (name, time.monotonic() - t0), flush=True)
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description="grpc interop test client (grpcio)")
    ap.add_argument("--server_host", default="127.0.0.1")
    ap.add_argument("--server_host_override", default="",
                    help=":authority to send instead of server_host")
    ap.add_argument("--server_port", type=int, required=True)
    ap.add_argument("--test_case", default="all",
                    help="a case name, a comma-separated list, or all")
    ap.add_argument("--skip", default="", help="comma-separated cases to leave out")
    ap.add_argument("--use_tls", default="false", help="accepted and ignored (plaintext only)")
    ap.add_argument("--use_test_ca", default="false", help="accepted and ignored")
    ap.add_argument("--rpc_timeout", type=float, default=30.0,
                    help="deadline in seconds for each call (default 30)")
    ap.add_argument("--connect_timeout", type=float, default=15.0)
    args = ap.parse_args(argv)

    known = dict(CASES)
    if args.test_case == "all":
        names = [n for n, _ in CASES]
    else:
        names = [n.strip() for n in args.test_case.split(",") if n.strip()]
    skip = {n.strip() for n in args.skip.split(",") if n.strip()}
    unknown = [n for n in list(names) + sorted(skip) if n not in known]
    if unknown:
        ap.error("unknown test case(s): %s (known: %s)" % (", ".join(unknown), ", ".join(known)))
    names = [n for n in names if n not in skip]

    ctx = Ctx(args)
    failed = []
    try:
        grpc.channel_ready_future(ctx.channel).result(timeout=args.connect_timeout)
    except grpc.FutureTimeoutError:
        for n in names:
            print("FAIL %s: cannot connect to %s:%d within %.0fs"
                  % (n, args.server_host, args.server_port, args.connect_timeout),
                  file=sys.stderr, flush=True)
        return 1
    for name in names:
        reason = run_case(ctx, name, known[name])
        if reason is not None:
            failed.append(name)
            print("FAIL %s: %s" % (name, reason), file=sys.stderr, flush=True)
    ctx.channel.close()
    if len(names) > 1:
        print("interop_client: %d passed, %d failed" % (len(names) - len(failed), len(failed)),
              flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
