import Foundation
import RestaurantAPI

/// The text the order commands show people: an order with its items and
/// history, a table of orders, one line per event.
public enum OrderFormat {
    public static func status(_ status: OrderStatus) -> String {
        switch status {
        case .unspecified: "-"
        case .pending: "pending"
        case .confirmed: "confirmed"
        case .preparing: "preparing"
        case .ready: "ready"
        case .delivered: "delivered"
        case .cancelled: "cancelled"
        case let .unrecognized(value): "status \(value)"
        }
    }

    public static func orderDetails(_ order: Order) -> String {
        var pairs: [(String, String)] = [
            ("Order", "\(order.orderNumber) (\(order.id))"),
            ("Customer", order.customerId),
            ("Status", status(order.status)),
            ("Total", Money.format(cents: order.totalCents)),
            ("Created", CatalogFormat.time(order.createdAt)),
            ("Ready by", CatalogFormat.time(order.estimatedReadyAt)),
        ]
        if !order.notes.isEmpty { pairs.append(("Notes", order.notes)) }
        if !order.cancellationReason.isEmpty { pairs.append(("Cancelled", order.cancellationReason)) }
        let items = TextTable(columns: ["product", "name", "qty", "unit", "subtotal", "notes"], rows: order.items.map { item in
            [String(item.productId), item.productName, String(item.quantity), Money.format(cents: item.unitPriceCents),
             Money.format(cents: item.subtotalCents), CatalogFormat.truncated(item.notes, 30)]
        }, rightAligned: [0, 2, 3, 4]).render()
        let history = order.statusHistory.map { change in
            "  " + CatalogFormat.time(change.changedAt) + "  " + status(change.toStatus)
                + (change.changedBy.isEmpty ? "" : " by \(change.changedBy)") + (change.reason.isEmpty ? "" : " (\(change.reason))")
        }
        return CatalogFormat.details(pairs) + "\n\n" + items + "\n\nHistory\n" + history.joined(separator: "\n")
    }

    public static func ordersTable(_ orders: [Order]) -> String {
        guard !orders.isEmpty else { return "No orders." }
        return TextTable(columns: ["number", "customer", "status", "items", "total", "created"], rows: orders.map { order in
            [order.orderNumber, order.customerId, status(order.status), String(order.items.reduce(0) { $0 + Int($1.quantity) }),
             Money.format(cents: order.totalCents), CatalogFormat.time(order.createdAt)]
        }, rightAligned: [3, 4]).render()
    }

    /// `18:05:09  ORD20261206K7Q2M9XA  ada  pending → confirmed  $12.50`
    public static func eventLine(_ event: OrderEvent) -> String {
        let order = event.order ?? Order()
        let change = event.type == .created ? "placed" : "\(status(event.previousStatus)) → \(status(order.status))"
        return [CatalogFormat.clock(event.occurredAt), order.orderNumber, order.customerId, change,
                Money.format(cents: order.totalCents)].joined(separator: "  ")
    }
}
