import Foundation
import RestaurantAPI
import RPC
import ServiceKitTesting
import Testing

@Suite("Reports", .timeLimit(.minutes(2)))
struct ReportTests {
    @Test("Daily report: counted orders, revenue, average rounded half up, peak hour of all orders, top 5 by quantity")
    func dailyReport() async throws {
        try await AnalyticsHarness.with { analytics in
            var events: [OrderEvent] = []
            // 3 counted orders (1000 + 1001 + 1000 = 3001 → average 1000.33 → 1000;
            // then a 4th of 1002 → 4003 / 4 = 1000.75 → 1001).
            for (hour, cents) in [(9, 1000), (12, 1001), (12, 1000)] {
                let story = OrderStory(createdAt: instant("2026-06-10T\(hour):15:00Z"), items: [(7, "Pie", 1, Int64(cents))])
                events += story.events([.pending, .confirmed, .preparing, .ready])
            }
            // Cancelled at 9: counts for the peak hour only.
            for _ in 0..<2 {
                events += OrderStory(createdAt: instant("2026-06-10T09:40:00Z"), items: [(8, "Tea", 5, 100)])
                    .events([.pending, .cancelled])
            }
            try await analytics.ingest(events)
            var report = try await analytics.report(2026, 6, 10)
            #expect(report.totalOrders == 3 && report.totalRevenueCents == 3001)
            #expect(report.averageOrderValueCents == 1000)
            #expect(report.peakHour == 9, "3 orders at 9 (2 cancelled) beat 2 at 12")
            #expect(report.ordersByHour == (0..<24).map { $0 == 9 ? 3 : $0 == 12 ? 2 : 0 }, "every hour, cancelled orders too")
            #expect(report.topProducts.map(\.productId) == [7])
            #expect(report.topProducts.first?.name == "Pie")

            try await analytics.ingest(OrderStory(createdAt: instant("2026-06-10T23:59:59Z"), items: [(9, "Jam", 1, 1002)])
                .events([.pending, .confirmed, .preparing, .ready, .delivered]))
            report = try await analytics.report(2026, 6, 10)
            #expect(report.averageOrderValueCents == 1001, "4003 / 4 = 1000.75 rounds to 1001")
            #expect(report.topProducts.map(\.productId) == [7, 9], "quantity 3, then 1")

            let empty = try await analytics.report(2026, 6, 11)
            #expect(empty.totalOrders == 0 && empty.peakHour == nil && empty.topProducts.isEmpty)
            #expect(empty.date == CommonDate(2026, 6, 11))
            await expectInvalid("date is required") {
                try await analytics.client.getDailyReport(.init(), options: AnalyticsHarness.open)
            }
            await expectInvalid("date must be a valid date") { try await analytics.report(2026, 2, 29) }
            await expectInvalid("date must be a valid date") { try await analytics.report(2026, 13, 1) }
        }
    }

    @Test("Dashboard: every day of the range, zeros included; totals; top 10 by revenue; defaults")
    func dashboard() async throws {
        try await AnalyticsHarness.with { analytics in
            var events: [OrderEvent] = []
            for (day, product, cents) in [(1, Int64(1), Int64(500)), (3, 2, 700), (3, 1, 300)] {
                events += OrderStory(createdAt: instant("2026-06-0\(day)T10:00:00Z"), items: [(product, "P\(product)", 1, cents)])
                    .events([.pending, .confirmed, .preparing, .ready, .delivered])
            }
            try await analytics.ingest(events)
            let dashboard = try await analytics.client.getDashboard(.with {
                $0.days = 4
                $0.endDate = .init(2026, 6, 4)
            }, options: AnalyticsHarness.open)
            #expect(dashboard.days == 4)
            #expect(dashboard.startDate == CommonDate(2026, 6, 1) && dashboard.endDate == CommonDate(2026, 6, 4))
            #expect(dashboard.dailySales.map(\.totalRevenueCents) == [500, 0, 1000, 0])
            #expect(dashboard.dailySales.map(\.totalOrders) == [1, 0, 2, 0])
            #expect(dashboard.summary?.totalRevenueCents == 1500 && dashboard.summary?.totalOrders == 3)
            #expect(dashboard.summary?.averageDailyRevenueCents == 375)
            #expect(dashboard.topProducts.map(\.productId) == [1, 2], "800 then 700")

            let defaults = try await analytics.client.getDashboard(.init(), options: AnalyticsHarness.open)
            #expect(defaults.days == 30 && defaults.dailySales.count == 30)
            await expectInvalid("days must be between 1 and 366") {
                try await analytics.client.getDashboard(.with { $0.days = 367 }, options: AnalyticsHarness.open)
            }
            await expectInvalid("end_date must be a valid date") {
                try await analytics.client.getDashboard(.with { $0.endDate = .init(2026, 4, 31) }, options: AnalyticsHarness.open)
            }
        }
    }

    @Test("Product performance: three sorts, keyset pages, popularity as a share of counted orders")
    func productPerformance() async throws {
        try await AnalyticsHarness.with { analytics in
            var events: [OrderEvent] = []
            // Product 1 in 3 orders (1 unit, 100 each), 2 in 1 order (10 units, 50), 3 in 2 orders (1 unit, 400).
            let orders: [[(Int64, Int32, Int64)]] = [[(1, 1, 100), (3, 1, 400)], [(1, 1, 100), (3, 1, 400)], [(1, 1, 100), (2, 10, 50)]]
            for (index, items) in orders.enumerated() {
                events += OrderStory(createdAt: instant("2026-06-0\(index + 1)T10:00:00Z"),
                                     items: items.map { ($0.0, "P\($0.0)", $0.1, $0.2) })
                    .events([.pending, .confirmed, .preparing, .ready])
            }
            try await analytics.ingest(events)
            func list(_ sort: ProductPerformanceSort, size: Int32 = 100, token: String = "") async throws -> ListProductPerformanceResponse {
                try await analytics.client.listProductPerformance(.with {
                    $0.sort = sort
                    $0.pageSize = size
                    $0.pageToken = token
                }, options: AnalyticsHarness.open)
            }
            let revenue = try await list(.revenue)
            #expect(revenue.products.map(\.productId) == [3, 2, 1], "800, 500, 300")
            #expect(revenue.totalSize == 3)
            #expect(try await list(.unspecified).products.map(\.productId) == [3, 2, 1])
            #expect(try await list(.quantity).products.map(\.productId) == [2, 1, 3], "10, 3, 2 units")
            let popular = try await list(.popularity)
            #expect(popular.products.map(\.productId) == [1, 3, 2])
            let shares: [Double] = [100, 200.0 / 3, 100.0 / 3]
            #expect(popular.products.map(\.popularityScore) == shares)
            #expect(popular.products.first?.lastOrderedAt == Google_Protobuf_Timestamp(instant("2026-06-03T10:00:00Z")))

            var seen: [Int64] = []
            var page = try await list(.quantity, size: 1)
            seen += page.products.map(\.productId)
            while !page.nextPageToken.isEmpty {
                page = try await list(.quantity, size: 1, token: page.nextPageToken)
                seen += page.products.map(\.productId)
            }
            #expect(seen == [2, 1, 3])
            let first = try await list(.quantity, size: 1)
            await expectInvalid("page_token is invalid: it belongs to a request with different filters or sort") {
                try await list(.revenue, size: 1, token: first.nextPageToken)
            }
            await expectInvalid("sort is invalid") { try await list(.unrecognized(9)) }
            await expectInvalid("page_size must not be negative") { try await list(.revenue, size: -1) }
        }
    }

    @Test("RebuildReports: validation, and the same figures as the incremental ones")
    func rebuild() async throws {
        try await AnalyticsHarness.with { analytics in
            let story = OrderStory(createdAt: instant("2026-06-10T12:30:00Z"), items: [(1, "Soup", 2, 450)])
            try await analytics.ingest(story.events([.pending, .confirmed, .preparing, .ready]))
            let before = try await analytics.report(2026, 6, 10)
            let rebuilt = try await analytics.client.rebuildReports(.with {
                $0.startDate = .init(2026, 6, 12)
                $0.daysBack = 5
            }, options: AnalyticsHarness.auth)
            #expect(rebuilt.daysRebuilt == 5)
            #expect(rebuilt.firstDate == CommonDate(2026, 6, 8) && rebuilt.lastDate == CommonDate(2026, 6, 12))
            #expect(try await analytics.report(2026, 6, 10) == before)
            let defaults = try await analytics.client.rebuildReports(.init(), options: AnalyticsHarness.auth)
            #expect(defaults.daysRebuilt == 1 && defaults.firstDate == defaults.lastDate)
            await expectInvalid("start_date must not be in the future") {
                try await analytics.client.rebuildReports(.with { $0.startDate = .init(2999, 1, 1) }, options: AnalyticsHarness.auth)
            }
            await expectInvalid("start_date must be a valid date") {
                try await analytics.client.rebuildReports(.with { $0.startDate = .init(2026, 2, 30) }, options: AnalyticsHarness.auth)
            }
            await expectInvalid("days_back must be between 1 and 366") {
                try await analytics.client.rebuildReports(.with { $0.daysBack = 400 }, options: AnalyticsHarness.auth)
            }
        }
    }

    @Test("Business days and hours in America/New_York across both 2026 DST changes")
    func daylightSaving() async throws {
        try await AnalyticsHarness.with(timeZone: "America/New_York") { analytics in
            // 2026-03-08: clocks go 02:00 → 03:00 (UTC-5 → UTC-4).
            // 2026-11-01: clocks go 02:00 → 01:00 (UTC-4 → UTC-5).
            let cases: [(String, CommonDate, Int32)] = [
                ("2026-03-08T04:59:00Z", .init(2026, 3, 7), 23),   // 23:59 EST the day before
                ("2026-03-08T06:30:00Z", .init(2026, 3, 8), 1),    // 01:30 EST
                ("2026-03-08T07:30:00Z", .init(2026, 3, 8), 3),    // 03:30 EDT (02:xx does not exist)
                ("2026-11-01T05:30:00Z", .init(2026, 11, 1), 1),   // 01:30 EDT
                ("2026-11-01T06:30:00Z", .init(2026, 11, 1), 1),   // 01:30 EST, the hour again
                ("2026-11-02T04:30:00Z", .init(2026, 11, 1), 23),  // 23:30 EST
            ]
            for (time, _, _) in cases {
                try await analytics.ingest(OrderStory(createdAt: instant(time), items: [(1, "Soup", 1, 100)])
                    .events([.pending, .confirmed, .preparing, .ready]))
            }
            for (time, date, hour) in cases {
                let report = try await analytics.client.getDailyReport(.with { $0.date = date }, options: AnalyticsHarness.open)
                #expect(report.totalOrders >= 1, "\(time) lands on \(date)")
                if time == "2026-11-01T06:30:00Z" {
                    #expect(report.peakHour == 1 && report.totalOrders == 3, "two orders at 01:xx local, one at 23:xx")
                }
                if time == "2026-03-08T07:30:00Z" { #expect(report.totalOrders == 2) }
                _ = hour
            }
            let march7 = try await analytics.report(2026, 3, 7)
            #expect(march7.totalOrders == 1 && march7.peakHour == 23)
            let march8 = try await analytics.report(2026, 3, 8)
            #expect(march8.peakHour == 1, "01:30 and 03:30 tie on one order each; the earliest hour wins")
            // A rebuild in PostgreSQL's time zone rules agrees with the incremental figures.
            let before = [try await analytics.report(2026, 3, 7), march8, try await analytics.report(2026, 11, 1)]
            _ = try await analytics.client.rebuildReports(.with {
                $0.startDate = .init(2026, 11, 2)
                $0.daysBack = 366
            }, options: AnalyticsHarness.auth)
            let after = [try await analytics.report(2026, 3, 7), try await analytics.report(2026, 3, 8),
                         try await analytics.report(2026, 11, 1)]
            #expect(after == before)
        }
    }
}
