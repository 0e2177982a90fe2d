import Foundation
import Postgres

/// Events written in the same transaction as the changes they announce, so
/// an event exists exactly when its change committed; an ``OutboxRelay``
/// delivers them afterwards. Needs ``ServiceKitTable/outbox``.
///
/// Events of one key reach the receiver in the order they were written,
/// provided the writes of one key are serialized (they update the same row,
/// as an order's events do): an event's position is taken when it is
/// written, so two concurrent transactions of one key could otherwise
/// commit out of order.
public struct Outbox: Sendable {
    /// The channel the relay is woken on: the schema's own, so services
    /// sharing a database never wake each other.
    public let channel: String

    /// - Parameter schema: the service's schema (where the table lives).
    public init(schema: String) {
        channel = "\(schema).outbox"
    }

    /// One event to enqueue.
    public struct Message: Sendable {
        public var topic: String
        public var key: String
        public var payload: [UInt8]

        public init(topic: String, key: String, payload: [UInt8]) {
            self.topic = topic
            self.key = key
            self.payload = payload
        }
    }

    /// Writes `messages` in the caller's transaction and wakes the relays
    /// when it commits (NOTIFY is transactional). Returns the event ids.
    @discardableResult
    public func enqueue(_ messages: [Message], in transaction: PostgresConnection) async throws -> [UUID] {
        guard !messages.isEmpty else { return [] }
        var ids: [UUID] = []
        // The relay's delivery continues the trace of the change.
        let traceContext = StoredTraceContext.current()
        for message in messages {
            let id = UUID.random()
            try await transaction.execute("""
                INSERT INTO outbox (event_id, topic, key, payload, trace_context)
                VALUES (\(id), \(message.topic), \(message.key), \(Data(message.payload)), \(traceContext))
                """)
            ids.append(id)
        }
        try await transaction.execute("SELECT pg_notify(\(channel), '')")
        return ids
    }

    /// Writes one event; see ``enqueue(_:in:)``.
    @discardableResult
    public func enqueue(topic: String, key: String, payload: [UInt8], in transaction: PostgresConnection) async throws -> UUID {
        try await enqueue([Message(topic: topic, key: key, payload: payload)], in: transaction)[0]
    }
}
