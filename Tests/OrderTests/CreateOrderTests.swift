import Foundation
import LoopbackPorts
import RestaurantAPI
import RPC
import ServiceKitTesting
import Testing

@Suite("CreateOrder", .timeLimit(.minutes(2)))
struct CreateOrderTests {
    @Test("Prices and names are copied from the catalog and stay; total, number, ready time and history are set")
    func create() async throws {
        try await OrderHarness.with { harness in
            let menu = try await harness.menu([("Soup", 450, 10), ("Steak", 2400, 25)])
            let order = try await harness.orders.createOrder(.with {
                $0.customerId = "ada"
                $0.items = [.with { $0.productId = menu[0].id; $0.quantity = 2; $0.notes = " no salt " },
                            .with { $0.productId = menu[1].id; $0.quantity = 1 },
                            .with { $0.productId = menu[0].id; $0.quantity = 1 }]
                $0.notes = "window seat"
                $0.idempotencyKey = "k1"
            }, options: OrderHarness.auth)
            #expect(UUID(uuidString: order.id) != nil && order.id == order.id.lowercased())
            #expect(order.status == .pending)
            #expect(order.totalCents == 3 * 450 + 2400)
            #expect(order.items.map(\.productName) == ["Soup", "Steak", "Soup"])
            #expect(order.items.map(\.subtotalCents) == [900, 2400, 450])
            #expect(order.items[0].notes == "no salt")
            #expect(order.notes == "window seat")
            let created = try #require(order.createdAt)
            #expect(order.estimatedReadyAt?.seconds == created.seconds + 25 * 60 && order.estimatedReadyAt?.nanos == created.nanos)
            var utc = Calendar(identifier: .gregorian)
            utc.timeZone = TimeZone(identifier: "UTC")!
            let day = utc.dateComponents([.year, .month, .day], from: created.date)
            let prefix = String(format: "ORD%04d%02d%02d", day.year!, day.month!, day.day!)
            #expect(order.orderNumber.hasPrefix(prefix) && order.orderNumber.count == 19, "\(order.orderNumber)")
            #expect(order.orderNumber.dropFirst(11).allSatisfy { $0.isUppercase || $0.isNumber })
            #expect(order.statusHistory.map(\.toStatus) == [.pending])

            // A later price change does not touch the order.
            _ = try await harness.catalog.updateProduct(.with {
                $0.product = .with { $0.id = menu[0].id; $0.priceCents = 999 }
                $0.updateMask = .init(paths: ["price_cents"])
            }, options: OrderHarness.auth)
            let again = try await harness.orders.getOrder(.with { $0.lookup = .id(order.id) }, options: OrderHarness.open)
            #expect(again == order)
            let byNumber = try await harness.orders.getOrder(.with { $0.lookup = .orderNumber(order.orderNumber) },
                                                              options: OrderHarness.open)
            #expect(byNumber == order)
        }
    }

    @Test("Every field rule is INVALID_ARGUMENT naming the field; nothing is written")
    func validation() async throws {
        try await OrderHarness.with { harness in
            let menu = try await harness.menu([("Soup", 450, 10)])
            func create(_ change: (inout CreateOrderRequest) -> Void) async throws -> Order {
                var request = OrderHarness.request("ada", [(menu[0].id, 1)])
                change(&request)
                return try await harness.orders.createOrder(request, options: OrderHarness.auth)
            }
            await expectInvalid("customer_id is required") { try await create { $0.customerId = "" } }
            await expectInvalid("customer_id must be at most 100 characters") {
                try await create { $0.customerId = String(repeating: "c", count: 101) }
            }
            await expectInvalid("items must contain between 1 and 100 items") { try await create { $0.items = [] } }
            await expectInvalid("items must contain between 1 and 100 items") {
                try await create { $0.items = Array(repeating: $0.items[0], count: 101) }
            }
            await expectInvalid("items[0].product_id must be positive") { try await create { $0.items[0].productId = 0 } }
            await expectInvalid("items[0].quantity must be between 1 and 99") { try await create { $0.items[0].quantity = 0 } }
            await expectInvalid("items[0].quantity must be between 1 and 99") { try await create { $0.items[0].quantity = 100 } }
            await expectInvalid("items[0].notes must be at most 200 characters") {
                try await create { $0.items[0].notes = String(repeating: "n", count: 201) }
            }
            await expectInvalid("notes must be at most 1000 characters") {
                try await create { $0.notes = String(repeating: "n", count: 1001) }
            }
            await expectInvalid("idempotency_key must be between 1 and 128 characters") { try await create { $0.idempotencyKey = "" } }
            await expectInvalid("idempotency_key must be between 1 and 128 characters") {
                try await create { $0.idempotencyKey = String(repeating: "k", count: 129) }
            }
            await expectStatus(.unauthenticated) {
                try await harness.orders.createOrder(OrderHarness.request("ada", [(menu[0].id, 1)]), options: OrderHarness.open)
            }
            #expect(try await harness.storedOrders() == 0)
        }
    }

    @Test("Missing, deleted and unavailable products are all named in one FAILED_PRECONDITION")
    func unavailableProducts() async throws {
        try await OrderHarness.with { harness in
            let menu = try await harness.menu([("Soup", 450, 10), ("Stew", 800, 20), ("Pie", 600, 5)])
            _ = try await harness.catalog.setProductAvailability(.with { $0.id = menu[1].id; $0.available = false },
                                                                 options: OrderHarness.auth)
            _ = try await harness.catalog.deleteProduct(.with { $0.id = menu[2].id }, options: OrderHarness.auth)
            await expectStatus(.failedPrecondition,
                               "products not available: \(menu[1].id) (Stew), \(menu[2].id) (Pie, deleted), 999999 (not found)") {
                try await harness.create("ada", [(999_999, 1), (menu[1].id, 1), (menu[0].id, 2), (menu[2].id, 1)])
            }
            #expect(try await harness.storedOrders() == 0)
        }
    }

    @Test("The catalog down: UNAVAILABLE, nothing written")
    func catalogDown() async throws {
        let refusing = try LoopbackPort(listening: false)
        defer { refusing.close() }
        try await OrderHarness.with(catalogTarget: "127.0.0.1:\(refusing.port)") { harness in
            await expectStatus(.unavailable, "CatalogService is unavailable (UNAVAILABLE); retry later") {
                try await harness.create("ada", [(1, 1)])
            }
            #expect(try await harness.storedOrders() == 0)
            let outbox = try await harness.service.pool.query("SELECT count(*) FROM outbox")[0].decode(Int.self, at: 0)
            #expect(outbox == 0)
        }
    }

    @Test("The catalog hangs: UNAVAILABLE naming the deadline within the upstream timeout, nothing written")
    func catalogHangs() async throws {
        let silent = try LoopbackPort(listening: true)
        defer { silent.close() }
        try await OrderHarness.with(catalogTarget: "127.0.0.1:\(silent.port)") { harness in
            let started = ContinuousClock.now
            await expectStatus(.unavailable, "CatalogService is unavailable (DEADLINE_EXCEEDED); retry later") {
                try await harness.create("ada", [(1, 1)])
            }
            // The upstream's own 2 s timeout ends the wait, not the caller's 20 s.
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(try await harness.storedOrders() == 0)
            let outbox = try await harness.service.pool.query("SELECT count(*) FROM outbox")[0].decode(Int.self, at: 0)
            #expect(outbox == 0)
        }
    }

    @Test("Idempotency keys: a retry gets the same order (with its current status), 20 at once create one, another request is refused")
    func idempotency() async throws {
        try await OrderHarness.with { harness in
            let menu = try await harness.menu([("Soup", 450, 10)])
            let first = try await harness.create("ada", [(menu[0].id, 1)], key: "checkout-1")
            try await harness.move(first, to: .confirmed)
            let retry = try await harness.create("ada", [(menu[0].id, 1)], key: "checkout-1")
            #expect(retry.id == first.id && retry.status == .confirmed)
            // Another customer's key of the same name is another key.
            let other = try await harness.create("bo", [(menu[0].id, 1)], key: "checkout-1")
            #expect(other.id != first.id)
            await expectStatus(.failedPrecondition, "idempotency_key 'checkout-1' was already used with a different request") {
                try await harness.create("ada", [(menu[0].id, 2)], key: "checkout-1")
            }

            let concurrent = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await harness.create("cy", [(menu[0].id, 3)], key: "double-click").id } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(concurrent.count == 1)
            #expect(try await harness.storedOrders() == 3)
        }
    }
}
