import Foundation
import Testing
@testable import RestaurantCtlKit

/// The order commands through the real restaurantctl binary against a real
/// order-service, with the catalog and analytics it calls.
@Suite("Order commands against order-service", .serialized, .timeLimit(.minutes(5)))
struct OrderCommandTests {
    @Test func createGetListStatusCancel() throws {
        try withCatalogServer { catalog in
            let analytics = try SiblingServer.start("analytics", catalog: catalog)
            defer { analytics.stop() }
            let order = try SiblingServer.start("order", catalog: catalog, environment: ["ANALYTICS_ADDR": analytics.address])
            defer { order.stop() }
            let menu = CatalogCLI(server: catalog)
            let soups = try menu.category("Soups")
            let soup = try #require(id(try menu.product(["--category", String(soups), "--name", "Pea soup", "--price", "6"])))
            func ctl(_ arguments: [String], token: String? = CatalogServer.token) throws -> Outcome {
                var full = ["order"] + arguments + ["--addr", order.address]
                if let token { full += ["--token", token] }
                return try Run.ctl(full)
            }

            let created = try ctl(["create", "--customer", "ada", "--item", "\(soup)x2", "--key", "k1", "-o", "json"])
            #expect(created.status == 0, "\(created)")
            let object = try #require(try created.json() as? [String: Any], "\(created)")
            let orderID = try #require(object["id"] as? String)
            let number = try #require(object["orderNumber"] as? String)
            #expect(object["totalCents"] as? String == "1200")
            let again = try ctl(["create", "--customer", "ada", "--item", "\(soup)x2", "--key", "k1", "-o", "json"])
            #expect((try again.json() as? [String: Any])?["id"] as? String == orderID, "the same key: the same order")

            let text = try ctl(["get", number], token: nil)
            #expect(text.status == 0, "\(text)")
            #expect(text.stdout.contains("Status    pending\n"), "\(text)")
            #expect(text.stdout.contains("Pea soup"), "\(text)")
            #expect(text.stdout.contains("$12.00"), "\(text)")

            let moved = try ctl(["status", orderID, "confirmed"])
            #expect(moved.status == 0 && moved.stdout.contains("Status    confirmed\n"), "\(moved)")
            let refused = try ctl(["status", orderID, "delivered"])
            #expect(refused.status == 73, "\(refused)")
            #expect(refused.stderr == "ERROR: FAILED_PRECONDITION: cannot change order status from CONFIRMED to DELIVERED\n", "\(refused)")
            let cancelled = try ctl(["cancel", orderID, "--reason", "changed plans"])
            #expect(cancelled.status == 0 && cancelled.stdout.contains("Cancelled  changed plans"), "\(cancelled)")

            let list = try ctl(["list", "--customer", "ada"], token: nil)
            #expect(list.status == 0, "\(list)")
            #expect(list.lines.first?.hasPrefix("NUMBER") == true, "\(list)")
            #expect(list.lines[1].hasPrefix(number) && list.lines[1].contains("cancelled"), "\(list)")
            #expect(list.lines.last == "1 of 1 orders", "\(list)")
            let unavailable = try ctl(["create", "--customer", "ada", "--item", "424242"])
            #expect(unavailable.status == 73, "\(unavailable)")
            #expect(unavailable.stderr == "ERROR: FAILED_PRECONDITION: products not available: 424242 (not found)\n", "\(unavailable)")
            let anonymous = try ctl(["create", "--customer", "ada", "--item", "\(soup)"], token: nil)
            #expect(anonymous.status == 80, "\(anonymous)")
        }
    }
}
