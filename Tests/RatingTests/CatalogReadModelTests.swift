import Foundation
import RestaurantAPI
import RPC
import ServiceKit
import ServiceKitTesting
import Testing

@Suite("The catalog's copy of ratings", .timeLimit(.minutes(2)))
struct CatalogReadModelTests {
    /// The catalog's view of `productID`'s rating.
    static func catalogRating(_ harness: RatingHarness, _ productID: Int64) async throws -> ProductRating? {
        try await harness.catalog.getProduct(.with { $0.id = productID }, options: RatingHarness.open).rating
    }

    @Test("Rates and deletes reach GetProduct and sort=RATING within seconds, through the outbox")
    func ratingsReachTheCatalog() async throws {
        try await RatingHarness.with { harness in
            let products = try await harness.products(3)
            try await harness.rate(products[0], "ada", stars: 3)
            try await harness.rate(products[1], "ada", stars: 5)
            try await harness.rate(products[1], "bo", stars: 4)
            try await harness.rate(products[2], "ada", stars: 4)
            #expect(try await eventually(timeout: .seconds(5), interval: .milliseconds(20)) {
                try await Self.catalogRating(harness, products[1]) == .with { $0.average = 4.5; $0.count = 2 }
            })
            // Each product's summary travels on its own: wait for all three.
            for product in [products[0], products[2]] {
                #expect(try await eventually(timeout: .seconds(5), interval: .milliseconds(20)) {
                    try await Self.catalogRating(harness, product)?.count == 1
                })
            }
            let listed = try await harness.catalog.listProducts(.with { $0.sort = .rating }, options: RatingHarness.open)
            #expect(listed.products.map(\.id) == [products[1], products[2], products[0]])

            _ = try await harness.ratings.deleteRating(.with {
                $0.productId = products[1]
                $0.userId = "ada"
            }, options: RatingHarness.auth)
            #expect(try await eventually(timeout: .seconds(5), interval: .milliseconds(20)) {
                try await Self.catalogRating(harness, products[1]) == .with { $0.average = 4; $0.count = 1 }
            })
            // Every summary change was delivered once and marked so.
            let pending = try await harness.service.pool.query("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
            #expect(try pending[0].decode(Int.self, at: 0) == 0)
        }
    }

    @Test("Many concurrent ratings of few products leave the catalog equal to the rating service")
    func convergence() async throws {
        try await RatingHarness.with { harness in
            let products = try await harness.products(4)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for user in 0..<60 {
                    group.addTask {
                        try await harness.rate(products[user % 4], "user-\(user % 15)", stars: Int32(user % 5) + 1)
                    }
                }
                try await group.waitForAll()
            }
            let summaries = try await harness.ratings.batchGetRatingSummaries(.with { $0.productIds = products },
                                                                              options: RatingHarness.open).summaries
            #expect(try await eventually(timeout: .seconds(10), interval: .milliseconds(50)) {
                for summary in summaries {
                    let rating = try await Self.catalogRating(harness, summary.productId)
                    guard rating?.count == summary.count, rating?.average == summary.average else { return false }
                }
                return true
            })
        }
    }

    @Test("2,500 summary changes waiting: all reach the catalog, in UpdateProductRatings calls of one relay batch each (the catalog takes at most 1000)")
    func backlogInBatches() async throws {
        try await RatingHarness.with(startingRelay: false) { harness in
            let count = 2_500
            let category = try await harness.catalog.createCategory(.with { $0.name = "Many" }, options: RatingHarness.auth)
            let imported = try await harness.catalog.importProducts(options: RatingHarness.auth) { writer in
                for index in 0..<count {
                    try await writer.write(.with {
                        $0.categoryId = category.id
                        $0.name = "Dish \(index)"
                        $0.priceCents = 500
                    })
                }
            }
            let ids = imported.createdIds
            try #require(ids.count == count)
            // Each rating leaves its summary change in the outbox: the relay waits.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for index in stride(from: worker, to: count, by: 8) {
                            try await harness.rate(ids[index], "ada", stars: Int32(ids[index] % 5) + 1)
                        }
                    }
                }
                try await group.waitForAll()
            }

            harness.service.background.start()
            let pending = { try await harness.service.pool.query("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")[0]
                .decode(Int.self, at: 0) }
            #expect(try await eventually(timeout: .seconds(60), interval: .milliseconds(100)) { try await pending() == 0 })
            let rated = try await harness.catalogService.pool.query("""
                SELECT count(*) FROM products WHERE rating_count = 1 AND rating_average = (id % 5) + 1
                """)[0].decode(Int.self, at: 0)
            #expect(rated == count, "every product's summary reached the catalog")
            // Ratings' relay runs with the default configuration: one call per
            // batch, each accepted the first time.
            let batches = (count + OutboxRelay.Configuration().batchSize - 1) / OutboxRelay.Configuration().batchSize
            let calls = harness.catalogService.metrics.render().split(separator: "\n")
                .filter { $0.hasPrefix("grpc_server_handled_total") && $0.contains("grpc_method=\"UpdateProductRatings\"") }
            #expect(calls.map(String.init) == [
                "grpc_server_handled_total{service=\"catalog\",grpc_type=\"unary\",grpc_service=\"restaurant.catalog.v1.CatalogService\","
                    + "grpc_method=\"UpdateProductRatings\",grpc_code=\"OK\"} \(batches)",
            ])
        }
    }
}
