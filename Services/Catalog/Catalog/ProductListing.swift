import Foundation
import RestaurantAPI
import RPC
import ServiceKit

/// One validated ListProducts request: its filters, its order and where its
/// page starts (the store turns it into SQL, `CatalogStore+Listing`).
/// Keyset pages (continue after the last row's sort key) stay consistent
/// while products are inserted, unlike offsets.
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
    let prefixQuery: String?
    let searchText: String
    /// Restrictions every listed product meets.
    let dietary: [DietaryRestriction]

    init(_ request: ListProductsRequest) throws(RPCError) {
        guard request.categoryId >= 0 else { throw RPCError(.invalidArgument, "category_id must not be negative") }
        if let min = request.minPriceCents, min < 0 { throw RPCError(.invalidArgument, "min_price_cents must not be negative") }
        if let max = request.maxPriceCents, max < 0 { throw RPCError(.invalidArgument, "max_price_cents must not be negative") }
        if let min = request.minPriceCents, let max = request.maxPriceCents, min > max {
            throw RPCError(.invalidArgument, "min_price_cents must not exceed max_price_cents")
        }
        searchText = try Validate.text(request.query, "query", length: 0...200)
        dietary = try DietaryRestrictions.validated(request.dietary, field: "dietary", implying: false)
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
            + "q\(searchText)s\(request.sort.rawValue)d\(DietaryRestrictions.names(dietary).joined(separator: ","))"
    }

    var isSearch: Bool { !searchText.isEmpty }
}
