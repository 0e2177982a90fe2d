import Foundation
import RestaurantAPI

/// The text the analytics commands show people: figures, tables and
/// horizontal bar charts (`█` blocks with eighth-block ends, scaled to the
/// largest value) that read in any terminal.
public enum AnalyticsFormat {
    /// `2026-03-15`.
    public static func date(_ date: CommonDate?) -> String {
        guard let date else { return "-" }
        return String(format: "%04d-%02d-%02d", date.year, date.month, date.day)
    }

    /// A bar `fraction` (0…1) of `width` cells long, in eighths of a cell.
    static func bar(_ fraction: Double, width: Int) -> String {
        let eighths = Int((max(0, min(1, fraction)) * Double(width * 8)).rounded())
        let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8]
        return String(repeating: "█", count: eighths / 8) + partial
    }

    /// One row per entry: its label, a bar scaled to the largest value,
    /// and its text (the value as people read it).
    static func barChart(_ entries: [(label: String, value: Int64, text: String)], width: Int = 40) -> String {
        let largest = max(1, entries.map(\.value).max() ?? 1)
        let labelWidth = entries.map(\.label.count).max() ?? 0
        return entries.map { entry in
            let label = entry.label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
            let bar = bar(Double(entry.value) / Double(largest), width: width)
            return "  \(label) │\(bar.padding(toLength: width, withPad: " ", startingAt: 0)) \(entry.text)"
        }.joined(separator: "\n")
    }

    static func topProductsTable(_ products: [TopProduct]) -> String {
        guard !products.isEmpty else { return "  (none)" }
        var table = TextTable(columns: ["#", "product", "name", "quantity", "revenue"],
                              rows: products.enumerated().map { index, product in
                                  [String(index + 1), String(product.productId), product.name, String(product.quantity),
                                   Money.format(cents: product.revenueCents)]
                              })
        table.rightAligned = [0, 1, 3, 4]
        return table.render()
    }

    /// A day's figures, its orders per hour as a chart (from the first to
    /// the last hour with orders), and its best sellers.
    public static func report(_ report: DailyReport) -> String {
        var lines = [CatalogFormat.details([
            ("Date", date(report.date)),
            ("Orders", String(report.totalOrders) + " (ready or delivered)"),
            ("Revenue", Money.format(cents: report.totalRevenueCents)),
            ("Average order", Money.format(cents: report.averageOrderValueCents)),
            ("Peak hour", report.peakHour.map { String(format: "%02d:00–%02d:00", $0, ($0 + 1) % 24) } ?? "-"),
        ])]
        let busy = report.ordersByHour.indices.filter { report.ordersByHour[$0] > 0 }
        if let first = busy.first, let last = busy.last {
            lines += ["", "Orders per hour (all orders created, cancelled ones too):"]
            lines.append(barChart((first...last).map { hour in
                (String(format: "%02d:00", hour), report.ordersByHour[hour], String(report.ordersByHour[hour]))
            }))
        }
        lines += ["", "Best sellers:", topProductsTable(report.topProducts)]
        return lines.joined(separator: "\n")
    }

    /// A period's totals, its daily revenue as a chart, and its best sellers.
    public static func dashboard(_ dashboard: GetDashboardResponse) -> String {
        let summary = dashboard.summary ?? DashboardSummary()
        var lines = [CatalogFormat.details([
            ("Period", "\(date(dashboard.startDate)) – \(date(dashboard.endDate)) (\(dashboard.days) days)"),
            ("Orders", String(summary.totalOrders)),
            ("Revenue", Money.format(cents: summary.totalRevenueCents)),
            ("Per day", Money.format(cents: summary.averageDailyRevenueCents)),
        ])]
        lines += ["", "Daily revenue:"]
        lines.append(barChart(dashboard.dailySales.map { day in
            (date(day.date), day.totalRevenueCents,
             Money.format(cents: day.totalRevenueCents) + "  \(day.totalOrders) order\(day.totalOrders == 1 ? "" : "s")")
        }))
        lines += ["", "Best sellers of the period:", topProductsTable(dashboard.topProducts)]
        return lines.joined(separator: "\n")
    }

    public static func performanceTable(_ products: [ProductPerformance]) -> String {
        guard !products.isEmpty else { return "No product has a counted order yet." }
        var table = TextTable(columns: ["product", "name", "ordered", "revenue", "popularity", "last ordered"],
                              rows: products.map { product in
                                  [String(product.productId), product.name, String(product.totalOrdered),
                                   Money.format(cents: product.totalRevenueCents),
                                   String(format: "%.1f%%", product.popularityScore), CatalogFormat.time(product.lastOrderedAt)]
                              })
        table.rightAligned = [0, 2, 3, 4]
        return table.render()
    }
}
