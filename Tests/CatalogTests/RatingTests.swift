import ServiceKitTesting
import Foundation
import RestaurantAPI
import RPC
import Testing
@testable import Catalog

/// The catalog calls RatingService for the rating summaries it shows; a
/// small real RatingService runs in the test on its own port.
@Suite("Ratings from RatingService", .timeLimit(.minutes(2)))
struct RatingTests {
    @Test("Products carry the summaries RatingService returns; unrated ones have count 0; BatchGet has none")
    func ratingsAttached() async throws {
        let ratings = RatingServer()
        try await ratings.serve { target in
            try await CatalogHarness.with(ratingTarget: target) { catalog in
                let mains = try await catalog.category("Mains")
                let rated = try await catalog.product(mains.id, "Rated")
                let unrated = try await catalog.product(mains.id, "Unrated")
                ratings.set(rated.id, average: 4.25, count: 8)

                let listed = try await catalog.client.listProducts(.init(), options: CatalogHarness.open)
                let byID = Dictionary(uniqueKeysWithValues: listed.products.map { ($0.id, $0) })
                #expect(byID[rated.id]?.rating?.average == 4.25)
                #expect(byID[rated.id]?.rating?.count == 8)
                #expect(byID[unrated.id]?.rating != nil, "an unrated product has a rating with count 0")
                #expect(byID[unrated.id]?.rating?.count == 0)
                #expect(byID[unrated.id]?.rating?.average == 0)

                let fetched = try await catalog.client.getProduct(.with { $0.id = rated.id }, options: CatalogHarness.open)
                #expect(fetched.rating?.average == 4.25 && fetched.rating?.count == 8)

                let batch = try await catalog.client.batchGetProducts(.with { $0.ids = [rated.id] }, options: CatalogHarness.open)
                #expect(batch.products.first?.rating == nil, "BatchGetProducts never fills in rating")
                #expect(ratings.batchCalls >= 2)
            }
        }
    }

    @Test("sort=RATING: average, then count, highest first; unrated last; ties by id; pages correctly")
    func sortByRating() async throws {
        let ratings = RatingServer()
        try await ratings.serve { target in
            try await CatalogHarness.with(ratingTarget: target) { catalog in
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
                for (name, (average, count)) in summaries { ratings.set(products[name]!.id, average: average, count: count) }
                ratings.set(elsewhere.id, average: 5.0, count: 100)

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

                let paged = try await catalog.listAll(.with {
                    $0.sort = .rating
                    $0.categoryId = mains.id
                    $0.pageSize = 3
                })
                #expect(paged.products.map(\.id) == expected)
                #expect(paged.pages == 3)
                #expect(paged.firstTotal == 8)

                // The token is bound to the rating sort.
                let first = try await catalog.client.listProducts(.with {
                    $0.sort = .rating
                    $0.categoryId = mains.id
                    $0.pageSize = 3
                }, options: CatalogHarness.open)
                await expectStatus(.invalidArgument, prefix: "page_token is invalid") {
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
    }

    @Test("sort=RATING with more matches than the limit is FAILED_PRECONDITION; narrower filters and other sorts work")
    func sortByRatingLimit() async throws {
        let ratings = RatingServer()
        try await ratings.serve { target in
            try await CatalogHarness.with(ratingTarget: target, definition: Catalog.definition(ratingSortLimit: 3)) { catalog in
                let mains = try await catalog.category("Mains")
                let drinks = try await catalog.category("Drinks")
                for name in ["p1", "p2", "p3"] { try await catalog.product(mains.id, name) }
                try await catalog.product(drinks.id, "Water")

                await expectStatus(.failedPrecondition, "more than 3 products match; narrow the filters to sort by rating") {
                    try await catalog.client.listProducts(.with { $0.sort = .rating }, options: CatalogHarness.open)
                }
                let atTheLimit = try await catalog.client.listProducts(.with {
                    $0.sort = .rating
                    $0.categoryId = mains.id
                }, options: CatalogHarness.open)
                #expect(atTheLimit.products.count == 3 && atTheLimit.totalSize == 3)
                let byName = try await catalog.client.listProducts(.with { $0.sort = .name }, options: CatalogHarness.open)
                #expect(byName.totalSize == 4)
            }
        }
    }

    @Test("With RatingService down, products come back without rating; sort=RATING is UNAVAILABLE")
    func ratingServiceDown() async throws {
        let closed = try freePort()
        try await CatalogHarness.with(ratingTarget: "127.0.0.1:\(closed)") { catalog in
            let mains = try await catalog.category("Mains")
            let product = try await catalog.product(mains.id, "Soup")
            #expect(product.rating == nil)
            let start = ContinuousClock.now
            let listed = try await catalog.client.listProducts(.init(), options: CatalogHarness.open)
            #expect(listed.products.map(\.id) == [product.id])
            #expect(listed.products.allSatisfy { $0.rating == nil })
            #expect(ContinuousClock.now - start < .seconds(5), "a dead RatingService does not hold listings up")
            let fetched = try await catalog.client.getProduct(.with { $0.id = product.id }, options: CatalogHarness.open)
            #expect(fetched.rating == nil)
            #expect(fetched.name == "Soup")
            await expectStatus(.unavailable) {
                try await catalog.client.listProducts(.with { $0.sort = .rating }, options: CatalogHarness.open)
            }
        }
    }

    @Test("Without RATING_ADDR at all, listings work and sort=RATING is UNAVAILABLE")
    func ratingNotConfigured() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            try await catalog.product(mains.id, "Soup")
            let listed = try await catalog.client.listProducts(.init(), options: CatalogHarness.open)
            #expect(listed.products.count == 1 && listed.products[0].rating == nil)
            await expectStatus(.unavailable) {
                try await catalog.client.listProducts(.with { $0.sort = .rating }, options: CatalogHarness.open)
            }
        }
    }
}
