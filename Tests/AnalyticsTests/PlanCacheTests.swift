import Foundation
import Postgres
import RestaurantAPI
import ServiceKitTesting
import Testing

/// Analytics' hot statements keep cached generic plans after warm-up: the
/// ingest of one event at a time (how the order service's relay mostly
/// delivers) and the reads, over a few thousand stored orders.
@Suite("Analytics plan cache", .timeLimit(.minutes(3)))
struct AnalyticsPlanCacheTests {
    @Test("ingesting single events and reading reports run on generic plans after warm-up")
    func hotStatementsUseGenericPlans() async throws {
        try await AnalyticsHarness.with(poolSize: 1) { analytics in
            let dishes: [(Int64, String)] = (1...40).map { (Int64($0), "Dish \($0)") }
            func story(_ index: Int) -> OrderStory {
                OrderStory(createdAt: Date().addingTimeInterval(-Double(index) * 600),
                           items: [(dishes[index % 40].0, dishes[index % 40].1, 1 + Int32(index % 3), 450)])
            }
            for batch in stride(from: 0, to: 3000, by: 500) {
                try await analytics.ingest((batch..<batch + 500).flatMap { story($0).events([.pending, .delivered]) })
            }
            let today = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date())
            for index in 0..<12 {
                for event in story(10_000 + index).events([.pending, .confirmed, .ready]) {
                    try await analytics.ingest([event])
                }
                _ = try await analytics.report(Int32(today.year!), Int32(today.month!), Int32(today.day!))
                _ = try await analytics.client.getDashboard(.with { $0.days = 30 }, options: AnalyticsHarness.open)
                _ = try await analytics.client.listProductPerformance(.with { $0.pageSize = 10 }, options: AnalyticsHarness.open)
            }
            try await PlanCache.expectGenericPlans(on: analytics.service.pool)
        }
    }
}
