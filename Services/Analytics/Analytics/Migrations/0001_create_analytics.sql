-- Sales reports, fed only by the OrderEvents OrderService delivers. Every
-- statement runs in the service's own schema, as the service's role.

-- The latest snapshot of every order (by sequence, then occurred_at), with
-- its business day and hour in the configured time zone.
CREATE TABLE orders (
    order_id     uuid PRIMARY KEY,
    sequence     bigint NOT NULL CHECK (sequence >= 0),
    -- occurred_at of the snapshot, in microseconds since 1970 (exact).
    occurred_us  bigint NOT NULL,
    status       integer NOT NULL,
    -- READY or DELIVERED: the order counts in sales figures.
    counted      boolean NOT NULL,
    created_at   timestamptz NOT NULL,
    business_day date NOT NULL,
    created_hour integer NOT NULL CHECK (created_hour BETWEEN 0 AND 23),
    total_cents  bigint NOT NULL CHECK (total_cents >= 0)
);
CREATE INDEX orders_day_idx ON orders (business_day);

-- The items of each order's latest snapshot; created_at and counted copy
-- the order's, so "the most recent counted order with this product" is one
-- index seek.
CREATE TABLE order_items (
    order_id       uuid NOT NULL REFERENCES orders ON DELETE CASCADE,
    line           integer NOT NULL,
    product_id     bigint NOT NULL,
    product_name   text NOT NULL,
    quantity       integer NOT NULL CHECK (quantity > 0),
    subtotal_cents bigint NOT NULL CHECK (subtotal_cents >= 0),
    created_at     timestamptz NOT NULL,
    counted        boolean NOT NULL,
    PRIMARY KEY (order_id, line)
);
CREATE INDEX order_items_latest_idx ON order_items (product_id, created_at DESC, order_id DESC) WHERE counted;

-- Aggregates, changed by the ingest that changes an order's contribution:
-- reads never look at orders or events.

-- Counted orders and their revenue per business day.
CREATE TABLE daily_sales (
    day           date PRIMARY KEY,
    orders        bigint NOT NULL CHECK (orders >= 0),
    revenue_cents bigint NOT NULL CHECK (revenue_cents >= 0)
);

-- Orders created per business day and local hour, whatever their status.
CREATE TABLE hourly_orders (
    day    date NOT NULL,
    hour   integer NOT NULL CHECK (hour BETWEEN 0 AND 23),
    orders bigint NOT NULL CHECK (orders >= 0),
    PRIMARY KEY (day, hour)
);

-- Units and revenue per product and business day (counted orders).
CREATE TABLE daily_product_sales (
    day           date NOT NULL,
    product_id    bigint NOT NULL,
    quantity      bigint NOT NULL CHECK (quantity >= 0),
    revenue_cents bigint NOT NULL CHECK (revenue_cents >= 0),
    PRIMARY KEY (day, product_id)
);

-- All-time figures per product (counted orders); `orders` counts the
-- counted orders containing it, for the popularity score.
CREATE TABLE product_totals (
    product_id      bigint PRIMARY KEY,
    quantity        bigint NOT NULL CHECK (quantity >= 0),
    revenue_cents   bigint NOT NULL CHECK (revenue_cents >= 0),
    orders          bigint NOT NULL CHECK (orders >= 0),
    last_ordered_at timestamptz,
    name            text NOT NULL DEFAULT ''
);
CREATE INDEX product_totals_revenue_idx ON product_totals (revenue_cents DESC, product_id);
CREATE INDEX product_totals_quantity_idx ON product_totals (quantity DESC, product_id);
CREATE INDEX product_totals_popularity_idx ON product_totals (orders DESC, product_id);

-- How many orders count, all time: the popularity score's denominator.
CREATE TABLE counters (
    id             boolean PRIMARY KEY DEFAULT true CHECK (id),
    counted_orders bigint NOT NULL DEFAULT 0 CHECK (counted_orders >= 0)
);
INSERT INTO counters DEFAULT VALUES;
