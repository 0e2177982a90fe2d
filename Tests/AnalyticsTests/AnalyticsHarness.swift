import Foundation
import RestaurantAPI
import RPC
import ServiceKit
import ServiceKitTesting
import WellKnownTypes
@testable import Analytics

/// The analytics service in this process (``ServiceHarness``) with its
/// business days in `timeZone`, and builders of order events.
struct AnalyticsHarness: Sendable {
    static let auth = ServiceHarness.auth
    static let open = ServiceHarness.open

    let client: AnalyticsServiceClient
    let service: ServiceHarness

    /// - Parameter poolSize: the service's most connections.
    static func with<T>(timeZone: String = "UTC", poolSize: Int = 4,
                        _ body: (AnalyticsHarness) async throws -> T) async throws -> T {
        let definition = Analytics.definition(environment: ["ANALYTICS_TIME_ZONE": timeZone])
        return try await ServiceHarness.with(definition, role: "analytics", poolSize: poolSize) { service in
            try await body(AnalyticsHarness(client: AnalyticsServiceClient(channel: service.channel), service: service))
        }
    }

    @discardableResult
    func ingest(_ events: [OrderEvent]) async throws -> IngestOrderEventsResponse {
        try await client.ingestOrderEvents(.with { $0.events = events }, options: Self.auth)
    }

    func report(_ year: Int32, _ month: Int32, _ day: Int32) async throws -> DailyReport {
        try await client.getDailyReport(.with { $0.date = .init(year, month, day) }, options: Self.open)
    }
}

extension CommonDate {
    init(_ year: Int32, _ month: Int32, _ day: Int32) {
        self.init()
        self.year = year
        self.month = month
        self.day = day
    }
}

/// An order's life as events, for tests.
struct OrderStory {
    var id = UUID()
    var createdAt: Date
    var items: [(productID: Int64, name: String, quantity: Int32, unitCents: Int64)]
    var totalCents: Int64 { items.reduce(0) { $0 + Int64($1.quantity) * $1.unitCents } }

    init(createdAt: Date, items: [(productID: Int64, name: String, quantity: Int32, unitCents: Int64)]) {
        self.createdAt = createdAt
        self.items = items
    }

    /// The order in `status`.
    func order(_ status: OrderStatus) -> Order {
        .with {
            $0.id = id.uuidString.lowercased()
            $0.orderNumber = "ORD" + id.uuidString.prefix(8)
            $0.customerId = "customer"
            $0.status = status
            $0.items = items.map { item in
                .with {
                    $0.productId = item.productID
                    $0.productName = item.name
                    $0.quantity = item.quantity
                    $0.unitPriceCents = item.unitCents
                    $0.subtotalCents = Int64(item.quantity) * item.unitCents
                }
            }
            $0.totalCents = totalCents
            $0.createdAt = Google_Protobuf_Timestamp(createdAt)
        }
    }

    /// The events of going through `statuses` (the first is the creation),
    /// a minute apart.
    func events(_ statuses: [OrderStatus]) -> [OrderEvent] {
        statuses.enumerated().map { index, status in
            .with {
                $0.eventId = "\(id.uuidString.lowercased())-\(index + 1)"
                $0.type = index == 0 ? .created : .statusChanged
                $0.order = order(status)
                $0.previousStatus = index == 0 ? .unspecified : statuses[index - 1]
                $0.occurredAt = Google_Protobuf_Timestamp(createdAt.addingTimeInterval(Double(index) * 60))
                $0.sequence = Int64(index + 1)
            }
        }
    }
}

/// `2026-06-10T12:30:00Z`-style instants.
func instant(_ text: String) -> Date {
    ISO8601DateFormatter().date(from: text)!
}
