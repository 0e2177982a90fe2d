import RestaurantAPI

/// A product's ratings per star value, as `rating_summaries` keeps them.
struct StarCounts: Sendable, Equatable {
    let productID: Int64
    /// Ratings with 1…5 stars, at indices 0…4.
    var counts: [Int32]
    /// Increases with every change (0: never rated).
    var version: Int64

    static func unrated(_ productID: Int64) -> StarCounts {
        StarCounts(productID: productID, counts: [0, 0, 0, 0, 0], version: 0)
    }

    var count: Int32 { counts.reduce(0, +) }

    /// The mean of the stars, not rounded; 0 without ratings.
    var average: Double {
        let count = count
        guard count > 0 else { return 0 }
        let total = counts.enumerated().reduce(Int64(0)) { $0 + Int64($1.offset + 1) * Int64($1.element) }
        return Double(total) / Double(count)
    }

    var summary: RatingSummary {
        .with {
            $0.productId = productID
            $0.average = average
            $0.count = count
            $0.histogram = Dictionary(uniqueKeysWithValues: counts.enumerated().map { (Int32($0.offset + 1), $0.element) })
        }
    }

    /// What the catalog keeps of it.
    var catalogUpdate: ProductRatingUpdate {
        .with {
            $0.productId = productID
            $0.average = average
            $0.count = count
            $0.version = version
        }
    }
}
