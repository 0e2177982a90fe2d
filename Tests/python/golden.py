"""Golden encodings of contract messages, made by Python protobuf.

The Swift test Tests/ProtobufTests/GoldenTests.swift builds the same
messages (Tests/ProtobufTests/Support/Fixtures.swift) with our protobuf-c
based runtime and compares both ways:

    .venv/bin/python Tests/python/golden.py write DIR
        writes DIR/<name>.bin for every golden message (Python's encoding,
        deterministic: fields by number, map entries by key) and prints the
        names, one a line.

    .venv/bin/python Tests/python/golden.py check DIR
        parses DIR/<name>.swift.bin (the Swift encoding) with the Python
        class and compares it with the Python message: equal values, no
        unknown fields, and the same bytes once Python re-encodes it.
        Prints "OK <name>" or "MISMATCH <name>: <why>"; exit 1 on any
        mismatch or missing file.

    .venv/bin/python Tests/python/golden.py hex
        prints "<name> <hex>" for every golden message.

Both sides must describe the same values: change one, change the other.
Run `bash scripts/python-env.sh` first (it makes .venv and the generated
modules this imports).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genpath  # noqa: E402,F401  (exits 2 with a message when modules are missing)

from google.protobuf import field_mask_pb2, timestamp_pb2  # noqa: E402
from google.protobuf import unknown_fields  # noqa: E402
from restaurant.analytics.v1 import analytics_pb2  # noqa: E402
from restaurant.catalog.v1 import catalog_pb2  # noqa: E402
from restaurant.common.v1 import common_pb2  # noqa: E402
from restaurant.order.v1 import order_pb2  # noqa: E402
from restaurant.rating.v1 import rating_pb2  # noqa: E402

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


def ts(seconds, nanos):
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)


def date(year, month, day):
    return common_pb2.Date(year=year, month=month, day=day)


def product():
    return catalog_pb2.Product(
        id=42,
        category_id=7,
        category_name="Entrées & Soupes ☕",
        name="Soupe à l'oignon",
        description="Gratinée, with 𝄞 and \"quotes\"\nand a newline",
        price_cents=1250,
        preparation_minutes=15,
        calories=0,
        available=True,
        featured=True,
        tags=["vegetarian", "hot 🌶", ""],
        rating=catalog_pb2.ProductRating(average=4.25, count=12),
        created_at=ts(1_700_000_000, 123_456_789),
        updated_at=ts(0, 0),
        archived=True,
        dietary_restrictions=[1, 99, 7],
    )


def order_item():
    return order_pb2.OrderItem(
        product_id=42,
        product_name="Soupe à l'oignon",
        quantity=2,
        unit_price_cents=1250,
        subtotal_cents=2500,
        notes="no cheese",
    )


def order():
    return order_pb2.Order(
        id="3f2b8c1e-9a4d-4e6f-b1c2-7d8e9f0a1b2c",
        order_number="ORD20240315K7Q2M9XA",
        customer_id="customer-1",
        status=order_pb2.DELIVERED,
        items=[order_item(), order_pb2.OrderItem(product_id=7, product_name="Ω", quantity=-1, notes="")],
        total_cents=INT64_MAX,
        notes="ring twice",
        created_at=ts(1_710_460_800, 5),
        updated_at=ts(-62_135_596_800, 999_999_999),
        estimated_ready_at=ts(-1, 500_000_000),
        cancellation_reason="changed my mind",
    )


def order_event():
    return order_pb2.OrderEvent(
        event_id="e-1",
        type=order_pb2.ORDER_EVENT_TYPE_STATUS_CHANGED,
        order=order(),
        previous_status=order_pb2.READY,
        occurred_at=ts(1_710_460_900, 0),
    )


def top_product():
    return analytics_pb2.TopProduct(product_id=42, name="Soupe à l'oignon", quantity=30, revenue_cents=37_500)


def rating_summary():
    return rating_pb2.RatingSummary(
        product_id=42,
        average=4.5,
        count=117,
        histogram={1: 2, 2: 0, 3: 5, 4: 10, 5: 100, -1: 7},
    )


# name -> builder of the Python message
GOLDEN = {
    "product": product,
    "order": order,
    "daily_report": lambda: analytics_pb2.DailyReport(
        date=date(2024, 3, 15),
        total_orders=12,
        total_revenue_cents=45_600,
        average_order_value_cents=3_800,
        peak_hour=0,
        top_products=[top_product(), analytics_pb2.TopProduct(product_id=7, name="Bread", quantity=1, revenue_cents=300)],
        orders_by_hour=[5 if hour == 0 else hour % 3 for hour in range(24)],
    ),
    "get_order_request_id": lambda: order_pb2.GetOrderRequest(id="3f2b8c1e-9a4d-4e6f-b1c2-7d8e9f0a1b2c"),
    "get_order_request_order_number": lambda: order_pb2.GetOrderRequest(order_number="ORD20240315K7Q2M9XA"),
    "get_order_request_empty_id": lambda: order_pb2.GetOrderRequest(id=""),
    "get_order_request_unset": order_pb2.GetOrderRequest,
    "rating_summary": rating_summary,
    "batch_get_rating_summaries_response": lambda: rating_pb2.BatchGetRatingSummariesResponse(
        summaries=[rating_summary(), rating_pb2.RatingSummary(product_id=43)]),
    "create_product_request": lambda: catalog_pb2.CreateProductRequest(
        category_id=7,
        name="Tarte Tatin",
        description="Upside down",
        price_cents=890,
        preparation_minutes=25,
        calories=0,
        available=False,
        featured=True,
        tags=["dessert", "warm"],
        dietary_restrictions=[2, 3],
    ),
    "list_products_request": lambda: catalog_pb2.ListProductsRequest(
        category_id=7,
        available_only=True,
        featured_only=True,
        min_price_cents=0,
        max_price_cents=-5,
        query="crème",
        sort=999,
        page_size=50,
        page_token="b2Zmc2V0PTUw",
        dietary=[6, -3],
    ),
    "import_products_response": lambda: catalog_pb2.ImportProductsResponse(
        created_count=2,
        failed_count=1,
        errors=[
            catalog_pb2.ImportProductError(index=3, name="Bad", message="price_cents must be positive", code=3),
            catalog_pb2.ImportProductError(index=9, code=-1),
        ],
        created_ids=[10, -11, INT64_MAX, INT64_MIN],
    ),
    "update_product_request": lambda: catalog_pb2.UpdateProductRequest(
        product=catalog_pb2.Product(id=42, price_cents=1300, calories=320),
        update_mask=field_mask_pb2.FieldMask(paths=["price_cents", "calories"]),
    ),
    "menu_event": lambda: catalog_pb2.MenuEvent(
        type=catalog_pb2.MENU_EVENT_TYPE_PRODUCT_AVAILABILITY_CHANGED,
        product_id=42,
        product=product(),
        occurred_at=ts(1_700_000_100, 1),
    ),
    "list_orders_request": lambda: order_pb2.ListOrdersRequest(
        customer_id="customer-1",
        statuses=[order_pb2.PENDING, 999, order_pb2.CANCELLED, -1],
        created_after=ts(1_700_000_000, 0),
        created_before=ts(1_800_000_000, 1),
        page_size=100,
        page_token="token",
    ),
    "ingest_order_events_request": lambda: analytics_pb2.IngestOrderEventsRequest(
        events=[
            order_event(),
            order_pb2.OrderEvent(event_id="e-2", type=order_pb2.ORDER_EVENT_TYPE_CREATED, order=order_pb2.Order(id="o2")),
        ]),
    "get_dashboard_response": lambda: analytics_pb2.GetDashboardResponse(
        summary=analytics_pb2.DashboardSummary(
            total_revenue_cents=1_000_000, total_orders=250, average_daily_revenue_cents=142_857),
        daily_sales=[
            analytics_pb2.DailySales(date=date(2024, 3, 14), total_orders=30, total_revenue_cents=90_000),
            analytics_pb2.DailySales(date=date(2024, 3, 15)),
        ],
        top_products=[top_product()],
        start_date=date(2024, 3, 9),
        end_date=date(2024, 3, 15),
        days=7,
    ),
    "list_product_performance_response": lambda: analytics_pb2.ListProductPerformanceResponse(
        products=[
            analytics_pb2.ProductPerformance(
                product_id=42, name="Soupe à l'oignon", total_ordered=300, total_revenue_cents=375_000,
                last_ordered_at=ts(1_710_460_800, 0), popularity_score=12.5),
            analytics_pb2.ProductPerformance(product_id=1, popularity_score=0.1),
        ],
        next_page_token="n",
        total_size=2,
    ),
}


def encode(message):
    return message.SerializeToString(deterministic=True)


def check(directory):
    failures = 0
    for name, build in GOLDEN.items():
        path = os.path.join(directory, name + ".swift.bin")
        expected = build()
        if not os.path.exists(path):
            print("MISMATCH %s: %s is missing" % (name, path))
            failures += 1
            continue
        with open(path, "rb") as f:
            data = f.read()
        parsed = type(expected)()
        try:
            parsed.ParseFromString(data)
        except Exception as error:  # noqa: BLE001  (any parse error is a mismatch)
            print("MISMATCH %s: Python cannot parse the Swift bytes: %s" % (name, error))
            failures += 1
            continue
        unknown = len(unknown_fields.UnknownFieldSet(parsed))
        if unknown:
            print("MISMATCH %s: %d unknown fields in the Swift bytes" % (name, unknown))
            failures += 1
        elif parsed != expected:
            print("MISMATCH %s: parsed %r, expected %r" % (name, parsed, expected))
            failures += 1
        elif encode(parsed) != encode(expected):
            # Catches what == misses, such as the sign of a zero double.
            print("MISMATCH %s: re-encoded %s, expected %s" % (name, encode(parsed).hex(), encode(expected).hex()))
            failures += 1
        else:
            print("OK %s" % name)
    return 1 if failures else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "write":
        os.makedirs(argv[2], exist_ok=True)
        for name, build in GOLDEN.items():
            with open(os.path.join(argv[2], name + ".bin"), "wb") as f:
                f.write(encode(build()))
            print(name)
        return 0
    if len(argv) == 3 and argv[1] == "check":
        return check(argv[2])
    if len(argv) == 2 and argv[1] == "hex":
        for name, build in GOLDEN.items():
            print(name, encode(build()).hex())
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
