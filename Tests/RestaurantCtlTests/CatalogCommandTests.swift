import Foundation
import LoopbackPorts
import Testing
import WellKnownTypes
@testable import RestaurantCtlKit

/// Runs `restaurantctl catalog …` against one catalog-service.
struct CatalogCLI {
    let server: CatalogServer

    /// `restaurantctl catalog ARGS --addr SERVER [--token TOKEN]`.
    func run(_ arguments: [String], token: String? = CatalogServer.token, stdin: String? = nil,
             environment: [String: String] = [:]) throws -> Outcome {
        var full = ["catalog"] + arguments + ["--addr", server.address]
        if let token { full += ["--token", token] }
        return try Run.ctl(full, stdin: stdin, environment: environment)
    }

    /// Runs, expects exit 0 and returns stdout as a JSON object.
    func json(_ arguments: [String], token: String? = CatalogServer.token, stdin: String? = nil,
              sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let outcome = try run(arguments + ["-o", "json"], token: token, stdin: stdin)
        #expect(outcome.status == 0, "\(outcome)", sourceLocation: sourceLocation)
        return try #require(try outcome.json() as? [String: Any], "\(outcome)", sourceLocation: sourceLocation)
    }

    /// `restaurantctl call SERVER restaurant.catalog.v1.CatalogService/METHOD -d DATA`.
    func call(_ method: String, _ data: String) throws -> Outcome {
        try Run.ctl(["call", server.address, "restaurant.catalog.v1.CatalogService/\(method)", "-d", data])
    }

    /// Creates a category, returning its id.
    func category(_ name: String, sortOrder: Int = 0) throws -> Int64 {
        let created = try json(["category", "create", name, "--sort-order", String(sortOrder)])
        return Int64(try #require(created["id"] as? String))!
    }

    /// Creates a product, returning its JSON.
    func product(_ arguments: [String]) throws -> [String: Any] {
        try json(["product", "create"] + arguments)
    }
}

extension Outcome {
    /// stdout lines without the trailing empty one.
    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }
}

func id(_ json: [String: Any]) -> Int64? { (json["id"] as? String).flatMap { Int64($0) } }

/// Every catalog command through the real restaurantctl binary against a
/// real catalog-service with a fresh schema of its own.
@Suite("Catalog commands against catalog-service", .serialized, .timeLimit(.minutes(5)))
struct CatalogCommandTests {
    @Test func categories() throws {
        try withCatalogServer { server in
            let ctl = CatalogCLI(server: server)
            let empty = try ctl.run(["categories"], token: nil)
            #expect(empty.status == 0, "\(empty)")
            #expect(empty.stdout == "No categories.\n", "\(empty)")

            let mains = try ctl.run(["category", "create", "Main Courses", "--sort-order", "20", "--description", "Hearty plates"])
            #expect(mains.status == 0, "\(mains)")
            #expect(mains.stdout.contains("Slug         main-courses\n"), "\(mains)")
            #expect(mains.stdout.contains("Sort order   20\n"), "\(mains)")
            #expect(mains.stdout.contains("Description  Hearty plates\n"), "\(mains)")

            // Negative numbers are values, not options.
            let desserts = try ctl.json(["category", "create", "Desserts", "--sort-order", "-5"])
            #expect(desserts["slug"] as? String == "desserts")
            #expect(desserts["sortOrder"] as? Int == -5)
            #expect(desserts["active"] as? Bool == true)
            let seasonal = try ctl.json(["category", "create", "Seasonal", "--inactive"])
            #expect(seasonal["active"] == nil, "inactive: false is left out of proto3 JSON")

            let duplicate = try ctl.run(["category", "create", "DESSERTS"])
            #expect(duplicate.status == 70, "\(duplicate)")
            #expect(duplicate.stderr.hasPrefix("ERROR: ALREADY_EXISTS: "), "\(duplicate)")
            let blank = try ctl.run(["category", "create", "  "])
            #expect(blank.status == 67, "\(blank)")
            #expect(blank.stderr.hasPrefix("ERROR: INVALID_ARGUMENT: "), "\(blank)")

            // Table: menu order (sort order, then name), aligned columns.
            let table = try ctl.run(["categories"], token: nil)
            #expect(table.status == 0, "\(table)")
            let lines = table.lines
            #expect(lines.count == 4, "\(table)")
            #expect(lines.first?.hasPrefix("ID  NAME          SLUG          ORDER  ACTIVE  PRODUCTS  CREATED") == true, "\(table)")
            #expect(lines.dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true)[1] } == ["Desserts", "Seasonal", "Main"], "\(table)")
            #expect(lines[1].contains("   -5  yes"), "\(table)")
            #expect(lines[2].contains("    0  no "), "\(table)")

            let active = try ctl.json(["categories", "--active-only"], token: nil)
            let names = (active["categories"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == ["Desserts", "Main Courses"])

            // -o json is exactly what `call` prints; jsonl the same on one line.
            let json = try ctl.run(["categories", "-o", "json"], token: nil)
            let call = try ctl.call("ListCategories", "{}")
            #expect(call.status == 0, "\(call)")
            #expect(json.stdout == call.stdout)
            let jsonl = try ctl.run(["categories", "-o", "jsonl"], token: nil)
            #expect(jsonl.lines.count == 1, "\(jsonl)")
            let callLine = try Run.ctl(["call", server.address, "restaurant.catalog.v1.CatalogService/ListCategories", "-o", "jsonl"])
            #expect(jsonl.stdout == callLine.stdout, "\(jsonl)\n\(callLine)")
        }
    }

    @Test func productsCreateGetUpdateDelete() throws {
        try withCatalogServer { server in
            let ctl = CatalogCLI(server: server)
            let mainsID = try ctl.category("Main Courses", sortOrder: 20)
            let dessertsID = try ctl.category("Desserts", sortOrder: 10)

            // By slug, with money typed as a decimal.
            let padThai = try ctl.run(["product", "create", "--category", "main-courses", "--name", "Pad Thai", "--price", "13.90",
                                       "--prep-minutes", "15", "--calories", "700", "--tag", "Spicy", "--tag", "noodles",
                                       "--tag", "spicy", "--description", "Rice noodles, tamarind"])
            #expect(padThai.status == 0, "\(padThai)")
            for line in ["Name         Pad Thai", "Category     Main Courses (\(mainsID))", "Price        $13.90", "Preparation  15 min",
                         "Calories     700 kcal", "Available    yes", "Featured     no", "Tags         spicy, noodles",
                         "Description  Rice noodles, tamarind"] {
                #expect(padThai.stdout.contains(line + "\n"), "missing '\(line)' in \(padThai)")
            }
            let padThaiID = try #require(Int64(padThai.lines.first?.split(separator: " ").last ?? ""), "\(padThai)")

            // By name (any case), by id; exact cents; unavailable; featured.
            let tiramisu = try ctl.product(["--category", "DESSERTS", "--name", "Tiramisu", "--price", "19.99", "--featured",
                                            "--prep-minutes", "5"])
            #expect(tiramisu["priceCents"] as? String == "1999")
            #expect(tiramisu["categoryId"] as? String == String(dessertsID))
            #expect(tiramisu["featured"] as? Bool == true)
            let sorbet = try ctl.product(["--category", String(dessertsID), "--name", "Sorbet", "--price", "$0.1", "--unavailable"])
            #expect(sorbet["priceCents"] as? String == "10")
            #expect(sorbet["available"] == nil)
            let feast = try ctl.product(["--category", "desserts", "--name", "Feast", "--price", "1234.5", "--calories", "0"])
            #expect(feast["priceCents"] as? String == "123450")
            #expect(feast["calories"] as? Int == 0, "calories 0 is set, not unknown")
            let tiramisuID = try #require(id(tiramisu)), sorbetID = try #require(id(sorbet)), feastID = try #require(id(feast))

            // Amounts are checked before anything is sent: exit 2, a clear message.
            for (price, message) in [("12.345", "'12.345' has more than 2 decimal places"), ("-3", "'-3' is negative"),
                                     ("abc", "'abc' is not an amount"), ("1,50", "no thousands separators"),
                                     ("99999999999999999999", "is too large")] {
                let bad = try ctl.run(["product", "create", "--category", "desserts", "--name", "X", "--price", price])
                #expect(bad.status == 2, "\(price): \(bad)")
                #expect(bad.stderr.contains(message), "\(price): \(bad)")
                #expect(bad.stdout.isEmpty)
            }
            // The server's own rules: INVALID_ARGUMENT (67), NOT_FOUND (69).
            let free = try ctl.run(["product", "create", "--category", "desserts", "--name", "Free", "--price", "0"])
            #expect(free.status == 67, "\(free)")
            #expect(free.stderr == "ERROR: INVALID_ARGUMENT: price_cents must be greater than 0\n", "\(free)")
            let slow = try ctl.run(["product", "create", "--category", "desserts", "--name", "Slow", "--price", "1", "--prep-minutes", "481"])
            #expect(slow.status == 67, "\(slow)")
            #expect(slow.stderr.contains("preparation_minutes"), "\(slow)")
            let nowhere = try ctl.run(["product", "create", "--category", "999", "--name", "X", "--price", "1"])
            #expect(nowhere.status == 69, "\(nowhere)")
            #expect(nowhere.stderr == "ERROR: NOT_FOUND: category 999 not found\n", "\(nowhere)")
            let unknown = try ctl.run(["product", "create", "--category", "Drinks", "--name", "X", "--price", "1"])
            #expect(unknown.status == 1, "\(unknown)")
            #expect(unknown.stderr.contains("no category 'Drinks'"), "\(unknown)")
            #expect(unknown.stderr.contains("desserts (\(dessertsID))"), "\(unknown)")

            // get: text, JSON identical to `call`, errors.
            let get = try ctl.run(["product", "get", String(tiramisuID)], token: nil)
            #expect(get.status == 0, "\(get)")
            #expect(get.stdout.contains("Price        $19.99\n"), "\(get)")
            #expect(get.stdout.contains("Featured     yes\n"), "\(get)")
            #expect(get.stdout.contains("Rating       not rated yet"), "nobody rated it: \(get)")
            let getJSON = try ctl.run(["product", "get", String(padThaiID), "-o", "json"], token: nil)
            let getCall = try ctl.call("GetProduct", #"{"id": \#(padThaiID)}"#)
            #expect(getJSON.status == 0 && getCall.status == 0, "\(getJSON)\n\(getCall)")
            #expect(getJSON.stdout == getCall.stdout)
            let missing = try ctl.run(["product", "get", "424242"], token: nil)
            #expect(missing.status == 69, "\(missing)")
            #expect(missing.stderr == "ERROR: NOT_FOUND: product 424242 not found\n", "\(missing)")
            let zero = try ctl.run(["product", "get", "0"], token: nil)
            #expect(zero.status == 67, "\(zero)")
            #expect(zero.stderr.hasPrefix("ERROR: INVALID_ARGUMENT: id must be"), "\(zero)")
            let notNumber = try ctl.run(["product", "get", "abc"], token: nil)
            #expect(notNumber.status == 2, "\(notNumber)")

            // Times: local ($TZ) and short.
            let createdAt = try #require(tiramisu["createdAt"] as? String)
            let instant = try #require(ISO8601DateFormatter.withFractions.date(from: createdAt))
            let tokyo = DateFormatter()
            tokyo.locale = Locale(identifier: "en_US_POSIX")
            tokyo.timeZone = TimeZone(identifier: "Asia/Tokyo")
            tokyo.dateFormat = "yyyy-MM-dd HH:mm"
            let local = try ctl.run(["product", "get", String(tiramisuID)], token: nil, environment: ["TZ": "Asia/Tokyo"])
            #expect(local.stdout.contains("Created      \(tokyo.string(from: instant))\n"), "\(local)")

            // update: only the fields given change (the mask).
            let updated = try ctl.json(["product", "update", String(padThaiID), "--price", "14.50", "--tag", "Vegan",
                                        "--clear-calories", "--featured", "true"])
            #expect(updated["priceCents"] as? String == "1450")
            #expect(updated["tags"] as? [String] == ["vegan"])
            #expect(updated["calories"] == nil)
            #expect(updated["featured"] as? Bool == true)
            #expect(updated["name"] as? String == "Pad Thai")
            #expect(updated["description"] as? String == "Rice noodles, tamarind")
            #expect(updated["preparationMinutes"] as? Int == 15)
            #expect(updated["available"] as? Bool == true)
            #expect(updated["updatedAt"] as? String != updated["createdAt"] as? String, "updated_at moves")
            let moved = try ctl.run(["product", "update", String(padThaiID), "--category", "desserts", "--name", "Pad Thai Sweet",
                                     "--description", "", "--prep-minutes", "7", "--calories", "650", "--available", "no",
                                     "--clear-tags"])
            #expect(moved.status == 0, "\(moved)")
            for line in ["Name         Pad Thai Sweet", "Category     Desserts (\(dessertsID))", "Price        $14.50",
                         "Preparation  7 min", "Calories     650 kcal", "Available    no", "Featured     yes", "Tags         -"] {
                #expect(moved.stdout.contains(line + "\n"), "missing '\(line)' in \(moved)")
            }
            #expect(!moved.stdout.contains("Description"), "\(moved)")
            let nothing = try ctl.run(["product", "update", String(padThaiID)])
            #expect(nothing.status == 2, "\(nothing)")
            #expect(nothing.stderr.contains("nothing to update"), "\(nothing)")
            let both = try ctl.run(["product", "update", String(padThaiID), "--tag", "a", "--clear-tags"])
            #expect(both.status == 2, "\(both)")
            let badBool = try ctl.run(["product", "update", String(padThaiID), "--featured", "maybe"])
            #expect(badBool.status == 2, "\(badBool)")
            let badPrice = try ctl.run(["product", "update", String(padThaiID), "--price", "1.001"])
            #expect(badPrice.status == 2, "\(badPrice)")
            let ghost = try ctl.run(["product", "update", "424242", "--name", "Ghost"])
            #expect(ghost.status == 69, "\(ghost)")
            #expect(ghost.stderr.hasPrefix("ERROR: NOT_FOUND: "), "\(ghost)")
            let emptyName = try ctl.run(["product", "update", String(padThaiID), "--name", ""])
            #expect(emptyName.status == 67, "\(emptyName)")
            #expect(emptyName.stderr.hasPrefix("ERROR: INVALID_ARGUMENT: "), "\(emptyName)")

            // availability on|off, idempotent.
            let off = try ctl.run(["product", "availability", String(tiramisuID), "off"])
            #expect(off.status == 0, "\(off)")
            #expect(off.stdout.contains("Available    no\n"), "\(off)")
            let offAgain = try ctl.json(["product", "availability", String(tiramisuID), "off"])
            #expect(offAgain["available"] == nil)
            let on = try ctl.json(["product", "availability", String(tiramisuID), "on"])
            #expect(on["available"] as? Bool == true)
            let badState = try ctl.run(["product", "availability", String(tiramisuID), "sometimes"])
            #expect(badState.status == 2, "\(badState)")
            let availabilityGhost = try ctl.run(["product", "availability", "424242", "on"])
            #expect(availabilityGhost.status == 69, "\(availabilityGhost)")

            // products: table with money, filters, sort, JSON identical to `call`.
            let list = try ctl.run(["products"], token: nil)
            #expect(list.status == 0, "\(list)")
            let header = try #require(list.lines.first)
            #expect(header.hasPrefix("ID  NAME"), "\(list)")
            for column in ["CATEGORY", "PRICE", "PREP", "KCAL", "AVAILABLE", "FEATURED", "RATING", "TAGS"] {
                #expect(header.contains(column), "\(list)")
            }
            #expect(list.stdout.contains("$1,234.50"), "\(list)")
            #expect(list.stdout.contains("   $0.10"), "prices are right-aligned: \(list)")
            #expect(list.lines.last == "4 products.", "\(list)")
            let priceColumn = try #require(header.range(of: "PRICE")).upperBound.utf16Offset(in: header)
            for line in list.lines.dropFirst().dropLast() {
                let end = line.index(line.startIndex, offsetBy: priceColumn)
                #expect(line[line.index(before: end)].isNumber && line[end] == " ", "prices end where PRICE ends: \(list)")
            }

            let filtered = try ctl.json(["products", "--min-price", "0.10", "--max-price", "19.99", "--sort", "price-desc"], token: nil)
            let filteredIDs = (filtered["products"] as? [[String: Any]])?.compactMap(id)
            #expect(filteredIDs == [tiramisuID, padThaiID, sorbetID], "\(filtered)")
            #expect(filtered["totalSize"] as? Int == 3)
            let cheap = try ctl.json(["products", "--max-price", "14.49", "--sort", "price"], token: nil)
            #expect((cheap["products"] as? [[String: Any]])?.compactMap(id) == [sorbetID])
            let availableFeatured = try ctl.json(["products", "--available", "--featured", "--category", "desserts"], token: nil)
            #expect((availableFeatured["products"] as? [[String: Any]])?.compactMap(id) == [tiramisuID])
            let search = try ctl.json(["products", "--query", "sorbet"], token: nil)
            #expect((search["products"] as? [[String: Any]])?.compactMap(id) == [sorbetID])
            let byName = try ctl.json(["products", "--sort", "name"], token: nil)
            #expect((byName["products"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
                    == ["Feast", "Pad Thai Sweet", "Sorbet", "Tiramisu"])
            let none = try ctl.run(["products", "--query", "nothing-matches-this"], token: nil)
            #expect(none.stdout == "No products found.\n", "\(none)")
            let badSort = try ctl.run(["products", "--sort", "cheapest"], token: nil)
            #expect(badSort.status == 2, "\(badSort)")
            let badRange = try ctl.run(["products", "--min-price", "5", "--max-price", "4"], token: nil)
            #expect(badRange.status == 67, "\(badRange)")
            #expect(badRange.stderr == "ERROR: INVALID_ARGUMENT: min_price_cents must not exceed max_price_cents\n", "\(badRange)")
            let byRating = try ctl.run(["products", "--sort", "rating", "-o", "json"], token: nil)
            #expect(byRating.status == 0, "\(byRating)")
            #expect(byRating.stdout.contains(#""rating""#), "products carry their (zero) rating: \(byRating)")

            let listJSON = try ctl.run(["products", "--category", String(dessertsID), "--sort", "newest", "-o", "json"], token: nil)
            let listCall = try ctl.call("ListProducts", #"{"categoryId": "\#(dessertsID)", "sort": "NEWEST"}"#)
            #expect(listJSON.status == 0 && listCall.status == 0, "\(listJSON)\n\(listCall)")
            #expect(listJSON.stdout == listCall.stdout)

            // delete: gone from get and list; a second delete is NOT_FOUND.
            let delete = try ctl.run(["product", "delete", String(feastID)])
            #expect(delete.status == 0, "\(delete)")
            #expect(delete.stdout == "Deleted product \(feastID).\n", "\(delete)")
            #expect(try ctl.run(["product", "get", String(feastID)]).status == 69)
            let again = try ctl.run(["product", "delete", String(feastID)])
            #expect(again.status == 69, "\(again)")
            #expect(again.stderr == "ERROR: NOT_FOUND: product \(feastID) not found\n", "\(again)")
            let deleteJSON = try ctl.run(["product", "delete", String(sorbetID), "-o", "json"])
            #expect(deleteJSON.status == 0, "\(deleteJSON)")
            #expect(deleteJSON.stdout == "{}\n", "\(deleteJSON)")
            let remaining = try ctl.json(["products"], token: nil)
            #expect(remaining["totalSize"] as? Int == 2)

            // Categories count available products.
            let categories = try ctl.json(["categories"], token: nil)
            let counts = (categories["categories"] as? [[String: Any]])?.map { $0["productCount"] as? Int ?? 0 }
            #expect(counts == [1, 0], "Desserts: Tiramisu (Pad Thai Sweet is unavailable); Main Courses: none")
        }
    }

    @Test func dietaryRestrictions() throws {
        try withCatalogServer { server in
            let ctl = CatalogCLI(server: server)
            _ = try ctl.category("Mains")
            let curry = try ctl.run(["product", "create", "--category", "mains", "--name", "Curry", "--price", "12",
                                     "--dietary", "vegan", "--dietary", "Gluten_Free"])
            #expect(curry.status == 0, "\(curry)")
            #expect(curry.stdout.contains("Dietary      vegetarian, vegan, gluten-free, dairy-free\n"), "\(curry)")
            let curryID = try #require(curry.stdout.split(separator: "\n").first { $0.hasPrefix("ID ") }?.split(separator: " ").last)
            let steak = try ctl.product(["--category", "mains", "--name", "Steak", "--price", "30", "--dietary", "halal"])
            #expect(steak["dietaryRestrictions"] as? [String] == ["DIETARY_RESTRICTION_HALAL"])

            let vegetarian = try ctl.run(["products", "--dietary", "vegetarian"])
            #expect(vegetarian.status == 0 && vegetarian.stdout.contains("Curry") && !vegetarian.stdout.contains("Steak"), "\(vegetarian)")
            let none = try ctl.run(["products", "--dietary", "vegan", "--dietary", "halal"])
            #expect(none.status == 0 && !none.stdout.contains("Curry") && !none.stdout.contains("Steak"), "\(none)")

            let updated = try ctl.run(["product", "update", String(curryID), "--dietary", "nut-free"])
            #expect(updated.stdout.contains("Dietary      nut-free\n"), "\(updated)")
            let cleared = try ctl.run(["product", "update", String(curryID), "--clear-dietary"])
            #expect(cleared.stdout.contains("Dietary      -\n"), "\(cleared)")

            // Unknown names are refused before anything is sent, listing the known ones.
            let paleo = try ctl.run(["products", "--dietary", "paleo"])
            #expect(paleo.status == 2, "\(paleo)")
            #expect(paleo.stderr.contains("The value 'paleo' is invalid for '--dietary <restriction>'"), "\(paleo)")
            #expect(paleo.stderr.contains("vegetarian"), "\(paleo)")
            let both = try ctl.run(["product", "update", String(curryID), "--dietary", "vegan", "--clear-dietary"])
            #expect(both.status == 2 && both.stderr.contains("--dietary and --clear-dietary cannot be combined"), "\(both)")
        }
    }

    @Test func authorization() throws {
        try withCatalogServer { server in
            let ctl = CatalogCLI(server: server)
            let categoryID = try ctl.category("Soups")
            let soup = try #require(id(try ctl.product(["--category", "soups", "--name", "Miso", "--price", "4"])))
            let item = #"{"categoryId": \#(categoryID), "name": "Pho", "priceCents": 900}"#
            let writes: [[String]] = [
                ["category", "create", "Salads"],
                ["product", "create", "--category", String(categoryID), "--name", "Pho", "--price", "9"],
                ["product", "update", String(soup), "--price", "5"],
                ["product", "availability", String(soup), "off"],
                ["product", "delete", String(soup)],
                ["product", "import", "-"],
            ]
            for command in writes {
                let anonymous = try ctl.run(command, token: nil, stdin: item)
                #expect(anonymous.status == 80, "\(command): \(anonymous)")
                #expect(anonymous.stderr.hasPrefix("ERROR: UNAUTHENTICATED: "), "\(command): \(anonymous)")
                #expect(anonymous.stdout.isEmpty, "\(command): \(anonymous)")
                let wrong = try ctl.run(command, token: "not-a-valid-token", stdin: item)
                #expect(wrong.status == 71, "\(command): \(wrong)")
                #expect(wrong.stderr.hasPrefix("ERROR: PERMISSION_DENIED: "), "\(command): \(wrong)")
            }
            // Nothing changed; reads need no token.
            let product = try ctl.json(["product", "get", String(soup)], token: nil)
            #expect(product["priceCents"] as? String == "400")
            #expect(product["available"] as? Bool == true)
            let list = try ctl.json(["products"], token: nil)
            #expect(list["totalSize"] as? Int == 1)
            let categories = try ctl.json(["categories"], token: nil)
            #expect((categories["categories"] as? [Any])?.count == 1)

            // $RESTAURANT_TOKEN is the default token; any accepted token works.
            let viaEnvironment = try ctl.run(["category", "create", "Salads"], token: nil,
                                             environment: ["RESTAURANT_TOKEN": CatalogServer.otherToken])
            #expect(viaEnvironment.status == 0, "\(viaEnvironment)")
            let bearer = try ctl.run(["category", "create", "Breads"], token: "Bearer \(CatalogServer.token)")
            #expect(bearer.status == 0, "\(bearer)")

            // The address: --addr, else $CATALOG_ADDR, else $RESTAURANT_ADDR.
            let fromCatalogAddr = try Run.ctl(["catalog", "categories"], environment: ["CATALOG_ADDR": server.address])
            #expect(fromCatalogAddr.status == 0, "\(fromCatalogAddr)")
            let fromRestaurantAddr = try Run.ctl(["catalog", "categories"], environment: ["RESTAURANT_ADDR": server.address])
            #expect(fromRestaurantAddr.status == 0, "\(fromRestaurantAddr)")
            let catalogFirst = try Run.ctl(["catalog", "categories"],
                                           environment: ["CATALOG_ADDR": server.address, "RESTAURANT_ADDR": "127.0.0.1:1"])
            #expect(catalogFirst.status == 0, "\(catalogFirst)")
            let badAddress = try Run.ctl(["catalog", "categories"], environment: ["CATALOG_ADDR": "nonsense"])
            #expect(badAddress.status == 2, "\(badAddress)")
            #expect(badAddress.stderr.contains("(from $CATALOG_ADDR)"), "\(badAddress)")
            let refusing = try LoopbackPort(listening: false)
            defer { refusing.close() }
            let refused = try Run.ctl(["catalog", "categories", "--addr", "127.0.0.1:\(refusing.port)"])
            #expect(refused.status == 78, "\(refused)")
            #expect(refused.stderr.hasPrefix("ERROR: UNAVAILABLE: "), "\(refused)")
        }
    }

    @Test func importWithBadLines() throws {
        try withCatalogServer { server in
            let ctl = CatalogCLI(server: server)
            let categoryID = try ctl.category("Mains")
            let file = Protosets.directory.appendingPathComponent("import-\(UUID().uuidString).jsonl")
            defer { try? FileManager.default.removeItem(at: file) }
            try """
                {"categoryId": "\(categoryID)", "name": "Curry", "priceCents": "1200", "tags": ["Spicy"]}
                {"category_id": \(categoryID), "name": "Free Lunch", "price_cents": 0}

                {"categoryId": 999, "name": "Ghost", "priceCents": 100}
                {"categoryId": \(categoryID), "name": "Stew", "priceCents": 950, "calories": 640, "available": false}
                {"categoryId": \(categoryID), "name": "", "priceCents": 100}

                """.write(to: file, atomically: true, encoding: .utf8)
            let report = try ctl.run(["product", "import", file.path])
            #expect(report.status == 1, "\(report)")
            // Line numbers are the file's (the blank line 3 is skipped, not sent).
            let lines = report.lines
            try #require(lines.count == 5, "\(report)")
            #expect(lines[0] == "Imported 2 of 5 products from \(file.path); 3 failed:", "\(report)")
            #expect(lines[1] == "  line 2 (Free Lunch): INVALID_ARGUMENT: price_cents must be greater than 0", "\(report)")
            #expect(lines[2] == "  line 4 (Ghost): NOT_FOUND: category 999 not found", "\(report)")
            #expect(lines[3].hasPrefix("  line 6: INVALID_ARGUMENT: name "), "\(report)")
            #expect(lines[4].hasPrefix("Created ids: "), "\(report)")
            #expect(report.stderr == "error: 3 of 5 products were not imported\n", "\(report)")

            let products = try ctl.json(["products", "--sort", "name"], token: nil)
            let created = try #require(products["products"] as? [[String: Any]])
            #expect(created.compactMap { $0["name"] as? String } == ["Curry", "Stew"])
            #expect(created.first?["tags"] as? [String] == ["spicy"])
            #expect(created.last?["available"] == nil)
            #expect(created.last?["calories"] as? Int == 640)

            // From stdin, -o json: the response as `call` prints it (0-based indexes).
            let stdin = """
                {"categoryId": \(categoryID), "name": "Soup", "priceCents": 450}
                {"categoryId": \(categoryID), "name": "Too Slow", "priceCents": 450, "preparationMinutes": 999}
                """
            let json = try ctl.run(["product", "import", "-", "-o", "json"], stdin: stdin)
            #expect(json.status == 1, "\(json)")
            let response = try #require(try json.json() as? [String: Any], "\(json)")
            #expect(response["createdCount"] as? Int == 1)
            #expect(response["failedCount"] as? Int == 1)
            #expect((response["createdIds"] as? [String])?.count == 1)
            let errors = try #require(response["errors"] as? [[String: Any]])
            #expect(errors.first?["index"] as? Int == 1)
            #expect(errors.first?["name"] as? String == "Too Slow")
            #expect(errors.first?["code"] as? Int == 3)
            #expect((errors.first?["message"] as? String)?.contains("preparation_minutes") == true)

            // All good: exit 0.
            let good = try ctl.run(["product", "import", "-"], stdin: """
                {"categoryId": \(categoryID), "name": "Rice", "priceCents": 300}
                {"categoryId": \(categoryID), "name": "Naan", "priceCents": 250}
                """)
            #expect(good.status == 0, "\(good)")
            #expect(good.lines.first == "Imported 2 products from stdin.", "\(good)")
            #expect(good.stderr.isEmpty, "\(good)")

            // Lines that are not CreateProductRequest JSON: nothing is sent, exit 1.
            let before = try ctl.json(["products"], token: nil)["totalSize"] as? Int
            let malformed = try ctl.run(["product", "import", "-"], stdin: """
                {"categoryId": \(categoryID), "name": "Fine", "priceCents": 100}
                {"categoryId": \(categoryID), "name": "Bad", "priceCents": "abc"}
                {"name":
                {"categoryId": \(categoryID), "nmae": "Typo", "priceCents": 100}
                """)
            #expect(malformed.status == 1, "\(malformed)")
            #expect(malformed.stdout.isEmpty, "\(malformed)")
            #expect(malformed.stderr.contains("stdin:2: priceCents: expected integer"), "\(malformed)")
            #expect(malformed.stderr.contains("stdin:3:"), "\(malformed)")
            #expect(malformed.stderr.contains("stdin:4: unknown field \"nmae\""), "\(malformed)")
            #expect(malformed.stderr.contains("error: 3 lines are not a CreateProductRequest; nothing was imported"), "\(malformed)")
            #expect(try ctl.json(["products"], token: nil)["totalSize"] as? Int == before)

            let unreadable = try ctl.run(["product", "import", "/nonexistent/menu.jsonl"])
            #expect(unreadable.status == 1, "\(unreadable)")
            #expect(unreadable.stderr.contains("cannot read /nonexistent/menu.jsonl"), "\(unreadable)")
        }
    }

    @Test func pagesAndAll() throws {
        try withCatalogServer { server in
            let ctl = CatalogCLI(server: server)
            let categoryID = try ctl.category("Tapas")
            let items = (1...7).map { #"{"categoryId": \#(categoryID), "name": "Tapa \#($0)", "priceCents": \#($0 * 100 + 5)}"# }
            let imported = try ctl.run(["product", "import", "-"], stdin: items.joined(separator: "\n"))
            #expect(imported.status == 0, "\(imported)")

            // One page: rows, the total and the next token.
            let first = try ctl.run(["products", "--page-size", "3", "--sort", "price"], token: nil)
            #expect(first.status == 0, "\(first)")
            #expect(first.lines.count == 5, "\(first)")
            #expect(first.lines[1].contains("$1.05"), "\(first)")
            let footer = try #require(first.lines.last)
            #expect(footer.hasPrefix("3 of 7 products; next page: --page-token "), "\(first)")
            let token = try #require(footer.components(separatedBy: "--page-token ").last?.components(separatedBy: " ").first)

            let second = try ctl.json(["products", "--page-size", "3", "--sort", "price", "--page-token", token], token: nil)
            #expect((second["products"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Tapa 4", "Tapa 5", "Tapa 6"])
            let third = try ctl.run(["products", "--page-size", "3", "--sort", "price", "--page-token",
                                     try #require(second["nextPageToken"] as? String)], token: nil)
            #expect(third.lines.count == 3, "\(third)")
            #expect(third.lines.last == "1 of 7 products.", "\(third)")

            // --all follows the tokens (4 requests of 2) and prints one list.
            let all = try ctl.run(["products", "--all", "--page-size", "2", "--sort", "price", "-v"], token: nil)
            #expect(all.status == 0, "\(all)")
            #expect(all.lines.count == 9, "\(all)")
            #expect(all.lines.last == "7 products.", "\(all)")
            #expect(all.stderr.components(separatedBy: "> /restaurant.catalog.v1.CatalogService/ListProducts").count - 1 == 4, "\(all)")
            let allJSON = try ctl.json(["products", "--all", "--page-size", "2", "--sort", "price-desc"], token: nil)
            let names = (allJSON["products"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == (1...7).reversed().map { "Tapa \($0)" })
            #expect(allJSON["nextPageToken"] == nil)
            #expect(allJSON["totalSize"] as? Int == 7)
            let allDefault = try ctl.json(["products", "--all"], token: nil)
            #expect((allDefault["products"] as? [Any])?.count == 7)

            let badToken = try ctl.run(["products", "--page-token", "not-a-token"], token: nil)
            #expect(badToken.status == 67, "\(badToken)")
            #expect(badToken.stderr.hasPrefix("ERROR: INVALID_ARGUMENT: page_token"), "\(badToken)")
            let negative = try ctl.run(["products", "--page-size", "-1"], token: nil)
            #expect(negative.status == 67, "\(negative)")
        }
    }

    @Test func watchPrintsEventsAsTheyHappen() throws {
        try withCatalogServer { server in
            let ctl = CatalogCLI(server: server)
            _ = try ctl.category("Desserts")
            _ = try ctl.category("Mains")
            let restaurantctl = try Paths.restaurantctl
            let text = try BackgroundProcess(restaurantctl, ["catalog", "watch", "--addr", server.address])
            let json = try BackgroundProcess(restaurantctl, ["catalog", "watch", "--category", "desserts", "-o", "json",
                                                             "--addr", server.address])
            defer {
                text.stop(signal: SIGKILL)
                json.stop(signal: SIGKILL)
            }
            for watcher in [text, json] {
                let subscribed = watcher.wait(timeout: 20) { $0.stderr.contains("Watching menu changes on \(server.address)") }
                try #require(subscribed, "the watcher did not subscribe within 20s: stdout \(watcher.stdout)\nstderr \(watcher.stderr)")
            }
            #expect(json.stderr.contains("(category desserts)"), "\(json.stderr)")

            // Changes made by other commands.
            let name = "Flan \(UInt32.random(in: 0...UInt32.max))"
            let flan = try #require(id(try ctl.product(["--category", "desserts", "--name", name, "--price", "5.25"])))
            let mains = try #require(id(try ctl.product(["--category", "mains", "--name", "Mains \(name)", "--price", "11"])))
            #expect(try ctl.run(["product", "update", String(flan), "--price", "5.75"]).status == 0)
            #expect(try ctl.run(["product", "availability", String(flan), "off"]).status == 0)
            #expect(try ctl.run(["product", "delete", String(flan)]).status == 0)

            let expected = [
                "created     #\(flan)  \(name)  $5.25  Desserts  available",
                "created     #\(mains)  Mains \(name)  $11.00  Mains  available",
                "updated     #\(flan)  \(name)  $5.75  Desserts  available",
                "unavailable #\(flan)  \(name)  $5.75  Desserts",
                "deleted     #\(flan)  \(name)",
            ]
            let seen = text.wait(timeout: 20) { watcher in expected.allSatisfy { watcher.stdout.contains($0 + "\n") } }
            #expect(seen, "text watcher missed events; stdout:\n\(text.stdout)\nstderr:\n\(text.stderr)")
            let lines = text.stdout.split(separator: "\n").map(String.init)
            for line in lines where line.contains(name) {
                #expect(line.range(of: #"^\d\d:\d\d:\d\d  "#, options: .regularExpression) != nil, "local time first: \(line)")
            }
            // Exactly these events, in the order they happened (the schema is
            // this test's own and its NOTIFY channel is per schema).
            let events = lines.filter { $0.range(of: #"^\d\d:\d\d:\d\d  "#, options: .regularExpression) != nil }
            #expect(events.map { String($0.dropFirst(10)) } == expected, "stdout:\n\(text.stdout)")

            // JSON lines: MenuEvents of desserts only, as the proto3 JSON mapping.
            func flanEvents(_ watcher: BackgroundProcess) -> [[String: Any]] {
                watcher.stdout.split(separator: "\n").compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }.filter { $0["productId"] as? String == String(flan) }
            }
            let jsonSeen = json.wait(timeout: 20) { flanEvents($0).count >= 4 }
            #expect(jsonSeen, "json watcher missed events; stdout:\n\(json.stdout)\nstderr:\n\(json.stderr)")
            // Exactly these, in order: the NOTIFY channel is per schema, so no
            // other catalog-service adds events.
            let matched = flanEvents(json)
            #expect(matched.map { $0["type"] as? String } == ["MENU_EVENT_TYPE_PRODUCT_CREATED", "MENU_EVENT_TYPE_PRODUCT_UPDATED",
                                                               "MENU_EVENT_TYPE_PRODUCT_AVAILABILITY_CHANGED",
                                                               "MENU_EVENT_TYPE_PRODUCT_DELETED"], "\(json.stdout)")
            #expect((matched.first?["product"] as? [String: Any])?["priceCents"] as? String == "525")
            #expect((matched.last?["product"] as? [String: Any])?["archived"] as? Bool == true)
            #expect(matched.allSatisfy { $0["occurredAt"] is String })
            #expect(!json.stdout.contains("Mains \(name)"), "the desserts watcher saw a Mains product:\n\(json.stdout)")
            #expect(json.stdout.split(separator: "\n").allSatisfy { !$0.isEmpty && $0.first == "{" && $0.last == "}" })

            // Ctrl-C ends it (the process is killed by its PID).
            text.stop(signal: SIGINT)
            json.stop(signal: SIGINT)
            #expect(!text.process.isRunning && !json.process.isRunning)

            let negative = try ctl.run(["watch", "--category=-1"], token: nil)
            #expect(negative.status == 67, "\(negative)")
            #expect(negative.stderr == "ERROR: INVALID_ARGUMENT: category_id must not be negative\n", "\(negative)")
        }
    }

    @Test func helpHasExamplesEverywhere() throws {
        let commands: [[String]] = [
            ["catalog"], ["catalog", "categories"], ["catalog", "category"], ["catalog", "category", "create"],
            ["catalog", "products"], ["catalog", "product"], ["catalog", "product", "get"], ["catalog", "product", "create"],
            ["catalog", "product", "update"], ["catalog", "product", "availability"], ["catalog", "product", "delete"],
            ["catalog", "product", "import"], ["catalog", "watch"],
        ]
        for command in commands {
            let help = try Run.ctl(command + ["--help"])
            #expect(help.status == 0, "\(command): \(help)")
            let examples = try #require(help.stdout.components(separatedBy: "EXAMPLES\n").dropFirst().first, "\(command): \(help.stdout)")
            #expect(examples.contains("  restaurantctl \(command.joined(separator: " "))"), "\(command): \(help.stdout)")
        }
        let root = try Run.ctl(["--help"])
        #expect(root.stdout.contains("RESTAURANT SERVICES SUBCOMMANDS:\n  catalog"), "\(root)")
        #expect(root.stdout.contains("CATALOG_ADDR"), "\(root)")
    }
}

/// Money and the other pieces that need no server.
@Suite("Catalog formatting", .timeLimit(.minutes(5)))
struct CatalogFormattingTests {
    @Test(arguments: [
        ("12.50", 1250), ("12.5", 1250), ("12", 1200), ("0.99", 99), (".99", 99), ("$12.50", 1250), ("0", 0),
        ("19.99", 1999), ("0.07", 7), ("  3.10 ", 310), ("92233720368547758.07", Int64.max),
    ] as [(String, Int64)])
    func moneyParses(_ text: String, _ cents: Int64) throws {
        #expect(try Money.parseCents(text) == cents)
    }

    @Test(arguments: [
        ("12.345", "more than 2 decimal places"), ("-1", "negative"), ("-0.5", "negative"), ("abc", "not an amount"),
        ("", "empty amount"), ("12.", "not an amount"), ("1e3", "not an amount"), ("1,234.50", "thousands separators"),
        ("92233720368547758.08", "too large"), ("$", "not an amount"), ("1.2.3", "not an amount"),
    ])
    func moneyRejects(_ text: String, _ message: String) {
        #expect {
            _ = try Money.parseCents(text)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func moneyFormats() {
        #expect(Money.format(cents: 1250) == "$12.50")
        #expect(Money.format(cents: 5) == "$0.05")
        #expect(Money.format(cents: 0) == "$0.00")
        #expect(Money.format(cents: 123_456_789) == "$1,234,567.89")
        #expect(Money.format(cents: 100_000) == "$1,000.00")
        #expect(Money.format(cents: -250) == "-$2.50")
        #expect(Money.format(cents: Int64.min) == "-$92,233,720,368,547,758.08")
    }

    @Test func tableRightAlignsAndTrims() {
        let table = TextTable(columns: ["id", "price", "note"], rows: [["1", "$1.00", ""], ["22", "$100.00", "x"]], rightAligned: [0, 1])
        #expect(table.render() == """
            ID    PRICE  NOTE
             1    $1.00
            22  $100.00  x
            """)
    }

    @Test func timesFollowTheirZone() throws {
        var stamp = Google_Protobuf_Timestamp()
        stamp.seconds = 1_773_511_509  // 2026-03-14 18:05:09 UTC
        let utc = try #require(TimeZone(identifier: "UTC"))
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        // Formatters are kept per format and zone: asking again, or for
        // another zone, gives that zone's time.
        for _ in 0..<2 {
            #expect(CatalogFormat.time(stamp, timeZone: utc) == "2026-03-14 18:05")
            #expect(CatalogFormat.time(stamp, timeZone: tokyo) == "2026-03-15 03:05")
            #expect(CatalogFormat.clock(stamp, timeZone: utc) == "18:05:09")
            #expect(CatalogFormat.clock(stamp, timeZone: tokyo) == "03:05:09")
        }
        #expect(CatalogFormat.time(nil, timeZone: utc) == "")
    }

    @Test func addressComesFromTheFirstVariableSet() throws {
        let variables = CatalogEndpoint.addressVariables
        func require(_ address: String?, _ environment: [String: String]) throws(CLIError) -> String {
            try AddressResolution.require(address, variables: variables, fallback: CatalogEndpoint.defaultAddress, environment: environment)
        }
        #expect(try require(nil, [:]) == "localhost:50051")
        #expect(try require(nil, ["CATALOG_ADDR": " ", "RESTAURANT_ADDR": "db:5"]) == "db:5")
        #expect(try require("a:1", ["CATALOG_ADDR": "b:2"]) == "a:1")
        // A bad value names the variable it came from: the one set, not the one merely present.
        #expect {
            _ = try require(nil, ["CATALOG_ADDR": "", "RESTAURANT_ADDR": "nope"])
        } throws: { error in
            "\(error)".hasSuffix("(from $RESTAURANT_ADDR)")
        }
        #expect {
            _ = try require("nope", ["CATALOG_ADDR": "c:3"])
        } throws: { error in
            !"\(error)".contains("(from $")
        }
        #expect {
            _ = try AddressResolution.require(nil, environment: [:])
        } throws: { error in
            "\(error)".contains("set RESTAURANT_ADDR")
        }
    }

    @Test func productsFooter() {
        #expect(CatalogProductsCommand.footer(shown: 3, total: 7, nextPageToken: "abc") == "3 of 7 products; next page: --page-token abc (or --all).")
        #expect(CatalogProductsCommand.footer(shown: 1, total: 1, nextPageToken: "") == "1 product.")
        #expect(CatalogProductsCommand.footer(shown: 0, total: 0, nextPageToken: "") == "No products found.")
    }
}

extension ISO8601DateFormatter {
    static var withFractions: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
