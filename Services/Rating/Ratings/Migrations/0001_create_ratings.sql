-- Ratings and their per-product summaries. Every statement runs in the
-- service's own schema (first on the search_path), as the service's role.

-- One rating per product and user; a second RateProduct replaces it.
CREATE TABLE ratings (
    product_id bigint NOT NULL CHECK (product_id > 0),
    user_id    text NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 100),
    stars      integer NOT NULL CHECK (stars BETWEEN 1 AND 5),
    review     text NOT NULL DEFAULT '' CHECK (char_length(review) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (product_id, user_id)
);
-- ListRatings: a product's ratings, newest first, then by user.
CREATE INDEX ratings_newest_idx ON ratings (product_id, created_at DESC, user_id);

-- Kept in the transaction that changes a rating (its row lock serializes
-- the writes of one product), so reading a summary never aggregates
-- ratings. `version` counts its changes: the catalog's copy applies them
-- in that order.
CREATE TABLE rating_summaries (
    product_id bigint PRIMARY KEY,
    count      integer NOT NULL DEFAULT 0 CHECK (count >= 0),
    star_total bigint NOT NULL DEFAULT 0,
    stars_1    integer NOT NULL DEFAULT 0 CHECK (stars_1 >= 0),
    stars_2    integer NOT NULL DEFAULT 0 CHECK (stars_2 >= 0),
    stars_3    integer NOT NULL DEFAULT 0 CHECK (stars_3 >= 0),
    stars_4    integer NOT NULL DEFAULT 0 CHECK (stars_4 >= 0),
    stars_5    integer NOT NULL DEFAULT 0 CHECK (stars_5 >= 0),
    version    bigint NOT NULL DEFAULT 0,
    CHECK (count = stars_1 + stars_2 + stars_3 + stars_4 + stars_5),
    CHECK (star_total = stars_1 + 2 * stars_2 + 3 * stars_3 + 4 * stars_4 + 5 * stars_5)
);
