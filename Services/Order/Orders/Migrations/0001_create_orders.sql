-- Orders, their items and their status history. Every statement runs in the
-- service's own schema, as the service's role.

CREATE TABLE orders (
    id                  uuid PRIMARY KEY,
    order_number        text NOT NULL UNIQUE,
    customer_id         text NOT NULL CHECK (char_length(customer_id) BETWEEN 1 AND 100),
    status              integer NOT NULL CHECK (status BETWEEN 1 AND 6),
    total_cents         bigint NOT NULL CHECK (total_cents >= 0),
    notes               text NOT NULL DEFAULT '' CHECK (char_length(notes) <= 1000),
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    estimated_ready_at  timestamptz NOT NULL,
    cancellation_reason text NOT NULL DEFAULT '',
    -- 1 at creation, one more per status change: OrderEvent.sequence.
    sequence            bigint NOT NULL DEFAULT 1
);
-- ListOrders, newest first: by customer, by status, or all.
CREATE INDEX orders_customer_idx ON orders (customer_id, created_at DESC, id DESC);
CREATE INDEX orders_status_idx ON orders (status, created_at DESC, id DESC);
CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC);

-- Names and prices are copied from the catalog when the order is placed.
CREATE TABLE order_items (
    order_id         uuid NOT NULL REFERENCES orders ON DELETE CASCADE,
    line             integer NOT NULL,
    product_id       bigint NOT NULL CHECK (product_id > 0),
    product_name     text NOT NULL,
    quantity         integer NOT NULL CHECK (quantity BETWEEN 1 AND 99),
    unit_price_cents bigint NOT NULL CHECK (unit_price_cents >= 0),
    subtotal_cents   bigint NOT NULL CHECK (subtotal_cents = quantity * unit_price_cents),
    notes            text NOT NULL DEFAULT '' CHECK (char_length(notes) <= 200),
    PRIMARY KEY (order_id, line)
);

CREATE TABLE order_status_history (
    order_id    uuid NOT NULL REFERENCES orders ON DELETE CASCADE,
    sequence    bigint NOT NULL,
    from_status integer NOT NULL,
    to_status   integer NOT NULL,
    changed_at  timestamptz NOT NULL,
    changed_by  text NOT NULL DEFAULT '',
    reason      text NOT NULL DEFAULT '',
    PRIMARY KEY (order_id, sequence)
);
