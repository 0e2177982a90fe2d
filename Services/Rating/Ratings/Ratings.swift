import Foundation
import RestaurantAPI
import ServiceKit

/// The rating service: 1–5 star ratings and reviews of catalog products,
/// and their per-product summaries (`restaurant.rating.v1.RatingService`,
/// port 50053, schema `ratings`).
///
/// Every summary change is written to the outbox in the transaction that
/// makes it; a relay sends it to the catalog (UpdateProductRatings), whose
/// copy serves ratings on products and the RATING sort.
public enum Ratings {
    /// The catalog: products are checked there before they are rated, and
    /// summaries are sent there. Required.
    static let catalog = UpstreamDependency(variable: "CATALOG_ADDR", service: "CatalogService", required: true,
                                            timeout: .seconds(2))

    /// Everything ``ServiceRunner`` needs to run the service.
    public static let definition = ServiceDefinition(
        name: "rating",
        grpcServiceName: RatingService.name,
        defaultPort: 50053,
        schema: "ratings",
        migrations: Bundle.module.url(forResource: "Migrations", withExtension: nil)!,
        tables: [.outbox],
        upstreams: [catalog]
    ) { context in
        let catalog = try context.requiredUpstream(Self.catalog.variable)
        let outbox = Outbox(schema: context.pool.configuration.schema ?? "ratings")
        let store = RatingStore(pool: context.pool, outbox: outbox)
        let relay = OutboxRelay(pool: context.pool, outbox: outbox, topic: RatingStore.catalogTopic,
                                logger: context.logger) { events in
            try await sendToCatalog(events, catalog: catalog)
        }
        relay.register(in: context.metrics)
        context.background.add("catalog-ratings-relay") { try await relay.run() }
        return [RatingHandler(store: store, catalog: catalog).rpcService]
    }

    /// Delivers summary changes to the catalog's copy (it applies them by
    /// version, so a redelivered batch changes nothing).
    static func sendToCatalog(_ events: [OutboxEvent], catalog: Upstream) async throws {
        let updates = try events.map { try ProductRatingUpdate(serializedBytes: $0.payload) }
        let client = CatalogServiceClient(channel: catalog.channel)
        _ = try await catalog.call(timeout: .seconds(10)) { options in
            try await client.updateProductRatings(.with { $0.updates = updates }, options: options)
        }
    }
}
