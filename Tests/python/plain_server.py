#!/usr/bin/env python3
"""A grpcio grpc.testing.TestService server for restaurantctl's tests.

Unlike interop_server.py (whose TestService it reuses), it serves reflection
only when asked:

    --reflection=none      (default) no reflection at all: clients need a
                           descriptor set (restaurantctl --protoset)
    --reflection=v1alpha   only grpc.reflection.v1alpha, as grpcio-reflection
                           registers it by default (older servers): clients
                           must fall back from v1

    .venv/bin/python Tests/python/plain_server.py --port=0 [--reflection=v1alpha]

prints `READY <port>` once listening; SIGTERM/SIGINT stop it.
"""

import argparse
import signal
import sys
import threading
from concurrent import futures

import genpath  # noqa: F401  (makes the generated modules importable)
import grpc
from grpc.testing import test_pb2, test_pb2_grpc
from grpc_reflection.v1alpha import reflection

from interop_server import TestService

TEST_SERVICE = test_pb2.DESCRIPTOR.services_by_name["TestService"].full_name


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True, help="0 picks a free port")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--reflection", choices=("none", "v1alpha"), default="none")
    args = ap.parse_args(argv)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=[("grpc.so_reuseport", 0)])
    test_pb2_grpc.add_TestServiceServicer_to_server(TestService(), server)
    if args.reflection == "v1alpha":
        reflection.enable_server_reflection((TEST_SERVICE, reflection.SERVICE_NAME), server)

    port = server.add_insecure_port("%s:%d" % (args.host, args.port))
    if port == 0:
        print("cannot listen on %s:%d" % (args.host, args.port), file=sys.stderr)
        return 1
    server.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print("READY %d" % port, flush=True)
    while not stop.wait(3600):
        pass
    server.stop(grace=1).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
