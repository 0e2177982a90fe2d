import Foundation
import Postgres
import RestaurantAPI
import RPC
import ServiceKit

/// One validated ListProducts request as SQL: its filters, its order and a
/// keyset page. Keyset pages (continue after the last row's sort key) stay
/// consistent while products are inserted, unlike offsets.
struct ProductListing: Sendable {
    /// The orders the database sorts and pages by.
    enum Order: Sendable {
        case menu, relevance, name, priceAscending, priceDescending, newest, preparation, rating
    }

    /// Where a page ends: the sort key of its last row. Which fields are set
    /// depends on the order.
    struct Position: Codable, Sendable {
        var id: Int64
        var text: String?
        var number: Int64?
        var secondary: Int64?
        var score: Double?
    }

    let request: ListProductsRequest
    let order: Order
    let pageSize: Int
    /// The search text as a `to_tsquery` prefix query (`chee:* & bur:*`), or
    /// nil when the query has no searchable words or uses web search syntax.
    private let prefixQuery: String?
    private let searchText: String

    init(_ request: ListProductsRequest) throws(RPCError) {
        guard request.categoryId >= 0 else { throw RPCError(.invalidArgument, "category_id must not be negative") }
        if let min = request.minPriceCents, min < 0 { throw RPCError(.invalidArgument, "min_price_cents must not be negative") }
        if let max = request.maxPriceCents, max < 0 { throw RPCError(.invalidArgument, "max_price_cents must not be negative") }
        if let min = request.minPriceCents, let max = request.maxPriceCents, min > max {
            throw RPCError(.invalidArgument, "min_price_cents must not exceed max_price_cents")
        }
        searchText = try Validate.text(request.query, "query", length: 0...200)
        let words = searchText.lowercased().split { !$0.isLetter && !$0.isNumber }
        // Quotes, -exclusions and OR mean what web search syntax says; a
        // prefix query of the bare words, ORed in, would match what they exclude.
        let usesSyntax = searchText.contains("\"")
            || searchText.split(whereSeparator: \.isWhitespace).contains { $0.hasPrefix("-") || $0.lowercased() == "or" }
        prefixQuery = words.isEmpty || usesSyntax ? nil : words.map { "\($0):*" }.joined(separator: " & ")
        switch request.sort {
        case .unspecified: order = searchText.isEmpty ? .menu : .relevance
        case .name: order = .name
        case .priceAsc: order = .priceAscending
        case .priceDesc: order = .priceDescending
        case .newest: order = .newest
        case .prepTime: order = .preparation
        case .rating: order = .rating
        case .unrecognized: throw RPCError(.invalidArgument, "sort is invalid")
        }
        pageSize = try PageSize.resolve(request.pageSize)
        self.request = request
    }

    /// Identifies the filters and order, binding page tokens to them.
    var fingerprint: String {
        "c\(request.categoryId)a\(request.availableOnly)f\(request.featuredOnly)"
            + "l\(request.minPriceCents.map(String.init) ?? "-")h\(request.maxPriceCents.map(String.init) ?? "-")"
            + "q\(searchText)s\(request.sort.rawValue)"
    }

    var isSearch: Bool { !searchText.isEmpty }

    /// The tsquery matching the search: the words as typed (web search
    /// syntax, stemmed), or, for plain words, every word by prefix, so short
    /// and partial words find results too.
    private var tsquery: PostgresQuery {
        if let prefixQuery {
            return "(websearch_to_tsquery('english', \(searchText)) || to_tsquery('english', \(prefixQuery)))"
        }
        return "websearch_to_tsquery('english', \(searchText))"
    }

    /// Products (with their category), plus the parsed search as `q.query`.
    private var from: PostgresQuery {
        isSearch ? CatalogStore.productFrom + " CROSS JOIN (SELECT " + tsquery + " AS query) AS q" : CatalogStore.productFrom
    }

    /// `WHERE …` for the request's filters.
    var filters: PostgresQuery {
        var query: PostgresQuery = " WHERE p.archived_at IS NULL"
        if request.categoryId > 0 { query.append(" AND p.category_id = \(request.categoryId)") }
        if request.availableOnly { query.append(" AND p.available") }
        if request.featuredOnly { query.append(" AND p.featured") }
        if let min = request.minPriceCents { query.append(" AND p.price_cents >= \(min)") }
        if let max = request.maxPriceCents { query.append(" AND p.price_cents <= \(max)") }
        if isSearch { query.append(" AND p.search @@ q.query") }
        return query
    }

    /// Counts every product the filters match.
    var countQuery: PostgresQuery {
        "SELECT count(*)::integer" + from + filters
    }

    /// One page (plus one row, to know whether another page follows) in
    /// `order`, with each row's sort key after the product columns.
    func pageQuery(after position: Position?) -> PostgresQuery {
        var query = CatalogStore.productSelectList + ", " + order.sortKeyColumns + from + filters
        if let position { query.append(" AND " + order.keyset(after: position)) }
        query.append(" ORDER BY " + order.orderBy + " LIMIT \(Int64(pageSize + 1))")
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
    func position(of row: PostgresRow, id: Int64) throws -> ProductListing.Position {
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
