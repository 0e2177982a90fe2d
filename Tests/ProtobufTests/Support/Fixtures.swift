import Foundation
import RestaurantAPI
import WellKnownTypes

/// Messages of the contract with every field set to a value other than its
/// default. The round-trip table and the golden tests build on these; the
/// golden ones are mirrored value for value in Tests/python/golden.py.
enum Fixtures {
    static func ts(_ seconds: Int64, _ nanos: Int32) -> Google_Protobuf_Timestamp {
        .with { $0.seconds = seconds; $0.nanos = nanos }
    }

    static func date(_ year: Int32, _ month: Int32, _ day: Int32) -> CommonDate {
        .with { $0.year = year; $0.month = month; $0.day = day }
    }

    // MARK: common

    static let commonDate = date(2024, 2, 29)

    // MARK: catalog

    static let category = Category.with {
        $0.id = 7
        $0.name = "Desserts"
        $0.slug = "desserts"
        $0.description = "Sweet things — crème brûlée, 🍰"
        $0.sortOrder = -3
        $0.active = true
        $0.productCount = 12
        $0.createdAt = ts(1_700_000_000, 123_456_789)
    }

    static let productRating = ProductRating.with {
        $0.average = 4.25
        $0.count = 12
    }

    /// Golden: every field, a present-but-zero optional (calories), an empty
    /// (all-default) nested timestamp, non-ASCII text and several tags.
    static let product = Product.with {
        $0.id = 42
        $0.categoryId = 7
        $0.categoryName = "Entrées & Soupes ☕"
        $0.name = "Soupe à l'oignon"
        $0.description = "Gratinée, with 𝄞 and \"quotes\"\nand a newline"
        $0.priceCents = 1_250
        $0.preparationMinutes = 15
        $0.calories = 0
        $0.available = true
        $0.featured = true
        $0.tags = ["vegetarian", "hot 🌶", ""]
        $0.rating = productRating
        $0.createdAt = ts(1_700_000_000, 123_456_789)
        $0.updatedAt = ts(0, 0)
        $0.archived = true
        $0.dietaryRestrictions = [.vegetarian, .unrecognized(99), .kosher]
    }

    static let createCategoryRequest = CreateCategoryRequest.with {
        $0.name = "Mains"
        $0.description = "Big plates"
        $0.sortOrder = 2
        $0.active = false  // present, and false
    }

    static let listCategoriesRequest = ListCategoriesRequest.with { $0.activeOnly = true }

    static let listCategoriesResponse = ListCategoriesResponse.with {
        $0.categories = [category, .with { $0.id = 8; $0.name = "Drinks" }, Category()]
    }

    /// Golden: both presence fields set, one of them to the zero value.
    static let createProductRequest = CreateProductRequest.with {
        $0.categoryId = 7
        $0.name = "Tarte Tatin"
        $0.description = "Upside down"
        $0.priceCents = 890
        $0.preparationMinutes = 25
        $0.calories = 0
        $0.available = false
        $0.featured = true
        $0.tags = ["dessert", "warm"]
        $0.dietaryRestrictions = [.vegan, .glutenFree]
    }

    static let getProductRequest = GetProductRequest.with { $0.id = Int64.max }

    static let batchGetProductsRequest = BatchGetProductsRequest.with { $0.ids = [1, 2, 3, 1 << 40, -1] }

    static let batchGetProductsResponse = BatchGetProductsResponse.with {
        $0.products = [product, .with { $0.id = 43; $0.name = "Bread" }]
        $0.missingIds = [99, 100_000_000_000]
    }

    static let updateProductRequest = UpdateProductRequest.with {
        $0.product = .with { $0.id = 42; $0.priceCents = 1_300; $0.calories = 320 }
        $0.updateMask = .init(paths: ["price_cents", "calories"])
    }

    static let setProductAvailabilityRequest = SetProductAvailabilityRequest.with {
        $0.id = 42
        $0.available = true
    }

    static let deleteProductRequest = DeleteProductRequest.with { $0.id = 42 }

    /// Golden: presence fields (one zero, one negative) and an enum value
    /// this build does not know.
    static let listProductsRequest = ListProductsRequest.with {
        $0.categoryId = 7
        $0.availableOnly = true
        $0.featuredOnly = true
        $0.minPriceCents = 0
        $0.maxPriceCents = -5
        $0.query = "crème"
        $0.sort = .unrecognized(999)
        $0.pageSize = 50
        $0.pageToken = "b2Zmc2V0PTUw"
        $0.dietary = [.halal, .unrecognized(-3)]
    }

    static let listProductsResponse = ListProductsResponse.with {
        $0.products = [product, product]
        $0.nextPageToken = "next"
        $0.totalSize = 2
    }

    static let productRatingUpdate = ProductRatingUpdate.with {
        $0.productId = 42
        $0.average = 4.25
        $0.count = 8
        $0.version = 9_000_000_000
    }

    static let updateProductRatingsRequest = UpdateProductRatingsRequest.with {
        $0.updates = [productRatingUpdate, .with { $0.productId = 7 }]
    }

    static let updateProductRatingsResponse = UpdateProductRatingsResponse.with { $0.appliedCount = 1 }

    static let importProductError = ImportProductError.with {
        $0.index = 3
        $0.name = "Bad"
        $0.message = "price_cents must be positive"
        $0.code = 3
    }

    /// Golden: packed int64 with a negative and a large value.
    static let importProductsResponse = ImportProductsResponse.with {
        $0.createdCount = 2
        $0.failedCount = 1
        $0.errors = [importProductError, .with { $0.index = 9; $0.code = -1 }]
        $0.createdIds = [10, -11, Int64.max, Int64.min]
    }

    static let watchMenuRequest = WatchMenuRequest.with { $0.categoryId = 7 }

    static let menuEvent = MenuEvent.with {
        $0.type = .productAvailabilityChanged
        $0.productId = 42
        $0.product = product
        $0.occurredAt = ts(1_700_000_100, 1)
    }

    // MARK: order

    static let orderItem = OrderItem.with {
        $0.productId = 42
        $0.productName = "Soupe à l'oignon"
        $0.quantity = 2
        $0.unitPriceCents = 1_250
        $0.subtotalCents = 2_500
        $0.notes = "no cheese"
    }

    /// Golden: two items (one with a negative quantity, a ten-byte varint),
    /// extreme int64, three timestamps (one before 1970).
    static let order = Order.with {
        $0.id = "3f2b8c1e-9a4d-4e6f-b1c2-7d8e9f0a1b2c"
        $0.orderNumber = "ORD20240315K7Q2M9XA"
        $0.customerId = "customer-1"
        $0.status = .delivered
        $0.items = [orderItem, .with { $0.productId = 7; $0.productName = "Ω"; $0.quantity = -1; $0.notes = "" }]
        $0.totalCents = Int64.max
        $0.notes = "ring twice"
        $0.createdAt = ts(1_710_460_800, 5)
        $0.updatedAt = ts(-62_135_596_800, 999_999_999)
        $0.estimatedReadyAt = ts(-1, 500_000_000)
        $0.cancellationReason = "changed my mind"
    }

    /// Not a golden (golden.py builds the goldens on its side): the fields
    /// added since, for the round-trip table.
    static let orderWithHistory = Order.with {
        $0.id = "3f2b8c1e-9a4d-4e6f-b1c2-7d8e9f0a1b2c"
        $0.statusHistory = [statusChange, .with { $0.toStatus = .delivered }]
    }

    static let statusChange = StatusChange.with {
        $0.fromStatus = .pending
        $0.toStatus = .cancelled
        $0.changedAt = ts(1_710_460_900, 1)
        $0.changedBy = "kitchen-2"
        $0.reason = "changed my mind"
    }

    static let orderItemInput = OrderItemInput.with {
        $0.productId = 42
        $0.quantity = 3
        $0.notes = "extra spicy"
    }

    static let createOrderRequest = CreateOrderRequest.with {
        $0.customerId = "customer-1"
        $0.items = [orderItemInput, .with { $0.productId = 1; $0.quantity = 1 }]
        $0.notes = "door code 1234"
        $0.idempotencyKey = "0b7e1b2c-1c7f-4d5e-9f00-000000000001"
    }

    static let getOrderRequestID = GetOrderRequest.with { $0.lookup = .id("3f2b8c1e-9a4d-4e6f-b1c2-7d8e9f0a1b2c") }
    static let getOrderRequestOrderNumber = GetOrderRequest.with { $0.lookup = .orderNumber("ORD20240315K7Q2M9XA") }
    /// A oneof member set to its default is still set (and on the wire).
    static let getOrderRequestEmptyID = GetOrderRequest.with { $0.lookup = .id("") }

    /// Golden: packed enums including values this build does not know.
    static let listOrdersRequest = ListOrdersRequest.with {
        $0.customerId = "customer-1"
        $0.statuses = [.pending, .unrecognized(999), .cancelled, .unrecognized(-1)]
        $0.createdAfter = ts(1_700_000_000, 0)
        $0.createdBefore = ts(1_800_000_000, 1)
        $0.pageSize = 100
        $0.pageToken = "token"
    }

    static let listOrdersResponse = ListOrdersResponse.with {
        $0.orders = [order, .with { $0.id = "x"; $0.status = .unrecognized(999) }]
        $0.nextPageToken = "more"
        $0.totalSize = 77
    }

    static let updateOrderStatusRequest = UpdateOrderStatusRequest.with {
        $0.id = "3f2b8c1e-9a4d-4e6f-b1c2-7d8e9f0a1b2c"
        $0.status = .preparing
    }

    static let cancelOrderRequest = CancelOrderRequest.with {
        $0.id = "3f2b8c1e-9a4d-4e6f-b1c2-7d8e9f0a1b2c"
        $0.reason = "too slow"
    }

    static let watchOrdersRequest = WatchOrdersRequest.with {
        $0.customerId = "customer-1"
        $0.statuses = [.ready, .delivered]
    }

    static let orderEvent = OrderEvent.with {
        $0.eventId = "e-1"
        $0.type = .statusChanged
        $0.order = order
        $0.previousStatus = .ready
        $0.occurredAt = ts(1_710_460_900, 0)
    }

    /// Not a golden: OrderEvent.sequence, for the round-trip table.
    static let orderEventWithSequence = OrderEvent.with {
        $0.eventId = "e-2"
        $0.sequence = 5
    }

    // MARK: rating

    static let rating = Rating.with {
        $0.productId = 42
        $0.userId = "user-9"
        $0.stars = 5
        $0.review = "Très bon 👍"
        $0.createdAt = ts(1_700_000_000, 1)
        $0.updatedAt = ts(1_700_000_500, 2)
    }

    /// Golden: a map with several entries, a zero value and a negative key.
    static let ratingSummary = RatingSummary.with {
        $0.productId = 42
        $0.average = 4.5
        $0.count = 117
        $0.histogram = [1: 2, 2: 0, 3: 5, 4: 10, 5: 100, -1: 7]
    }

    static let rateProductRequest = RateProductRequest.with {
        $0.productId = 42
        $0.userId = "user-9"
        $0.stars = 4
        $0.review = "good"
    }

    static let getRatingSummaryRequest = GetRatingSummaryRequest.with { $0.productId = 42 }
    static let batchGetRatingSummariesRequest = BatchGetRatingSummariesRequest.with { $0.productIds = [42, 43, 42] }
    static let batchGetRatingSummariesResponse = BatchGetRatingSummariesResponse.with {
        $0.summaries = [ratingSummary, .with { $0.productId = 43 }]
    }
    static let listRatingsRequest = ListRatingsRequest.with {
        $0.productId = 42
        $0.pageSize = 10
        $0.pageToken = "p2"
    }
    static let listRatingsResponse = ListRatingsResponse.with {
        $0.ratings = [rating, .with { $0.productId = 42; $0.userId = "u2"; $0.stars = 1 }]
        $0.nextPageToken = "p3"
        $0.totalSize = 20
    }
    static let deleteRatingRequest = DeleteRatingRequest.with {
        $0.productId = 42
        $0.userId = "user-9"
    }

    // MARK: analytics

    static let topProduct = TopProduct.with {
        $0.productId = 42
        $0.name = "Soupe à l'oignon"
        $0.quantity = 30
        $0.revenueCents = 37_500
    }

    static let ingestOrderEventsRequest = IngestOrderEventsRequest.with {
        $0.events = [orderEvent, .with { $0.eventId = "e-2"; $0.type = .created; $0.order = .with { $0.id = "o2" } }]
    }

    static let ingestOrderEventsResponse = IngestOrderEventsResponse.with {
        $0.acceptedCount = 1
        $0.duplicateCount = 1
    }

    static let getDailyReportRequest = GetDailyReportRequest.with { $0.date = commonDate }

    /// Golden: peak_hour present and zero, two top products.
    static let dailyReport = DailyReport.with {
        $0.date = date(2024, 3, 15)
        $0.totalOrders = 12
        $0.totalRevenueCents = 45_600
        $0.averageOrderValueCents = 3_800
        $0.peakHour = 0
        $0.topProducts = [topProduct, .with { $0.productId = 7; $0.name = "Bread"; $0.quantity = 1; $0.revenueCents = 300 }]
        $0.ordersByHour = (0..<24).map { $0 == 0 ? 5 : Int64($0 % 3) }
    }

    static let getDashboardRequest = GetDashboardRequest.with {
        $0.days = 7
        $0.endDate = date(2024, 3, 15)
    }

    static let dashboardSummary = DashboardSummary.with {
        $0.totalRevenueCents = 1_000_000
        $0.totalOrders = 250
        $0.averageDailyRevenueCents = 142_857
    }

    static let dailySales = DailySales.with {
        $0.date = date(2024, 3, 14)
        $0.totalOrders = 30
        $0.totalRevenueCents = 90_000
    }

    static let getDashboardResponse = GetDashboardResponse.with {
        $0.summary = dashboardSummary
        $0.dailySales = [dailySales, .with { $0.date = date(2024, 3, 15) }]
        $0.topProducts = [topProduct]
        $0.startDate = date(2024, 3, 9)
        $0.endDate = date(2024, 3, 15)
        $0.days = 7
    }

    static let productPerformance = ProductPerformance.with {
        $0.productId = 42
        $0.name = "Soupe à l'oignon"
        $0.totalOrdered = 300
        $0.totalRevenueCents = 375_000
        $0.lastOrderedAt = ts(1_710_460_800, 0)
        $0.popularityScore = 12.5
    }

    static let listProductPerformanceRequest = ListProductPerformanceRequest.with {
        $0.sort = .popularity
        $0.pageSize = 20
        $0.pageToken = "t"
    }

    static let listProductPerformanceResponse = ListProductPerformanceResponse.with {
        $0.products = [productPerformance, .with { $0.productId = 1; $0.popularityScore = 0.1 }]
        $0.nextPageToken = "n"
        $0.totalSize = 2
    }

    static let rebuildReportsRequest = RebuildReportsRequest.with {
        $0.startDate = date(2024, 3, 15)
        $0.daysBack = 30
    }

    static let rebuildReportsResponse = RebuildReportsResponse.with {
        $0.daysRebuilt = 30
        $0.firstDate = date(2024, 2, 15)
        $0.lastDate = date(2024, 3, 15)
    }
}
