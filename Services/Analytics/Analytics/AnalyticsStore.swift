import Foundation
import Postgres
import RestaurantAPI
import ServiceKit
import WellKnownTypes

/// The analytics schema: every statement the service runs.
///
/// An ingest, in one transaction: records the events' ids (a redelivered
/// event changes nothing), keeps each order's newest snapshot, and moves
/// the order's contribution between the aggregates by the difference
/// between its old and new snapshot; so an order is counted once, or not at
/// all, whatever order its events arrive in. Ingests and rebuilds take the
/// reports' advisory lock, so they run one at a time: concurrent ingests
/// (two relays) deadlocked on the aggregate rows they share, and each
/// deadlock cost a second of detection, far more than waiting in turn.
struct AnalyticsStore: Sendable {
    let pool: PostgresPool
    let calendar: BusinessCalendar
    private let processed = ProcessedEvents()

    /// Takes the reports' advisory lock, keyed by the schema: analytics
    /// instances on other schemas of the database (tests, staging) never wait for it.
    private static let lockReports: PostgresQuery =
        "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '.analytics-reports', 0))"

    init(pool: PostgresPool, calendar: BusinessCalendar) {
        self.pool = pool
        self.calendar = calendar
    }

    // MARK: Ingest

    /// Applies a validated batch atomically; returns how many events were
    /// new and how many had been recorded before (or earlier in the batch).
    func ingest(_ snapshots: [OrderSnapshot]) async throws -> (accepted: Int, duplicates: Int) {
        guard !snapshots.isEmpty else { return (0, 0) }
        return try await pool.withTransaction { transaction in
            _ = try await transaction.query(Self.lockReports)
            let new = try await processed.record(snapshots.map(\.eventID), in: transaction)
            // Of each order's new events, the newest; duplicates in the batch count once.
            var seen = Set<String>()
            var newest: [UUID: OrderSnapshot] = [:]
            for snapshot in snapshots where new.contains(snapshot.eventID) && seen.insert(snapshot.eventID).inserted {
                if let current = newest[snapshot.orderID],
                   !snapshot.isNewer(thanSequence: current.sequence, occurredAt: current.occurredAt) { continue }
                newest[snapshot.orderID] = snapshot
            }
            try await apply(Array(newest.values), in: transaction)
            return (seen.count, snapshots.count - seen.count)
        }
    }

    /// An order as stored: its snapshot's order key and contribution.
    private struct StoredOrder {
        let sequence: Int64
        let occurredAt: Date
        var contribution: ReportChanges.Contribution
    }

    private func apply(_ snapshots: [OrderSnapshot], in transaction: PostgresConnection) async throws {
        guard !snapshots.isEmpty else { return }
        let stored = try await storedOrders(snapshots.map(\.orderID), in: transaction)
        var changes = ReportChanges()
        var changed: [OrderSnapshot] = []
        for snapshot in snapshots {
            let old = stored[snapshot.orderID]
            if let old, !snapshot.isNewer(thanSequence: old.sequence, occurredAt: old.occurredAt) { continue }
            if let old { changes.apply(old.contribution, sign: -1) }
            changes.apply(contribution(of: snapshot), sign: 1)
            changed.append(snapshot)
        }
        guard !changed.isEmpty else { return }
        try await store(changed, in: transaction)
        try await apply(changes, in: transaction)
    }

    private func contribution(of snapshot: OrderSnapshot) -> ReportChanges.Contribution {
        let (day, hour) = calendar.dayAndHour(of: snapshot.createdAt)
        return ReportChanges.Contribution(
            day: day, hour: hour, counted: snapshot.isCounted, totalCents: snapshot.totalCents,
            items: snapshot.items.map { (Int64($0.productID), Int64($0.quantity), $0.subtotalCents) })
    }

    private func storedOrders(_ ids: [UUID], in transaction: PostgresConnection) async throws -> [UUID: StoredOrder] {
        var orders: [UUID: StoredOrder] = [:]
        for row in try await transaction.query("""
            SELECT order_id, sequence, occurred_us, counted, business_day - DATE '1970-01-01', created_hour, total_cents
            FROM orders
            """ + " WHERE " + .column("order_id", isAnyOf: ids)) {
            let (id, sequence, occurred, counted, day, hour, total) = try row.decode((UUID, Int64, Int64, Bool, Int32, Int32, Int64).self)
            orders[id] = StoredOrder(
                sequence: sequence, occurredAt: Self.date(micros: occurred),
                contribution: .init(day: BusinessDay(number: Int(day)), hour: Int(hour), counted: counted, totalCents: total, items: []))
        }
        for row in try await transaction.query("""
            SELECT order_id, product_id, quantity, subtotal_cents FROM order_items
            """ + " WHERE " + .column("order_id", isAnyOf: ids) + " ORDER BY order_id, line") {
            let (id, product, quantity, subtotal) = try row.decode((UUID, Int64, Int32, Int64).self)
            orders[id]?.contribution.items.append((product, Int64(quantity), subtotal))
        }
        return orders
    }

    /// Replaces the stored snapshots (and their items) of `snapshots`' orders.
    private func store(_ snapshots: [OrderSnapshot], in transaction: PostgresConnection) async throws {
        let placed = snapshots.map { calendar.dayAndHour(of: $0.createdAt) }
        try await transaction.execute("""
            INSERT INTO orders (order_id, sequence, occurred_us, status, counted, created_at, business_day, created_hour, total_cents)
            SELECT id, sequence, occurred, status, counted, 'epoch'::timestamptz + created * interval '1 microsecond',
                   day::date, hour, total
            FROM unnest(\(snapshots.map(\.orderID)), \(snapshots.map(\.sequence)), \(snapshots.map { Self.micros($0.occurredAt) }),
                        \(snapshots.map { $0.status.rawValue }), \(snapshots.map(\.isCounted)),
                        \(snapshots.map { Self.micros($0.createdAt) }), \(placed.map(\.day.text)), \(placed.map { Int32($0.hour) }),
                        \(snapshots.map(\.totalCents)))
                 AS s(id, sequence, occurred, status, counted, created, day, hour, total)
            ON CONFLICT (order_id) DO UPDATE SET
                sequence = EXCLUDED.sequence, occurred_us = EXCLUDED.occurred_us, status = EXCLUDED.status,
                counted = EXCLUDED.counted, created_at = EXCLUDED.created_at, business_day = EXCLUDED.business_day,
                created_hour = EXCLUDED.created_hour, total_cents = EXCLUDED.total_cents
            """)
        try await transaction.execute("DELETE FROM order_items WHERE " + .column("order_id", isAnyOf: snapshots.map(\.orderID)))
        var orderIDs: [UUID] = [], lines: [Int32] = [], products: [Int64] = [], names: [String] = []
        var quantities: [Int32] = [], subtotals: [Int64] = [], created: [Int64] = [], counted: [Bool] = []
        for snapshot in snapshots {
            for (line, item) in snapshot.items.enumerated() {
                orderIDs.append(snapshot.orderID)
                lines.append(Int32(line))
                products.append(item.productID)
                names.append(item.name)
                quantities.append(item.quantity)
                subtotals.append(item.subtotalCents)
                created.append(Self.micros(snapshot.createdAt))
                counted.append(snapshot.isCounted)
            }
        }
        guard !orderIDs.isEmpty else { return }
        try await transaction.execute("""
            INSERT INTO order_items (order_id, line, product_id, product_name, quantity, subtotal_cents, created_at, counted)
            SELECT id, line, product, name, quantity, subtotal, 'epoch'::timestamptz + created * interval '1 microsecond', counted
            FROM unnest(\(orderIDs), \(lines), \(products), \(names), \(quantities), \(subtotals), \(created), \(counted))
                 AS i(id, line, product, name, quantity, subtotal, created, counted)
            """)
    }

    /// Adds the changes to the aggregates.
    private func apply(_ changes: ReportChanges, in transaction: PostgresConnection) async throws {
        let daily = changes.daily.filter { !$0.value.isZero }
        if !daily.isEmpty {
            // Existing rows take their deltas first (a negative delta always has
            // one, and would fail the table's checks as a row to insert); the
            // rest are new rows. The same shape for every aggregate below.
            try await transaction.execute("""
                WITH delta AS (SELECT day::date, orders, revenue FROM unnest(\(daily.map(\.key.text)), \(daily.map(\.value.orders)),
                                                                            \(daily.map(\.value.revenueCents))) AS d(day, orders, revenue)),
                updated AS (UPDATE daily_sales s SET orders = s.orders + delta.orders, revenue_cents = s.revenue_cents + delta.revenue
                            FROM delta WHERE s.day = delta.day RETURNING s.day)
                INSERT INTO daily_sales (day, orders, revenue_cents)
                SELECT day, orders, revenue FROM delta WHERE day NOT IN (SELECT day FROM updated)
                ON CONFLICT (day) DO UPDATE SET orders = daily_sales.orders + EXCLUDED.orders,
                                                revenue_cents = daily_sales.revenue_cents + EXCLUDED.revenue_cents
                """)
        }
        let hourly = changes.hourly.filter { $0.value != 0 }
        if !hourly.isEmpty {
            try await transaction.execute("""
                WITH delta AS (SELECT day::date, hour, orders FROM unnest(\(hourly.map(\.key.day.text)), \(hourly.map { Int32($0.key.hour) }),
                                                                         \(hourly.map(\.value))) AS h(day, hour, orders)),
                updated AS (UPDATE hourly_orders h SET orders = h.orders + delta.orders
                            FROM delta WHERE h.day = delta.day AND h.hour = delta.hour RETURNING h.day, h.hour)
                INSERT INTO hourly_orders (day, hour, orders)
                SELECT day, hour, orders FROM delta WHERE (day, hour) NOT IN (SELECT day, hour FROM updated)
                ON CONFLICT (day, hour) DO UPDATE SET orders = hourly_orders.orders + EXCLUDED.orders
                """)
        }
        let dailyProducts = changes.dailyProducts.filter { !$0.value.isZero }
        if !dailyProducts.isEmpty {
            let days = dailyProducts.map(\.key.day.text), products = dailyProducts.map(\.key.productID)
            try await transaction.execute("""
                WITH delta AS (SELECT day::date, product, quantity, revenue
                               FROM unnest(\(days), \(products), \(dailyProducts.map(\.value.quantity)),
                                           \(dailyProducts.map(\.value.revenueCents))) AS p(day, product, quantity, revenue)),
                updated AS (UPDATE daily_product_sales s SET quantity = s.quantity + delta.quantity,
                                                            revenue_cents = s.revenue_cents + delta.revenue
                            FROM delta WHERE s.day = delta.day AND s.product_id = delta.product RETURNING s.day, s.product_id)
                INSERT INTO daily_product_sales (day, product_id, quantity, revenue_cents)
                SELECT day, product, quantity, revenue FROM delta WHERE (day, product) NOT IN (SELECT day, product_id FROM updated)
                ON CONFLICT (day, product_id) DO UPDATE SET quantity = daily_product_sales.quantity + EXCLUDED.quantity,
                                                            revenue_cents = daily_product_sales.revenue_cents + EXCLUDED.revenue_cents
                """)
            // Every counted item has a quantity: none left means the product left that day.
            try await transaction.execute("""
                DELETE FROM daily_product_sales s USING unnest(\(days), \(products)) AS p(day, product)
                WHERE s.day = p.day::date AND s.product_id = p.product AND s.quantity = 0
                """)
        }
        let products = changes.products.filter { !$0.value.isZero }
        if !products.isEmpty {
            let ids = products.map(\.key)
            try await transaction.execute("""
                WITH delta AS (SELECT product, quantity, revenue, orders
                               FROM unnest(\(ids), \(products.map(\.value.quantity)), \(products.map(\.value.revenueCents)),
                                           \(products.map(\.value.orders))) AS p(product, quantity, revenue, orders)),
                updated AS (UPDATE product_totals t SET quantity = t.quantity + delta.quantity,
                                                        revenue_cents = t.revenue_cents + delta.revenue, orders = t.orders + delta.orders
                            FROM delta WHERE t.product_id = delta.product RETURNING t.product_id)
                INSERT INTO product_totals (product_id, quantity, revenue_cents, orders)
                SELECT product, quantity, revenue, orders FROM delta WHERE product NOT IN (SELECT product_id FROM updated)
                ON CONFLICT (product_id) DO UPDATE SET quantity = product_totals.quantity + EXCLUDED.quantity,
                                                       revenue_cents = product_totals.revenue_cents + EXCLUDED.revenue_cents,
                                                       orders = product_totals.orders + EXCLUDED.orders
                """)
            // The latest counted order with the product names it (one index seek each).
            try await transaction.execute("""
                UPDATE product_totals t SET (last_ordered_at, name) = (
                    SELECT i.created_at, i.product_name FROM order_items i
                    WHERE i.product_id = t.product_id AND i.counted
                    ORDER BY i.created_at DESC, i.order_id DESC, i.line LIMIT 1)
                WHERE t.orders > 0
                """ + " AND " + .column("t.product_id", isAnyOf: ids))
            try await transaction.execute("DELETE FROM product_totals WHERE orders = 0 AND " + .column("product_id", isAnyOf: ids))
        }
        if changes.countedOrders != 0 {
            try await transaction.execute("UPDATE counters SET counted_orders = counted_orders + \(changes.countedOrders)")
        }
    }

    // MARK: Rebuild

    /// Recomputes the day tables of `first`…`last` from the stored
    /// snapshots, in one transaction: readers see the old figures or the
    /// new, never a half-built day. Business days and hours are recomputed
    /// in the current time zone first (they move when it changed).
    func rebuild(from first: BusinessDay, through last: BusinessDay) async throws {
        try await pool.withTransaction { transaction in
            _ = try await transaction.query(Self.lockReports)
            let zone = calendar.identifier
            // Orders whose day could move into or out of the range with the zone (±26 h).
            try await transaction.execute("""
                UPDATE orders SET business_day = (created_at AT TIME ZONE \(zone))::date,
                                  created_hour = extract(hour FROM created_at AT TIME ZONE \(zone))::integer
                WHERE created_at >= \(first.text)::date - 2 AND created_at < \(last.text)::date + 3
                  AND (business_day, created_hour) IS DISTINCT FROM
                      ((created_at AT TIME ZONE \(zone))::date, extract(hour FROM created_at AT TIME ZONE \(zone))::integer)
                """)
            for table in ["daily_sales", "hourly_orders", "daily_product_sales"] {
                try await transaction.execute("""
                    DELETE FROM \(identifier: table) WHERE day BETWEEN \(first.text)::date AND \(last.text)::date
                    """)
            }
            try await transaction.execute("""
                INSERT INTO daily_sales (day, orders, revenue_cents)
                SELECT business_day, count(*), sum(total_cents) FROM orders
                WHERE counted AND business_day BETWEEN \(first.text)::date AND \(last.text)::date
                GROUP BY business_day
                """)
            try await transaction.execute("""
                INSERT INTO hourly_orders (day, hour, orders)
                SELECT business_day, created_hour, count(*) FROM orders
                WHERE business_day BETWEEN \(first.text)::date AND \(last.text)::date
                GROUP BY business_day, created_hour
                """)
            try await transaction.execute("""
                INSERT INTO daily_product_sales (day, product_id, quantity, revenue_cents)
                SELECT o.business_day, i.product_id, sum(i.quantity), sum(i.subtotal_cents)
                FROM orders o JOIN order_items i USING (order_id)
                WHERE o.counted AND o.business_day BETWEEN \(first.text)::date AND \(last.text)::date
                GROUP BY o.business_day, i.product_id
                """)
        }
    }

    // MARK: Reads

    struct DaySales {
        var orders: Int64 = 0
        var revenueCents: Int64 = 0
    }

    /// Counted orders and revenue per day of the range (days without any absent).
    func dailySales(from first: BusinessDay, through last: BusinessDay) async throws -> [BusinessDay: DaySales] {
        var sales: [BusinessDay: DaySales] = [:]
        for row in try await pool.query("""
            SELECT day - DATE '1970-01-01', orders, revenue_cents FROM daily_sales
            WHERE day BETWEEN \(first.text)::date AND \(last.text)::date
            """) {
            let (day, orders, revenue) = try row.decode((Int32, Int64, Int64).self)
            sales[BusinessDay(number: Int(day))] = DaySales(orders: orders, revenueCents: revenue)
        }
        return sales
    }

    /// Orders created in each hour of `day` (24 entries, hour 0 first).
    func ordersByHour(of day: BusinessDay) async throws -> [Int64] {
        var hours = [Int64](repeating: 0, count: 24)
        for row in try await pool.query("SELECT hour, orders FROM hourly_orders WHERE day = \(day.text)::date") {
            let (hour, orders) = try row.decode((Int32, Int64).self)
            if hours.indices.contains(Int(hour)) { hours[Int(hour)] = orders }
        }
        return hours
    }

    enum TopOrder {
        /// Quantity, then revenue (a day's report).
        case quantity
        /// Revenue, then quantity (a dashboard).
        case revenue
    }

    /// The best-selling products of a range of days.
    func topProducts(from first: BusinessDay, through last: BusinessDay, by order: TopOrder, limit: Int) async throws -> [TopProduct] {
        let orderBy: PostgresQuery = switch order {
        case .quantity: "quantity DESC, revenue DESC, s.product_id"
        case .revenue: "revenue DESC, quantity DESC, s.product_id"
        }
        return try await pool.query("""
            SELECT s.product_id, coalesce(t.name, ''), s.quantity, s.revenue FROM (
                SELECT product_id, sum(quantity)::bigint AS quantity, sum(revenue_cents)::bigint AS revenue
                FROM daily_product_sales WHERE day BETWEEN \(first.text)::date AND \(last.text)::date
                GROUP BY product_id) s
            LEFT JOIN product_totals t USING (product_id)
            """ + " ORDER BY " + orderBy + " LIMIT \(literal: limit)").map { row in
            let (id, name, quantity, revenue) = try row.decode((Int64, String, Int64, Int64).self)
            return .with {
                $0.productId = id
                $0.name = name
                $0.quantity = quantity
                $0.revenueCents = revenue
            }
        }
    }

    /// Where a page of ListProductPerformance ends.
    struct PerformancePosition: Codable, Sendable {
        var value: Int64
        var productID: Int64
    }

    /// One page of all-time product figures in `sort`, the position of its
    /// last row when more follow, and how many products there are.
    func productPerformance(sort: ProductPerformanceSort, pageSize: Int, after position: PerformancePosition?)
        async throws -> (rows: [ProductPerformance], next: PerformancePosition?, total: Int32) {
        let column: PostgresQuery = switch sort {
        case .quantity: "quantity"
        case .popularity: "orders"
        default: "revenue_cents"
        }
        var query: PostgresQuery = """
            SELECT product_id, name, quantity, revenue_cents, last_ordered_at, orders,
                   (SELECT counted_orders FROM counters)
            """ + ", " + column + " FROM product_totals"
        if let position {
            query.append(" WHERE (" + column + " < \(position.value) OR (" + column + " = \(position.value) AND product_id > \(position.productID)))")
        }
        query.append(" ORDER BY " + column + " DESC, product_id LIMIT \(literal: pageSize + 1)")
        async let total = pool.query("SELECT count(*)::integer FROM product_totals")
        let rows = try await pool.query(query)
        var performance: [ProductPerformance] = []
        var last: PerformancePosition?
        for row in rows.prefix(pageSize) {
            let (id, name, quantity, revenue, lastOrdered, orders, counted, value) =
                try row.decode((Int64, String, Int64, Int64, Date?, Int64, Int64, Int64).self)
            performance.append(.with {
                $0.productId = id
                $0.name = name
                $0.totalOrdered = quantity
                $0.totalRevenueCents = revenue
                $0.lastOrderedAt = lastOrdered.map(Google_Protobuf_Timestamp.init(microsecondsOf:))
                $0.popularityScore = counted > 0 ? Double(orders) * 100 / Double(counted) : 0
            })
            last = PerformancePosition(value: value, productID: id)
        }
        let count = try await total[0].decode(Int32.self, at: 0)
        return (performance, rows.count > pageSize ? last : nil, count)
    }

    // MARK: Time

    private static func micros(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    private static func date(micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }
}
