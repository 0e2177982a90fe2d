import Foundation
import Postgres
import ServiceKit
import Synchronization

/// The receiving side of an outbox in tests: applies each event at most
/// once (``ProcessedEvents`` in its own transaction, as a real consumer
/// does), counts what it applied, and checks that each key's events arrive
/// in sequence. Payloads are `"<key>:<sequence>"`, sequences from 1.
final class ReceivingService: Sendable {
    private struct State {
        var lastSequence: [String: Int] = [:]
        var outOfOrder: [String] = []
        var applied = 0
        var calls = 0
    }

    private let pool: PostgresPool
    private let processed = ProcessedEvents()
    private let state = Mutex(State())
    /// While true, deliveries fail as if the receiver were down.
    let down = Mutex(false)
    /// Runs after the events of a call are applied, before the call returns.
    let afterApply = Mutex<(@Sendable () async throws -> Void)?>(nil)

    init(pool: PostgresPool) {
        self.pool = pool
    }

    struct Down: Error, CustomStringConvertible {
        var description: String { "the receiver is down" }
    }

    var applied: Int { state.withLock { $0.applied } }
    var calls: Int { state.withLock { $0.calls } }
    var outOfOrder: [String] { state.withLock { $0.outOfOrder } }

    /// Applies `events` (the relay's `deliver`).
    func receive(_ events: [OutboxEvent]) async throws {
        state.withLock { $0.calls += 1 }
        if down.withLock({ $0 }) { throw Down() }
        // A real consumer changes its tables in this same transaction.
        let new = try await pool.withTransaction { try await processed.record(events.map(\.id.uuidString), in: $0) }
        state.withLock { state in
            for event in events where new.contains(event.id.uuidString) {
                let text = String(decoding: event.payload, as: UTF8.self)
                let sequence = Int(text.split(separator: ":").last!)!
                let last = state.lastSequence[event.key] ?? 0
                if sequence != last + 1 { state.outOfOrder.append("\(event.key): \(last) then \(sequence)") }
                state.lastSequence[event.key] = sequence
                state.applied += 1
            }
        }
        if let hook = afterApply.withLock({ $0 }) { try await hook() }
    }
}
