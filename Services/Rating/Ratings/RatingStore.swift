import Foundation
import Postgres
import RestaurantAPI
import ServiceKit
import WellKnownTypes

/// The ratings schema: every statement the service runs. A write changes
/// the rating, its product's summary and the outbox in one transaction,
/// after locking the summary row, so concurrent writes of one product take
/// turns and never lose an update.
struct RatingStore: Sendable {
    let pool: PostgresPool
    let outbox: Outbox

    /// The outbox topic of summary changes, delivered to the catalog.
    static let catalogTopic = "catalog.product-ratings"

    /// Where a page of ListRatings ends.
    struct Position: Codable, Sendable {
        /// created_at in microseconds since the epoch: exact, unlike a Double.
        var micros: Int64
        var user: String
    }

    // MARK: Writes

    /// Creates or replaces the user's rating of the product.
    func rate(productID: Int64, userID: String, stars: Int32, review: String) async throws -> Rating {
        try await pool.withTransaction { transaction in
            try await Self.lockSummary(productID, in: transaction, creating: true)
            let row = try await transaction.query("""
                WITH previous AS (SELECT stars FROM ratings WHERE product_id = \(productID) AND user_id = \(userID)),
                saved AS (
                    INSERT INTO ratings (product_id, user_id, stars, review)
                    VALUES (\(productID), \(userID), \(stars), \(review))
                    ON CONFLICT (product_id, user_id)
                    DO UPDATE SET stars = EXCLUDED.stars, review = EXCLUDED.review, updated_at = now()
                    RETURNING product_id, user_id, stars, review, created_at, updated_at)
                SELECT saved.*, (SELECT stars FROM previous) FROM saved
                """)[0]
            let rating = try Self.rating(from: row)
            let previous = try row.decode(Int32?.self, at: 6)
            var change = [0, 0, 0, 0, 0]
            change[Int(stars) - 1] += 1
            if let previous { change[Int(previous) - 1] -= 1 }
            try await applySummaryChange(productID, change, in: transaction)
            return rating
        }
    }

    /// Deletes the user's rating of the product; false when there is none.
    func delete(productID: Int64, userID: String) async throws -> Bool {
        try await pool.withTransaction { transaction in
            guard try await Self.lockSummary(productID, in: transaction, creating: false) else { return false }
            let rows = try await transaction.query("""
                DELETE FROM ratings WHERE product_id = \(productID) AND user_id = \(userID) RETURNING stars
                """)
            guard let row = rows.first else { return false }
            var change = [0, 0, 0, 0, 0]
            change[Int(try row.decode(Int32.self, at: 0)) - 1] -= 1
            try await applySummaryChange(productID, change, in: transaction)
            return true
        }
    }

    /// Locks the product's summary row (creating it first when asked):
    /// every write of the product holds it until it commits. False when
    /// there is no row and none was to be created.
    @discardableResult
    private static func lockSummary(_ productID: Int64, in transaction: PostgresConnection, creating: Bool) async throws -> Bool {
        if creating {
            // DO UPDATE (unlike DO NOTHING) locks the row when it exists.
            try await transaction.execute("""
                INSERT INTO rating_summaries (product_id) VALUES (\(productID))
                ON CONFLICT (product_id) DO UPDATE SET version = rating_summaries.version
                """)
            return true
        }
        return try await !transaction.query("SELECT 1 FROM rating_summaries WHERE product_id = \(productID) FOR UPDATE").isEmpty
    }

    /// Adds `change` (per star value) to the summary, moves its version on,
    /// and queues the new summary for the catalog.
    private func applySummaryChange(_ productID: Int64, _ change: [Int], in transaction: PostgresConnection) async throws {
        let total = change.enumerated().reduce(0) { $0 + ($1.offset + 1) * $1.element }
        let row = try await transaction.query("""
            UPDATE rating_summaries SET
                count = count + \(Int32(change.reduce(0, +))), star_total = star_total + \(Int64(total)),
                stars_1 = stars_1 + \(Int32(change[0])), stars_2 = stars_2 + \(Int32(change[1])),
                stars_3 = stars_3 + \(Int32(change[2])), stars_4 = stars_4 + \(Int32(change[3])),
                stars_5 = stars_5 + \(Int32(change[4])), version = version + 1
            WHERE product_id = \(productID)
            RETURNING product_id, stars_1, stars_2, stars_3, stars_4, stars_5, version
            """)[0]
        let summary = try Self.starCounts(from: row)
        try await outbox.enqueue(topic: Self.catalogTopic, key: String(productID),
                                 payload: try summary.catalogUpdate.serializedBytes(), in: transaction)
    }

    // MARK: Reads

    /// The summary of one product (unrated: all zero).
    func summary(productID: Int64) async throws -> StarCounts {
        let rows = try await pool.query("""
            SELECT product_id, stars_1, stars_2, stars_3, stars_4, stars_5, version
            FROM rating_summaries WHERE product_id = \(productID)
            """)
        return try rows.first.map(Self.starCounts(from:)) ?? .unrated(productID)
    }

    /// The summaries of the rated products among `productIDs`, in one indexed read.
    func summaries(productIDs: [Int64]) async throws -> [Int64: StarCounts] {
        let rows = try await pool.query("""
            SELECT product_id, stars_1, stars_2, stars_3, stars_4, stars_5, version
            FROM rating_summaries
            """ + " WHERE " + .column("product_id", isAnyOf: productIDs))
        var result: [Int64: StarCounts] = [:]
        for row in rows {
            let counts = try Self.starCounts(from: row)
            result[counts.productID] = counts
        }
        return result
    }

    /// One page of a product's ratings, newest first, then by user id, and
    /// where the next page starts when there is one.
    func ratings(productID: Int64, pageSize: Int, after position: Position?) async throws -> (ratings: [Rating], next: Position?) {
        var query: PostgresQuery = """
            SELECT product_id, user_id, stars, review, created_at, updated_at,
                   (EXTRACT(EPOCH FROM created_at) * 1000000)::bigint
            FROM ratings WHERE product_id = \(productID)
            """
        if let position {
            // Exact microseconds: 'epoch' plus an integer interval, no floats.
            let createdAt: PostgresQuery = "('epoch'::timestamptz + \(position.micros) * interval '1 microsecond')"
            query.append(" AND (created_at < " + createdAt + " OR (created_at = " + createdAt + " AND user_id > \(position.user)))")
        }
        query.append(" ORDER BY created_at DESC, user_id LIMIT \(literal: pageSize + 1)")
        let rows = try await pool.query(query)
        let ratings = try rows.prefix(pageSize).map(Self.rating(from:))
        guard rows.count > pageSize, let last = ratings.last else { return (ratings, nil) }
        return (ratings, Position(micros: try rows[pageSize - 1].decode(Int64.self, at: 6), user: last.userId))
    }

    // MARK: Rows

    static func rating(from row: PostgresRow) throws -> Rating {
        let (productID, userID, stars, review, createdAt, updatedAt) =
            try row.decode((Int64, String, Int32, String, Date, Date).self)
        return .with {
            $0.productId = productID
            $0.userId = userID
            $0.stars = Int32(stars)
            $0.review = review
            $0.createdAt = Google_Protobuf_Timestamp(microsecondsOf: createdAt)
            $0.updatedAt = Google_Protobuf_Timestamp(microsecondsOf: updatedAt)
        }
    }

    static func starCounts(from row: PostgresRow) throws -> StarCounts {
        let (productID, one, two, three, four, five, version) =
            try row.decode((Int64, Int32, Int32, Int32, Int32, Int32, Int64).self)
        return StarCounts(productID: productID, counts: [one, two, three, four, five], version: version)
    }
}
