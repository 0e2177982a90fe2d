import RestaurantAPI

/// The lifecycle: PENDING → CONFIRMED → PREPARING → READY → DELIVERED, and
/// PENDING or CONFIRMED → CANCELLED. Nothing else.
enum OrderWorkflow {
    /// The statuses an order may move to `status` from.
    static func sources(of status: OrderStatus) -> [OrderStatus] {
        switch status {
        case .confirmed: [.pending]
        case .preparing: [.confirmed]
        case .ready: [.preparing]
        case .delivered: [.ready]
        case .cancelled: [.pending, .confirmed]
        default: []
        }
    }

    static func name(_ status: OrderStatus) -> String {
        switch status {
        case .unspecified: "ORDER_STATUS_UNSPECIFIED"
        case .pending: "PENDING"
        case .confirmed: "CONFIRMED"
        case .preparing: "PREPARING"
        case .ready: "READY"
        case .delivered: "DELIVERED"
        case .cancelled: "CANCELLED"
        case let .unrecognized(value): "\(value)"
        }
    }
}
