import Foundation
import Postgres
import RestaurantAPI
import ServiceKit
import WellKnownTypes

/// The orders schema: every statement the service runs. Each change of an
/// order writes, in its transaction, the order, its history entry, an
/// OrderEvent in the outbox (for analytics) and a NOTIFY (for watchers).
struct OrderStore: Sendable {
    let pool: PostgresPool
    let outbox: Outbox

    /// The outbox topic of order events, delivered to analytics.
    static let analyticsTopic = "analytics.order-events"

    /// The channel watchers hear of changes on: the schema's own.
    var changeChannel: String { "\(pool.configuration.schema ?? "orders").orders" }

    /// An order to place, priced from the catalog.
    struct NewOrder: Sendable {
        struct Item: Sendable {
            let productID: Int64
            let name: String
            let quantity: Int32
            let unitPriceCents: Int64
            let notes: String
        }

        let customerID: String
        let notes: String
        let items: [Item]
        /// The longest preparation time of its products.
        let preparationMinutes: Int32
    }

    // MARK: Writes

    /// Inserts the order (PENDING) in `transaction` and returns it as stored.
    func create(_ order: NewOrder, actor: String, in transaction: PostgresConnection) async throws -> Order {
        let id = UUID.random()
        let now = Self.wholeMicroseconds(Date())
        let readyAt = now.addingTimeInterval(Double(order.preparationMinutes) * 60)
        let total = order.items.reduce(Int64(0)) { $0 + Int64($1.quantity) * $1.unitPriceCents }
        // A random order number can collide: take another.
        var inserted = false
        for _ in 0..<5 where !inserted {
            inserted = try await !transaction.query("""
                INSERT INTO orders (id, order_number, customer_id, status, total_cents, notes, created_at, updated_at, estimated_ready_at)
                VALUES (\(id), \(OrderNumber.make(at: now)), \(order.customerID), \(OrderStatus.pending.rawValue), \(total),
                        \(order.notes), \(now), \(now), \(readyAt))
                ON CONFLICT (order_number) DO NOTHING RETURNING 1
                """).isEmpty
        }
        guard inserted else { throw StoreError.failedPrecondition("could not assign an order number; retry") }
        try await transaction.execute("""
            INSERT INTO order_items (order_id, line, product_id, product_name, quantity, unit_price_cents, subtotal_cents, notes)
            SELECT \(id), line - 1, product, name, quantity, price, quantity * price, notes
            FROM unnest(\(order.items.map(\.productID)), \(order.items.map(\.name)), \(order.items.map(\.quantity)),
                        \(order.items.map(\.unitPriceCents)), \(order.items.map(\.notes)))
                 WITH ORDINALITY AS i(product, name, quantity, price, notes, line)
            """)
        try await transaction.execute("""
            INSERT INTO order_status_history (order_id, sequence, from_status, to_status, changed_at, changed_by)
            VALUES (\(id), 1, \(OrderStatus.unspecified.rawValue), \(OrderStatus.pending.rawValue), \(now), \(actor))
            """)
        return try await announce(id, type: .created, previous: .unspecified, in: transaction)
    }

    /// Moves order `id` to `status` if the lifecycle allows it from the
    /// status it has when the row is locked (so of two concurrent changes
    /// from one status, exactly one wins); returns the order.
    func changeStatus(_ id: UUID, to status: OrderStatus, reason: String, actor: String) async throws -> Order {
        try await pool.withTransaction { transaction in
            let sources = OrderWorkflow.sources(of: status).map(\.rawValue)
            let now = Self.wholeMicroseconds(Date())
            var assignments: PostgresQuery = "status = \(status.rawValue), updated_at = \(now), sequence = o.sequence + 1"
            if status == .cancelled { assignments.append(", cancellation_reason = \(reason)") }
            // The conditional update locks the row and re-reads it if a
            // concurrent change committed first: no read-then-write race.
            let rows = try await transaction.query("UPDATE orders o SET " + assignments
                + " FROM (SELECT id, status AS previous FROM orders WHERE id = \(id) FOR UPDATE) p"
                + " WHERE o.id = p.id AND p.previous = ANY(\(sources)) RETURNING p.previous, o.sequence")
            guard let row = rows.first else {
                let current = try await transaction.query("SELECT status FROM orders WHERE id = \(id)")
                guard let current = current.first else { throw StoreError.notFound("order \(id.uuidString.lowercased()) not found") }
                let from = OrderStatus(rawValue: try current.decode(Int32.self, at: 0))
                throw StoreError.failedPrecondition(
                    "cannot change order status from \(OrderWorkflow.name(from)) to \(OrderWorkflow.name(status))")
            }
            let (previous, sequence) = try row.decode((Int32, Int64).self)
            try await transaction.execute("""
                INSERT INTO order_status_history (order_id, sequence, from_status, to_status, changed_at, changed_by, reason)
                VALUES (\(id), \(sequence), \(previous), \(status.rawValue), \(now), \(actor), \(reason))
                """)
            return try await announce(id, type: .statusChanged, previous: OrderStatus(rawValue: previous), in: transaction)
        }
    }

    /// Writes the order's new state as an OrderEvent to the outbox and
    /// tells watchers (both take effect when the transaction commits).
    @discardableResult
    private func announce(_ id: UUID, type: OrderEventType, previous: OrderStatus,
                          in transaction: PostgresConnection) async throws -> Order {
        guard let order = try await Self.orders([id], on: transaction).first else {
            throw StoreError.notFound("order \(id.uuidString.lowercased()) not found")
        }
        let event = OrderEvent.with {
            $0.eventId = UUID.random().uuidString.lowercased()
            $0.type = type
            $0.order = order
            $0.previousStatus = previous
            $0.occurredAt = order.updatedAt
            $0.sequence = Int64(order.statusHistory.count)
        }
        try await outbox.enqueue(topic: Self.analyticsTopic, key: order.id, payload: try event.serializedBytes(), in: transaction)
        try await transaction.execute("SELECT pg_notify(\(changeChannel), \("\(order.id):\(event.sequence)"))")
        return order
    }

    // MARK: Reads

    func order(id: UUID) async throws -> Order? {
        try await pool.withConnection { try await Self.orders([id], on: $0).first }
    }

    func order(number: String) async throws -> Order? {
        try await pool.withConnection { connection in
            guard let row = try await connection.query("SELECT id FROM orders WHERE order_number = \(number)").first else { return nil }
            return try await Self.orders([try row.decode(UUID.self, at: 0)], on: connection).first
        }
    }

    /// The event a change notification (`<order id>:<sequence>`) announces:
    /// the order as that change left it.
    func event(notification payload: String) async throws -> OrderEvent? {
        let parts = payload.split(separator: ":")
        guard parts.count == 2, let id = UUID(uuidString: String(parts[0])), let sequence = Int(parts[1]), sequence >= 1,
              var order = try await order(id: id), sequence <= order.statusHistory.count else { return nil }
        let change = order.statusHistory[sequence - 1]
        order.statusHistory = Array(order.statusHistory.prefix(sequence))
        order.status = change.toStatus
        order.updatedAt = change.changedAt
        return .with {
            $0.eventId = "\(order.id):\(sequence)"
            $0.type = sequence == 1 ? .created : .statusChanged
            $0.order = order
            $0.previousStatus = change.fromStatus
            $0.occurredAt = change.changedAt
            $0.sequence = Int64(sequence)
        }
    }

    /// Filters of ListOrders.
    struct Filter: Sendable {
        var customerID: String?
        var statuses: [OrderStatus]
        var createdAfter: Date?
        var createdBefore: Date?
    }

    /// Where a page of ListOrders ends: created_at in microseconds, and id.
    struct Position: Codable, Sendable {
        var micros: Int64
        var id: UUID
    }

    /// One page, newest first, the position of its last order when more
    /// follow, and how many orders match.
    func orders(_ filter: Filter, pageSize: Int, after position: Position?) async throws
        -> (orders: [Order], next: Position?, total: Int32) {
        var conditions: PostgresQuery = " WHERE true"
        if let customer = filter.customerID { conditions.append(" AND customer_id = \(customer)") }
        if !filter.statuses.isEmpty { conditions.append(" AND status = ANY(\(filter.statuses.map(\.rawValue)))") }
        if let after = filter.createdAfter { conditions.append(" AND created_at >= \(after)") }
        if let before = filter.createdBefore { conditions.append(" AND created_at < \(before)") }
        async let total = pool.query("SELECT count(*)::integer FROM orders" + conditions)
        var page: PostgresQuery = "SELECT id, (EXTRACT(EPOCH FROM created_at) * 1000000)::bigint FROM orders" + conditions
        if let position {
            page.append(" AND (created_at, id) < ('epoch'::timestamptz + \(position.micros) * interval '1 microsecond', \(position.id))")
        }
        page.append(" ORDER BY created_at DESC, id DESC LIMIT \(literal: pageSize + 1)")
        let rows = try await pool.query(page)
        let keys = try rows.prefix(pageSize).map { try $0.decode((UUID, Int64).self) }
        let orders = try await pool.withConnection { try await Self.orders(keys.map(\.0), on: $0) }
        let next = rows.count > pageSize ? keys.last.map { Position(micros: $0.1, id: $0.0) } : nil
        return (orders, next, try await total[0].decode(Int32.self, at: 0))
    }

    /// Orders by id, in the order of `ids` (unknown ones left out), with
    /// items and history: three statements whatever the count.
    static func orders(_ ids: [UUID], on connection: PostgresConnection) async throws -> [Order] {
        guard !ids.isEmpty else { return [] }
        var orders: [UUID: Order] = [:]
        for row in try await connection.query("""
            SELECT id, order_number, customer_id, status, total_cents, notes, created_at, updated_at,
                   estimated_ready_at, cancellation_reason
            FROM orders
            """ + " WHERE " + .column("id", isAnyOf: ids)) {
            let (id, number, customer, status, total, notes, created, updated, ready, reason) =
                try row.decode((UUID, String, String, Int32, Int64, String, Date, Date, Date, String).self)
            orders[id] = .with {
                $0.id = id.uuidString.lowercased()
                $0.orderNumber = number
                $0.customerId = customer
                $0.status = OrderStatus(rawValue: status)
                $0.totalCents = total
                $0.notes = notes
                $0.createdAt = Google_Protobuf_Timestamp(microsecondsOf: created)
                $0.updatedAt = Google_Protobuf_Timestamp(microsecondsOf: updated)
                $0.estimatedReadyAt = Google_Protobuf_Timestamp(microsecondsOf: ready)
                $0.cancellationReason = reason
            }
        }
        for row in try await connection.query("""
            SELECT order_id, product_id, product_name, quantity, unit_price_cents, subtotal_cents, notes
            FROM order_items
            """ + " WHERE " + .column("order_id", isAnyOf: ids) + " ORDER BY order_id, line") {
            let (id, product, name, quantity, price, subtotal, notes) =
                try row.decode((UUID, Int64, String, Int32, Int64, Int64, String).self)
            orders[id]?.items.append(.with {
                $0.productId = product
                $0.productName = name
                $0.quantity = quantity
                $0.unitPriceCents = price
                $0.subtotalCents = subtotal
                $0.notes = notes
            })
        }
        for row in try await connection.query("""
            SELECT order_id, from_status, to_status, changed_at, changed_by, reason
            FROM order_status_history
            """ + " WHERE " + .column("order_id", isAnyOf: ids) + " ORDER BY order_id, sequence") {
            let (id, from, to, at, by, reason) = try row.decode((UUID, Int32, Int32, Date, String, String).self)
            orders[id]?.statusHistory.append(.with {
                $0.fromStatus = OrderStatus(rawValue: from)
                $0.toStatus = OrderStatus(rawValue: to)
                $0.changedAt = Google_Protobuf_Timestamp(microsecondsOf: at)
                $0.changedBy = by
                $0.reason = reason
            })
        }
        return ids.compactMap { orders[$0] }
    }

    /// Foundation dates carry more than PostgreSQL keeps: times written are
    /// whole microseconds, so what is returned equals what is read later.
    static func wholeMicroseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000)
    }
}
