import Postgres
import RestaurantAPI

/// ListProducts as SQL: the filters, the order, and the keyset condition of
/// a ``ProductListing``.
extension CatalogStore {
    /// One page of `listing`, and the position of its last product when
    /// another page follows.
    func productPage(_ listing: ProductListing,
                     after position: ProductListing.Position?) async throws -> (products: [Product], next: ProductListing.Position?) {
        let rows = try await pool.query(Self.pageQuery(listing, after: position))
        let products = try rows.prefix(listing.pageSize).map(Self.product(from:))
        guard rows.count > listing.pageSize, let last = products.last else { return (products, nil) }
        return (products, try listing.order.position(of: rows[listing.pageSize - 1], id: last.id))
    }

    /// How many products `listing`'s filters match.
    func productCount(_ listing: ProductListing) async throws -> Int32 {
        try await pool.query(Self.countQuery(listing))[0].decode(Int32.self, at: 0)
    }

    /// The tsquery matching the search: the words as typed (web search
    /// syntax, stemmed), or, for plain words, every word by prefix, so short
    /// and partial words find results too.
    private static func tsquery(_ listing: ProductListing) -> PostgresQuery {
        if let prefixQuery = listing.prefixQuery {
            return "(websearch_to_tsquery('english', \(listing.searchText)) || to_tsquery('english', \(prefixQuery)))"
        }
        return "websearch_to_tsquery('english', \(listing.searchText))"
    }

    /// Products (with their category), plus the parsed search as `q.query`.
    private static func from(_ listing: ProductListing) -> PostgresQuery {
        listing.isSearch ? productFrom + " CROSS JOIN (SELECT " + tsquery(listing) + " AS query) AS q" : productFrom
    }

    /// `WHERE …` for the request's filters.
    private static func filters(_ listing: ProductListing) -> PostgresQuery {
        let request = listing.request
        var query: PostgresQuery = " WHERE p.archived_at IS NULL"
        if request.categoryId > 0 { query.append(" AND p.category_id = \(request.categoryId)") }
        if request.availableOnly { query.append(" AND p.available") }
        if request.featuredOnly { query.append(" AND p.featured") }
        if let min = request.minPriceCents { query.append(" AND p.price_cents >= \(min)") }
        if let max = request.maxPriceCents { query.append(" AND p.price_cents <= \(max)") }
        if !listing.dietary.isEmpty {
            query.append(" AND p.dietary_restrictions @> \(DietaryRestrictions.names(listing.dietary))")
        }
        if listing.isSearch { query.append(" AND p.search @@ q.query") }
        return query
    }

    /// Counts every product the filters match.
    private static func countQuery(_ listing: ProductListing) -> PostgresQuery {
        "SELECT count(*)::integer" + from(listing) + filters(listing)
    }

    /// One page (plus one row, to know whether another page follows) in
    /// `order`, with each row's sort key after the product columns.
    private static func pageQuery(_ listing: ProductListing, after position: ProductListing.Position?) -> PostgresQuery {
        let order = listing.order
        var query = productSelectList + ", " + order.sortKeyColumns + from(listing) + filters(listing)
        if let position { query.append(" AND " + order.keyset(after: position)) }
        query.append(" ORDER BY " + order.orderBy + " LIMIT \(literal: listing.pageSize + 1)")
        return query
    }
}

extension ProductListing.Order {
    /// The search rank (`q` is the parsed search).
    private static let rank: PostgresQuery = "ts_rank_cd(p.search, q.query)::float8"

    fileprivate var sortKeyColumns: PostgresQuery {
        switch self {
        case .menu: return "c.sort_order::bigint, c.id, lower(p.name)"
        case .relevance: return Self.rank + ", NULL::bigint, NULL::text"
        case .name: return "NULL::bigint, NULL::bigint, lower(p.name)"
        case .priceAscending, .priceDescending: return "p.price_cents, NULL::bigint, NULL::text"
        case .newest: return "(EXTRACT(EPOCH FROM p.created_at) * 1000000)::bigint, NULL::bigint, NULL::text"
        case .preparation: return "p.preparation_minutes::bigint, NULL::bigint, NULL::text"
        case .rating: return "p.rating_count::bigint, NULL::bigint, NULL::text, p.rating_average"
        }
    }

    fileprivate var orderBy: PostgresQuery {
        switch self {
        case .menu: return "c.sort_order, c.id, lower(p.name), p.id"
        case .relevance: return Self.rank + " DESC, p.id"
        case .name: return "lower(p.name), p.id"
        case .priceAscending: return "p.price_cents, p.id"
        case .priceDescending: return "p.price_cents DESC, p.id"
        case .newest: return "p.created_at DESC, p.id DESC"
        case .preparation: return "p.preparation_minutes, p.id"
        case .rating: return "-p.rating_average, -p.rating_count, p.id"
        }
    }

    /// Rows after `position` in this order.
    fileprivate func keyset(after position: ProductListing.Position) -> PostgresQuery {
        let number = position.number ?? 0
        switch self {
        case .menu:
            return "(c.sort_order, c.id, lower(p.name), p.id) > (\(Int32(clamping: number)), \(position.secondary ?? 0), \(position.text ?? ""), \(position.id))"
        case .relevance:
            let score = position.score ?? 0
            return "(" + Self.rank + " < \(score) OR (" + Self.rank + " = \(score) AND p.id > \(position.id)))"
        case .name:
            return "(lower(p.name), p.id) > (\(position.text ?? ""), \(position.id))"
        case .priceAscending:
            return "(p.price_cents, p.id) > (\(number), \(position.id))"
        case .priceDescending:
            return "(p.price_cents < \(number) OR (p.price_cents = \(number) AND p.id > \(position.id)))"
        case .newest:
            // Exact microseconds: 'epoch' plus an integer interval, no floats.
            return "(p.created_at, p.id) < ('epoch'::timestamptz + \(number) * interval '1 microsecond', \(position.id))"
        case .preparation:
            return "(p.preparation_minutes, p.id) > (\(Int32(clamping: number)), \(position.id))"
        case .rating:
            return "(-p.rating_average, -p.rating_count, p.id) > (\(-(position.score ?? 0)), \(-Int32(clamping: number)), \(position.id))"
        }
    }

    /// The position of a row returned by ``ProductListing/pageQuery(_:after:)``.
    fileprivate func position(of row: PostgresRow, id: Int64) throws -> ProductListing.Position {
        let first = CatalogStore.productColumnCount
        switch self {
        case .relevance:
            return ProductListing.Position(id: id, score: try row.decode(Double.self, at: first))
        case .rating:
            return ProductListing.Position(id: id, number: try row.decode(Int64.self, at: first),
                                           score: try row.decode(Double.self, at: first + 3))
        default:
            return ProductListing.Position(id: id, text: try row.decode(String?.self, at: first + 2),
                                           number: try row.decode(Int64?.self, at: first),
                                           secondary: try row.decode(Int64?.self, at: first + 1))
        }
    }
}
