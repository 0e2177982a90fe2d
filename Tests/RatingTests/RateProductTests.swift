import Foundation
import RestaurantAPI
import RPC
import ServiceKitTesting
import Testing

@Suite("RateProduct, GetRatingSummary, DeleteRating", .timeLimit(.minutes(2)))
struct RateProductTests {
    @Test("A rating is stored and summarized; a second one by the same user replaces it")
    func rateAndReplace() async throws {
        try await RatingHarness.with { harness in
            let product = try await harness.products(1)[0]
            let first = try await harness.rate(product, "ada", stars: 4, review: "  Lovely soup  ")
            #expect(first.productId == product && first.userId == "ada" && first.stars == 4)
            #expect(first.review == "Lovely soup")
            #expect(first.createdAt == first.updatedAt)
            try await harness.rate(product, "bo", stars: 2)

            try await Task.sleep(for: .milliseconds(5))
            let second = try await harness.rate(product, "ada", stars: 5, review: "Even better")
            #expect(second.stars == 5 && second.review == "Even better")
            #expect(second.createdAt == first.createdAt, "created_at is kept")
            #expect(second.updatedAt!.micros > first.updatedAt!.micros, "updated_at moves")
            #expect(try await harness.storedRatings() == 2)

            let summary = try await harness.summary(product)
            #expect(summary.productId == product)
            #expect(summary.count == 2)
            #expect(summary.average == 3.5)
            #expect(summary.histogram == [1: 0, 2: 1, 3: 0, 4: 0, 5: 1])

            let unrated = try await harness.summary(987_654)
            #expect(unrated.count == 0 && unrated.average == 0)
            #expect(unrated.histogram == [1: 0, 2: 0, 3: 0, 4: 0, 5: 0])
        }
    }

    @Test("Every field rule answers INVALID_ARGUMENT naming the field, and nothing is written")
    func validation() async throws {
        try await RatingHarness.with { harness in
            let product = try await harness.products(1)[0]
            func rate(_ change: (inout RateProductRequest) -> Void) async throws -> Rating {
                var request = RateProductRequest.with {
                    $0.productId = product
                    $0.userId = "ada"
                    $0.stars = 3
                }
                change(&request)
                return try await harness.ratings.rateProduct(request, options: RatingHarness.auth)
            }
            await expectInvalid("product_id must be positive") { try await rate { $0.productId = 0 } }
            await expectInvalid("product_id must be positive") { try await rate { $0.productId = -4 } }
            await expectInvalid("user_id is required") { try await rate { $0.userId = "" } }
            await expectInvalid("user_id must be at most 100 characters") {
                try await rate { $0.userId = String(repeating: "u", count: 101) }
            }
            await expectInvalid("stars must be between 1 and 5") { try await rate { $0.stars = 0 } }
            await expectInvalid("stars must be between 1 and 5") { try await rate { $0.stars = 6 } }
            await expectInvalid("review must be at most 2000 characters") {
                try await rate { $0.review = String(repeating: "é", count: 2001) }
            }
            // Characters, not bytes: 2000 two-byte characters are fine.
            let long = try await rate { $0.review = String(repeating: "é", count: 2000) }
            #expect(long.review.count == 2000)
            #expect(try await harness.storedRatings() == 1)

            await expectInvalid("product_id must be positive") {
                try await harness.ratings.getRatingSummary(.with { $0.productId = 0 }, options: RatingHarness.open)
            }
            await expectInvalid("product_id must be positive") {
                try await harness.ratings.deleteRating(.with { $0.userId = "ada" }, options: RatingHarness.auth)
            }
            await expectInvalid("user_id is required") {
                try await harness.ratings.deleteRating(.with { $0.productId = product }, options: RatingHarness.auth)
            }
        }
    }

    @Test("Unknown and deleted products are NOT_FOUND, and nothing is written")
    func unknownProducts() async throws {
        try await RatingHarness.with { harness in
            await expectStatus(.notFound, "product 424242 not found") { try await harness.rate(424_242, "ada", stars: 5) }
            let product = try await harness.products(1)[0]
            _ = try await harness.catalog.deleteProduct(.with { $0.id = product }, options: RatingHarness.auth)
            await expectStatus(.notFound, "product \(product) not found") { try await harness.rate(product, "ada", stars: 5) }
            #expect(try await harness.storedRatings() == 0)
            #expect(try await harness.summary(product).count == 0)
        }
    }

    @Test("Writes need a bearer token; reads do not")
    func authorization() async throws {
        try await RatingHarness.with { harness in
            let product = try await harness.products(1)[0]
            let request = RateProductRequest.with {
                $0.productId = product
                $0.userId = "ada"
                $0.stars = 5
            }
            await expectStatus(.unauthenticated, "RateProduct changes data and needs 'authorization: Bearer <token>'") {
                try await harness.ratings.rateProduct(request, options: RatingHarness.open)
            }
            var wrong = RatingHarness.open
            wrong.metadata.add("authorization", "Bearer nope")
            await expectStatus(.permissionDenied, "the bearer token is not accepted for RateProduct") {
                try await harness.ratings.rateProduct(request, options: wrong)
            }
            await expectStatus(.unauthenticated) {
                try await harness.ratings.deleteRating(.with {
                    $0.productId = product
                    $0.userId = "ada"
                }, options: RatingHarness.open)
            }
            #expect(try await harness.storedRatings() == 0)
            _ = try await harness.ratings.listRatings(.with { $0.productId = product }, options: RatingHarness.open)
        }
    }

    @Test("DeleteRating removes the rating from the summary; a missing one is NOT_FOUND")
    func delete() async throws {
        try await RatingHarness.with { harness in
            let product = try await harness.products(1)[0]
            try await harness.rate(product, "ada", stars: 5)
            try await harness.rate(product, "bo", stars: 1)
            _ = try await harness.ratings.deleteRating(.with {
                $0.productId = product
                $0.userId = "ada"
            }, options: RatingHarness.auth)
            let summary = try await harness.summary(product)
            #expect(summary.count == 1 && summary.average == 1)
            #expect(summary.histogram == [1: 1, 2: 0, 3: 0, 4: 0, 5: 0])
            await expectStatus(.notFound, "user 'ada' has no rating of product \(product)") {
                try await harness.ratings.deleteRating(.with {
                    $0.productId = product
                    $0.userId = "ada"
                }, options: RatingHarness.auth)
            }
            await expectStatus(.notFound, "user 'cy' has no rating of product 31337") {
                try await harness.ratings.deleteRating(.with {
                    $0.productId = 31337
                    $0.userId = "cy"
                }, options: RatingHarness.auth)
            }
        }
    }

    @Test("50 users rating one product at once, while others change and delete theirs: no update is lost")
    func concurrentRatings() async throws {
        try await RatingHarness.with { harness in
            let product = try await harness.products(1)[0]
            for user in 0..<10 { try await harness.rate(product, "old-\(user)", stars: 1) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for user in 0..<50 {
                    group.addTask { try await harness.rate(product, "user-\(user)", stars: Int32(user % 5) + 1) }
                }
                for user in 0..<10 {
                    group.addTask {
                        if user.isMultiple(of: 2) {
                            try await harness.rate(product, "old-\(user)", stars: 5)
                        } else {
                            _ = try await harness.ratings.deleteRating(.with {
                                $0.productId = product
                                $0.userId = "old-\(user)"
                            }, options: RatingHarness.auth)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let summary = try await harness.summary(product)
            #expect(summary.count == 55)
            #expect(summary.histogram.values.reduce(0, +) == 55)
            #expect(summary.histogram == [1: 10, 2: 10, 3: 10, 4: 10, 5: 15])
            #expect(try await harness.storedRatings() == 55)
            let stars = try await harness.service.pool.query("SELECT avg(stars)::float8 FROM ratings")[0].decode(Double.self, at: 0)
            #expect(abs(summary.average - stars) < 1e-9)
        }
    }
}
