import Foundation
import RestaurantAPI
import RPC
import ServiceKitTesting
import Testing

@Suite("BatchGetRatingSummaries and ListRatings", .timeLimit(.minutes(2)))
struct ReadTests {
    @Test("Batches answer every id in request order, duplicates included, unrated with count 0")
    func batches() async throws {
        try await RatingHarness.with { harness in
            let products = try await harness.products(3)
            try await harness.rate(products[0], "ada", stars: 4)
            try await harness.rate(products[2], "ada", stars: 2)
            try await harness.rate(products[2], "bo", stars: 3)
            let ids = [products[2], 777_777, products[0], products[2]]
            let batch = try await harness.ratings.batchGetRatingSummaries(.with { $0.productIds = ids }, options: RatingHarness.open)
            #expect(batch.summaries.map(\.productId) == ids)
            #expect(batch.summaries.map(\.count) == [2, 0, 1, 2])
            #expect(batch.summaries.map(\.average) == [2.5, 0, 4, 2.5])
            #expect(batch.summaries[1].histogram == [1: 0, 2: 0, 3: 0, 4: 0, 5: 0])

            let empty = try await harness.ratings.batchGetRatingSummaries(.init(), options: RatingHarness.open)
            #expect(empty.summaries.isEmpty)
            let thousand = try await harness.ratings.batchGetRatingSummaries(.with {
                $0.productIds = (1...1000).map { Int64($0) }
            }, options: RatingHarness.open)
            #expect(thousand.summaries.count == 1000)
            await expectInvalid("product_ids must contain at most 1000 ids") {
                try await harness.ratings.batchGetRatingSummaries(.with {
                    $0.productIds = (1...1001).map { Int64($0) }
                }, options: RatingHarness.open)
            }
            await expectInvalid("product_ids must be positive") {
                try await harness.ratings.batchGetRatingSummaries(.with { $0.productIds = [1, -2] }, options: RatingHarness.open)
            }
        }
    }

    @Test("ListRatings: newest first, keyset pages that stay stable while ratings are added")
    func listing() async throws {
        try await RatingHarness.with { harness in
            let products = try await harness.products(2)
            let product = products[0]
            for user in 0..<7 { try await harness.rate(product, "user-\(user)", stars: 3) }
            try await harness.rate(products[1], "elsewhere", stars: 5)

            let all = try await harness.ratings.listRatings(.with {
                $0.productId = product
                $0.pageSize = 100
            }, options: RatingHarness.open)
            #expect(all.ratings.count == 7 && all.totalSize == 7 && all.nextPageToken.isEmpty)
            let order = all.ratings.map { ($0.createdAt!.micros, $0.userId) }
            #expect(zip(order, order.dropFirst()).allSatisfy { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) })
            #expect(all.ratings.first?.userId == "user-6")

            // Paging while new ratings arrive: every rating that existed at
            // the start is seen exactly once; the new ones (newer) are not.
            var request = ListRatingsRequest.with {
                $0.productId = product
                $0.pageSize = 2
            }
            var seen: [String] = []
            var pages = 0
            while true {
                let page = try await harness.ratings.listRatings(request, options: RatingHarness.open)
                seen += page.ratings.map(\.userId)
                pages += 1
                try await harness.rate(product, "late-\(pages)", stars: 1)
                guard !page.nextPageToken.isEmpty else { break }
                request.pageToken = page.nextPageToken
            }
            #expect(seen == all.ratings.map(\.userId))
            #expect(pages == 4)

            await expectInvalid("page_token is invalid") {
                try await harness.ratings.listRatings(.with {
                    $0.productId = product
                    $0.pageToken = "garbage!"
                }, options: RatingHarness.open)
            }
            let page = try await harness.ratings.listRatings(.with {
                $0.productId = product
                $0.pageSize = 2
            }, options: RatingHarness.open)
            await expectInvalid("page_token is invalid: it belongs to a request with different filters or sort") {
                try await harness.ratings.listRatings(.with {
                    $0.productId = products[1]
                    $0.pageToken = page.nextPageToken
                }, options: RatingHarness.open)
            }
            await expectInvalid("page_size must not be negative") {
                try await harness.ratings.listRatings(.with {
                    $0.productId = product
                    $0.pageSize = -1
                }, options: RatingHarness.open)
            }
            let unrated = try await harness.ratings.listRatings(.with { $0.productId = 5_555 }, options: RatingHarness.open)
            #expect(unrated.ratings.isEmpty && unrated.totalSize == 0)
        }
    }
}
