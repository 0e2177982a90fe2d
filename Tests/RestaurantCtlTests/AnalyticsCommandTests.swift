import Foundation
import LoopbackPorts
import Testing
@testable import RestaurantCtlKit

/// The analytics and stack commands through the real restaurantctl binary
/// against real services: an order placed and delivered through the order
/// service reaches analytics through its outbox, and the commands show it.
@Suite("Analytics and stack commands against the services", .serialized, .timeLimit(.minutes(5)))
struct AnalyticsCommandTests {
    @Test func reportDashboardProductsRebuildAndStackStatus() throws {
        try withCatalogServer { catalog in
            let analytics = try SiblingServer.start("analytics", catalog: catalog, environment: ["ANALYTICS_TIME_ZONE": "UTC"])
            defer { analytics.stop() }
            let order = try SiblingServer.start("order", catalog: catalog, environment: ["ANALYTICS_ADDR": analytics.address])
            defer { order.stop() }
            let menu = CatalogCLI(server: catalog)
            let soups = try menu.category("Soups")
            let soup = try #require(id(try menu.product(["--category", String(soups), "--name", "Pea soup", "--price", "6"])))
            let created = try Run.ctl(["order", "create", "--customer", "ada", "--item", "\(soup)x2", "--key", "a1", "-o", "json",
                                       "--addr", order.address, "--token", CatalogServer.token])
            let orderID = try #require((try created.json() as? [String: Any])?["id"] as? String, "\(created)")
            for status in ["confirmed", "preparing", "ready", "delivered"] {
                let moved = try Run.ctl(["order", "status", orderID, status, "--addr", order.address, "--token", CatalogServer.token])
                #expect(moved.status == 0, "\(moved)")
            }
            func ctl(_ arguments: [String], token: String? = nil) throws -> Outcome {
                var full = ["analytics"] + arguments + ["--addr", analytics.address]
                if let token { full += ["--token", token] }
                return try Run.ctl(full)
            }
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd"
            formatter.timeZone = TimeZone(identifier: "UTC")
            let today = formatter.string(from: Date())
            let hour = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).hour!

            // Delivered through the order service's outbox, within seconds.
            var counted = false
            for _ in 0..<100 where !counted {
                let json = try ctl(["report", today, "-o", "json"])
                counted = (try json.json() as? [String: Any])?["totalOrders"] as? String == "1"
                if !counted { usleep(100_000) }
            }
            #expect(counted, "the delivered order reaches analytics")

            let report = try ctl(["report", today])
            #expect(report.status == 0, "\(report)")
            #expect(report.stdout.contains("Orders         1 (ready or delivered)\n"), "\(report)")
            #expect(report.stdout.contains("Revenue        $12.00\n"), "\(report)")
            let bar = String(repeating: "█", count: 40)
            #expect(report.stdout.contains(String(format: "  %02d:00 │%@ 1\n", hour, bar)), "one order in this hour: \(report)")
            #expect(report.stdout.contains("Pea soup"), "\(report)")
            let badDate = try ctl(["report", "2026-02-30"])
            #expect(badDate.status == 2 && badDate.stderr.contains("'2026-02-30' is invalid"), "\(badDate)")

            let dashboard = try ctl(["dashboard", "--days", "3", "--end", today])
            #expect(dashboard.status == 0, "\(dashboard)")
            let days = dashboard.lines.filter { $0.contains(" │") }
            #expect(days.count == 3, "one row per day: \(dashboard)")
            #expect(days.last == "  \(today) │\(bar) $12.00  1 order", "\(dashboard)")
            #expect(days.first?.hasSuffix("│\(String(repeating: " ", count: 40)) $0.00  0 orders") == true, "\(dashboard)")
            let json = try ctl(["dashboard", "--days", "3", "--end", today, "-o", "json"])
            #expect((try json.json() as? [String: Any])?["days"] as? Int == 3, "\(json)")

            let products = try ctl(["products", "--sort", "quantity"])
            #expect(products.status == 0, "\(products)")
            #expect(products.lines.first?.hasPrefix("PRODUCT") == true && products.lines[1].contains("Pea soup"), "\(products)")
            #expect(products.lines.last == "1 of 1 products", "\(products)")

            let rebuilt = try ctl(["rebuild", "--start", today, "--days", "2"], token: CatalogServer.token)
            #expect(rebuilt.status == 0 && rebuilt.stdout.hasPrefix("Rebuilt 2 days: "), "\(rebuilt)")
            #expect(rebuilt.stdout.hasSuffix("– \(today).\n"), "\(rebuilt)")
            #expect(try ctl(["rebuild"]).status == 80, "rebuilding needs a token")
            #expect(try ctl(["report", today]).stdout.contains("Orders         1 (ready or delivered)\n"), "a rebuild keeps the figures")

            // The stack: three up, the rating service's address refusing.
            let refusing = try LoopbackPort(listening: false)
            defer { refusing.close() }
            let stack = try Run.ctl(["stack", "status"], environment: [
                "CATALOG_ADDR": catalog.address, "ORDER_ADDR": order.address, "ANALYTICS_ADDR": analytics.address,
                "RATING_ADDR": "127.0.0.1:\(refusing.port)",
            ])
            #expect(stack.status == 1, "not every service is SERVING: \(stack)")
            #expect(stack.lines.first?.hasPrefix("SERVICE") == true, "\(stack)")
            let rows = Dictionary(stack.lines.dropFirst().map { (String($0.prefix { $0 != " " }), $0) }) { first, _ in first }
            func cells(_ service: String) -> [String] { (rows[service] ?? "").split(separator: " ").map(String.init) }
            #expect(cells("catalog").prefix(4) == ["catalog", "SERVING", "catalog-service/1.0.0", catalog.address], "\(stack)")
            #expect(cells("order").prefix(4) == ["order", "SERVING", "order-service/1.0.0", order.address], "\(stack)")
            #expect(cells("analytics").prefix(4) == ["analytics", "SERVING", "analytics-service/1.0.0", analytics.address], "\(stack)")
            #expect(rows["rating"]?.contains("UNREACHABLE") == true && rows["rating"]?.contains("UNAVAILABLE") == true, "\(stack)")
        }
    }

    @Test func datesAreCalendarDates() {
        let calendar = Calendar(identifier: .gregorian)
        let now = Date(timeIntervalSince1970: 1_773_532_800)  // 2026-03-15T00:00:00Z
        var utc = calendar
        utc.timeZone = TimeZone(identifier: "UTC")!
        #expect(DateArgument.parse("2024-02-29", today: now, calendar: utc).map { [$0.year, $0.month, $0.day] } == [2024, 2, 29])
        #expect(DateArgument.parse("yesterday", today: now, calendar: utc).map { [$0.year, $0.month, $0.day] } == [2026, 3, 14])
        for invalid in ["2023-02-29", "2024-13-01", "2024-1-01", "20240101", "0000-01-01", "today!"] {
            #expect(DateArgument.parse(invalid, today: now, calendar: utc) == nil, "\(invalid)")
        }
    }

    @Test func barsAreScaledInEighths() {
        #expect(AnalyticsFormat.bar(1, width: 4) == "████")
        #expect(AnalyticsFormat.bar(0.5, width: 3) == "█▌")
        #expect(AnalyticsFormat.bar(0, width: 4) == "")
        #expect(AnalyticsFormat.bar(2, width: 2) == "██", "clamped")
    }
}
