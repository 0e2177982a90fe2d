import RestaurantAPI
import RPC
import ServiceKit

/// `restaurant.analytics.v1.AnalyticsService`: validates requests with the
/// contract's rules and answers from the aggregates the store keeps.
struct AnalyticsHandler: AnalyticsServiceHandler {
    let store: AnalyticsStore
    var calendar: BusinessCalendar { store.calendar }

    func ingestOrderEvents(_ request: IngestOrderEventsRequest, context: RPCServerContext) async throws -> IngestOrderEventsResponse {
        guard request.events.count <= 1000 else { throw RPCError(.invalidArgument, "events must contain at most 1000 events") }
        var snapshots: [OrderSnapshot] = []
        snapshots.reserveCapacity(request.events.count)
        for (index, event) in request.events.enumerated() { snapshots.append(try OrderSnapshot(event, index: index)) }
        let (accepted, duplicates) = try await store.ingest(snapshots)
        return .with {
            $0.acceptedCount = Int32(accepted)
            $0.duplicateCount = Int32(duplicates)
        }
    }

    func getDailyReport(_ request: GetDailyReportRequest, context: RPCServerContext) async throws -> DailyReport {
        guard let date = request.date else { throw RPCError(.invalidArgument, "date is required") }
        guard let day = BusinessDay(date) else { throw RPCError(.invalidArgument, "date must be a valid date") }
        async let sales = store.dailySales(from: day, through: day)
        async let hourly = store.ordersByHour(of: day)
        async let top = store.topProducts(from: day, through: day, by: .quantity, limit: 5)
        let totals = try await sales[day] ?? AnalyticsStore.DaySales()
        let ordersByHour = try await hourly
        // The busiest hour, the earliest on a tie; none on a day without orders.
        let busiest = ordersByHour.max() ?? 0
        let peakHour = busiest > 0 ? ordersByHour.firstIndex(of: busiest).map(Int32.init) : nil
        let topProducts = try await top
        return .with {
            $0.date = day.message
            $0.totalOrders = totals.orders
            $0.totalRevenueCents = totals.revenueCents
            $0.averageOrderValueCents = Self.averageCents(totals.revenueCents, over: totals.orders)
            $0.peakHour = peakHour
            $0.ordersByHour = ordersByHour
            $0.topProducts = topProducts
        }
    }

    func getDashboard(_ request: GetDashboardRequest, context: RPCServerContext) async throws -> GetDashboardResponse {
        let days = request.days == 0 ? 30 : Int(request.days)
        guard (1...366).contains(days) else { throw RPCError(.invalidArgument, "days must be between 1 and 366") }
        let last: BusinessDay
        if let end = request.endDate {
            guard let day = BusinessDay(end) else { throw RPCError(.invalidArgument, "end_date must be a valid date") }
            last = day
        } else {
            last = calendar.today()
        }
        let first = last - (days - 1)
        guard first.civil.year >= 1 else { throw RPCError(.invalidArgument, "end_date must be a valid date") }
        async let top = store.topProducts(from: first, through: last, by: .revenue, limit: 10)
        let sales = try await store.dailySales(from: first, through: last)
        let daily = (0..<days).map { offset -> DailySales in
            let day = first + offset
            let totals = sales[day] ?? AnalyticsStore.DaySales()
            return .with {
                $0.date = day.message
                $0.totalOrders = totals.orders
                $0.totalRevenueCents = totals.revenueCents
            }
        }
        let revenue = daily.reduce(Int64(0)) { $0 + $1.totalRevenueCents }
        let orders = daily.reduce(Int64(0)) { $0 + $1.totalOrders }
        let topProducts = try await top
        return .with {
            $0.summary = .with {
                $0.totalRevenueCents = revenue
                $0.totalOrders = orders
                $0.averageDailyRevenueCents = Self.averageCents(revenue, over: Int64(days))
            }
            $0.dailySales = daily
            $0.topProducts = topProducts
            $0.startDate = first.message
            $0.endDate = last.message
            $0.days = Int32(days)
        }
    }

    func listProductPerformance(_ request: ListProductPerformanceRequest,
                                context: RPCServerContext) async throws -> ListProductPerformanceResponse {
        let sort: ProductPerformanceSort
        switch request.sort {
        case .unspecified, .revenue: sort = .revenue
        case .quantity, .popularity: sort = request.sort
        case .unrecognized: throw RPCError(.invalidArgument, "sort is invalid")
        }
        let pageSize = try PageSize.resolve(request.pageSize)
        let fingerprint = "s\(sort.rawValue)"
        let token = try PageToken<AnalyticsStore.PerformancePosition>.decode(request.pageToken, query: fingerprint)
        let (rows, next, total) = try await store.productPerformance(sort: sort, pageSize: pageSize, after: token?.position)
        return .with {
            $0.products = rows
            $0.nextPageToken = next.map { PageToken(position: $0).encoded(query: fingerprint) } ?? ""
            $0.totalSize = total
        }
    }

    func rebuildReports(_ request: RebuildReportsRequest, context: RPCServerContext) async throws -> RebuildReportsResponse {
        let today = calendar.today()
        let last: BusinessDay
        if let start = request.startDate {
            guard let day = BusinessDay(start) else { throw RPCError(.invalidArgument, "start_date must be a valid date") }
            guard day <= today else { throw RPCError(.invalidArgument, "start_date must not be in the future") }
            last = day
        } else {
            last = today - 1
        }
        let days = request.daysBack == 0 ? 1 : Int(request.daysBack)
        guard (1...366).contains(days) else { throw RPCError(.invalidArgument, "days_back must be between 1 and 366") }
        let first = last - (days - 1)
        try await store.rebuild(from: first, through: last)
        return .with {
            $0.daysRebuilt = Int32(days)
            $0.firstDate = first.message
            $0.lastDate = last.message
        }
    }

    /// `total / count` in whole cents, rounded half up; 0 for no count.
    static func averageCents(_ total: Int64, over count: Int64) -> Int64 {
        guard count > 0 else { return 0 }
        return (2 * total + count) / (2 * count)
    }
}
