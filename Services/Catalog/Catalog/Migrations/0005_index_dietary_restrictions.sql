-- migrate: no-transaction
-- Dietary restrictions, step 3 of 4: the index ListProducts' dietary filter
-- (dietary_restrictions @> …) uses, built without blocking writes. An
-- interrupted build leaves an INVALID index, which the migrator drops and
-- builds again.
CREATE INDEX CONCURRENTLY IF NOT EXISTS products_dietary_idx ON products USING gin (dietary_restrictions)
    WHERE archived_at IS NULL;
