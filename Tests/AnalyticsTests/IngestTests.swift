import Foundation
import RestaurantAPI
import RPC
import ServiceKitTesting
import Testing

@Suite("IngestOrderEvents", .timeLimit(.minutes(2)))
struct IngestTests {
    static let soup: [(productID: Int64, name: String, quantity: Int32, unitCents: Int64)] = [
        (1, "Soup", 2, 450), (2, "Bread", 1, 250),
    ]

    @Test("An order counts once it is READY, once, whatever order and how often its events arrive")
    func lateAndDuplicateEvents() async throws {
        try await AnalyticsHarness.with { analytics in
            let story = OrderStory(createdAt: instant("2026-06-10T12:30:00Z"), items: Self.soup)
            let events = story.events([.pending, .confirmed, .preparing, .ready, .delivered])
            // Newest first, then everything again (a redelivery).
            let first = try await analytics.ingest(events.reversed())
            #expect(first.acceptedCount == 5 && first.duplicateCount == 0)
            let again = try await analytics.ingest(events + [events[0]])
            #expect(again.acceptedCount == 0 && again.duplicateCount == 6)
            let report = try await analytics.report(2026, 6, 10)
            #expect(report.totalOrders == 1)
            #expect(report.totalRevenueCents == 1150)
            #expect(report.averageOrderValueCents == 1150)
            #expect(report.peakHour == 12)
            #expect(report.topProducts.map(\.productId) == [1, 2])
            #expect(report.topProducts.first?.quantity == 2 && report.topProducts.first?.revenueCents == 900)
        }
    }

    @Test("DELIVERED, then an admin's CANCELLED: the order stops counting; the hour still counts it")
    func correctionUncounts() async throws {
        try await AnalyticsHarness.with { analytics in
            let story = OrderStory(createdAt: instant("2026-06-10T19:05:00Z"), items: Self.soup)
            try await analytics.ingest(story.events([.pending, .confirmed, .preparing, .ready, .delivered]))
            #expect(try await analytics.report(2026, 6, 10).totalOrders == 1)
            var cancel = story.events([.pending, .confirmed, .preparing, .ready, .delivered, .cancelled]).last!
            cancel.eventId = "correction"
            try await analytics.ingest([cancel])
            let report = try await analytics.report(2026, 6, 10)
            #expect(report.totalOrders == 0 && report.totalRevenueCents == 0)
            #expect(report.topProducts.isEmpty)
            #expect(report.peakHour == 19, "the peak hour counts every order created")
            let products = try await analytics.client.listProductPerformance(.init(), options: AnalyticsHarness.open)
            #expect(products.products.isEmpty && products.totalSize == 0)
        }
    }

    @Test("Every malformed event is refused naming the event and field, and nothing of its batch is applied")
    func validation() async throws {
        try await AnalyticsHarness.with { analytics in
            let story = OrderStory(createdAt: instant("2026-06-10T12:30:00Z"), items: Self.soup)
            let good = story.events([.pending, .confirmed, .preparing, .ready])
            func refused(_ message: String, _ change: (inout OrderEvent) -> Void) async {
                var bad = good[3]
                change(&bad)
                await expectInvalid(message) { try await analytics.ingest([good[0], bad]) }
            }
            await refused("events[1].event_id is required") { $0.eventId = "" }
            await refused("events[1].event_id must be at most 100 characters") { $0.eventId = String(repeating: "e", count: 101) }
            await refused("events[1].type is required") { $0.type = .unspecified }
            await refused("events[1].order is required") { $0.order = nil }
            await refused("events[1].order.id must be a UUID") { $0.order?.id = "42" }
            await refused("events[1].order.status is required") { $0.order?.status = .unspecified }
            await refused("events[1].order.status is invalid") { $0.order?.status = .unrecognized(77) }
            await refused("events[1].order.created_at is required") { $0.order?.createdAt = nil }
            await refused("events[1].occurred_at is required") { $0.occurredAt = nil }
            await refused("events[1].order.total_cents must not be negative") { $0.order?.totalCents = -1 }
            await refused("events[1].order.items[0].subtotal_cents must not be negative") { $0.order?.items[0].subtotalCents = -5 }
            await refused("events[1].order.items[1].product_id must be positive") { $0.order?.items[1].productId = 0 }
            await refused("events[1].sequence must not be negative") { $0.sequence = -1 }
            await expectInvalid("events must contain at most 1000 events") {
                try await analytics.ingest(Array(repeating: good[0], count: 1001))
            }
            // Nothing of those batches was applied: the good events are still new.
            let report = try await analytics.report(2026, 6, 10)
            #expect(report.totalOrders == 0 && report.peakHour == nil)
            let accepted = try await analytics.ingest(good)
            #expect(accepted.acceptedCount == 4)
            #expect(try await analytics.report(2026, 6, 10).totalOrders == 1)
        }
    }

    @Test("Ingesting and rebuilding need a token; reports are open")
    func authorization() async throws {
        try await AnalyticsHarness.with { analytics in
            await expectStatus(.unauthenticated) {
                try await analytics.client.ingestOrderEvents(.init(), options: AnalyticsHarness.open)
            }
            await expectStatus(.unauthenticated) {
                try await analytics.client.rebuildReports(.init(), options: AnalyticsHarness.open)
            }
            _ = try await analytics.client.getDashboard(.init(), options: AnalyticsHarness.open)
            _ = try await analytics.client.listProductPerformance(.init(), options: AnalyticsHarness.open)
            _ = try await analytics.report(2026, 1, 1)
        }
    }
}
