-- migrate: no-transaction
-- Dietary restrictions, step 2 of 4 (backfill): products whose tags name a
-- restriction ("vegan", "gluten-free", "Nut free", …) get it, a vegan one
-- also vegetarian and dairy-free. 1,000 products per transaction, so row
-- locks are held for milliseconds and no long transaction holds back
-- vacuum. Only products still without restrictions are touched: re-running
-- after an interruption finishes the job and changes nothing twice.
DO $$
DECLARE
    known constant text[] := ARRAY['vegetarian', 'vegan', 'gluten_free', 'dairy_free', 'nut_free', 'halal', 'kosher'];
    batch_start bigint := 0;
    last_id bigint;
BEGIN
    SELECT coalesce(max(id), 0) INTO last_id FROM products;
    WHILE batch_start < last_id LOOP
        UPDATE products p
        SET dietary_restrictions = ARRAY(
            SELECT r.name FROM unnest(known) WITH ORDINALITY AS r(name, position)
            WHERE r.name = ANY (t.names) OR (r.name IN ('vegetarian', 'dairy_free') AND 'vegan' = ANY (t.names))
            ORDER BY r.position)
        FROM (SELECT id, ARRAY(SELECT translate(tag, '- ', '__') FROM unnest(tags) AS tag) AS names
              FROM products
              WHERE id > batch_start AND id <= batch_start + 1000) AS t
        WHERE p.id = t.id AND p.dietary_restrictions = '{}' AND t.names && known;
        batch_start := batch_start + 1000;
        COMMIT;
    END LOOP;
END
$$;
