import Foundation
import Postgres
import RestaurantAPI
import ServiceKitTesting
import Testing

/// The order service's hot statements keep cached generic plans after
/// warm-up, over enough stored orders for PostgreSQL to weigh plans as it
/// does in production.
@Suite("Order plan cache", .timeLimit(.minutes(3)))
struct OrderPlanCacheTests {
    @Test("creating, reading, moving and listing orders runs on generic plans after warm-up")
    func hotStatementsUseGenericPlans() async throws {
        try await OrderHarness.with(poolSize: 1) { harness in
            let pool = harness.service.pool
            try await pool.execute("""
                INSERT INTO orders (id, order_number, customer_id, status, total_cents, created_at, updated_at, estimated_ready_at)
                SELECT gen_random_uuid(), 'ORDBULK' || g, 'bulk-' || g % 500, 1 + g % 6, 1000,
                       now() - g * interval '1 minute', now(), now()
                FROM generate_series(1, 20000) AS g
                """)
            try await pool.execute("""
                INSERT INTO order_items (order_id, line, product_id, product_name, quantity, unit_price_cents, subtotal_cents)
                SELECT id, 1, 1, 'Soup', 1, 1000, 1000 FROM orders
                """)
            try await pool.execute("""
                INSERT INTO order_status_history (order_id, sequence, from_status, to_status, changed_at)
                SELECT id, 1, 0, 1, created_at FROM orders
                """)
            for table in ["orders", "order_items", "order_status_history"] {
                try await pool.execute("ANALYZE \(unescaped: table)")
            }
            let product = try await harness.menu([("Soup", 500, 5)])[0]

            for round in 0..<12 {
                let order = try await harness.create("regular", [(product.id, Int32(1 + round % 3))])
                _ = try await harness.orders.getOrder(.with { $0.lookup = .id(order.id) }, options: OrderHarness.open)
                _ = try await harness.orders.getOrder(.with { $0.lookup = .orderNumber(order.orderNumber) }, options: OrderHarness.open)
                try await harness.move(order, to: .confirmed)
                _ = try await harness.orders.listOrders(.with {
                    $0.customerId = "bulk-\(round)"
                    $0.pageSize = 10
                }, options: OrderHarness.open)
            }
            try await PlanCache.expectGenericPlans(on: pool)
        }
    }
}
