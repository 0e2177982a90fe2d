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
import sys
from concurrent import futures

import genpath  # noqa: F401  (makes the generated modules importable)
import grpc
from grpc.testing import test_pb2_grpc
from grpc_reflection.v1alpha import reflection

from interop_server import TEST_SERVICE, TestService, serve


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

    return serve(server, args.host, args.port, grace=1)


if __name__ == "__main__":
    sys.exit(main())
