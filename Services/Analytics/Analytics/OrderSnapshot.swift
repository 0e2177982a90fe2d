import Foundation
import RestaurantAPI
import RPC
import WellKnownTypes

/// One order as an event shows it, validated: what the reports need of it.
struct OrderSnapshot: Sendable, Equatable {
    struct Item: Sendable, Equatable {
        let productID: Int64
        let name: String
        let quantity: Int32
        let subtotalCents: Int64
    }

    let eventID: String
    let orderID: UUID
    let sequence: Int64
    let occurredAt: Date
    let status: OrderStatus
    let createdAt: Date
    let totalCents: Int64
    let items: [Item]

    /// READY and DELIVERED orders count in sales figures.
    var isCounted: Bool { Self.isCounted(status) }

    static func isCounted(_ status: OrderStatus) -> Bool {
        status == .ready || status == .delivered
    }

    /// Whether this snapshot is newer than one with `sequence` and
    /// `occurredAt`: by sequence, then occurrence.
    func isNewer(thanSequence other: Int64, occurredAt otherTime: Date) -> Bool {
        (sequence, occurredAt) > (other, otherTime)
    }

    /// Validates event `index` of a batch with the contract's rules; the
    /// message names the event and the field.
    init(_ event: OrderEvent, index: Int) throws(RPCError) {
        let field = "events[\(index)]"
        func invalid(_ rule: String) -> RPCError { RPCError(.invalidArgument, "\(field).\(rule)") }
        guard !event.eventId.isEmpty else { throw invalid("event_id is required") }
        guard event.eventId.unicodeScalars.count <= 100 else { throw invalid("event_id must be at most 100 characters") }
        switch event.type {
        case .created, .statusChanged: break
        case .unspecified: throw invalid("type is required")
        case .unrecognized: throw invalid("type is invalid")
        }
        guard let order = event.order else { throw invalid("order is required") }
        guard let orderID = UUID(uuidString: order.id) else { throw invalid("order.id must be a UUID") }
        switch order.status {
        case .pending, .confirmed, .preparing, .ready, .delivered, .cancelled: break
        case .unspecified: throw invalid("order.status is required")
        case .unrecognized: throw invalid("order.status is invalid")
        }
        guard let createdAt = order.createdAt, createdAt.isValid else { throw invalid("order.created_at is required") }
        guard let occurredAt = event.occurredAt, occurredAt.isValid else { throw invalid("occurred_at is required") }
        guard event.sequence >= 0 else { throw invalid("sequence must not be negative") }
        guard order.totalCents >= 0 else { throw invalid("order.total_cents must not be negative") }
        var items: [Item] = []
        for (line, item) in order.items.enumerated() {
            let itemField = "order.items[\(line)]"
            guard item.productId > 0 else { throw invalid("\(itemField).product_id must be positive") }
            guard item.quantity > 0 else { throw invalid("\(itemField).quantity must be positive") }
            guard item.subtotalCents >= 0 else { throw invalid("\(itemField).subtotal_cents must not be negative") }
            items.append(Item(productID: item.productId, name: item.productName, quantity: item.quantity,
                              subtotalCents: item.subtotalCents))
        }
        eventID = event.eventId
        self.orderID = orderID
        sequence = event.sequence
        self.occurredAt = occurredAt.date
        status = order.status
        self.createdAt = createdAt.date
        totalCents = order.totalCents
        self.items = items
    }
}
