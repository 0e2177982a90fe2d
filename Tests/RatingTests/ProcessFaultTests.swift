import Foundation
import Postgres
import RestaurantAPI
import RPC
import ServiceKitTesting
import Testing

/// Both services as real processes, killed and restarted: nothing a caller
/// was told succeeded is lost, and the catalog's copy always catches up.
@Suite("Ratings across process crashes", .serialized, .timeLimit(.minutes(4)))
struct ProcessFaultTests {
    static func products(_ stack: ServiceStack, count: Int) async throws -> [Int64] {
        let category = try await stack.catalog.createCategory(.with { $0.name = "Soups" }, options: ServiceStack.auth)
        var ids: [Int64] = []
        for index in 0..<count {
            ids.append(try await stack.catalog.createProduct(.with {
                $0.categoryId = category.id
                $0.name = "Soup \(index)"
                $0.priceCents = 700
            }, options: ServiceStack.auth).id)
        }
        return ids
    }

    static func catalogRating(_ stack: ServiceStack, _ id: Int64) async throws -> ProductRating? {
        try await stack.catalog.getProduct(.with { $0.id = id }, options: ServiceStack.open).rating
    }

    /// The catalog's copy equals the rating service's summaries.
    static func converged(_ stack: ServiceStack, _ ids: [Int64]) async throws -> Bool {
        let summaries = try await stack.ratings.batchGetRatingSummaries(.with { $0.productIds = ids },
                                                                        options: ServiceStack.open).summaries
        for summary in summaries {
            let rating = try await catalogRating(stack, summary.productId)
            guard rating?.count == summary.count, rating?.average == summary.average else { return false }
        }
        return true
    }

    @Test("Catalog killed: the change waits in the outbox, survives a kill -9 of the rating service, and arrives")
    func pendingChangesSurviveBothCrashing() async throws {
        try await ServiceStack.with { stack in
            let product = try await Self.products(stack, count: 1)[0]
            _ = try await stack.ratings.rateProduct(.with {
                $0.productId = product
                $0.userId = "ada"
                $0.stars = 5
            }, options: ServiceStack.auth)
            _ = try await stack.ratings.rateProduct(.with {
                $0.productId = product
                $0.userId = "bo"
                $0.stars = 3
            }, options: ServiceStack.auth)
            #expect(try await eventually(timeout: .seconds(10)) { try await Self.converged(stack, [product]) })

            // The rating service dies: the catalog keeps its last ratings.
            await stack.kill9("rating-service")
            #expect(try await Self.catalogRating(stack, product) == .with { $0.average = 4; $0.count = 2 })

            // The catalog dies too; the rating service comes back and takes
            // a delete (it needs no catalog), which it cannot deliver yet.
            try await stack.start("rating-service")
            await stack.kill9("catalog-service")
            _ = try await stack.ratings.deleteRating(.with {
                $0.productId = product
                $0.userId = "ada"
            }, options: ServiceStack.auth)
            // RateProduct cannot check the product: UNAVAILABLE, nothing written.
            await expectStatus(.unavailable, "CatalogService is unavailable (UNAVAILABLE); retry later") {
                try await stack.ratings.rateProduct(.with {
                    $0.productId = product
                    $0.userId = "cy"
                    $0.stars = 1
                }, options: ServiceStack.auth)
            }
            try await Task.sleep(for: .milliseconds(500))
            await stack.kill9("rating-service")  // with the change still pending

            try await stack.start("rating-service")
            try await stack.start("catalog-service")
            #expect(try await eventually(timeout: .seconds(20)) {
                try await Self.catalogRating(stack, product) == .with { $0.average = 3; $0.count = 1 }
            }, "rating-service output:\n\(stack.output("rating-service"))")
            let summary = try await stack.ratings.getRatingSummary(.with { $0.productId = product }, options: ServiceStack.open)
            #expect(summary.count == 1 && summary.histogram[3] == 1)
        }
    }

    @Test("Rating service killed with -9 under load: every acknowledged rating is kept and the catalog converges")
    func killedUnderLoad() async throws {
        try await ServiceStack.with { stack in
            let products = try await Self.products(stack, count: 5)
            let acknowledged = Locked<[(Int64, String, Int32)]>([])
            let load = Task {
                await withTaskGroup(of: Void.self) { group in
                    for index in 0..<200 {
                        group.addTask {
                            let product = products[index % 5], user = "user-\(index % 40)", stars = Int32(index % 5) + 1
                            let rated = try? await stack.ratings.rateProduct(.with {
                                $0.productId = product
                                $0.userId = user
                                $0.stars = stars
                            }, options: ServiceStack.auth)
                            if rated != nil { acknowledged.mutate { $0.append((product, user, stars)) } }
                        }
                        if index % 10 == 9 { await group.waitForAll() }
                    }
                }
            }
            #expect(await eventually(timeout: .seconds(30), interval: .milliseconds(10)) { acknowledged.value.count >= 40 })
            await stack.kill9("rating-service")
            await load.value
            try await stack.start("rating-service")

            // Every acknowledged rating is stored (the last one per user and
            // product may have been replaced by a later acknowledged one).
            var stored: [Int64: [String: Int32]] = [:]
            for product in products {
                var request = ListRatingsRequest.with {
                    $0.productId = product
                    $0.pageSize = 100
                }
                while true {
                    let page = try await stack.ratings.listRatings(request, options: ServiceStack.open)
                    for rating in page.ratings { stored[product, default: [:]][rating.userId] = rating.stars }
                    guard !page.nextPageToken.isEmpty else { break }
                    request.pageToken = page.nextPageToken
                }
            }
            let acked = acknowledged.value
            #expect(acked.count >= 40)
            for (product, user, _) in acked { #expect(stored[product]?[user] != nil, "\(user) on \(product) lost") }
            // Summaries match the rows, and the catalog matches the summaries.
            for product in products {
                let summary = try await stack.ratings.getRatingSummary(.with { $0.productId = product }, options: ServiceStack.open)
                #expect(Int(summary.count) == stored[product]?.count ?? 0)
            }
            #expect(try await eventually(timeout: .seconds(20)) { try await Self.converged(stack, products) })
        }
    }

    @Test("The rating role reads only its own schema")
    func roleIsolation() async throws {
        var configuration = PostgresConfiguration(connectionString: try TestEnvironment.databaseURL(role: "rating"),
                                                  schema: nil, applicationName: "rating-isolation-test")
        configuration.minConnections = 0
        let pool = try PostgresPool(configuration: configuration, logger: TestEnvironment.logger("isolation"))
        for table in ["catalog.products", "catalog.categories", "orders.orders", "analytics.daily_sales"] {
            let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1 FROM \(unescaped: table) LIMIT 1") }
            #expect(error?.code == .other(sqlState: "42501"), "\(table): \(String(describing: error))")
        }
        await pool.shutdown()
    }
}
