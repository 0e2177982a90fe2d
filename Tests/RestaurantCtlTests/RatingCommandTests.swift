import Foundation
import Testing
@testable import RestaurantCtlKit

/// The rating commands through the real restaurantctl binary against a real
/// rating-service and the catalog-service it calls.
@Suite("Rating commands against rating-service", .serialized, .timeLimit(.minutes(5)))
struct RatingCommandTests {
    @Test func rateSummaryListDelete() throws {
        try withCatalogServer { catalog in
            let rating = try SiblingServer.start("rating", catalog: catalog)
            defer { rating.stop() }
            let menu = CatalogCLI(server: catalog)
            let soups = try menu.category("Soups")
            let soup = try #require(id(try menu.product(["--category", String(soups), "--name", "Pea soup", "--price", "6"])))
            func ctl(_ arguments: [String], token: String? = CatalogServer.token) throws -> Outcome {
                var full = ["rating"] + arguments + ["--addr", rating.address]
                if let token { full += ["--token", token] }
                return try Run.ctl(full)
            }

            let rated = try ctl(["rate", String(soup), "--user", "ada", "--stars", "4", "--review", "Lovely"])
            #expect(rated.status == 0, "\(rated)")
            #expect(rated.stdout.contains("Stars    ★★★★☆ (4)\n"), "\(rated)")
            #expect(rated.stdout.contains("Review   Lovely\n"), "\(rated)")
            let json = try ctl(["rate", String(soup), "--user", "bo", "--stars", "5", "-o", "json"])
            let object = try #require(try json.json() as? [String: Any], "\(json)")
            #expect(object["userId"] as? String == "bo" && object["stars"] as? Int == 5)

            let summary = try ctl(["summary", String(soup), "424242"], token: nil)
            #expect(summary.status == 0, "\(summary)")
            #expect(summary.stdout.contains("Product \(soup): 4.50 ★★★★★ from 2 ratings\n"), "\(summary)")
            #expect(summary.stdout.contains("  5★ ██████████████████████████████ 1\n"), "\(summary)")
            #expect(summary.stdout.contains("  3★  0\n"), "\(summary)")
            #expect(summary.stdout.contains("Product 424242: not rated yet"), "\(summary)")

            let list = try ctl(["list", String(soup)], token: nil)
            #expect(list.status == 0, "\(list)")
            #expect(list.lines.first?.hasPrefix("USER") == true, "\(list)")
            #expect(list.lines[1].hasPrefix("bo "), "newest first: \(list)")
            #expect(list.lines.last == "2 of 2 ratings", "\(list)")
            let paged = try ctl(["list", String(soup), "--page-size", "1"], token: nil)
            #expect(paged.lines.last?.hasPrefix("1 of 2 ratings; next page: --page-token ") == true, "\(paged)")

            // The catalog hears of it through the outbox.
            var product = ""
            for _ in 0..<50 {
                product = try menu.run(["product", "get", String(soup)], token: nil).stdout
                if product.contains("Rating       4.50 from 2 ratings") { break }
                usleep(100_000)
            }
            #expect(product.contains("Rating       4.50 from 2 ratings"), "\(product)")

            let deleted = try ctl(["delete", String(soup), "--user", "ada"])
            #expect(deleted.status == 0 && deleted.stdout == "Deleted ada's rating of product \(soup).\n", "\(deleted)")
            let again = try ctl(["delete", String(soup), "--user", "ada"])
            #expect(again.status == 69, "\(again)")
            #expect(again.stderr == "ERROR: NOT_FOUND: user 'ada' has no rating of product \(soup)\n", "\(again)")
            let unknown = try ctl(["rate", "424242", "--user", "ada", "--stars", "3"])
            #expect(unknown.status == 69 && unknown.stderr == "ERROR: NOT_FOUND: product 424242 not found\n", "\(unknown)")
            let invalid = try ctl(["rate", String(soup), "--user", "ada", "--stars", "9"])
            #expect(invalid.status == 67 && invalid.stderr == "ERROR: INVALID_ARGUMENT: stars must be between 1 and 5\n", "\(invalid)")
            let anonymous = try ctl(["rate", String(soup), "--user", "ada", "--stars", "3"], token: nil)
            #expect(anonymous.status == 80, "\(anonymous)")
        }
    }
}
