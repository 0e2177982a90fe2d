import Foundation
import Postgres
import RestaurantAPI
import ServiceKitTesting
import Testing

/// The rating service's hot statements keep cached generic plans after
/// warm-up, over tens of thousands of stored ratings.
@Suite("Rating plan cache", .timeLimit(.minutes(3)))
struct RatingPlanCacheTests {
    @Test("rating, reading summaries and listing ratings run on generic plans after warm-up")
    func hotStatementsUseGenericPlans() async throws {
        try await RatingHarness.with(poolSize: 1) { harness in
            let pool = harness.service.pool
            try await pool.execute("""
                INSERT INTO ratings (product_id, user_id, stars)
                SELECT 100000 + g % 2000, 'bulk-' || g, 1 + g % 5 FROM generate_series(1, 40000) AS g
                """)
            try await pool.execute("""
                INSERT INTO rating_summaries (product_id, count, star_total, stars_1, stars_2, stars_3, stars_4, stars_5)
                SELECT product_id, count(*), sum(stars), count(*) FILTER (WHERE stars = 1), count(*) FILTER (WHERE stars = 2),
                       count(*) FILTER (WHERE stars = 3), count(*) FILTER (WHERE stars = 4), count(*) FILTER (WHERE stars = 5)
                FROM ratings GROUP BY product_id
                """)
            try await pool.execute("ANALYZE ratings")
            try await pool.execute("ANALYZE rating_summaries")
            let products = try await harness.products(3)

            for round in 0..<12 {
                let product = products[round % 3]
                try await harness.rate(product, "user-\(round)", stars: Int32(1 + round % 5))
                _ = try await harness.summary(product)
                _ = try await harness.ratings.listRatings(.with {
                    $0.productId = 100_000 + Int64(round)
                    $0.pageSize = 10
                }, options: RatingHarness.open)
                if round % 4 == 3 {
                    _ = try await harness.ratings.deleteRating(.with {
                        $0.productId = product
                        $0.userId = "user-\(round)"
                    }, options: RatingHarness.auth)
                }
            }
            try await PlanCache.expectGenericPlans(on: pool)
        }
    }
}
