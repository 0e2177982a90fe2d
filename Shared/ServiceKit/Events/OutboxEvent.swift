import Foundation

/// An event written to an ``Outbox``, as its relay delivers it.
public struct OutboxEvent: Sendable, Hashable {
    /// The outbox row: events of one key are delivered in this order.
    public let position: Int64
    /// Unique, stable across redeliveries: consumers deduplicate by it.
    public let id: UUID
    /// Where the event goes (one relay per topic).
    public let topic: String
    /// The ordering key (an order id): events of one key arrive in the
    /// order they were written.
    public let key: String
    /// The encoded event.
    public let payload: [UInt8]
    /// When it was written.
    public let createdAt: Date
    /// The trace context of the change that wrote it (``StoredTraceContext``), if traced.
    let traceContext: String?
}
