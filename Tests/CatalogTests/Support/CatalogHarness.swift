import Foundation
import GRPCServices
import Logging
import Postgres
import RestaurantAPI
import RPC
import ServiceKitTesting
import Testing
@testable import Catalog
@testable import ServiceKit

/// The catalog running in this process (``ServiceHarness``), with a typed
/// client and the building blocks its tests share.
struct CatalogHarness: Sendable {
    static let token = ServiceHarness.token
    /// Call options carrying an accepted token.
    static let auth = ServiceHarness.auth
    /// Call options for reads.
    static let open = ServiceHarness.open

    let client: CatalogServiceClient
    let service: ServiceHarness
    var channel: RPCChannel { service.channel }
    var port: Int { service.port }
    var schema: TestSchema { service.schema }
    var pool: PostgresPool { service.pool }
    var health: HealthService { service.health }
    var metrics: MetricsRegistry { service.metrics }
    /// What `catalog-service` triggers on SIGTERM.
    var shutdown: ShutdownSignal { service.shutdown }

    /// Runs `body` against a fresh catalog; tears everything down after
    /// (``ServiceHarness/with(_:role:environment:poolSize:acquireTimeout:login:startingBackground:_:)``
    /// says what the settings do).
    static func with<T>(poolSize: Int = 4, acquireTimeout: Duration = .seconds(30), login: TestLogin? = nil,
                        _ body: (CatalogHarness) async throws -> T) async throws -> T {
        try await ServiceHarness.with(Catalog.definition, role: "catalog", poolSize: poolSize, acquireTimeout: acquireTimeout,
                                      login: login) { service in
            try await body(CatalogHarness(client: CatalogServiceClient(channel: service.channel), service: service))
        }
    }

    // MARK: Building blocks

    /// Creates a category (with the token).
    @discardableResult
    func category(_ name: String, sortOrder: Int32 = 0, active: Bool? = nil) async throws -> RestaurantAPI.Category {
        try await client.createCategory(.with {
            $0.name = name
            $0.sortOrder = sortOrder
            $0.active = active
        }, options: Self.auth)
    }

    /// Creates a product (with the token).
    @discardableResult
    func product(_ categoryID: Int64, _ name: String, price: Int64 = 1000, preparation: Int32 = 10,
                 description: String = "", calories: Int32? = nil, available: Bool? = nil, featured: Bool = false,
                 tags: [String] = []) async throws -> Product {
        try await client.createProduct(.with {
            $0.categoryId = categoryID
            $0.name = name
            $0.priceCents = price
            $0.preparationMinutes = preparation
            $0.description = description
            $0.calories = calories
            $0.available = available
            $0.featured = featured
            $0.tags = tags
        }, options: Self.auth)
    }

    /// Imports `requests` in one ImportProducts call (with the token).
    func importProducts(_ requests: [CreateProductRequest], options: CallOptions = CatalogHarness.auth) async throws -> ImportProductsResponse {
        try await client.importProducts(options: options) { writer in
            for request in requests { try await writer.write(request) }
        }
    }

    /// Every page of a listing, following next_page_token; `between` runs
    /// after each page (to change the data while paging).
    func listAll(_ request: ListProductsRequest, maxPages: Int = 200,
                 between: (Int) async throws -> Void = { _ in }) async throws -> (products: [Product], pages: Int, firstTotal: Int32) {
        var request = request
        var products: [Product] = []
        var pages = 0
        var firstTotal: Int32 = -1
        while true {
            let page = try await client.listProducts(request, options: Self.open)
            pages += 1
            if firstTotal < 0 { firstTotal = page.totalSize }
            products += page.products
            guard !page.nextPageToken.isEmpty else { break }
            guard pages < maxPages else {
                Issue.record("listing did not end after \(maxPages) pages")
                break
            }
            try await between(pages)
            request.pageToken = page.nextPageToken
        }
        return (products, pages, firstTotal)
    }
}
