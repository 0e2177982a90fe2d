-- Dietary restrictions, step 4 of 4: check the rows written before the
-- constraint existed. VALIDATE takes a SHARE UPDATE EXCLUSIVE lock, which
-- reads and writes do not wait for.
ALTER TABLE products VALIDATE CONSTRAINT products_dietary_restrictions_known;
