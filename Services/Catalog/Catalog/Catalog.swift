import Foundation
import RestaurantAPI
import ServiceKit

/// The catalog service: menu categories and products (README, "The catalog API";
/// `restaurant.catalog.v1.CatalogService`, port 50051, schema `catalog`).
public enum Catalog {
    /// Everything ``ServiceRunner`` needs to run the service.
    public static let definition = ServiceDefinition(
        name: "catalog",
        grpcServiceName: CatalogService.name,
        defaultPort: 50051,
        schema: "catalog",
        migrations: Bundle.module.url(forResource: "Migrations", withExtension: nil)!,
        // 0002 builds an index and checks without CONCURRENTLY / NOT VALID.
        migrationsLintedFrom: 3
    ) { context in
        let store = CatalogStore(pool: context.pool)
        let events = MenuEventHub(store: store, logger: context.logger)
        // Watch streams would hold the drain open; end them first.
        context.shutdown.onTrigger { events.finishAll() }
        return [CatalogHandler(store: store, events: events).rpcService]
    }
}
