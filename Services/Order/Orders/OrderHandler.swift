import Foundation
import RestaurantAPI
import RPC
import ServiceKit
import WellKnownTypes

/// `restaurant.order.v1.OrderService`: validates requests with the
/// contract's rules, prices orders with the catalog, and runs them against
/// the store.
struct OrderHandler: OrderServiceHandler {
    let store: OrderStore
    let catalog: Upstream
    let keys: IdempotencyKeys
    let feed: ChangeFeed<OrderEvent, OrderWatchFilter>
    let created: @Sendable () -> Void

    func createOrder(_ request: CreateOrderRequest, context: RPCServerContext) async throws -> Order {
        let customer = try Self.customerID(request.customerId, required: true)!
        try Validate.count(request.items, "items", in: 1...100)
        for (index, item) in request.items.enumerated() {
            try Validate.id(item.productId, "items[\(index)].product_id")
            try Validate.number(item.quantity, "items[\(index)].quantity", in: 1...99)
            try Validate.text(item.notes, "items[\(index)].notes", length: 0...200)
        }
        let notes = try Validate.text(request.notes, "notes", length: 0...1000)

        // A retry of a request that already went through: its order, without
        // asking the catalog again.
        if let done: GetOrderRequest = try await keys.storedResponse(scope: customer, key: request.idempotencyKey,
                                                                     request: request, on: store.pool) {
            return try await existing(done)
        }
        let order = try await price(request, customer: customer, notes: notes)
        let actor = Self.actor(context)
        // The key stores where the order is; a concurrent identical request
        // gets that and reads the order, the one that created it already has it.
        var placed: Order?
        let done = try await keys.run(scope: customer, key: request.idempotencyKey, request: request, on: store.pool) { transaction in
            let order = try await store.create(order, actor: actor, in: transaction)
            placed = order
            return GetOrderRequest.with { $0.lookup = .id(order.id) }
        }
        guard let placed else { return try await existing(done) }
        created()
        return placed
    }

    /// Names and prices from the catalog, now; FAILED_PRECONDITION naming
    /// every product that is missing, deleted or unavailable.
    private func price(_ request: CreateOrderRequest, customer: String, notes: String) async throws -> OrderStore.NewOrder {
        let ids = Array(Set(request.items.map(\.productId))).sorted()
        let client = CatalogServiceClient(channel: catalog.channel)
        let found = try await catalog.call { options in
            try await client.batchGetProducts(.with { $0.ids = ids }, options: options)
        }
        let products = Dictionary(found.products.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var offending: [String] = []
        for id in ids {
            guard let product = products[id] else {
                offending.append("\(id) (not found)")
                continue
            }
            if product.archived { offending.append("\(id) (\(product.name), deleted)") } else if !product.available {
                offending.append("\(id) (\(product.name))")
            }
        }
        guard offending.isEmpty else {
            throw RPCError(.failedPrecondition, "products not available: \(offending.joined(separator: ", "))")
        }
        return OrderStore.NewOrder(
            customerID: customer, notes: notes,
            items: request.items.map { item in
                let product = products[item.productId]!
                return .init(productID: item.productId, name: product.name, quantity: item.quantity,
                             unitPriceCents: product.priceCents, notes: item.notes.trimmingCharacters(in: .whitespacesAndNewlines))
            },
            preparationMinutes: ids.compactMap { products[$0]?.preparationMinutes }.max() ?? 0)
    }

    private func existing(_ lookup: GetOrderRequest) async throws -> Order {
        guard case .id(let text)? = lookup.lookup, let id = UUID(uuidString: text), let order = try await store.order(id: id) else {
            throw RPCError(.internal, "internal error")
        }
        return order
    }

    func getOrder(_ request: GetOrderRequest, context: RPCServerContext) async throws -> Order {
        switch request.lookup {
        case .id(let text)?:
            let id = try Self.orderID(text)
            guard let order = try await store.order(id: id) else { throw RPCError(.notFound, "order \(text) not found") }
            return order
        case .orderNumber(let number)?:
            guard !number.isEmpty, number.count <= 64, let order = try await store.order(number: number) else {
                throw RPCError(.notFound, "order \(number) not found")
            }
            return order
        case nil:
            throw RPCError(.invalidArgument, "id or order_number is required")
        }
    }

    func listOrders(_ request: ListOrdersRequest, context: RPCServerContext) async throws -> ListOrdersResponse {
        let filter = OrderStore.Filter(
            customerID: try Self.customerID(request.customerId, required: false),
            statuses: try Self.statuses(request.statuses),
            createdAfter: request.createdAfter?.date, createdBefore: request.createdBefore?.date)
        if let after = filter.createdAfter, let before = filter.createdBefore, before <= after {
            throw RPCError(.invalidArgument, "created_before must be after created_after")
        }
        let pageSize = try PageSize.resolve(request.pageSize)
        let fingerprint = "c\(filter.customerID ?? "")s\(filter.statuses.map(\.rawValue))"
            + "a\(request.createdAfter.map { "\($0.seconds).\($0.nanos)" } ?? "-")b\(request.createdBefore.map { "\($0.seconds).\($0.nanos)" } ?? "-")"
        let token = try PageToken<OrderStore.Position>.decode(request.pageToken, query: fingerprint)
        let (orders, next, total) = try await store.orders(filter, pageSize: pageSize, after: token?.position)
        return .with {
            $0.orders = orders
            $0.nextPageToken = next.map { PageToken(position: $0).encoded(query: fingerprint) } ?? ""
            $0.totalSize = total
        }
    }

    func updateOrderStatus(_ request: UpdateOrderStatusRequest, context: RPCServerContext) async throws -> Order {
        let id = try Self.orderID(request.id)
        switch request.status {
        case .unspecified, .unrecognized: throw RPCError(.invalidArgument, "status is required")
        default: break
        }
        return try await store.changeStatus(id, to: request.status, reason: "", actor: Self.actor(context))
    }

    func cancelOrder(_ request: CancelOrderRequest, context: RPCServerContext) async throws -> Order {
        let id = try Self.orderID(request.id)
        let reason = try Validate.text(request.reason, "reason", length: 0...500)
        return try await store.changeStatus(id, to: .cancelled, reason: reason, actor: Self.actor(context))
    }

    func watchOrders(_ request: WatchOrdersRequest, responses: RPCResponseWriter<OrderEvent>, context: RPCServerContext) async throws {
        let filter = OrderWatchFilter(customerID: try Self.customerID(request.customerId, required: false),
                                      statuses: Set(try Self.statuses(request.statuses)))
        let events = try await feed.subscribe(filter)
        try await responses.sendHeaders()
        for try await event in events { try await responses.write(event) }
    }

    // MARK: Fields

    private static func customerID(_ value: String, required: Bool) throws(RPCError) -> String? {
        guard !value.isEmpty else {
            if required { throw RPCError(.invalidArgument, "customer_id is required") }
            return nil
        }
        guard value.unicodeScalars.count <= 100 else {
            throw RPCError(.invalidArgument, "customer_id must be at most 100 characters")
        }
        return value
    }

    private static func orderID(_ text: String) throws(RPCError) -> UUID {
        guard let id = UUID(uuidString: text) else { throw RPCError(.invalidArgument, "id must be a UUID") }
        return id
    }

    private static func statuses(_ statuses: [OrderStatus]) throws(RPCError) -> [OrderStatus] {
        for status in statuses {
            switch status {
            case .unspecified, .unrecognized:
                throw RPCError(.invalidArgument, "statuses must not contain ORDER_STATUS_UNSPECIFIED or unknown values")
            default: continue
            }
        }
        return statuses
    }

    /// Who is acting: the caller's `x-actor` (at most 100 characters kept).
    private static func actor(_ context: RPCServerContext) -> String {
        String((context.metadata["x-actor"] ?? "").prefix(100))
    }
}

/// What a WatchOrders caller wants to see.
struct OrderWatchFilter: Sendable {
    let customerID: String?
    let statuses: Set<OrderStatus>

    func matches(_ event: OrderEvent) -> Bool {
        guard let order = event.order else { return false }
        if let customerID, order.customerId != customerID { return false }
        return statuses.isEmpty || statuses.contains(order.status) || statuses.contains(event.previousStatus)
    }
}
