import Foundation
import Testing

/// restaurant-seed, which `make up` and the compose stack run, against real
/// catalog, rating, order and analytics services: it loads the sample menu,
/// ratings and orders, and a second run loads nothing twice.
@Suite("restaurant-seed against the services", .serialized, .timeLimit(.minutes(5)))
struct SeedTests {
    @Test func loadsTheSampleRestaurantOnce() throws {
        try withCatalogServer { catalog in
            let rating = try SiblingServer.start("rating", catalog: catalog)
            defer { rating.stop() }
            let analytics = try SiblingServer.start("analytics", catalog: catalog)
            defer { analytics.stop() }
            let order = try SiblingServer.start("order", catalog: catalog, environment: ["ANALYTICS_ADDR": analytics.address])
            defer { order.stop() }
            func seed() throws -> Outcome {
                try Run.process(try Paths.executable("restaurant-seed"),
                                ["--catalog", catalog.address, "--rating", rating.address, "--order", order.address,
                                 "--token", CatalogServer.token, Paths.root.appendingPathComponent("deploy/seed/menu.json").path],
                                timeout: 240)
            }
            let first = try seed()
            #expect(first.status == 0, "\(first)")
            #expect(first.stdout.contains("loaded the sample menu: 5 categories, "), "\(first)")
            #expect(first.stdout.contains("sample orders: 40 in place, "), "\(first)")
            #expect(!first.stdout.contains(", 0 status changes made"), "the first run moves orders along: \(first)")
            let loaded = first.stdout.split(separator: "\n").first { $0.hasPrefix("loaded ") && $0.hasSuffix(" dishes") }
            #expect(loaded != nil, "ratings loaded: \(first)")

            let second = try seed()
            #expect(second.status == 0, "\(second)")
            #expect(second.stdout.contains("the sample menu is loaded: 5 categories, "), "\(second)")
            #expect(second.stdout.contains("the sample ratings are loaded\n"), "\(second)")
            #expect(second.stdout.contains("sample orders: 40 in place, 0 status changes made\n"), "nothing twice: \(second)")

            let orders = try Run.ctl(["order", "list", "--page-size", "1", "-o", "json", "--addr", order.address])
            let listed = try #require(try orders.json() as? [String: Any], "\(orders)")
            #expect(listed["totalSize"] as? Int == 40, "\(orders.stdout.prefix(300))")
        }
    }
}
