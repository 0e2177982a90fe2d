#!/usr/bin/env python3
"""Reference conversions with protobuf's json_format, for restaurantctl's tests.

Reads one JSON request on stdin and writes one JSON answer on stdout:

    {"descriptor_set": "/path/x.protoset",        # protoc --include_imports -o
     # or, instead of descriptor_set, the modules scripts/python-env.sh
     # generated into .build-python/gen, e.g. "generated": ["restaurant"]
     "cases": [
       {"op": "json2bin", "type": "pkg.Msg", "json": "<JSON text>"},
       {"op": "bin2json", "type": "pkg.Msg", "binary": "<base64>",
        "emit_defaults": false}
     ]}

    {"results": [
       {"ok": true, "binary": "<base64>"},         # json2bin: deterministic encoding
       {"ok": true, "json": "<JSON text>"},        # bin2json
       {"ok": false, "error": "<why json_format refused>"}
     ]}

With a descriptor set the message classes are built in a private pool, so
any type (test fixtures) works without generated code; with "generated" they
are the generated modules' own classes (the contract's restaurant.* types as
every Python client of ours sees them).

    .venv/bin/python Tests/python/json_roundtrip.py < request.json
"""

import base64
import json
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory


def load_generated(packages):
    """Imports every generated *_pb2 module under the given top-level
    packages of .build-python/gen; their types land in the default pool."""
    import importlib
    import os

    import genpath  # noqa: F401  (puts .build-python/gen on sys.path)

    for package in packages:
        root = os.path.join(genpath.GEN_DIR, package)
        for directory, _, files in sorted(os.walk(root)):
            for name in sorted(files):
                if name.endswith("_pb2.py"):
                    relative = os.path.relpath(os.path.join(directory, name[:-3]), genpath.GEN_DIR)
                    importlib.import_module(relative.replace(os.sep, "."))
    return descriptor_pool.Default()


def load_pool(path):
    with open(path, "rb") as f:
        fds = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for file_proto in fds.file:
        pool.Add(file_proto)
    return pool


def run_case(pool, classes, case):
    name = case["type"]
    if name not in classes:
        classes[name] = message_factory.GetMessageClass(pool.FindMessageTypeByName(name))
    cls = classes[name]
    try:
        if case["op"] == "json2bin":
            message = cls()
            json_format.Parse(case["json"], message, descriptor_pool=pool)
            data = message.SerializeToString(deterministic=True)
            return {"ok": True, "binary": base64.b64encode(data).decode()}
        if case["op"] == "bin2json":
            message = cls.FromString(base64.b64decode(case["binary"]))
            text = json_format.MessageToJson(
                message,
                descriptor_pool=pool,
                always_print_fields_with_no_presence=bool(case.get("emit_defaults")),
            )
            return {"ok": True, "json": text}
        return {"ok": False, "error": "unknown op %r" % case["op"]}
    except Exception as error:  # json_format raises several kinds
        return {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}


def main():
    request = json.load(sys.stdin)
    if request.get("generated"):
        pool = load_generated(request["generated"])
    else:
        pool = load_pool(request["descriptor_set"])
    classes = {}
    results = [run_case(pool, classes, case) for case in request["cases"]]
    json.dump({"results": results}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
