/// Full names of the messages the analytics commands print.
enum AnalyticsTypes {
    static let package = "restaurant.analytics.v1."
    static let dailyReport = package + "DailyReport"
    static let dashboard = package + "GetDashboardResponse"
    static let productPerformance = package + "ListProductPerformanceResponse"
    static let rebuild = package + "RebuildReportsResponse"
}
