import RestaurantAPI
import Testing

/// Every method API.md names, by exact path and call kind: renaming or
/// reshaping one breaks outside clients, so it must fail here.
@Suite("The RPC contract of API.md", .timeLimit(.minutes(2)))
struct ContractTests {
    static let expected: [(path: String, kind: RPCKind)] = [
        ("/restaurant.catalog.v1.CatalogService/CreateCategory", .unary),
        ("/restaurant.catalog.v1.CatalogService/ListCategories", .unary),
        ("/restaurant.catalog.v1.CatalogService/CreateProduct", .unary),
        ("/restaurant.catalog.v1.CatalogService/GetProduct", .unary),
        ("/restaurant.catalog.v1.CatalogService/BatchGetProducts", .unary),
        ("/restaurant.catalog.v1.CatalogService/UpdateProduct", .unary),
        ("/restaurant.catalog.v1.CatalogService/SetProductAvailability", .unary),
        ("/restaurant.catalog.v1.CatalogService/DeleteProduct", .unary),
        ("/restaurant.catalog.v1.CatalogService/ListProducts", .unary),
        ("/restaurant.catalog.v1.CatalogService/ImportProducts", .clientStreaming),
        ("/restaurant.catalog.v1.CatalogService/WatchMenu", .serverStreaming),
        ("/restaurant.order.v1.OrderService/CreateOrder", .unary),
        ("/restaurant.order.v1.OrderService/GetOrder", .unary),
        ("/restaurant.order.v1.OrderService/ListOrders", .unary),
        ("/restaurant.order.v1.OrderService/UpdateOrderStatus", .unary),
        ("/restaurant.order.v1.OrderService/CancelOrder", .unary),
        ("/restaurant.order.v1.OrderService/WatchOrders", .serverStreaming),
        ("/restaurant.rating.v1.RatingService/RateProduct", .unary),
        ("/restaurant.rating.v1.RatingService/GetRatingSummary", .unary),
        ("/restaurant.rating.v1.RatingService/BatchGetRatingSummaries", .unary),
        ("/restaurant.rating.v1.RatingService/ListRatings", .unary),
        ("/restaurant.rating.v1.RatingService/DeleteRating", .unary),
        ("/restaurant.analytics.v1.AnalyticsService/IngestOrderEvents", .unary),
        ("/restaurant.analytics.v1.AnalyticsService/GetDailyReport", .unary),
        ("/restaurant.analytics.v1.AnalyticsService/GetDashboard", .unary),
        ("/restaurant.analytics.v1.AnalyticsService/ListProductPerformance", .unary),
        ("/restaurant.analytics.v1.AnalyticsService/RebuildReports", .unary),
    ]

    /// The generated descriptors, which users and routing rely on.
    static let generated: [(path: String, kind: RPCKind)] = [
        (CatalogService.Method.createCategory.path, CatalogService.Method.createCategory.kind),
        (CatalogService.Method.listCategories.path, CatalogService.Method.listCategories.kind),
        (CatalogService.Method.createProduct.path, CatalogService.Method.createProduct.kind),
        (CatalogService.Method.getProduct.path, CatalogService.Method.getProduct.kind),
        (CatalogService.Method.batchGetProducts.path, CatalogService.Method.batchGetProducts.kind),
        (CatalogService.Method.updateProduct.path, CatalogService.Method.updateProduct.kind),
        (CatalogService.Method.setProductAvailability.path, CatalogService.Method.setProductAvailability.kind),
        (CatalogService.Method.deleteProduct.path, CatalogService.Method.deleteProduct.kind),
        (CatalogService.Method.listProducts.path, CatalogService.Method.listProducts.kind),
        (CatalogService.Method.importProducts.path, CatalogService.Method.importProducts.kind),
        (CatalogService.Method.watchMenu.path, CatalogService.Method.watchMenu.kind),
        (OrderService.Method.createOrder.path, OrderService.Method.createOrder.kind),
        (OrderService.Method.getOrder.path, OrderService.Method.getOrder.kind),
        (OrderService.Method.listOrders.path, OrderService.Method.listOrders.kind),
        (OrderService.Method.updateOrderStatus.path, OrderService.Method.updateOrderStatus.kind),
        (OrderService.Method.cancelOrder.path, OrderService.Method.cancelOrder.kind),
        (OrderService.Method.watchOrders.path, OrderService.Method.watchOrders.kind),
        (RatingService.Method.rateProduct.path, RatingService.Method.rateProduct.kind),
        (RatingService.Method.getRatingSummary.path, RatingService.Method.getRatingSummary.kind),
        (RatingService.Method.batchGetRatingSummaries.path, RatingService.Method.batchGetRatingSummaries.kind),
        (RatingService.Method.listRatings.path, RatingService.Method.listRatings.kind),
        (RatingService.Method.deleteRating.path, RatingService.Method.deleteRating.kind),
        (AnalyticsService.Method.ingestOrderEvents.path, AnalyticsService.Method.ingestOrderEvents.kind),
        (AnalyticsService.Method.getDailyReport.path, AnalyticsService.Method.getDailyReport.kind),
        (AnalyticsService.Method.getDashboard.path, AnalyticsService.Method.getDashboard.kind),
        (AnalyticsService.Method.listProductPerformance.path, AnalyticsService.Method.listProductPerformance.kind),
        (AnalyticsService.Method.rebuildReports.path, AnalyticsService.Method.rebuildReports.kind),
    ]

    @Test func everyMethodHasItsPathAndKind() {
        #expect(Self.generated.map(\.path) == Self.expected.map(\.path))
        #expect(Self.generated.map(\.kind) == Self.expected.map(\.kind))
    }

    /// The snippet the contract's users write; it only has to type-check.
    @Test func theClientReadsAsDocumented() {
        let call: @Sendable (RPCChannel) async throws -> Product = { channel in
            try await CatalogServiceClient(channel: channel).getProduct(.with { $0.id = 1 })
        }
        _ = call
    }
}
