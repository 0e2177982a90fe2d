import RestaurantAPI
import RPC
import Testing

/// Which methods need a token comes from the contract's `.proto` options
/// (`idempotency_level = NO_SIDE_EFFECTS` marks reads): the generated
/// descriptors must say exactly what API.md says.
@Suite(.timeLimit(.minutes(2))) struct ContractAuthorizationTests {
    @Test func readsAreMarkedAndWritesAreNot() {
        let reads: [RPCIdempotency] = [
            CatalogService.Method.listCategories.idempotency, CatalogService.Method.getProduct.idempotency,
            CatalogService.Method.batchGetProducts.idempotency, CatalogService.Method.listProducts.idempotency,
            CatalogService.Method.watchMenu.idempotency,
            RatingService.Method.getRatingSummary.idempotency, RatingService.Method.batchGetRatingSummaries.idempotency,
            RatingService.Method.listRatings.idempotency,
            OrderService.Method.getOrder.idempotency, OrderService.Method.listOrders.idempotency,
            OrderService.Method.watchOrders.idempotency,
            AnalyticsService.Method.getDailyReport.idempotency, AnalyticsService.Method.getDashboard.idempotency,
            AnalyticsService.Method.listProductPerformance.idempotency,
        ]
        let writes: [RPCIdempotency] = [
            CatalogService.Method.createCategory.idempotency, CatalogService.Method.createProduct.idempotency,
            CatalogService.Method.updateProduct.idempotency, CatalogService.Method.setProductAvailability.idempotency,
            CatalogService.Method.deleteProduct.idempotency, CatalogService.Method.importProducts.idempotency,
            CatalogService.Method.updateProductRatings.idempotency,
            RatingService.Method.rateProduct.idempotency, RatingService.Method.deleteRating.idempotency,
            OrderService.Method.createOrder.idempotency, OrderService.Method.updateOrderStatus.idempotency,
            OrderService.Method.cancelOrder.idempotency,
            AnalyticsService.Method.ingestOrderEvents.idempotency, AnalyticsService.Method.rebuildReports.idempotency,
        ]
        #expect(reads.allSatisfy { $0 == .noSideEffects })
        #expect(writes.allSatisfy { $0 != .noSideEffects })
    }
}
