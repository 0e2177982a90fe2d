-- Categories and products of the menu. Every statement runs in the
-- service's own schema (first on the search_path), as the service's role.

CREATE TABLE categories (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    slug        text NOT NULL,
    description text NOT NULL DEFAULT '',
    sort_order  integer NOT NULL DEFAULT 0,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- Names are unique ignoring case; slugs are derived from names.
CREATE UNIQUE INDEX categories_name_key ON categories (lower(name));
CREATE UNIQUE INDEX categories_slug_key ON categories (slug);
CREATE INDEX categories_order_idx ON categories (sort_order, name);

-- array_to_string is only STABLE (it could depend on element output
-- settings); for text[] it is deterministic, which the generated search
-- column below needs declared.
CREATE FUNCTION tags_text(tags text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT array_to_string(tags, ' ') $$;

CREATE TABLE products (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category_id         bigint NOT NULL REFERENCES categories (id),
    name                text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description         text NOT NULL DEFAULT '',
    price_cents         bigint NOT NULL CHECK (price_cents > 0),
    preparation_minutes integer NOT NULL CHECK (preparation_minutes BETWEEN 0 AND 480),
    calories            integer CHECK (calories >= 0),
    available           boolean NOT NULL DEFAULT true,
    featured            boolean NOT NULL DEFAULT false,
    tags                text[] NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    -- Deleted products are archived, not removed: orders keep referring to them.
    archived_at         timestamptz,
    -- Full-text document: name weighs most, then tags, then description.
    search              tsvector GENERATED ALWAYS AS (
                            setweight(to_tsvector('english', name), 'A') ||
                            setweight(to_tsvector('english', coalesce(tags_text(tags), '')), 'B') ||
                            setweight(to_tsvector('english', description), 'C')
                        ) STORED
);

-- Listing indexes cover only live products, which every listing filters on.
CREATE INDEX products_category_idx ON products (category_id, available) WHERE archived_at IS NULL;
CREATE INDEX products_featured_idx ON products (id) WHERE featured AND archived_at IS NULL;
CREATE INDEX products_price_idx ON products (price_cents, id) WHERE archived_at IS NULL;
CREATE INDEX products_newest_idx ON products (created_at DESC, id DESC) WHERE archived_at IS NULL;
CREATE INDEX products_name_idx ON products (lower(name), id) WHERE archived_at IS NULL;
CREATE INDEX products_prep_idx ON products (preparation_minutes, id) WHERE archived_at IS NULL;
CREATE INDEX products_search_idx ON products USING gin (search) WHERE archived_at IS NULL;
