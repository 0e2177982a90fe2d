"""A small raw gRPC-over-HTTP/2 client built on the `h2` library.

Used by robustness.py (to send things a real gRPC library never would) and by
interop_client.py (to see the per-message compressed flag, which grpcio hides).
Every socket read has a timeout, so nothing here can hang forever.

Wire format (grpc doc/PROTOCOL-HTTP2.md): request headers :method POST,
:scheme http, :path /pkg.Service/Method, :authority, te: trailers,
content-type application/grpc; each message is a 5-byte prefix (compressed
flag, 4-byte big-endian length) + payload; the response ends with trailers
carrying grpc-status (or a trailers-only HEADERS frame for early errors).
"""

import gzip
import ipaddress
import socket
import struct
import time
import urllib.parse

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings

EMPTY_CALL = "/grpc.testing.TestService/EmptyCall"
UNARY_CALL = "/grpc.testing.TestService/UnaryCall"
STREAMING_OUTPUT_CALL = "/grpc.testing.TestService/StreamingOutputCall"

# HTTP/2 error codes (RFC 9113 section 7).
H2_ERRORS = {
    0x0: "NO_ERROR", 0x1: "PROTOCOL_ERROR", 0x2: "INTERNAL_ERROR",
    0x3: "FLOW_CONTROL_ERROR", 0x4: "SETTINGS_TIMEOUT", 0x5: "STREAM_CLOSED",
    0x6: "FRAME_SIZE_ERROR", 0x7: "REFUSED_STREAM", 0x8: "CANCEL",
    0x9: "COMPRESSION_ERROR", 0xA: "CONNECT_ERROR", 0xB: "ENHANCE_YOUR_CALM",
    0xC: "INADEQUATE_SECURITY", 0xD: "HTTP_1_1_REQUIRED",
}


def h2_error_name(code):
    return H2_ERRORS.get(int(code), hex(int(code)))


def require_loopback(host):
    """Refuses to aim any of this at anything but this machine."""
    for info in socket.getaddrinfo(host, None):
        addr = ipaddress.ip_address(info[4][0])
        if not addr.is_loopback:
            raise SystemExit("refusing non-loopback target %s (%s)" % (host, addr))


def frame(payload, compressed=False, declared_length=None):
    """One Length-Prefixed-Message. declared_length lets a test lie."""
    n = len(payload) if declared_length is None else declared_length
    return struct.pack(">BI", 1 if compressed else 0, n) + payload


def gzip_frame(payload):
    return frame(gzip.compress(payload), compressed=True)


def parse_messages(buf):
    """Splits a DATA byte stream into [(flag, payload)], leftover bytes."""
    out = []
    i = 0
    while len(buf) - i >= 5:
        flag, n = struct.unpack_from(">BI", buf, i)
        if len(buf) - i - 5 < n:
            break
        out.append((flag, bytes(buf[i + 5:i + 5 + n])))
        i += 5 + n
    return out, bytes(buf[i:])


class StreamState:
    def __init__(self, stream_id):
        self.stream_id = stream_id
        self.headers = None          # list of (name, value) of the first HEADERS
        self.trailers = None         # list of (name, value) of the trailing HEADERS
        self.data = bytearray()
        self.ended = False           # END_STREAM received
        self.reset_code = None       # RST_STREAM error code (from the server)

    @property
    def done(self):
        return self.ended or self.reset_code is not None

    def header(self, name):
        for k, v in self.headers or ():
            if k == name:
                return v
        return None

    def trailer(self, name):
        # A trailers-only response carries grpc-status in its only HEADERS.
        for block in (self.trailers, self.headers if self.trailers is None else None):
            for k, v in block or ():
                if k == name:
                    return v
        return None

    @property
    def http_status(self):
        v = self.header(":status")
        return int(v) if v is not None else None

    @property
    def grpc_status(self):
        v = self.trailer("grpc-status")
        try:
            return int(v) if v is not None else None
        except ValueError:
            return None

    @property
    def grpc_message(self):
        v = self.trailer("grpc-message")
        return urllib.parse.unquote(v) if v is not None else None

    def messages(self):
        """[(flag, payload)] with gzip payloads (flag 1) decompressed."""
        msgs, _ = parse_messages(self.data)
        out = []
        for flag, payload in msgs:
            if flag == 1:
                enc = self.header("grpc-encoding")
                if enc != "gzip":
                    raise ValueError("compressed message with grpc-encoding %r" % enc)
                payload = gzip.decompress(payload)
            out.append((flag, payload))
        return out

    def describe(self):
        parts = []
        if self.http_status is not None:
            parts.append(":status %d" % self.http_status)
        if self.grpc_status is not None:
            parts.append("grpc-status %d" % self.grpc_status)
        if self.grpc_message:
            parts.append("grpc-message %r" % self.grpc_message[:120])
        if self.reset_code is not None:
            parts.append("RST_STREAM %s" % h2_error_name(self.reset_code))
        if not self.done:
            parts.append("no end of stream")
        return ", ".join(parts) or "nothing received"


class ConnectionClosed(Exception):
    pass


class H2Client:
    """One HTTP/2 connection. All reads are bounded by deadlines."""

    def __init__(self, host, port, timeout=10.0, local_settings=None, connect_timeout=5.0):
        self.host, self.port = host, port
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=connect_timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        config = h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
        self.conn = h2.connection.H2Connection(config=config)
        if local_settings:
            values = {
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 100,
                h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: 1 << 16,
                h2.settings.SettingCodes.ENABLE_PUSH: 0,
            }
            values.update(local_settings)
            # Replaced before the first SETTINGS goes out, so these are the
            # values the peer sees from the start (the connection-level window
            # stays 65535 as RFC 9113 says).
            self.conn.local_settings = h2.settings.Settings(client=True, initial_values=values)
        self.conn.initiate_connection()
        self.streams = {}
        self.goaway = None           # (error_code, last_stream_id, debug) once received
        self.closed = False          # the peer closed the TCP connection
        self.close_reason = None
        self.flush()

    # -- plumbing ---------------------------------------------------------

    def flush(self):
        data = self.conn.data_to_send()
        if data and not self.closed:
            try:
                self.sock.sendall(data)
            except OSError as e:
                # The peer may have sent a GOAWAY before closing: read what
                # is still queued so it is not lost.
                self._drain()
                self._mark_closed("send failed: %s" % e)

    def _drain(self):
        self.sock.settimeout(0.2)
        while True:
            try:
                data = self.sock.recv(1 << 16)
            except OSError:
                return
            if not data:
                return
            try:
                for ev in self.conn.receive_data(data):
                    self._on_event(ev)
            except h2.exceptions.ProtocolError:
                return

    def _mark_closed(self, why):
        if not self.closed:
            self.closed = True
            self.close_reason = why

    def pump(self, wait):
        """Reads what arrives within `wait` seconds (at least one recv)."""
        if self.closed:
            return False
        self.sock.settimeout(max(wait, 0.0001))
        try:
            data = self.sock.recv(1 << 16)
        except socket.timeout:
            return True
        except BlockingIOError:
            return True
        except OSError as e:
            self._mark_closed("recv failed: %s" % e)
            return False
        if not data:
            self._mark_closed("EOF")
            return False
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError as e:
            self._mark_closed("h2 protocol error on received data: %r" % e)
            self.flush()
            return False
        for ev in events:
            self._on_event(ev)
        self.flush()
        return True

    def _state(self, sid):
        st = self.streams.get(sid)
        if st is None:
            st = self.streams[sid] = StreamState(sid)
        return st

    def _on_event(self, ev):
        if isinstance(ev, (h2.events.ResponseReceived,)):
            self._state(ev.stream_id).headers = list(ev.headers)
        elif isinstance(ev, h2.events.TrailersReceived):
            self._state(ev.stream_id).trailers = list(ev.headers)
        elif isinstance(ev, h2.events.DataReceived):
            st = self._state(ev.stream_id)
            st.data += ev.data
            if ev.flow_controlled_length:
                try:
                    self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                    pass
        elif isinstance(ev, h2.events.StreamEnded):
            st = self._state(ev.stream_id)
            st.ended = True
        elif isinstance(ev, h2.events.StreamReset):
            st = self._state(ev.stream_id)
            if ev.remote_reset:
                st.reset_code = int(ev.error_code)
        elif isinstance(ev, h2.events.ConnectionTerminated):
            self.goaway = (int(ev.error_code), ev.last_stream_id, ev.additional_data)

    def wait_for(self, predicate, timeout=None):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                return predicate()
            self.pump(min(left, 0.5))
        return True

    def wait_stream(self, sid, timeout=None):
        """Waits until the stream ended/was reset, the connection died, or timeout."""
        st = self._state(sid)
        self.wait_for(lambda: st.done or (self.goaway is not None and sid > self.goaway[1]),
                      timeout)
        return st

    # -- requests ---------------------------------------------------------

    def request_headers(self, path, content_type="application/grpc", extra=(), encoding=None,
                        accept_encoding="identity,gzip", timeout_header=None, method="POST"):
        hdrs = [
            (":method", method),
            (":scheme", "http"),
            (":path", path),
            (":authority", "%s:%d" % (self.host, self.port)),
        ]
        if timeout_header:
            hdrs.append(("grpc-timeout", timeout_header))
        hdrs += [("content-type", content_type), ("te", "trailers")]
        if encoding:
            hdrs.append(("grpc-encoding", encoding))
        if accept_encoding:
            hdrs.append(("grpc-accept-encoding", accept_encoding))
        hdrs.append(("user-agent", "grpc-python-h2-harness/1.0"))
        hdrs += list(extra)
        return hdrs

    def start(self, path, body=b"", end_stream=True, **header_kw):
        """Opens a stream with request headers, sends `body` raw, returns its id."""
        sid = self.conn.get_next_available_stream_id()
        self.conn.send_headers(sid, self.request_headers(path, **header_kw),
                               end_stream=end_stream and not body)
        self._state(sid)
        self.flush()
        if body:
            self.send(sid, body, end_stream=end_stream)
        return sid

    def send(self, sid, data, end_stream=False, timeout=None):
        """Sends raw DATA bytes on a stream, honouring flow control."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        view = memoryview(bytes(data))
        while view:
            if self.closed:
                raise ConnectionClosed(self.close_reason)
            try:
                window = min(self.conn.local_flow_control_window(sid),
                             self.conn.max_outbound_frame_size)
            except h2.exceptions.StreamClosedError:
                return  # the server already ended/reset the stream: its answer says why
            if window <= 0:
                if time.monotonic() > deadline:
                    raise TimeoutError("no flow-control window to send on stream %d" % sid)
                self.pump(0.2)
                continue
            chunk, view = view[:window], view[window:]
            try:
                self.conn.send_data(sid, chunk.tobytes(), end_stream=end_stream and not view)
            except h2.exceptions.StreamClosedError:
                return
            self.flush()
        if end_stream and not data:
            self.end(sid)

    def end(self, sid):
        self.conn.end_stream(sid)
        self.flush()

    def reset(self, sid, code=0x8):
        self.conn.reset_stream(sid, error_code=code)
        self.flush()

    def unary(self, path, payload, timeout=None, **header_kw):
        """A complete, correct unary call. Returns the StreamState."""
        sid = self.start(path, frame(payload), end_stream=True, **header_kw)
        return self.wait_stream(sid, timeout)

    def close(self):
        try:
            if not self.closed:
                self.conn.close_connection()
                self.flush()
        except Exception:
            pass
        try:
            self.sock.close()
        except OSError:
            pass
        self.closed = True


def check_unary_ok(client, path=EMPTY_CALL, payload=b"", timeout=None):
    """Does one correct unary call on `client`; returns (ok, detail)."""
    try:
        st = client.unary(path, payload, timeout=timeout)
    except (ConnectionClosed, OSError, TimeoutError, h2.exceptions.H2Error) as e:
        return False, "call failed: %r" % e
    if st.http_status != 200 or st.grpc_status != 0 or not st.ended:
        return False, "call did not succeed: " + st.describe()
    return True, "grpc-status 0"


def check_new_connection(host, port, path=EMPTY_CALL, payload=b"", timeout=10.0):
    """Opens a NEW connection and does one correct unary call on it."""
    try:
        c = H2Client(host, port, timeout=timeout)
    except OSError as e:
        return False, "cannot connect: %s" % e
    try:
        return check_unary_ok(c, path, payload, timeout)
    finally:
        c.close()
