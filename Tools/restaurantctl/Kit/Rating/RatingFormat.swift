import Foundation
import RestaurantAPI

/// The text the rating commands show people: stars as `★★★★☆`, summaries
/// with a bar per star value, reviews in a table.
public enum RatingFormat {
    /// `★★★☆☆` for 3 stars.
    public static func stars(_ stars: Int32) -> String {
        let filled = Int(max(0, min(5, stars)))
        return String(repeating: "★", count: filled) + String(repeating: "☆", count: 5 - filled)
    }

    public static func ratingDetails(_ rating: Rating) -> String {
        var pairs: [(String, String)] = [
            ("Product", String(rating.productId)),
            ("User", rating.userId),
            ("Stars", "\(stars(rating.stars)) (\(rating.stars))"),
        ]
        if !rating.review.isEmpty { pairs.append(("Review", rating.review)) }
        pairs.append(("Created", CatalogFormat.time(rating.createdAt)))
        pairs.append(("Updated", CatalogFormat.time(rating.updatedAt)))
        return CatalogFormat.details(pairs)
    }

    /// Per product: the average, the count, and a bar per star value
    /// (5 first), scaled to the most common one.
    public static func summaries(_ summaries: [RatingSummary]) -> String {
        guard !summaries.isEmpty else { return "No products asked for." }
        return summaries.map { summary in
            guard summary.count > 0 else { return "Product \(summary.productId): not rated yet" }
            let heading = String(format: "Product %lld: %.2f %@ from %d rating%@", summary.productId, summary.average,
                                 stars(Int32(summary.average.rounded())), summary.count, summary.count == 1 ? "" : "s")
            let largest = max(1, summary.histogram.values.max() ?? 1)
            let bars = (1...5).reversed().map { star -> String in
                let count = summary.histogram[Int32(star)] ?? 0
                let width = Int((Double(count) / Double(largest) * 30).rounded(.up))
                return "  \(star)★ " + String(repeating: "█", count: width) + " \(count)"
            }
            return ([heading] + bars).joined(separator: "\n")
        }.joined(separator: "\n\n")
    }

    public static func ratingsTable(_ ratings: [Rating]) -> String {
        guard !ratings.isEmpty else { return "No ratings." }
        let rows = ratings.map { rating in
            [rating.userId, stars(rating.stars), CatalogFormat.time(rating.createdAt),
             CatalogFormat.truncated(rating.review, 60)]
        }
        return TextTable(columns: ["user", "stars", "rated", "review"], rows: rows).render()
    }
}
