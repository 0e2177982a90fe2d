import Foundation
import RestaurantAPI
import RPC
import ServiceKit
import ServiceKitTesting
@testable import Analytics
@testable import Catalog
@testable import Orders

/// The order service with the catalog and analytics it calls, all in this
/// process on schemas of their own, as their binaries run them.
struct OrderHarness: Sendable {
    static let auth = ServiceHarness.auth
    static let open = ServiceHarness.open

    let orders: OrderServiceClient
    let catalog: CatalogServiceClient
    let analytics: AnalyticsServiceClient
    let service: ServiceHarness

    /// - Parameters:
    ///   - catalogTarget: `CATALOG_ADDR` instead of the catalog (a closed port).
    ///   - poolSize: the order service's most connections.
    static func with<T>(catalogTarget: String? = nil, poolSize: Int = 4,
                        _ body: (OrderHarness) async throws -> T) async throws -> T {
        try await ServiceHarness.with(Catalog.definition, role: "catalog") { catalog in
            try await ServiceHarness.with(Analytics.definition(environment: [:]), role: "analytics") { analytics in
                let environment = ["CATALOG_ADDR": catalogTarget ?? "127.0.0.1:\(catalog.port)",
                                   "ANALYTICS_ADDR": "127.0.0.1:\(analytics.port)", "UPSTREAM_TOKEN": ServiceHarness.token]
                return try await ServiceHarness.with(Orders.definition, role: "order", environment: environment,
                                                    poolSize: poolSize) { service in
                    try await body(OrderHarness(orders: OrderServiceClient(channel: service.channel),
                                                catalog: CatalogServiceClient(channel: catalog.channel),
                                                analytics: AnalyticsServiceClient(channel: analytics.channel),
                                                service: service))
                }
            }
        }
    }

    /// Products in a new category: (name, price, preparation minutes).
    func menu(_ dishes: [(String, Int64, Int32)]) async throws -> [Product] {
        let category = try await catalog.createCategory(.with { $0.name = "Menu \(UUID().uuidString.prefix(6))" }, options: Self.auth)
        var products: [Product] = []
        for (name, price, minutes) in dishes {
            products.append(try await catalog.createProduct(.with {
                $0.categoryId = category.id
                $0.name = name
                $0.priceCents = price
                $0.preparationMinutes = minutes
            }, options: Self.auth))
        }
        return products
    }

    /// A CreateOrder request for `items` (product, quantity).
    static func request(_ customer: String, _ items: [(Int64, Int32)], key: String = UUID().uuidString) -> CreateOrderRequest {
        .with {
            $0.customerId = customer
            $0.items = items.map { item in .with { $0.productId = item.0; $0.quantity = item.1 } }
            $0.idempotencyKey = key
        }
    }

    func create(_ customer: String, _ items: [(Int64, Int32)], key: String = UUID().uuidString) async throws -> Order {
        try await orders.createOrder(Self.request(customer, items, key: key), options: Self.auth)
    }

    @discardableResult
    func move(_ order: Order, to status: OrderStatus) async throws -> Order {
        try await orders.updateOrderStatus(.with {
            $0.id = order.id
            $0.status = status
        }, options: Self.auth)
    }

    func storedOrders() async throws -> Int {
        try await service.pool.query("SELECT count(*) FROM orders")[0].decode(Int.self, at: 0)
    }
}
