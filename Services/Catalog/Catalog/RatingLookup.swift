import RestaurantAPI
import RPC
import ServiceKit

/// Rating summaries from RatingService, for products the catalog returns.
/// Best effort: when the service is not configured or cannot answer within
/// a short deadline, products come back without ratings (the upstream logs
/// the failure at most every 30 s), never an error to the caller.
struct RatingLookup: Sendable {
    private let upstream: Upstream?

    /// How long a listing waits for ratings before answering without them.
    static let deadline: Duration = .milliseconds(500)
    private static let batchSize = 1000

    init(upstream: Upstream?) {
        self.upstream = upstream
    }

    /// Summaries by product id (unrated products have count 0), or nil when
    /// ratings are unavailable.
    func summaries(for ids: [Int64]) async -> [Int64: ProductRating]? {
        try? await fetch(ids)
    }

    /// Like ``summaries(for:)``, but throws UNAVAILABLE instead of returning
    /// nil: for orders that cannot be computed without ratings.
    func requiredSummaries(for ids: [Int64]) async throws -> [Int64: ProductRating] {
        do {
            return try await fetch(ids)
        } catch {
            throw RPCError(.unavailable, "sorting by rating needs RatingService, which is unavailable; try another sort")
        }
    }

    private func fetch(_ ids: [Int64]) async throws -> [Int64: ProductRating] {
        guard let upstream else { throw RPCError(.unavailable, "RATING_ADDR is not configured") }
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [:] }
        let client = RatingServiceClient(channel: upstream.channel)
        return try await upstream.call { options in
            try await withThrowingTaskGroup(of: [RatingSummary].self) { group in
                for start in stride(from: 0, to: unique.count, by: Self.batchSize) {
                    let batch = Array(unique[start..<min(start + Self.batchSize, unique.count)])
                    group.addTask {
                        try await client.batchGetRatingSummaries(.with { $0.productIds = batch }, options: options).summaries
                    }
                }
                var result: [Int64: ProductRating] = [:]
                for try await summaries in group {
                    for summary in summaries {
                        result[summary.productId] = .with {
                            $0.average = summary.average
                            $0.count = summary.count
                        }
                    }
                }
                return result
            }
        }
    }
}
