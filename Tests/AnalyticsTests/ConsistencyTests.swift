import Foundation
import PropertyBased
import RestaurantAPI
import RPC
import SeededRandom
import ServiceKitTesting
import Testing
import WellKnownTypes

/// Random order histories, delivered shuffled, duplicated and in random
/// batches (two at a time): the incremental reports must equal a
/// straightforward recomputation written here, and RebuildReports must not
/// change them.
@Suite("Reports are exact however events arrive", .timeLimit(.minutes(5)))
struct ConsistencyTests {
    /// Business days are in Asia/Kolkata (UTC+5:30 all year): the model
    /// shifts by 19,800 s instead of asking a calendar.
    static let zone = "Asia/Kolkata"
    static let offset: TimeInterval = 19_800
    static let paths: [[OrderStatus]] = [
        [.pending], [.pending, .confirmed], [.pending, .confirmed, .preparing],
        [.pending, .confirmed, .preparing, .ready], [.pending, .confirmed, .preparing, .ready, .delivered],
        [.pending, .cancelled], [.pending, .confirmed, .cancelled],
        [.pending, .confirmed, .preparing, .ready, .delivered, .cancelled],
    ]

    struct Expected {
        var daily: [Int: (orders: Int64, revenue: Int64)] = [:]
        var hourly: [Int: [Int: Int]] = [:]
        var dayProducts: [Int: [Int64: (quantity: Int64, revenue: Int64)]] = [:]
        var products: [Int64: (quantity: Int64, revenue: Int64, orders: Int64, last: Date, name: String)] = [:]
        var counted: Int64 = 0
    }

    /// The reports, computed from each order's final snapshot alone.
    static func expected(_ stories: [(OrderStory, [OrderStatus])]) -> Expected {
        var expected = Expected()
        for (story, path) in stories {
            let local = story.createdAt.timeIntervalSince1970 + offset
            let day = Int((local / 86_400).rounded(.down))
            let hour = Int((local - Double(day) * 86_400) / 3600)
            expected.hourly[day, default: [:]][hour, default: 0] += 1
            guard path.last == .ready || path.last == .delivered else { continue }
            expected.counted += 1
            expected.daily[day, default: (0, 0)].orders += 1
            expected.daily[day, default: (0, 0)].revenue += story.totalCents
            for item in story.items {
                let subtotal = Int64(item.quantity) * item.unitCents
                expected.dayProducts[day, default: [:]][item.productID, default: (0, 0)].quantity += Int64(item.quantity)
                expected.dayProducts[day, default: [:]][item.productID, default: (0, 0)].revenue += subtotal
                var product = expected.products[item.productID] ?? (0, 0, 0, .distantPast, "")
                product.quantity += Int64(item.quantity)
                product.revenue += subtotal
                if story.createdAt > product.last { (product.last, product.name) = (story.createdAt, item.name) }
                expected.products[item.productID] = product
            }
            for productID in Set(story.items.map(\.productID)) { expected.products[productID]!.orders += 1 }
        }
        return expected
    }

    @Test func incrementalReportsEqualARecomputationAndARebuild() async {
        await propertyCheck(count: 6, input: Gen.int(in: 0...1_000_000_000)) { seed in
            do {
                try await Self.check(seed: UInt64(seed))
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }

    static func check(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)  // a failing seed replays exactly
        let start = instant("2026-06-01T00:00:00Z")
        var stories: [(OrderStory, [OrderStatus])] = []
        for index in 0..<Int.random(in: 150...300, using: &random) {
            // Distinct creation times over five days, to the microsecond.
            let created = start.addingTimeInterval(Double(index) * 1637 + Double(Int.random(in: 0..<1000, using: &random)) / 1000)
            let items = (0..<Int.random(in: 1...4, using: &random)).map { _ in
                let product = Int64.random(in: 1...15, using: &random)
                return (productID: product, name: "P\(product)-\(index % 3)", quantity: Int32.random(in: 1...3, using: &random),
                        unitCents: Int64.random(in: 100...2500, using: &random))
            }
            // One name per product within an order.
            var seen = Set<Int64>()
            let unique = items.filter { seen.insert($0.productID).inserted }
            stories.append((OrderStory(createdAt: Date(timeIntervalSince1970: (created.timeIntervalSince1970 * 1e6).rounded() / 1e6),
                                       items: unique),
                            paths[Int.random(in: 0..<paths.count, using: &random)]))
        }
        var events = stories.flatMap { $0.0.events($0.1) }
        events += (0..<events.count / 5).map { _ in events[Int.random(in: 0..<events.count, using: &random)] }
        events.shuffle(using: &random)
        var batches: [[OrderEvent]] = []
        while !events.isEmpty {
            let size = min(events.count, Int.random(in: 1...40, using: &random))
            batches.append(Array(events.prefix(size)))
            events.removeFirst(size)
        }
        let expected = expected(stories)

        try await AnalyticsHarness.with(timeZone: zone) { analytics in
            for pair in stride(from: 0, to: batches.count, by: 2) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for batch in batches[pair..<min(pair + 2, batches.count)] {
                        group.addTask { try await analytics.ingest(batch) }
                    }
                    try await group.waitForAll()
                }
            }
            let days = Set(expected.hourly.keys).sorted()
            func reports() async throws -> [DailyReport] {
                var reports: [DailyReport] = []
                for day in days { reports.append(try await analytics.client.getDailyReport(.with { $0.date = Self.date(day) },
                                                                                         options: AnalyticsHarness.open)) }
                return reports
            }
            let incremental = try await reports()
            for (day, report) in zip(days, incremental) {
                let sales = expected.daily[day] ?? (0, 0)
                #expect(report.totalOrders == sales.orders, "seed \(seed) day \(day)")
                #expect(report.totalRevenueCents == sales.revenue, "seed \(seed) day \(day)")
                #expect(report.averageOrderValueCents == (sales.orders == 0 ? 0 : (2 * sales.revenue + sales.orders) / (2 * sales.orders)))
                let hours = expected.hourly[day] ?? [:]
                let peak = hours.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }?.key
                #expect(report.peakHour == peak.map(Int32.init), "seed \(seed) day \(day)")
                #expect(report.ordersByHour == (0..<24).map { Int64(hours[$0] ?? 0) }, "seed \(seed) day \(day)")
                let top = (expected.dayProducts[day] ?? [:]).sorted { a, b in
                    if a.value.quantity != b.value.quantity { return a.value.quantity > b.value.quantity }
                    if a.value.revenue != b.value.revenue { return a.value.revenue > b.value.revenue }
                    return a.key < b.key
                }.prefix(5)
                #expect(report.topProducts.map(\.productId) == top.map(\.key), "seed \(seed) day \(day)")
                #expect(report.topProducts.map(\.quantity) == top.map(\.value.quantity))
                #expect(report.topProducts.map(\.name) == top.map { expected.products[$0.key]!.name })
            }

            var rows: [ProductPerformance] = []
            var request = ListProductPerformanceRequest.with { $0.pageSize = 7 }
            repeat {
                let page = try await analytics.client.listProductPerformance(request, options: AnalyticsHarness.open)
                rows += page.products
                request.pageToken = page.nextPageToken
            } while !request.pageToken.isEmpty
            let products = expected.products.sorted { a, b in
                a.value.revenue != b.value.revenue ? a.value.revenue > b.value.revenue : a.key < b.key
            }
            #expect(rows.map(\.productId) == products.map(\.key), "seed \(seed)")
            #expect(rows.map(\.totalOrdered) == products.map(\.value.quantity))
            #expect(rows.map(\.name) == products.map(\.value.name))
            #expect(rows.map(\.lastOrderedAt) == products.map { Google_Protobuf_Timestamp(microsecondsOf: $0.value.last) })
            #expect(rows.map(\.popularityScore) == products.map { Double($0.value.orders) * 100 / Double(expected.counted) })

            let last = days.last.map(Self.date)!
            _ = try await analytics.client.rebuildReports(.with {
                $0.startDate = last
                $0.daysBack = Int32(days.last! - days.first! + 1)
            }, options: AnalyticsHarness.auth)
            #expect(try await reports() == incremental, "seed \(seed): the rebuild changed the reports")
        }
    }

    static func date(_ day: Int) -> CommonDate {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!,
                                                                    from: Date(timeIntervalSince1970: Double(day) * 86_400))
        return CommonDate(Int32(parts.year!), Int32(parts.month!), Int32(parts.day!))
    }
}
