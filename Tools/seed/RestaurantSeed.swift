import ArgumentParser
import Foundation
import RestaurantAPI
import SeededRandom

/// Loads the sample menu into a running catalog service: creates the
/// categories and imports (through ImportProducts) the sample products that
/// are missing, by name; with `--rating`, rates the hand-written dishes
/// from a few dozen guests. Safe to run again.
@main
struct RestaurantSeed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restaurant-seed",
        abstract: "Load the sample menu into the catalog service.",
        discussion: "Example: restaurant-seed --catalog localhost:50051 --rating localhost:50053 --token $RESTAURANT_TOKEN deploy/seed/menu.json")

    @Option(help: "The catalog service's address.")
    var catalog = "localhost:50051"

    @Option(help: "The rating service's address; when given, sample ratings are loaded too.")
    var rating: String?

    @Option(help: "The order service's address; when given, sample orders are placed too.")
    var order: String?

    @Option(help: "A bearer token the catalog accepts (AUTH_TOKENS).")
    var token: String

    @Argument(help: "The seed file.")
    var file = "deploy/seed/menu.json"

    func run() async throws {
        let seed = try JSONDecoder().decode(MenuSeed.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        let channel = try RPCChannel(target: catalog)
        defer { channel.close() }
        let client = CatalogServiceClient(channel: channel)
        var metadata = Metadata()
        metadata.add("authorization", "Bearer \(token)")
        let options = CallOptions(timeout: .seconds(60), metadata: metadata)

        var existing = try await client.listCategories(ListCategoriesRequest(), options: options).categories
        for category in seed.categories where !existing.contains(where: { $0.name.lowercased() == category.name.lowercased() }) {
            existing.append(try await client.createCategory(.with {
                $0.name = category.name
                $0.description = category.description
                $0.sortOrder = category.sortOrder
            }, options: options))
        }
        let ids = Dictionary(existing.map { ($0.name.lowercased(), $0.id) }, uniquingKeysWith: { first, _ in first })

        // Converge: import the sample products the menu does not have yet.
        let present = Set(try await menu(client, options: options).map { $0.name.lowercased() })
        let products = seed.allProducts().filter { !present.contains($0.name.lowercased()) }
        if products.isEmpty {
            print("the sample menu is loaded: \(existing.count) categories, \(present.count) products")
        } else {
            try await importProducts(products, categories: ids, client: client, options: options)
            print("loaded the sample menu: \(existing.count) categories, \(products.count) products added")
        }
        guard rating != nil || order != nil else { return }
        let menu = try await menu(client, options: options)
        if let rating {
            try await loadRatings(Self.dishes(of: seed, on: menu, availableOnly: false), rating: rating, options: options)
        }
        if let order {
            try await placeOrders(Self.dishes(of: seed, on: menu, availableOnly: true), order: order, options: options)
        }
    }

    /// Imports `products` in one ImportProducts stream; exit 1 when any fails.
    private func importProducts(_ products: [MenuSeed.Product], categories ids: [String: Int64],
                                client: CatalogServiceClient, options: CallOptions) async throws {
        let result = try await client.importProducts(options: options) { requests in
            for product in products {
                guard let categoryID = ids[product.category.lowercased()] else {
                    throw ValidationError("seed product '\(product.name)' names unknown category '\(product.category)'")
                }
                try await requests.write(.with {
                    $0.categoryId = categoryID
                    $0.name = product.name
                    $0.description = product.description
                    $0.priceCents = product.priceCents
                    $0.preparationMinutes = product.preparationMinutes
                    $0.calories = product.calories
                    $0.featured = product.featured ?? false
                    $0.tags = product.tags
                    // Tags such as "vegan" or "gluten-free" say what the dish meets.
                    $0.dietaryRestrictions = product.tags.compactMap(DietaryRestriction.init(name:))
                })
            }
        }
        for error in result.errors { print("  item \(error.index) '\(error.name)': \(error.message)") }
        guard result.failedCount == 0 else { throw ExitCode(1) }
    }

    /// Every product on the menu, page after page.
    private func menu(_ client: CatalogServiceClient, options: CallOptions) async throws -> [Product] {
        var products: [Product] = []
        var pageToken = ""
        repeat {
            let page = try await client.listProducts(.with {
                $0.pageSize = 100
                $0.pageToken = pageToken
            }, options: options)
            products += page.products
            pageToken = page.nextPageToken
        } while !pageToken.isEmpty
        return products
    }

    /// The ids of the seed's hand-written dishes on `menu`, in seed order.
    private static func dishes(of seed: MenuSeed, on menu: [Product], availableOnly: Bool) -> [Int64] {
        let ids = Dictionary(menu.filter { $0.available || !availableOnly }.map { ($0.name.lowercased(), $0.id) }) { _, last in last }
        return seed.products.compactMap { ids[$0.name.lowercased()] }
    }

    /// Places 40 orders of the hand-written dishes from the 30 guests and
    /// moves them along (most delivered, some cancelled, a few still in the
    /// kitchen), the same on every run: idempotency keys make a second run
    /// place nothing twice, and it moves each order on only from where it is.
    private func placeOrders(_ dishes: [Int64], order: String, options: CallOptions) async throws {
        guard !dishes.isEmpty else { return }
        let channel = try RPCChannel(target: order)
        defer { channel.close() }
        let orders = OrderServiceClient(channel: channel)
        let paths: [[OrderStatus]] = [
            [.confirmed, .preparing, .ready, .delivered], [.confirmed, .preparing, .ready, .delivered],
            [.confirmed, .preparing, .ready, .delivered], [.confirmed, .preparing, .ready], [.confirmed, .preparing],
            [.confirmed], [], [.cancelled],
        ]
        var random = SplitMix64(seed: 4242)
        var moves = 0
        for index in 0..<40 {
            let items = (0..<Int.random(in: 1...3, using: &random)).map { _ in
                OrderItemInput.with {
                    $0.productId = dishes[Int.random(in: 0..<dishes.count, using: &random)]
                    $0.quantity = Int32.random(in: 1...3, using: &random)
                }
            }
            let path = paths[Int.random(in: 0..<paths.count, using: &random)]
            let created = try await orders.createOrder(.with {
                $0.customerId = "guest-\(Int.random(in: 1...30, using: &random))"
                $0.items = items
                $0.idempotencyKey = "sample-order-\(index)"
            }, options: options)
            // The same key returns the order an earlier (perhaps interrupted)
            // run placed: go on from the status it reached.
            let reached = path.firstIndex(of: created.status).map { $0 + 1 } ?? 0
            for status in path.dropFirst(reached) {
                moves += 1
                if status == .cancelled {
                    _ = try await orders.cancelOrder(.with {
                        $0.id = created.id
                        $0.reason = "changed plans"
                    }, options: options)
                } else {
                    _ = try await orders.updateOrderStatus(.with {
                        $0.id = created.id
                        $0.status = status
                    }, options: options)
                }
            }
        }
        print("sample orders: 40 in place, \(moves) status changes made")
    }

    /// Rates each hand-written dish 2–8 times from 30 guests, mostly
    /// favourably, the same on every run; skipped when the first dish
    /// already has ratings.
    private func loadRatings(_ dishes: [Int64], rating: String, options: CallOptions) async throws {
        guard let first = dishes.first else { return }
        let channel = try RPCChannel(target: rating)
        defer { channel.close() }
        let ratings = RatingServiceClient(channel: channel)
        guard try await ratings.getRatingSummary(.with { $0.productId = first }, options: options).count == 0 else {
            print("the sample ratings are loaded")
            return
        }
        let reviews = ["", "", "Lovely.", "Would order again.", "A bit salty for me.", "Generous portion.",
                       "Perfectly cooked.", "Took a while, but worth it.", "Not my favourite."]
        var random = SplitMix64(seed: 2024)
        var count = 0
        for dish in dishes {
            let guests = (1...30).shuffled(using: &random).prefix(Int.random(in: 2...8, using: &random))
            for guest in guests {
                let stars = [2, 3, 4, 4, 5, 5, 5][Int.random(in: 0..<7, using: &random)]
                _ = try await ratings.rateProduct(.with {
                    $0.productId = dish
                    $0.userId = "guest-\(guest)"
                    $0.stars = Int32(stars)
                    $0.review = reviews[Int.random(in: 0..<reviews.count, using: &random)]
                }, options: options)
                count += 1
            }
        }
        print("loaded \(count) sample ratings of \(dishes.count) dishes")
    }
}
