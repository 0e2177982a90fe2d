import Foundation
import RestaurantAPI
import ServiceKit
import Synchronization

/// The order service: orders, their items and status workflow, a live feed
/// of changes, and every change delivered to analytics through the outbox
/// (`restaurant.order.v1.OrderService`, port 50052, schema `orders`).
public enum Orders {
    /// The catalog prices orders; required.
    static let catalog = UpstreamDependency(variable: "CATALOG_ADDR", service: "CatalogService", required: true,
                                            timeout: .seconds(2))
    /// Analytics receives every change; required (while it is down, events wait in the outbox).
    static let analytics = UpstreamDependency(variable: "ANALYTICS_ADDR", service: "AnalyticsService", required: true,
                                              timeout: .seconds(10))

    /// Everything ``ServiceRunner`` needs to run the service.
    public static let definition = ServiceDefinition(
        name: "order",
        grpcServiceName: OrderService.name,
        defaultPort: 50052,
        schema: "orders",
        migrations: Bundle.module.url(forResource: "Migrations", withExtension: nil)!,
        tables: [.outbox, .idempotencyKeys],
        upstreams: [catalog, analytics]
    ) { context in
        let catalog = try context.requiredUpstream(Self.catalog.variable)
        let analytics = try context.requiredUpstream(Self.analytics.variable)
        let outbox = Outbox(schema: context.pool.configuration.schema ?? "orders")
        let store = OrderStore(pool: context.pool, outbox: outbox)

        let relay = OutboxRelay(pool: context.pool, outbox: outbox, topic: OrderStore.analyticsTopic,
                                logger: context.logger) { events in
            try await sendToAnalytics(events, analytics: analytics)
        }
        relay.register(in: context.metrics)
        context.background.add("analytics-relay") { try await relay.run() }
        let keys = IdempotencyKeys()
        context.background.add("idempotency-key-pruning") {
            while !Task.isCancelled {
                try await keys.prune(on: context.pool)
                try await Task.sleep(for: .seconds(3600))
            }
        }

        let feed = ChangeFeed<OrderEvent, OrderWatchFilter>(
            pool: context.pool, channel: store.changeChannel, lagAdvice: "reconnect and use ListOrders to catch up",
            logger: context.logger, matches: { filter, event in filter.matches(event) }
        ) { payload in try await store.event(notification: payload) }
        context.shutdown.onTrigger { feed.finishAll() }

        let created = Atomic<Int>(0)
        context.metrics.addCounter("orders_created_total", help: "Orders created (not counting idempotent retries).") {
            [([], Double(created.load(ordering: .relaxed)))]
        }
        return [OrderHandler(store: store, catalog: catalog, keys: keys, feed: feed,
                             created: { created.add(1, ordering: .relaxed) }).rpcService]
    }

    /// Delivers order events to analytics, which records them by event id
    /// (a redelivered batch counts nothing twice).
    static func sendToAnalytics(_ events: [OutboxEvent], analytics: Upstream) async throws {
        let orderEvents = try events.map { try OrderEvent(serializedBytes: $0.payload) }
        let client = AnalyticsServiceClient(channel: analytics.channel)
        _ = try await analytics.call { options in
            try await client.ingestOrderEvents(.with { $0.events = orderEvents }, options: options)
        }
    }
}
