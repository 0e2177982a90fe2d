import Foundation
import Postgres

/// The idempotent-consumer half of the outbox: event ids recorded in the
/// same transaction as the effects of the events, so an event redelivered
/// (a relay killed after delivering, a retried batch) changes nothing.
/// Needs ``ServiceKitTable/processedEvents``.
///
/// Ids are kept for ``retention`` and then pruned: a redelivery later than
/// that would apply again, so the retention must exceed the longest time a
/// producer may keep redelivering (its outbox retention).
public struct ProcessedEvents: Sendable {
    public var retention: Duration

    public init(retention: Duration = .seconds(14 * 24 * 3600)) {
        self.retention = retention
    }

    /// Records `ids` (an outbox event's ``OutboxEvent/id`` as text, or a
    /// producer's own ids, at most 100 characters) in `transaction` and
    /// returns those not seen before: apply exactly these. Concurrent
    /// transactions recording the same id wait for each other; only the
    /// first to commit gets it back.
    public func record(_ ids: [String], in transaction: PostgresConnection) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let rows = try await transaction.query("""
            INSERT INTO processed_events (event_id) SELECT DISTINCT unnest(\(ids))
            ON CONFLICT (event_id) DO NOTHING RETURNING event_id
            """)
        return Set(try rows.map { try $0.decode(String.self, at: 0) })
    }

    /// Deletes ids recorded longer ago than ``retention``; returns how many.
    @discardableResult
    public func prune(on pool: PostgresPool) async throws -> Int {
        try await pool.execute("""
            DELETE FROM processed_events WHERE processed_at < now() - make_interval(secs => \(Double(retention.components.seconds)))
            """, idempotent: true)
    }
}
