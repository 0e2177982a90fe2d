import Foundation
import RestaurantAPI
import ServiceKit

/// The analytics service: sales reports built from the order events
/// OrderService delivers (`restaurant.analytics.v1.AnalyticsService`, port
/// 50054, schema `analytics`). Business days are in `ANALYTICS_TIME_ZONE`.
public enum Analytics {
    /// Everything ``ServiceRunner`` needs to run the service.
    public static let definition = definition(environment: ProcessInfo.processInfo.environment)

    /// - Parameter environment: where `ANALYTICS_TIME_ZONE` is read.
    static func definition(environment: [String: String]) -> ServiceDefinition {
        ServiceDefinition(
            name: "analytics",
            grpcServiceName: AnalyticsService.name,
            defaultPort: 50054,
            schema: "analytics",
            migrations: Bundle.module.url(forResource: "Migrations", withExtension: nil)!,
            tables: [.processedEvents]
        ) { context in
            let calendar = try BusinessCalendar(environment: environment)
            context.logger.info("business days are in \(calendar.identifier)")
            let store = AnalyticsStore(pool: context.pool, calendar: calendar)
            let processed = ProcessedEvents()
            context.background.add("processed-events-pruning") {
                while !Task.isCancelled {
                    try await processed.prune(on: context.pool)
                    try await Task.sleep(for: .seconds(3600))
                }
            }
            return [AnalyticsHandler(store: store).rpcService]
        }
    }
}
