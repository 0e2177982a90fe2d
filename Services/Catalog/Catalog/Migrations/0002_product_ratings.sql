-- The catalog's copy of each product's rating summary, sent by RatingService
-- (UpdateProductRatings) after every change. `rating_version` is the
-- summary's version at RatingService: older or repeated updates are ignored.
-- Constant defaults: adding the columns rewrites no rows.
ALTER TABLE products
    ADD COLUMN rating_average float8 NOT NULL DEFAULT 0 CHECK (rating_average BETWEEN 0 AND 5),
    ADD COLUMN rating_count integer NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    ADD COLUMN rating_version bigint NOT NULL DEFAULT 0;

-- sort=RATING: average, then count, highest first, then id. Negated so the
-- keyset condition is one row comparison the index can seek to.
CREATE INDEX products_rating_idx ON products ((-rating_average), (-rating_count), id) WHERE archived_at IS NULL;
