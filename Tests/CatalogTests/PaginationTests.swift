import ServiceKitTesting
import Foundation
import RestaurantAPI
import RPC
import Testing
import WellKnownTypes

/// Keyset paging: every product that existed when paging began is listed
/// exactly once, in order, while new products are inserted between (and
/// during) page fetches.
@Suite("Pagination under concurrent inserts", .timeLimit(.minutes(3)))
struct PaginationTests {
    enum Order: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case menu, name, priceAscending, priceDescending, newest, preparation, relevance
        var testDescription: String { rawValue }

        var sort: ProductSort {
            switch self {
            case .menu, .relevance: .unspecified
            case .name: .name
            case .priceAscending: .priceAsc
            case .priceDescending: .priceDesc
            case .newest: .newest
            case .preparation: .prepTime
            }
        }
    }

    private static let words = ["apple", "Basil", "carrot", "Dill", "eggplant", "fennel", "Garlic", "herb", "Ice", "juniper"]

    private static func request(category: Int64, index: Int, tag: String) -> CreateProductRequest {
        // Few distinct keys, so ties (broken by id) are common in every order.
        .with {
            $0.categoryId = category
            $0.name = "\(words[index % words.count]) \(words[(index / 3) % words.count]) soup"
            $0.priceCents = Int64(100 * (1 + index % 7))
            $0.preparationMinutes = Int32(5 * (index % 4))
            $0.description = index % 2 == 0 ? "a warm bowl" : "with croutons"
            $0.tags = index % 3 == 0 ? [tag, "soup"] : [tag]
        }
    }

    /// The key (sort key, then id) products ascend by in `order`; nil for
    /// relevance, whose rank the test does not compute.
    private static func sortKey(_ order: Order, categorySort: [Int64: Int32]) -> ((Product) -> (Int64, Int64, String, Int64))? {
        switch order {
        case .menu: return { (Int64(categorySort[$0.categoryId]!), $0.categoryId, $0.name.lowercased(), $0.id) }
        case .name: return { (0, 0, $0.name.lowercased(), $0.id) }
        case .priceAscending: return { ($0.priceCents, 0, "", $0.id) }
        case .priceDescending: return { (-$0.priceCents, 0, "", $0.id) }
        case .newest: return { (-$0.createdAt!.micros, 0, "", -$0.id) }
        case .preparation: return { (Int64($0.preparationMinutes), 0, "", $0.id) }
        case .relevance: return nil
        }
    }

    @Test("No duplicates or gaps, order kept, for every sort", arguments: Order.allCases)
    func pagingWhileInserting(order: Order) async throws {
        try await CatalogHarness.with { catalog in
            let second = try await catalog.category("Soups", sortOrder: 2)
            let first = try await catalog.category("Broths", sortOrder: 1)
            let categorySort = [first.id: first.sortOrder, second.id: second.sortOrder]

            // 48 products: half imported in one transaction (equal created_at),
            // half created one by one.
            var initial: [Product] = []
            let imported = try await catalog.importProducts((0..<24).map {
                Self.request(category: $0 % 2 == 0 ? first.id : second.id, index: $0, tag: "stock")
            })
            #expect(imported.createdCount == 24)
            initial += try await catalog.client.batchGetProducts(.with { $0.ids = imported.createdIds }, options: CatalogHarness.open).products
            for index in 24..<48 {
                initial.append(try await catalog.client.createProduct(
                    Self.request(category: index % 2 == 0 ? first.id : second.id, index: index, tag: "stock"),
                    options: CatalogHarness.auth))
            }

            // A writer inserting all the time, plus two inserts between pages.
            let inserted = Locked<[Int64]>([])
            let writerInserts = Locked(0)
            let writerErrors = Locked<[String]>([])
            let stop = Locked(false)
            let writer = Task {
                var index = 1000
                while !stop.value {
                    do {
                        let product = try await catalog.client.createProduct(
                            Self.request(category: index % 2 == 0 ? first.id : second.id, index: index, tag: "stock"),
                            options: CatalogHarness.auth)
                        inserted.mutate { $0.append(product.id) }
                        writerInserts.mutate { $0 += 1 }
                    } catch {
                        writerErrors.mutate { $0.append("\(error)") }
                    }
                    index += 1
                    try? await Task.sleep(for: .milliseconds(15))
                }
            }
            // The writer is running before paging starts.
            #expect(await eventually { writerInserts.value > 0 })
            var request = ListProductsRequest.with {
                $0.pageSize = 7
                $0.sort = order.sort
            }
            if order == .relevance { request.query = "soup" }
            let listing: (products: [Product], pages: Int, firstTotal: Int32)
            // The writer's insert count at each page boundary.
            let betweenPages = Locked<[Int]>([])
            do {
                listing = try await catalog.listAll(request) { page in
                    betweenPages.mutate { $0.append(writerInserts.value) }
                    for extra in 0..<2 {
                        let product = try await catalog.client.createProduct(
                            Self.request(category: extra == 0 ? first.id : second.id, index: 500 + page * 2 + extra, tag: "stock"),
                            options: CatalogHarness.auth)
                        inserted.mutate { $0.append(product.id) }
                    }
                }
            } catch {
                stop.mutate { $0 = true }
                await writer.value
                throw error
            }
            stop.mutate { $0 = true }
            await writer.value

            // Every insert landed, and the listing ran while they did: the
            // writer's count grew between the first page and the last.
            #expect(writerErrors.value.isEmpty, "the writer's inserts failed: \(writerErrors.value)")
            let boundaries = betweenPages.value
            #expect(boundaries.count == listing.pages - 1)
            #expect(inserted.value.count == writerInserts.value + 2 * boundaries.count)
            #expect((boundaries.last ?? 0) > (boundaries.first ?? 0),
                    "no concurrent insert landed while paging: \(boundaries)")

            let ids = listing.products.map(\.id)
            let duplicates = Dictionary(grouping: ids, by: { $0 }).filter { $1.count > 1 }.keys
            #expect(duplicates.isEmpty, "listed more than once: \(duplicates.sorted())")
            let missing = Set(initial.map(\.id)).subtracting(ids)
            #expect(missing.isEmpty, "never listed: \(missing.sorted())")
            let strangers = Set(ids).subtracting(initial.map(\.id)).subtracting(inserted.value)
            #expect(strangers.isEmpty)
            #expect(listing.firstTotal >= 48)
            #expect(listing.pages >= 7)
            if let key = Self.sortKey(order, categorySort: categorySort) {
                for (a, b) in zip(listing.products, listing.products.dropFirst()) {
                    #expect(key(a) <= key(b),
                            "\(order): \(a.name)/\(a.priceCents)/\(a.id) listed before \(b.name)/\(b.priceCents)/\(b.id)")
                }
            }
        }
    }
}
