import ServiceKitTesting
import Foundation
import RestaurantAPI
import RPC
import Testing
@testable import Catalog

/// The catalog's copy of rating summaries: RatingService sends them with
/// UpdateProductRatings; products carry them and sort by them in SQL.
@Suite("Ratings kept by the catalog", .timeLimit(.minutes(2)))
struct RatingTests {
    static func update(_ product: Product, average: Double, count: Int32, version: Int64) -> ProductRatingUpdate {
        .with {
            $0.productId = product.id
            $0.average = average
            $0.count = count
            $0.version = version
        }
    }

    @Test("Products carry the last summary sent; unrated ones have count 0; BatchGet and events have none")
    func ratingsAttached() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let rated = try await catalog.product(mains.id, "Rated")
            let unrated = try await catalog.product(mains.id, "Unrated")
            #expect(rated.rating?.count == 0 && rated.rating?.average == 0)
            let applied = try await catalog.client.updateProductRatings(.with {
                $0.updates = [Self.update(rated, average: 4.25, count: 8, version: 3)]
            }, options: CatalogHarness.auth)
            #expect(applied.appliedCount == 1)

            let listed = try await catalog.client.listProducts(.init(), options: CatalogHarness.open)
            let byID = Dictionary(uniqueKeysWithValues: listed.products.map { ($0.id, $0) })
            #expect(byID[rated.id]?.rating?.average == 4.25)
            #expect(byID[rated.id]?.rating?.count == 8)
            #expect(byID[unrated.id]?.rating?.count == 0)
            #expect(byID[unrated.id]?.rating?.average == 0)

            let fetched = try await catalog.client.getProduct(.with { $0.id = rated.id }, options: CatalogHarness.open)
            #expect(fetched.rating?.average == 4.25 && fetched.rating?.count == 8)
            let batch = try await catalog.client.batchGetProducts(.with { $0.ids = [rated.id] }, options: CatalogHarness.open)
            #expect(batch.products.first?.rating == nil, "BatchGetProducts never fills in rating")
            // Ratings are not product edits: updated_at stays.
            #expect(fetched.updatedAt == rated.updatedAt)
        }
    }

    @Test("Updates apply by version: stale, repeated and out-of-order ones change nothing")
    func versions() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let product = try await catalog.product(mains.id, "Soup")
            let other = try await catalog.product(mains.id, "Stew")
            func send(_ updates: [ProductRatingUpdate]) async throws -> Int32 {
                try await catalog.client.updateProductRatings(.with { $0.updates = updates }, options: CatalogHarness.auth).appliedCount
            }
            // Several for one product in one call: the newest wins, wherever it is.
            #expect(try await send([Self.update(product, average: 3, count: 2, version: 5),
                                    Self.update(product, average: 4, count: 3, version: 7),
                                    Self.update(product, average: 2, count: 1, version: 6),
                                    Self.update(other, average: 5, count: 1, version: 1)]) == 2)
            #expect(try await send([Self.update(product, average: 4, count: 3, version: 7)]) == 0, "repeated")
            #expect(try await send([Self.update(product, average: 1, count: 9, version: 6)]) == 0, "stale")
            let fetched = try await catalog.client.getProduct(.with { $0.id = product.id }, options: CatalogHarness.open)
            #expect(fetched.rating?.average == 4 && fetched.rating?.count == 3)
            // Unknown and deleted products are skipped, not errors.
            _ = try await catalog.client.deleteProduct(.with { $0.id = other.id }, options: CatalogHarness.auth)
            #expect(try await send([Self.update(other, average: 1, count: 2, version: 2),
                                    .with { $0.productId = 999_999; $0.count = 1; $0.average = 5; $0.version = 1 }]) == 0)
        }
    }

    @Test("UpdateProductRatings needs a token and valid updates")
    func validation() async throws {
        try await CatalogHarness.with { catalog in
            await expectStatus(.unauthenticated) {
                try await catalog.client.updateProductRatings(.with {
                    $0.updates = [.with { $0.productId = 1; $0.version = 1 }]
                }, options: CatalogHarness.open)
            }
            func send(_ updates: [ProductRatingUpdate]) async throws -> UpdateProductRatingsResponse {
                try await catalog.client.updateProductRatings(.with { $0.updates = updates }, options: CatalogHarness.auth)
            }
            await expectInvalid("updates must contain between 1 and 1000 updates") { try await send([]) }
            let good = ProductRatingUpdate.with { $0.productId = 1; $0.average = 3; $0.count = 1; $0.version = 1 }
            var bad = good
            bad.productId = 0
            await expectInvalid("updates[1].product_id must be positive") { try await send([good, bad]) }
            bad = good
            bad.count = -1
            await expectInvalid("updates[0].count must not be negative") { try await send([bad]) }
            bad = good
            bad.average = 5.5
            await expectInvalid("updates[0].average must be between 0 and 5") { try await send([bad]) }
            bad.average = .nan
            await expectInvalid("updates[0].average must be between 0 and 5") { try await send([bad]) }
        }
    }

    @Test("sort=RATING: average, then count, highest first; unrated last; ties by id; pages correctly")
    func sortByRating() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let other = try await catalog.category("Other")
            var products: [String: Product] = [:]
            for name in ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8"] {
                products[name] = try await catalog.product(mains.id, name, price: 1000)
            }
            let elsewhere = try await catalog.product(other.id, "elsewhere")
            let summaries: [String: (Double, Int32)] = [
                "p1": (4.5, 10), "p2": (4.5, 20), "p3": (5.0, 1), "p4": (3.0, 5), "p6": (4.5, 20), "p8": (1.0, 2),
            ]
            var updates = summaries.map { name, summary in
                Self.update(products[name]!, average: summary.0, count: summary.1, version: 1)
            }
            updates.append(Self.update(elsewhere, average: 5.0, count: 100, version: 1))
            _ = try await catalog.client.updateProductRatings(.with { $0.updates = updates }, options: CatalogHarness.auth)

            let expected = ["p3", "p2", "p6", "p1", "p4", "p8", "p5", "p7"].map { products[$0]!.id }
            let all = try await catalog.client.listProducts(.with {
                $0.sort = .rating
                $0.categoryId = mains.id
                $0.pageSize = 100
            }, options: CatalogHarness.open)
            #expect(all.products.map(\.id) == expected)
            #expect(all.totalSize == 8)
            #expect(all.nextPageToken.isEmpty)
            #expect(all.products.first?.rating?.average == 5.0)
            #expect(all.products.last?.rating?.count == 0)

            for pageSize: Int32 in [1, 2, 3] {
                let paged = try await catalog.listAll(.with {
                    $0.sort = .rating
                    $0.categoryId = mains.id
                    $0.pageSize = pageSize
                })
                #expect(paged.products.map(\.id) == expected, "page size \(pageSize)")
                #expect(paged.firstTotal == 8)
            }

            // The token is bound to the rating sort.
            let first = try await catalog.client.listProducts(.with {
                $0.sort = .rating
                $0.categoryId = mains.id
                $0.pageSize = 3
            }, options: CatalogHarness.open)
            await expectStatus(.invalidArgument, "page_token is invalid: it belongs to a request with different filters or sort") {
                try await catalog.client.listProducts(.with {
                    $0.sort = .name
                    $0.categoryId = mains.id
                    $0.pageToken = first.nextPageToken
                }, options: CatalogHarness.open)
            }

            // Filters and search still apply.
            let everything = try await catalog.client.listProducts(.with { $0.sort = .rating }, options: CatalogHarness.open)
            #expect(everything.products.first?.id == elsewhere.id)
            #expect(everything.totalSize == 9)
            let searched = try await catalog.client.listProducts(.with {
                $0.sort = .rating
                $0.query = "p4"
            }, options: CatalogHarness.open)
            #expect(searched.products.map(\.id) == [products["p4"]!.id])
        }
    }

    @Test("sort=RATING has no cap on how many products match")
    func sortByRatingAtAnySize() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let imported = try await catalog.importProducts((0..<300).map { index in
                .with {
                    $0.categoryId = mains.id
                    $0.name = "Dish \(index)"
                    $0.priceCents = 500
                }
            })
            #expect(imported.createdCount == 300)
            let updates = imported.createdIds.enumerated().map { index, id in
                ProductRatingUpdate.with {
                    $0.productId = id
                    $0.average = Double(index % 5) + 1
                    $0.count = Int32(index % 7)
                    $0.version = 1
                }
            }
            _ = try await catalog.client.updateProductRatings(.with { $0.updates = updates }, options: CatalogHarness.auth)
            let paged = try await catalog.listAll(.with {
                $0.sort = .rating
                $0.pageSize = 100
            })
            #expect(paged.products.count == 300)
            let keys = paged.products.map { (-($0.rating?.average ?? 0), -Int($0.rating?.count ?? 0), $0.id) }
            #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 }, "strictly in rating order")
        }
    }
}
