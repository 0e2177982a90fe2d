-- Dietary restrictions, step 1 of 4 (expand). Safe on a live menu: a
-- constant default adds the column without touching a row, and the CHECK is
-- NOT VALID, so only new and changed rows are checked; both statements hold
-- their ACCESS EXCLUSIVE lock for an instant (or give up after the lock
-- timeout and retry). A catalog still running the previous release keeps
-- working: it never names the column, and its inserts get the default.
ALTER TABLE products ADD COLUMN dietary_restrictions text[] NOT NULL DEFAULT '{}';
ALTER TABLE products ADD CONSTRAINT products_dietary_restrictions_known CHECK (
    dietary_restrictions <@ ARRAY['vegetarian', 'vegan', 'gluten_free', 'dairy_free', 'nut_free', 'halal', 'kosher']
) NOT VALID;
