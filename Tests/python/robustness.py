#!/usr/bin/env python3
"""Robustness checks for a gRPC server, over raw HTTP/2 (the `h2` library).

    .venv/bin/python Tests/python/robustness.py --host 127.0.0.1 --port 50051 [--case all]

Each case abuses the server in one way, checks the answer the gRPC protocol
(grpc doc/PROTOCOL-HTTP2.md) calls for, and then checks the server still
works: another stream on the SAME connection where that connection should
survive, and always a correct unary call on a NEW connection. Output is one
line per case, `PASS <case> (<detail>)` or `FAIL <case>: <reason>`, then
`robustness: N passed, N failed`; exit status 1 if any case failed.

The correct call is `--path` (default /grpc.testing.TestService/EmptyCall)
with an empty message, so any server whose method at --path accepts an empty
request works (e.g. --path /grpc.health.v1.Health/Check). zero_window_reader
needs grpc.testing.TestService/StreamingOutputCall.

Some cases accept more than one sound reaction from an arbitrary server (a
rapid-reset flood may be met with GOAWAY, a close, or simply survived).
`--strict` asks for what our server promises instead: GOAWAY
ENHANCE_YOUR_CALM for the flood, and every idle connection accepted and kept.

Only loopback targets are accepted, and every loop is bounded.
"""

import argparse
import gzip
import socket
import sys
import time
import traceback

import h2.errors
import h2.exceptions
import h2.settings

import h2grpc
from h2grpc import H2Client, check_new_connection, check_unary_ok, frame, h2_error_name


class Failure(Exception):
    pass


def need(cond, message):
    if not cond:
        raise Failure(message)


def same_connection(c, opts, label="same connection"):
    """Checks another stream on connection `c` still works; returns detail text."""
    ok, detail = check_unary_ok(c, opts.path, timeout=opts.timeout)
    need(ok, "%s: %s" % (label, detail))
    return "%s OK" % label


def connection_state(c):
    if c.goaway is not None:
        code, last, _ = c.goaway
        return "GOAWAY %s (last_stream_id %d)" % (h2_error_name(code), last)
    if c.closed:
        return "connection closed (%s)" % c.close_reason
    return None


# ------------------------------------------------------------------ the cases


def wrong_content_type(opts):
    c = H2Client(opts.host, opts.port, timeout=opts.timeout)
    try:
        sid = c.start(opts.path, frame(b""), content_type="text/plain")
        st = c.wait_stream(sid)
        need(st.http_status == 415, "content-type text/plain: want HTTP :status 415, got "
             + st.describe())
        return "%s; %s" % (st.describe(), same_connection(c, opts))
    finally:
        c.close()


def _stream_error_case(opts, body, want_statuses, what, end_stream=True, headers=None, want_http=200):
    """Sends one bad request; wants a grpc-status in want_statuses (with HTTP
    :status want_http); the connection must survive and serve another stream."""
    c = H2Client(opts.host, opts.port, timeout=opts.timeout)
    try:
        t0 = time.monotonic()
        sid = c.start(opts.path, body, end_stream=end_stream, **(headers or {}))
        st = c.wait_stream(sid)
        took = time.monotonic() - t0
        need(st.done, "%s: %s" % (what, connection_state(c) or "no answer within %.1fs (%s)"
                                  % (opts.timeout, st.describe())))
        need(st.grpc_status in want_statuses,
             "%s: want grpc-status %s, got %s" % (what, "/".join(map(str, want_statuses)),
                                                 st.describe()))
        need(st.http_status == want_http, "%s: want HTTP :status %d with grpc-status, got %s"
             % (what, want_http, st.describe()))
        state = connection_state(c)
        need(state is None, "%s: the connection did not survive a stream-level error: %s"
             % (what, state))
        if not end_stream:
            try:
                c.reset(sid, h2.errors.ErrorCodes.CANCEL)
            except h2.exceptions.H2Error:
                pass  # already closed on both sides
        return "%s in %.3fs; %s" % (st.describe(), took, same_connection(c, opts))
    finally:
        c.close()


def garbage_protobuf(opts):
    # An unterminated varint: no protobuf message parses from it.
    return _stream_error_case(opts, frame(b"\xff\xff\xff\xff"), (13, 3),
                              "invalid protobuf payload")


def truncated_message(opts):
    body = frame(b"\x00" * 10, declared_length=100)
    return _stream_error_case(opts, body, (13,), "prefix declares 100 bytes, 10 sent, END_STREAM")


def huge_declared_length(opts):
    body = frame(b"\x00" * 16, declared_length=0xFFFFFFFF)
    return _stream_error_case(opts, body, (8,), "prefix declares 4 GiB", end_stream=False)


def compressed_flag_without_encoding(opts):
    body = frame(gzip.compress(b""), compressed=True)
    return _stream_error_case(opts, body, (13,), "compressed flag set, no grpc-encoding")


def not_post(opts):
    return _stream_error_case(opts, b"", (13,), "GET instead of POST", headers={"method": "GET"},
                              want_http=405)


def malformed_timeout(opts):
    return _stream_error_case(opts, frame(b""), (13,), "grpc-timeout 1.5S",
                              headers={"timeout_header": "1.5S"})


def unknown_encoding(opts):
    return _stream_error_case(opts, frame(b""), (12,), "grpc-encoding br", headers={"encoding": "br"})


def two_request_messages(opts):
    return _stream_error_case(opts, frame(b"") + frame(b""), (13,), "two messages for a unary call")


def no_request_message(opts):
    return _stream_error_case(opts, b"", (13,), "END_STREAM without a message for a unary call")


def _huge_headers_once(opts, wait_settings):
    extra = [("x-huge-%02d" % i, "h" * 4096) for i in range(16)]  # 64 KiB of values
    c = H2Client(opts.host, opts.port, timeout=opts.timeout)
    try:
        if wait_settings:
            c.pump(0.2)  # the server's SETTINGS (MAX_FRAME_SIZE) apply from here on
        sid = c.start(opts.path, frame(b""), extra=extra)
        st = c.wait_stream(sid)
        state = connection_state(c)
        if st.grpc_status == 0:
            raise Failure("64 KiB of request headers were accepted (grpc-status 0); "
                          "want a header-size limit")
        if st.http_status == 431 or st.grpc_status == 8 or st.reset_code is not None:
            detail = st.describe()
        elif state is not None:
            detail = state
        elif st.done:
            raise Failure("unexpected answer to 64 KiB of headers: " + st.describe())
        else:
            raise Failure("no answer to 64 KiB of headers within %.1fs" % opts.timeout)
        if connection_state(c) is None:
            detail += "; " + same_connection(c, opts)
        elif detail != connection_state(c):
            detail += "; then " + connection_state(c)
        return detail
    finally:
        c.close()


def huge_headers(opts):
    out = []
    # Once before the client has read (and ACKed) the server's SETTINGS: the
    # block goes out as HEADERS + CONTINUATION frames of 16 KiB and the
    # server's advertised SETTINGS_MAX_HEADER_LIST_SIZE is not in force yet,
    # which is what a hostile client would do; then after the ACK. The
    # server's own limit must hold both times.
    failed = False
    for wait_settings, label in ((False, "before SETTINGS ACK"), (True, "after SETTINGS ACK")):
        try:
            out.append("%s: %s" % (label, _huge_headers_once(opts, wait_settings)))
        except Failure as e:
            failed = True
            out.append("%s: FAILED: %s" % (label, e))
    need(not failed, " | ".join(out))
    return " | ".join(out)


def rapid_reset(opts):
    total = opts.rapid_reset_streams
    c = H2Client(opts.host, opts.port, timeout=opts.timeout)
    try:
        c.pump(0.2)  # the server's SETTINGS
        headers = c.request_headers(opts.path)
        sent = 0
        stop_reason = None
        t0 = time.monotonic()
        deadline = t0 + max(60.0, opts.timeout)
        while sent < total:
            try:
                for _ in range(min(100, total - sent)):
                    sid = c.conn.get_next_available_stream_id()
                    c.conn.send_headers(sid, headers)
                    c.conn.reset_stream(sid, error_code=h2.errors.ErrorCodes.CANCEL)
                    sent += 1
            except h2.exceptions.H2Error as e:
                stop_reason = "h2 refused to send more: %r" % e
                break
            c.flush()
            c.pump(0)  # whatever the server said meanwhile, without waiting
            if c.goaway is not None or c.closed:
                break
            if time.monotonic() > deadline:
                stop_reason = "time bound reached"
                break
        elapsed = time.monotonic() - t0
        if c.goaway is None and not c.closed:
            # Give the server a moment to react to what it has read.
            c.wait_for(lambda: c.goaway is not None or c.closed, timeout=min(2.0, opts.timeout))
        detail = "sent %d HEADERS+RST_STREAM pairs in %.2fs" % (sent, elapsed)
        if stop_reason:
            detail += " (%s)" % stop_reason
        if opts.strict:
            need(c.goaway is not None and c.goaway[0] == h2.errors.ErrorCodes.ENHANCE_YOUR_CALM,
                 "--strict: the flood got no GOAWAY ENHANCE_YOUR_CALM (%s)" % detail)
        if c.goaway is not None:
            code, last, _ = c.goaway
            detail += "; GOAWAY %s, last_stream_id %d (%d streams sent before it was seen)" % (
                h2_error_name(code), last, sent)
        elif c.closed:
            detail += "; server closed the connection without GOAWAY (%s)" % c.close_reason
        else:
            detail += "; no GOAWAY, " + same_connection(c, opts)
        return detail
    finally:
        c.close()


def invalid_preface(opts):
    s = socket.create_connection((opts.host, opts.port), timeout=opts.timeout)
    try:
        s.sendall(b"XYZ * HTTP/9.9\r\n\r\nNOT-A-PREFACE\r\n\r\n" + bytes(range(256)) * 4)
        got = b""
        deadline = time.monotonic() + opts.timeout
        closed = False
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                closed = True  # e.g. connection reset
                break
            if not chunk:
                closed = True
                break
            got += chunk
        need(closed, "the server kept the connection open %.1fs after a bad preface" % opts.timeout)
        note = "server closed the connection"
        # A GOAWAY frame: 9-byte header with type 0x7 (after the server's SETTINGS).
        i = 0
        while i + 9 <= len(got):
            length = int.from_bytes(got[i:i + 3], "big")
            if got[i + 3] == 0x7 and i + 9 + 8 <= len(got):
                code = int.from_bytes(got[i + 13:i + 17], "big")
                note += " after GOAWAY %s" % h2_error_name(code)
                break
            i += 9 + length
        return note + " (%d bytes received first)" % len(got)
    finally:
        s.close()


def idle_connections(opts):
    conns = []
    failures = 0
    try:
        for _ in range(opts.idle_connections):
            try:
                conns.append(H2Client(opts.host, opts.port, timeout=opts.timeout))
            except OSError:
                failures += 1
        for c in conns:
            c.pump(0.01)  # read the server's SETTINGS, ACK them (h2 does)
        time.sleep(opts.idle_seconds)
        ok, detail = check_new_connection(opts.host, opts.port, opts.path, timeout=opts.timeout)
        need(ok, "with %d idle connections open, a new connection failed: %s" % (len(conns), detail))
        for c in conns:
            c.pump(0.001)
        dropped = sum(1 for c in conns if c.closed or c.goaway is not None)
        if opts.strict:
            need(failures == 0 and dropped == 0,
                 "--strict: %d idle connections failed to connect and %d were closed" % (failures, dropped))
        return ("%d idle connections held %.1fs (%d failed to connect, %d closed by the server); "
                "new connection OK meanwhile" % (len(conns), opts.idle_seconds, failures, dropped))
    finally:
        for c in conns:
            c.close()


def half_sent_request(opts):
    c = H2Client(opts.host, opts.port, timeout=opts.timeout)
    try:
        # Prefix declares 20 bytes; 10 are sent; no END_STREAM.
        sid = c.start(opts.path, frame(b"\x00" * 10, declared_length=20), end_stream=False)
        c.pump(0.3)
        detail = same_connection(c, opts, "other stream on the same connection")
        ok, new_detail = check_new_connection(opts.host, opts.port, opts.path, timeout=opts.timeout)
        need(ok, "new connection while a request hangs: " + new_detail)
        st = c.streams[sid]
        hanging = "still open" if not st.done else "ended by server (%s)" % st.describe()
        try:
            c.reset(sid)
        except h2.exceptions.H2Error:
            pass
        return "half-sent stream %s; %s; new connection OK meanwhile" % (hanging, detail)
    finally:
        c.close()


def zero_window_reader(opts):
    import genpath  # noqa: F401
    from grpc.testing import messages_pb2

    sizes = [1 << 20] * 8  # 8 MiB the server must not be able to push
    req = messages_pb2.StreamingOutputCallRequest(
        response_parameters=[messages_pb2.ResponseParameters(size=n) for n in sizes])
    c = H2Client(opts.host, opts.port, timeout=opts.timeout,
                 local_settings={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
    try:
        c.pump(0.2)
        sid = c.start(h2grpc.STREAMING_OUTPUT_CALL, frame(req.SerializeToString()))
        c.wait_for(lambda: False, timeout=1.0)  # let the server try to send
        st = c.streams[sid]
        need(not c.closed, "connection died while the reader advertised a zero window: %s"
             % c.close_reason)
        need(not st.data, "server sent %d DATA bytes into a zero window" % len(st.data))
        need(not st.done or st.grpc_status not in (None, 0),
             "stream finished with no data sent: " + st.describe())
        ok, detail = check_new_connection(opts.host, opts.port, opts.path, timeout=opts.timeout)
        need(ok, "new connection while a zero-window reader hangs: " + detail)
        # Another stream on the same connection, given its own window, works:
        # the stuck stream must not block the connection.
        sid2 = c.start(opts.path, frame(b""))
        c.conn.increment_flow_control_window(1 << 20, stream_id=sid2)
        c.flush()
        st2 = c.wait_stream(sid2)
        need(st2.grpc_status == 0,
             "a stream with its own window on the same connection: " + st2.describe())
        st = c.streams[sid]
        return ("StreamingOutputCall of %d MiB stuck at %d DATA bytes (%s); new connection OK; "
                "same connection, stream with window OK" % (
                    sum(sizes) >> 20, len(st.data),
                    "headers received" if st.headers else "no headers yet"))
    finally:
        c.close()


CASES = [
    ("wrong_content_type", wrong_content_type),
    ("garbage_protobuf", garbage_protobuf),
    ("truncated_message", truncated_message),
    ("huge_declared_length", huge_declared_length),
    ("compressed_flag_without_encoding", compressed_flag_without_encoding),
    ("not_post", not_post),
    ("malformed_timeout", malformed_timeout),
    ("unknown_encoding", unknown_encoding),
    ("two_request_messages", two_request_messages),
    ("no_request_message", no_request_message),
    ("huge_headers", huge_headers),
    ("rapid_reset", rapid_reset),
    ("invalid_preface", invalid_preface),
    ("idle_connections", idle_connections),
    ("half_sent_request", half_sent_request),
    ("zero_window_reader", zero_window_reader),
]


def run_case(opts, name, fn):
    try:
        detail = fn(opts)
        ok = True
    except Failure as e:
        ok, detail = False, str(e)
    except Exception as e:  # a broken connection or a harness bug: still a failure
        ok, detail = False, "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc())
    # Whatever happened, the server must still answer on a new connection.
    new_ok, new_detail = check_new_connection(opts.host, opts.port, opts.path,
                                              timeout=opts.timeout)
    if not new_ok:
        ok = False
        detail += "; afterwards a NEW connection failed: " + new_detail
    if ok:
        print("PASS %s (%s)" % (name, detail), flush=True)
    else:
        print("FAIL %s: %s" % (name, detail), flush=True)
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description="gRPC server robustness checks (raw HTTP/2)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--case", default="all", help="a case name, a comma-separated list, or all")
    ap.add_argument("--path", default=h2grpc.EMPTY_CALL,
                    help="unary method taking an empty request, used for correct calls")
    ap.add_argument("--timeout", type=float, default=5.0,
                    help="seconds to wait for any one answer (default 5)")
    ap.add_argument("--strict", action="store_true",
                    help="require GOAWAY ENHANCE_YOUR_CALM for rapid reset and no dropped idle connections")
    ap.add_argument("--rapid-reset-streams", type=int, default=20000)
    ap.add_argument("--idle-connections", type=int, default=300)
    ap.add_argument("--idle-seconds", type=float, default=3.0)
    opts = ap.parse_args(argv)
    h2grpc.require_loopback(opts.host)
    opts.rapid_reset_streams = max(1, min(opts.rapid_reset_streams, 100000))
    opts.idle_connections = max(1, min(opts.idle_connections, 2000))

    known = dict(CASES)
    names = [n for n, _ in CASES] if opts.case == "all" else \
        [n.strip() for n in opts.case.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        ap.error("unknown case(s): %s (known: %s)" % (", ".join(unknown), ", ".join(known)))

    ok, detail = check_new_connection(opts.host, opts.port, opts.path, timeout=opts.timeout)
    if not ok:
        for n in names:
            print("FAIL %s: the server does not answer a correct call before any abuse: %s"
                  % (n, detail), flush=True)
        print("robustness: 0 passed, %d failed" % len(names), flush=True)
        return 1
    passed = sum(1 for n in names if run_case(opts, n, known[n]))
    print("robustness: %d passed, %d failed" % (passed, len(names) - passed), flush=True)
    return 0 if passed == len(names) else 1


if __name__ == "__main__":
    sys.exit(main())
