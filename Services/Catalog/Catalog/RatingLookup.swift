import Logging
import RestaurantAPI
import RPC
import Synchronization

/// Rating summaries from RatingService, for products the catalog returns.
/// Best effort: when the service is not configured or cannot answer within
/// a short deadline, products come back without ratings and the failure is
/// logged (at most every 30 s), never returned to the caller.
final class RatingLookup: Sendable {
    private let client: RatingServiceClient?
    private let logger: Logger
    private let lastWarning = Mutex<ContinuousClock.Instant?>(nil)

    /// How long a listing waits for ratings before answering without them.
    static let deadline: Duration = .milliseconds(500)
    private static let batchSize = 1000

    init(channel: RPCChannel?, logger: Logger) {
        self.client = channel.map(RatingServiceClient.init(channel:))
        self.logger = logger
    }

    /// Summaries by product id (unrated products have count 0), or nil when
    /// ratings are unavailable.
    func summaries(for ids: [Int64]) async -> [Int64: ProductRating]? {
        do {
            return try await fetch(ids)
        } catch {
            warn(error)
            return nil
        }
    }

    /// Like ``summaries(for:)``, but throws UNAVAILABLE instead of returning
    /// nil: for orders that cannot be computed without ratings.
    func requiredSummaries(for ids: [Int64]) async throws -> [Int64: ProductRating] {
        do {
            return try await fetch(ids)
        } catch {
            warn(error)
            throw RPCError(.unavailable, "sorting by rating needs RatingService, which is unavailable; try another sort")
        }
    }

    private func fetch(_ ids: [Int64]) async throws -> [Int64: ProductRating] {
        guard let client else { throw RPCError(.unavailable, "RATING_ADDR is not configured") }
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [:] }
        let options = CallOptions(timeout: Self.deadline)
        return try await withThrowingTaskGroup(of: [RatingSummary].self) { group in
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

    private func warn(_ error: any Error) {
        let now = ContinuousClock.now
        let due = lastWarning.withLock { last -> Bool in
            guard last.map({ now - $0 > .seconds(30) }) ?? true else { return false }
            last = now
            return true
        }
        if due { logger.warning("products are served without ratings", metadata: ["error": "\(error)"]) }
    }
}
