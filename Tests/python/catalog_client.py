"""A grpcio client of CatalogService, generated from Protos/ (see genpath.py).

Run by Tests/CatalogTests (PythonClientTests) against a catalog on loopback:

    .venv/bin/python Tests/python/catalog_client.py --target 127.0.0.1:PORT --token TOKEN

It creates a category and a product (with the token), tries a write without
a token and one with a bad price, lists and searches products, and prints one
JSON object with what it saw (messages as proto3 JSON, field names as in the
.proto; int64 values are strings there). Exit 0 when every call returned;
the Swift test checks the values.
"""

import argparse
import json
import sys

import genpath  # noqa: F401  (makes the generated modules importable)
import grpc
from google.protobuf import json_format

from restaurant.catalog.v1 import catalog_pb2, catalog_pb2_grpc


def as_json(message):
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def failure(call):
    try:
        call()
    except grpc.RpcError as error:
        return {"code": error.code().name, "details": error.details()}
    return {"code": "OK", "details": ""}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True, help="host:port of the catalog")
    parser.add_argument("--token", required=True, help="a bearer token the catalog accepts")
    parser.add_argument("--category", default="Python Specials")
    args = parser.parse_args()

    with grpc.insecure_channel(args.target) as channel:
        grpc.channel_ready_future(channel).result(timeout=20)
        stub = catalog_pb2_grpc.CatalogServiceStub(channel)
        auth = [("authorization", "Bearer " + args.token)]
        out = {}

        out["create_without_token"] = failure(
            lambda: stub.CreateCategory(catalog_pb2.CreateCategoryRequest(name="Nope"), timeout=20))
        out["create_with_wrong_token"] = failure(
            lambda: stub.CreateCategory(catalog_pb2.CreateCategoryRequest(name="Nope"), timeout=20,
                                        metadata=[("authorization", "Bearer wrong")]))

        category = stub.CreateCategory(
            catalog_pb2.CreateCategoryRequest(name=args.category, description="from grpcio", sort_order=7),
            metadata=auth, timeout=20)
        out["category"] = as_json(category)

        request = catalog_pb2.CreateProductRequest(
            category_id=category.id, name="Pierogi Ruskie", description="Potato and cheese dumplings",
            price_cents=1250, preparation_minutes=18, calories=430, featured=True,
            tags=["Dumplings", " vegetarian ", "DUMPLINGS"])
        product = stub.CreateProduct(request, metadata=auth, timeout=20)
        out["product"] = as_json(product)
        out["product_has_calories"] = product.HasField("calories")

        no_calories = stub.CreateProduct(
            catalog_pb2.CreateProductRequest(category_id=category.id, name="Kompot", price_cents=300, available=False),
            metadata=auth, timeout=20)
        out["no_calories_has_calories"] = no_calories.HasField("calories")
        out["no_calories_available"] = no_calories.available

        out["create_bad_price"] = failure(
            lambda: stub.CreateProduct(catalog_pb2.CreateProductRequest(category_id=category.id, name="Free", price_cents=0),
                                       metadata=auth, timeout=20))

        listed = stub.ListProducts(
            catalog_pb2.ListProductsRequest(category_id=category.id, page_size=10, sort=catalog_pb2.PRICE_DESC),
            timeout=20)
        out["list"] = as_json(listed)
        searched = stub.ListProducts(catalog_pb2.ListProductsRequest(query="dumpl", page_size=10), timeout=20)
        out["search"] = as_json(searched)
        out["bad_page_token"] = failure(
            lambda: stub.ListProducts(catalog_pb2.ListProductsRequest(page_token="garbage"), timeout=20))

    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
