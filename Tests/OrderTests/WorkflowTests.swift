import Foundation
import RestaurantAPI
import RPC
import ServiceKitTesting
import Testing

@Suite("Status workflow, reads and the watch feed", .timeLimit(.minutes(2)))
struct WorkflowTests {
    @Test("The lifecycle, its refusals naming both states, and a history of who changed what")
    func lifecycle() async throws {
        try await OrderHarness.with { harness in
            let menu = try await harness.menu([("Soup", 450, 10)])
            var order = try await harness.create("ada", [(menu[0].id, 1)])
            for status: OrderStatus in [.confirmed, .preparing, .ready] { order = try await harness.move(order, to: status) }
            await expectStatus(.failedPrecondition, "cannot change order status from READY to CANCELLED") {
                try await harness.orders.cancelOrder(.with { $0.id = order.id }, options: OrderHarness.auth)
            }
            await expectStatus(.failedPrecondition, "cannot change order status from READY to READY") {
                try await harness.move(order, to: .ready)
            }
            await expectStatus(.failedPrecondition, "cannot change order status from READY to PENDING") {
                try await harness.move(order, to: .pending)
            }
            var options = OrderHarness.auth
            options.metadata.add("x-actor", "kitchen-1")
            order = try await harness.orders.updateOrderStatus(.with {
                $0.id = order.id
                $0.status = .delivered
            }, options: options)
            #expect(order.statusHistory.map(\.toStatus) == [.pending, .confirmed, .preparing, .ready, .delivered])
            #expect(order.statusHistory.map(\.fromStatus) == [.unspecified, .pending, .confirmed, .preparing, .ready])
            #expect(order.statusHistory.last?.changedBy == "kitchen-1")
            #expect(order.updatedAt == order.statusHistory.last?.changedAt)

            let second = try await harness.create("ada", [(menu[0].id, 1)])
            let cancelled = try await harness.orders.cancelOrder(.with {
                $0.id = second.id
                $0.reason = "customer left"
            }, options: OrderHarness.auth)
            #expect(cancelled.status == .cancelled && cancelled.cancellationReason == "customer left")
            #expect(cancelled.statusHistory.last?.reason == "customer left")

            await expectInvalid("id must be a UUID") { try await harness.orders.cancelOrder(.with { $0.id = "7" }, options: OrderHarness.auth) }
            await expectInvalid("status is required") { try await harness.move(second, to: .unspecified) }
            await expectInvalid("reason must be at most 500 characters") {
                try await harness.orders.cancelOrder(.with { $0.id = second.id; $0.reason = String(repeating: "r", count: 501) },
                                                     options: OrderHarness.auth)
            }
            let unknown = UUID().uuidString.lowercased()
            await expectStatus(.notFound, "order \(unknown) not found") {
                try await harness.orders.updateOrderStatus(.with { $0.id = unknown; $0.status = .confirmed }, options: OrderHarness.auth)
            }
            await expectStatus(.notFound, "order ORD20240101AAAAAAAA not found") {
                try await harness.orders.getOrder(.with { $0.lookup = .orderNumber("ORD20240101AAAAAAAA") }, options: OrderHarness.open)
            }
            await expectInvalid("id or order_number is required") {
                try await harness.orders.getOrder(.init(), options: OrderHarness.open)
            }
        }
    }

    @Test("Ten concurrent confirmations of one order: exactly one wins")
    func concurrentTransitions() async throws {
        try await OrderHarness.with { harness in
            let menu = try await harness.menu([("Soup", 450, 10)])
            let order = try await harness.create("ada", [(menu[0].id, 1)])
            let outcomes = await withTaskGroup(of: RPCStatus.Code?.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        do {
                            if index.isMultiple(of: 2) {
                                try await harness.move(order, to: .confirmed)
                            } else {
                                _ = try await harness.orders.cancelOrder(.with { $0.id = order.id }, options: OrderHarness.auth)
                            }
                            return nil
                        } catch let error as RPCError {
                            return error.code
                        } catch {
                            return .unknown
                        }
                    }
                }
                return await group.reduce(into: [RPCStatus.Code?]()) { $0.append($1) }
            }
            // Confirm and cancel race: one of them wins; a cancel may also
            // follow a confirm (CONFIRMED → CANCELLED is allowed).
            let wins = outcomes.filter { $0 == nil }.count
            #expect(wins >= 1 && wins <= 2)
            #expect(outcomes.compactMap { $0 }.allSatisfy { $0 == .failedPrecondition })
            let final = try await harness.orders.getOrder(.with { $0.lookup = .id(order.id) }, options: OrderHarness.open)
            #expect(final.statusHistory.count == wins + 1)
        }
    }

    @Test("ListOrders: filters, newest first, pages stable while orders arrive")
    func listing() async throws {
        try await OrderHarness.with { harness in
            let menu = try await harness.menu([("Soup", 450, 10)])
            var adas: [Order] = []
            for _ in 0..<5 { adas.append(try await harness.create("ada", [(menu[0].id, 1)])) }
            let bo = try await harness.create("bo", [(menu[0].id, 1)])
            try await harness.move(adas[1], to: .confirmed)

            let all = try await harness.orders.listOrders(.with { $0.pageSize = 100 }, options: OrderHarness.open)
            #expect(all.orders.map(\.id) == ([bo] + adas.reversed()).map(\.id))
            #expect(all.totalSize == 6)
            let confirmed = try await harness.orders.listOrders(.with { $0.statuses = [.confirmed] }, options: OrderHarness.open)
            #expect(confirmed.orders.map(\.id) == [adas[1].id])

            var request = ListOrdersRequest.with {
                $0.customerId = "ada"
                $0.pageSize = 2
            }
            var seen: [String] = []
            repeat {
                let page = try await harness.orders.listOrders(request, options: OrderHarness.open)
                seen += page.orders.map(\.id)
                _ = try await harness.create("ada", [(menu[0].id, 1)])  // newer: never on a later page
                request.pageToken = page.nextPageToken
            } while !request.pageToken.isEmpty
            #expect(seen == adas.reversed().map(\.id))

            let window = try await harness.orders.listOrders(.with {
                $0.createdAfter = adas[1].createdAt
                $0.createdBefore = adas[3].createdAt
            }, options: OrderHarness.open)
            #expect(window.orders.map(\.id) == [adas[2].id, adas[1].id])
            await expectInvalid("created_before must be after created_after") {
                try await harness.orders.listOrders(.with {
                    $0.createdAfter = adas[3].createdAt
                    $0.createdBefore = adas[1].createdAt
                }, options: OrderHarness.open)
            }
            await expectInvalid("statuses must not contain ORDER_STATUS_UNSPECIFIED or unknown values") {
                try await harness.orders.listOrders(.with { $0.statuses = [.unspecified] }, options: OrderHarness.open)
            }
            let page = try await harness.orders.listOrders(.with { $0.customerId = "ada"; $0.pageSize = 1 }, options: OrderHarness.open)
            await expectInvalid("page_token is invalid: it belongs to a request with different filters or sort") {
                try await harness.orders.listOrders(.with { $0.customerId = "bo"; $0.pageToken = page.nextPageToken },
                                                    options: OrderHarness.open)
            }
        }
    }

    @Test("WatchOrders: creations and changes as they commit, filtered by customer and status")
    func watch() async throws {
        try await OrderHarness.with { harness in
            let menu = try await harness.menu([("Soup", 450, 10)])
            let kitchen = harness.orders.watchOrders(.with { $0.statuses = [.confirmed] }, options: OrderHarness.open)
            let ada = harness.orders.watchOrders(.with { $0.customerId = "ada" }, options: OrderHarness.open)
            _ = try await kitchen.initialMetadata()
            _ = try await ada.initialMetadata()
            let order = try await harness.create("ada", [(menu[0].id, 1)])
            _ = try await harness.create("bo", [(menu[0].id, 1)])
            try await harness.move(order, to: .confirmed)
            try await harness.move(order, to: .preparing)

            let adaEvents: [OrderEvent] = try await withTimeout(.seconds(10), "ada's events") {
                var events: [OrderEvent] = []
                for try await event in ada {
                    events.append(event)
                    if events.count == 3 { break }
                }
                return events
            }
            #expect(adaEvents.map(\.type) == [.created, .statusChanged, .statusChanged])
            #expect(adaEvents.map { $0.order?.status } == [.pending, .confirmed, .preparing])
            #expect(adaEvents.map(\.sequence) == [1, 2, 3])
            #expect(adaEvents.allSatisfy { $0.order?.id == order.id })
            let kitchenEvents: [OrderEvent] = try await withTimeout(.seconds(10), "the kitchen's events") {
                var events: [OrderEvent] = []
                for try await event in kitchen {
                    events.append(event)
                    if events.count == 2 { break }
                }
                return events
            }
            // Into CONFIRMED, and out of it.
            #expect(kitchenEvents.map { $0.order?.status } == [.confirmed, .preparing])
            #expect(kitchenEvents.map(\.previousStatus) == [.pending, .confirmed])
        }
    }

    @Test("Every change reaches analytics through the outbox, counted once")
    func analyticsDelivery() async throws {
        try await OrderHarness.with { harness in
            let menu = try await harness.menu([("Soup", 450, 10)])
            let order = try await harness.create("ada", [(menu[0].id, 2)])
            for status: OrderStatus in [.confirmed, .preparing, .ready] { try await harness.move(order, to: status) }
            let cancelled = try await harness.create("bo", [(menu[0].id, 1)])
            _ = try await harness.orders.cancelOrder(.with { $0.id = cancelled.id }, options: OrderHarness.auth)
            let date = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: order.createdAt!.date)
            #expect(try await eventually(timeout: .seconds(10)) {
                let report = try await harness.analytics.getDailyReport(.with {
                    $0.date = .with { $0.year = Int32(date.year!); $0.month = Int32(date.month!); $0.day = Int32(date.day!) }
                }, options: OrderHarness.open)
                return report.totalOrders == 1 && report.totalRevenueCents == 900 && report.topProducts.first?.name == "Soup"
            })
            let pending = try await harness.service.pool.query("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
            #expect(try await eventually(timeout: .seconds(10)) {
                try await harness.service.pool.query("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")[0].decode(Int.self, at: 0) == 0
            }, "\(pending)")
        }
    }
}
