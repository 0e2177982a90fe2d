import Foundation
import RestaurantAPI
import ServiceKit

/// The catalog service: menu categories and products (README, "The catalog API";
/// `restaurant.catalog.v1.CatalogService`, port 50051, schema `catalog`).
public enum Catalog {
    /// Everything ``ServiceRunner`` needs to run the service.
    public static let definition = definition()

    /// Ratings are optional: without `RATING_ADDR`, products carry none.
    static let ratingService = UpstreamDependency(variable: "RATING_ADDR", service: "RatingService", required: false,
                                                  timeout: RatingLookup.deadline)

    /// - Parameter ratingSortLimit: how many matches a listing sorted by
    ///   rating may have (tests reach it with a few products).
    static func definition(ratingSortLimit: Int = 5000) -> ServiceDefinition {
        ServiceDefinition(
            name: "catalog",
            grpcServiceName: CatalogService.name,
            defaultPort: 50051,
            schema: "catalog",
            migrations: Bundle.module.url(forResource: "Migrations", withExtension: nil)!,
            protectedPaths: Set([
                CatalogService.Method.createCategory.path, CatalogService.Method.createProduct.path,
                CatalogService.Method.updateProduct.path, CatalogService.Method.setProductAvailability.path,
                CatalogService.Method.deleteProduct.path, CatalogService.Method.importProducts.path,
            ]),
            upstreams: [ratingService]
        ) { context in
            let store = CatalogStore(pool: context.pool)
            let events = MenuEventHub(store: store, logger: context.logger)
            // Watch streams would hold the drain open; end them first.
            context.shutdown.onTrigger { events.finishAll() }
            let handler = CatalogHandler(store: store,
                                         ratings: RatingLookup(upstream: context.upstream(ratingService.variable)),
                                         events: events, ratingSortLimit: ratingSortLimit)
            return [handler.rpcService]
        }
    }
}
