import Foundation
import Postgres
import RestaurantAPI
import RPC
import ServiceKitTesting
import Testing

/// Both services as real processes, killed and restarted: nothing a caller
/// was told succeeded is lost, and the catalog's copy always catches up.
@Suite("Ratings across process crashes", .serialized, .timeLimit(.minutes(4)))
struct CrashTests {
    static let members = [
        ProcessStack.Member(name: "catalog", product: "catalog-service", role: "catalog", grpcService: CatalogService.name),
        ProcessStack.Member(name: "rating", product: "rating-service", role: "rating", grpcService: RatingService.name) { stack in
            ["CATALOG_ADDR": stack.address("catalog")]
        },
    ]

    static func products(_ stack: ProcessStack, count: Int) async throws -> [Int64] {
        let category = try await CatalogServiceClient(channel: stack.channel("catalog")).createCategory(.with { $0.name = "Soups" }, options: ProcessStack.auth)
        var ids: [Int64] = []
        for index in 0..<count {
            ids.append(try await CatalogServiceClient(channel: stack.channel("catalog")).createProduct(.with {
                $0.categoryId = category.id
                $0.name = "Soup \(index)"
                $0.priceCents = 700
            }, options: ProcessStack.auth).id)
        }
        return ids
    }

    static func catalogRating(_ stack: ProcessStack, _ id: Int64) async throws -> ProductRating? {
        try await CatalogServiceClient(channel: stack.channel("catalog")).getProduct(.with { $0.id = id }, options: ProcessStack.open).rating
    }

    /// The catalog's copy equals the rating service's summaries.
    static func converged(_ stack: ProcessStack, _ ids: [Int64]) async throws -> Bool {
        let summaries = try await RatingServiceClient(channel: stack.channel("rating")).batchGetRatingSummaries(.with { $0.productIds = ids },
                                                                        options: ProcessStack.open).summaries
        for summary in summaries {
            let rating = try await catalogRating(stack, summary.productId)
            guard rating?.count == summary.count, rating?.average == summary.average else { return false }
        }
        return true
    }

    @Test("Catalog killed: the change waits in the outbox, survives a kill -9 of the rating service, and arrives")
    func pendingChangesSurviveBothCrashing() async throws {
        try await ProcessStack.with(Self.members) { stack in
            let product = try await Self.products(stack, count: 1)[0]
            _ = try await RatingServiceClient(channel: stack.channel("rating")).rateProduct(.with {
                $0.productId = product
                $0.userId = "ada"
                $0.stars = 5
            }, options: ProcessStack.auth)
            _ = try await RatingServiceClient(channel: stack.channel("rating")).rateProduct(.with {
                $0.productId = product
                $0.userId = "bo"
                $0.stars = 3
            }, options: ProcessStack.auth)
            #expect(try await eventually(timeout: .seconds(10)) { try await Self.converged(stack, [product]) })

            // The rating service dies: the catalog keeps its last ratings.
            await stack.kill9("rating")
            #expect(try await Self.catalogRating(stack, product) == .with { $0.average = 4; $0.count = 2 })

            // The catalog dies too; the rating service comes back and takes
            // a delete (it needs no catalog), which it cannot deliver yet.
            try await stack.start("rating")
            await stack.kill9("catalog")
            _ = try await RatingServiceClient(channel: stack.channel("rating")).deleteRating(.with {
                $0.productId = product
                $0.userId = "ada"
            }, options: ProcessStack.auth)
            // RateProduct cannot check the product: UNAVAILABLE, nothing written.
            await expectStatus(.unavailable, "CatalogService is unavailable (UNAVAILABLE); retry later") {
                try await RatingServiceClient(channel: stack.channel("rating")).rateProduct(.with {
                    $0.productId = product
                    $0.userId = "cy"
                    $0.stars = 1
                }, options: ProcessStack.auth)
            }
            try await Task.sleep(for: .milliseconds(500))
            await stack.kill9("rating")  // with the change still pending

            try await stack.start("rating")
            try await stack.start("catalog")
            #expect(try await eventually(timeout: .seconds(20)) {
                try await Self.catalogRating(stack, product) == .with { $0.average = 3; $0.count = 1 }
            }, "rating-service output:\n\(stack.output("rating"))")
            let summary = try await RatingServiceClient(channel: stack.channel("rating")).getRatingSummary(.with { $0.productId = product }, options: ProcessStack.open)
            #expect(summary.count == 1 && summary.histogram[3] == 1)
        }
    }

    @Test("Rating service killed with -9 under load: every acknowledged rating is kept and the catalog converges")
    func killedUnderLoad() async throws {
        try await ProcessStack.with(Self.members) { stack in
            let products = try await Self.products(stack, count: 5)
            let acknowledged = Locked<[(Int64, String, Int32)]>([])
            let load = Task {
                await withTaskGroup(of: Void.self) { group in
                    for index in 0..<200 {
                        group.addTask {
                            let product = products[index % 5], user = "user-\(index % 40)", stars = Int32(index % 5) + 1
                            let rated = try? await RatingServiceClient(channel: stack.channel("rating")).rateProduct(.with {
                                $0.productId = product
                                $0.userId = user
                                $0.stars = stars
                            }, options: ProcessStack.auth)
                            if rated != nil { acknowledged.mutate { $0.append((product, user, stars)) } }
                        }
                        if index % 10 == 9 { await group.waitForAll() }
                    }
                }
            }
            #expect(await eventually(timeout: .seconds(30), interval: .milliseconds(10)) { acknowledged.value.count >= 40 })
            await stack.kill9("rating")
            await load.value
            try await stack.start("rating")

            // Every acknowledged rating is stored (the last one per user and
            // product may have been replaced by a later acknowledged one).
            var stored: [Int64: [String: Int32]] = [:]
            for product in products {
                var request = ListRatingsRequest.with {
                    $0.productId = product
                    $0.pageSize = 100
                }
                while true {
                    let page = try await RatingServiceClient(channel: stack.channel("rating")).listRatings(request, options: ProcessStack.open)
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
                let summary = try await RatingServiceClient(channel: stack.channel("rating")).getRatingSummary(.with { $0.productId = product }, options: ProcessStack.open)
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
