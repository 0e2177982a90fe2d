import Foundation
import Postgres
import RestaurantAPI
import RPC
import ServiceKit
import ServiceKitTesting
import Testing
@testable import Catalog
@testable import Ratings

/// The rating service and the catalog it calls, both running in this
/// process on their own schemas and ports, as their binaries run them.
struct RatingHarness: Sendable {
    static let auth = ServiceHarness.auth
    static let open = ServiceHarness.open

    let ratings: RatingServiceClient
    let catalog: CatalogServiceClient
    let service: ServiceHarness
    let catalogService: ServiceHarness

    /// Runs `body` against a fresh catalog and rating service.
    /// - Parameters:
    ///   - catalogTarget: `CATALOG_ADDR` instead of the catalog (a closed
    ///     port, a silent listener), for failure tests.
    ///   - poolSize: the rating service's most connections.
    ///   - startingRelay: false to leave the outbox relay waiting until the
    ///     test calls `service.background.start()`.
    static func with<T>(catalogTarget: String? = nil, poolSize: Int = 4, startingRelay: Bool = true,
                        _ body: (RatingHarness) async throws -> T) async throws -> T {
        try await ServiceHarness.with(Catalog.definition, role: "catalog") { catalogService in
            let environment = ["CATALOG_ADDR": catalogTarget ?? "127.0.0.1:\(catalogService.port)",
                               "UPSTREAM_TOKEN": ServiceHarness.token]
            return try await ServiceHarness.with(Ratings.definition, role: "rating", environment: environment,
                                                 poolSize: poolSize, startingBackground: startingRelay) { service in
                try await body(RatingHarness(ratings: RatingServiceClient(channel: service.channel),
                                             catalog: CatalogServiceClient(channel: catalogService.channel),
                                             service: service, catalogService: catalogService))
            }
        }
    }

    /// Creates products in a new category of the catalog; returns their ids.
    func products(_ count: Int) async throws -> [Int64] {
        let category = try await catalog.createCategory(.with { $0.name = "Category \(UUID().uuidString.prefix(8))" },
                                                        options: Self.auth)
        var ids: [Int64] = []
        for index in 0..<count {
            ids.append(try await catalog.createProduct(.with {
                $0.categoryId = category.id
                $0.name = "Dish \(index)"
                $0.priceCents = 900
            }, options: Self.auth).id)
        }
        return ids
    }

    /// Rates (with the token).
    @discardableResult
    func rate(_ productID: Int64, _ userID: String, stars: Int32, review: String = "") async throws -> Rating {
        try await ratings.rateProduct(.with {
            $0.productId = productID
            $0.userId = userID
            $0.stars = stars
            $0.review = review
        }, options: Self.auth)
    }

    func summary(_ productID: Int64) async throws -> RatingSummary {
        try await ratings.getRatingSummary(.with { $0.productId = productID }, options: Self.open)
    }

    /// How many ratings rows the rating service stores.
    func storedRatings() async throws -> Int {
        try await service.pool.query("SELECT count(*) FROM ratings")[0].decode(Int.self, at: 0)
    }
}
