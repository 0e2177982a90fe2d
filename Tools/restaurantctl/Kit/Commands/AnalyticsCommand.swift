import ArgumentParser
import Foundation
import RestaurantAPI
import RPC

/// `restaurantctl analytics …`: the restaurant's numbers, through
/// `restaurant.analytics.v1.AnalyticsService`.
public struct AnalyticsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "analytics",
        abstract: "Daily reports, dashboards and product performance (restaurant.analytics.v1.AnalyticsService).",
        discussion: """
            The server is --addr, else $ANALYTICS_ADDR, else localhost:50054. Figures
            count orders that reached READY or DELIVERED; orders per hour count every
            order created. Output is for people by default, with bar charts; -o json
            prints the proto3 JSON mapping exactly as 'restaurantctl call' would.

            EXAMPLES
              restaurantctl analytics dashboard
              restaurantctl analytics report yesterday
              restaurantctl analytics products --sort quantity
              restaurantctl analytics rebuild --days 30 --token secret

            EXIT STATUS
              0 OK; 2 usage error; 64 + gRPC code when the call fails, with
              'ERROR: <CODE>: <message>' on stderr (67 INVALID_ARGUMENT,
              78 UNAVAILABLE, 80 UNAUTHENTICATED, ...).
            """,
        subcommands: [AnalyticsReportCommand.self, AnalyticsDashboardCommand.self, AnalyticsProductsCommand.self,
                      AnalyticsRebuildCommand.self])

    public init() {}
}

/// `restaurantctl analytics report [DATE]`
public struct AnalyticsReportCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "One business day: orders, revenue, peak hour, orders per hour, best sellers (GetDailyReport).",
        discussion: """
            EXAMPLES
              restaurantctl analytics report
              restaurantctl analytics report 2026-03-15 -o json
            """)

    @Argument(help: ArgumentHelp("The day: YYYY-MM-DD, today or yesterday (default: today on this machine's calendar).",
                                 valueName: "DATE"))
    var date: DateArgument?

    @OptionGroup var options: AnalyticsOptions

    public init() {}

    public func run() async throws {
        let service = try ServiceSession(options)
        let day = date?.date ?? DateArgument.day(of: Date(), calendar: .current)
        let report = try await service.unary(AnalyticsService.Method.getDailyReport, .with { $0.date = day })
        switch service.output {
        case .text: Console.out(AnalyticsFormat.report(report))
        case .json, .jsonl: try service.printJSON(report, typeName: AnalyticsTypes.dailyReport)
        }
    }
}

/// `restaurantctl analytics dashboard [--days N] [--end DATE]`
public struct AnalyticsDashboardCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "A period's totals, daily revenue as a chart, best sellers (GetDashboard).",
        discussion: """
            EXAMPLES
              restaurantctl analytics dashboard
              restaurantctl analytics dashboard --days 7
              restaurantctl analytics dashboard --days 90 --end 2026-03-31 -o json
            """)

    @Option(parsing: .unconditional, help: ArgumentHelp("Days covered, 1–366 (default 30).", valueName: "n"))
    var days: Int32 = 30

    @Option(help: ArgumentHelp("The last day covered (default: today in the business time zone).", valueName: "date"))
    var end: DateArgument?

    @OptionGroup var options: AnalyticsOptions

    public init() {}

    public func run() async throws {
        let service = try ServiceSession(options)
        let dashboard = try await service.unary(AnalyticsService.Method.getDashboard, .with {
            $0.days = days
            $0.endDate = end?.date
        })
        switch service.output {
        case .text: Console.out(AnalyticsFormat.dashboard(dashboard))
        case .json, .jsonl: try service.printJSON(dashboard, typeName: AnalyticsTypes.dashboard)
        }
    }
}

/// `restaurantctl analytics products [--sort S] [--page-size N] [--page-token T] [--all]`
public struct AnalyticsProductsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "products",
        abstract: "Every product's sales since the first order (ListProductPerformance).",
        discussion: """
            One page is shown (20 unless --page-size says otherwise, at most 100),
            with the total and the --page-token of the next page; --all follows the
            pages to the end. Popularity is the share of counted orders that
            contain the product.

            EXAMPLES
              restaurantctl analytics products
              restaurantctl analytics products --sort popularity --all
            """)

    /// The orders ListProductPerformance offers.
    enum Sort: String, ExpressibleByArgument, CaseIterable {
        case revenue, quantity, popularity

        var value: ProductPerformanceSort {
            switch self {
            case .revenue: .revenue
            case .quantity: .quantity
            case .popularity: .popularity
            }
        }
    }

    @Option(help: ArgumentHelp("revenue, quantity or popularity (highest first).", valueName: "order"))
    var sort: Sort = .revenue

    @Option(name: .customLong("page-size"), parsing: .unconditional, help: ArgumentHelp("Products per page.", valueName: "n"))
    var pageSize: Int32 = 0

    @Option(name: .customLong("page-token"), help: ArgumentHelp("Where to continue (from a previous page).", valueName: "token"))
    var pageToken: String = ""

    @Flag(help: "Follow the pages to the end.")
    var all = false

    @OptionGroup var options: AnalyticsOptions

    public init() {}

    public func run() async throws {
        let service = try ServiceSession(options)
        var request = ListProductPerformanceRequest.with {
            $0.sort = sort.value
            $0.pageSize = all && pageSize == 0 ? 100 : pageSize
            $0.pageToken = pageToken
        }
        var response = try await service.unary(AnalyticsService.Method.listProductPerformance, request)
        while all, !response.nextPageToken.isEmpty {
            request.pageToken = response.nextPageToken
            let next = try await service.unary(AnalyticsService.Method.listProductPerformance, request)
            response.products += next.products
            response.nextPageToken = next.nextPageToken
        }
        switch service.output {
        case .text:
            Console.out(AnalyticsFormat.performanceTable(response.products))
            var footer = "\(response.products.count) of \(response.totalSize) products"
            if !response.nextPageToken.isEmpty { footer += "; next page: --page-token \(response.nextPageToken)" }
            Console.out(footer)
        case .json, .jsonl: try service.printJSON(response, typeName: AnalyticsTypes.productPerformance)
        }
    }
}

/// `restaurantctl analytics rebuild [--start DATE] [--days N]`
public struct AnalyticsRebuildCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Recompute daily reports from the stored orders (RebuildReports); needs a token.",
        discussion: """
            Rebuilds --days days counting back from --start (default: yesterday in
            the business time zone). The generate_analytics command of the original
            system; the reports are also kept up to date as orders arrive.

            EXAMPLES
              restaurantctl analytics rebuild
              restaurantctl analytics rebuild --start 2026-03-31 --days 31
            """)

    @Option(help: ArgumentHelp("The latest day to rebuild (default: yesterday).", valueName: "date"))
    var start: DateArgument?

    @Option(parsing: .unconditional, help: ArgumentHelp("Days to rebuild, 1–366 (default 1).", valueName: "n"))
    var days: Int32 = 1

    @OptionGroup var options: AnalyticsOptions

    public init() {}

    public func run() async throws {
        let service = try ServiceSession(options)
        let response = try await service.unary(AnalyticsService.Method.rebuildReports, .with {
            $0.startDate = start?.date
            $0.daysBack = days
        })
        switch service.output {
        case .text:
            Console.out("Rebuilt \(response.daysRebuilt) day\(response.daysRebuilt == 1 ? "" : "s"): "
                + "\(AnalyticsFormat.date(response.firstDate)) – \(AnalyticsFormat.date(response.lastDate)).")
        case .json, .jsonl: try service.printJSON(response, typeName: AnalyticsTypes.rebuild)
        }
    }
}
