import Foundation
import RestaurantAPI
import Synchronization

/// The text the catalog commands show people: tables of categories and
/// products, one product's details, one line per menu event. Money is
/// `$12.50`, times are local and short (`2026-03-14 18:05`).
public enum CatalogFormat {
    // MARK: Values

    /// `2026-03-14 18:05` in the local time zone ($TZ).
    public static func time(_ timestamp: Google_Protobuf_Timestamp?, timeZone: TimeZone = .current) -> String {
        guard let timestamp else { return "" }
        return format(timestamp.date, "yyyy-MM-dd HH:mm", timeZone)
    }

    /// `18:05:09` in the local time zone, for event lines.
    public static func clock(_ timestamp: Google_Protobuf_Timestamp?, timeZone: TimeZone = .current) -> String {
        format(timestamp?.date ?? Date(), "HH:mm:ss", timeZone)
    }

    private struct FormatterKey: Hashable {
        var format: String
        var timeZone: TimeZone
    }

    /// Formatters are costly to make and tables format a time per row: one
    /// per format and zone, used under the lock (DateFormatter is not Sendable).
    private static let formatters = Mutex<[FormatterKey: DateFormatter]>([:])

    private static func format(_ date: Date, _ format: String, _ timeZone: TimeZone) -> String {
        formatters.withLock { formatters in
            let key = FormatterKey(format: format, timeZone: timeZone)
            if let formatter = formatters[key] { return formatter.string(from: date) }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = timeZone
            formatter.dateFormat = format
            formatters[key] = formatter
            return formatter.string(from: date)
        }
    }

    public static func yesNo(_ value: Bool) -> String { value ? "yes" : "no" }

    /// `4.5 (12)`, `-` when nobody rated it, `?` when the rating service
    /// did not answer.
    public static func rating(_ rating: ProductRating?) -> String {
        guard let rating else { return "?" }
        guard rating.count > 0 else { return "-" }
        return String(format: "%.1f (%d)", rating.average, rating.count)
    }

    static func ratingDetail(_ rating: ProductRating?) -> String {
        guard let rating else { return "unknown (the rating service did not answer)" }
        guard rating.count > 0 else { return "not rated yet" }
        return String(format: "%.2f from %d rating%@", rating.average, rating.count, rating.count == 1 ? "" : "s")
    }

    static func calories(_ calories: Int32?) -> String {
        calories.map(String.init) ?? "-"
    }

    static func truncated(_ text: String, _ limit: Int) -> String {
        let line = text.replacingOccurrences(of: "\n", with: " ")
        return line.count > limit ? String(line.prefix(limit - 1)) + "…" : line
    }

    // MARK: Tables

    public static func categoriesTable(_ categories: [RestaurantAPI.Category]) -> String {
        guard !categories.isEmpty else { return "No categories." }
        let rows = categories.map { category in
            [String(category.id), category.name, category.slug, String(category.sortOrder), yesNo(category.active),
             String(category.productCount), time(category.createdAt), truncated(category.description, 40)]
        }
        let table = TextTable(columns: ["id", "name", "slug", "order", "active", "products", "created", "description"],
                              rows: rows, rightAligned: [0, 3, 5])
        return table.render()
    }

    public static func productsTable(_ products: [Product]) -> String {
        let rows = products.map { product in
            [String(product.id), truncated(product.name, 40), product.categoryName, Money.format(cents: product.priceCents),
             "\(product.preparationMinutes) min", calories(product.calories), yesNo(product.available),
             yesNo(product.featured), rating(product.rating), truncated(product.tags.joined(separator: ", "), 30)]
        }
        let table = TextTable(columns: ["id", "name", "category", "price", "prep", "kcal", "available", "featured", "rating", "tags"],
                              rows: rows, rightAligned: [0, 3, 4, 5])
        return table.render()
    }

    // MARK: Details

    /// Aligned `Label  value` lines.
    static func details(_ pairs: [(String, String)]) -> String {
        let width = pairs.map(\.0.count).max() ?? 0
        return pairs.map { label, value in
            let indent = String(repeating: " ", count: width + 2)
            let lines = value.split(separator: "\n", omittingEmptySubsequences: false)
            let first = label + String(repeating: " ", count: width - label.count + 2) + (lines.first.map(String.init) ?? "")
            return ([first] + lines.dropFirst().map { indent + $0 }).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    public static func productDetails(_ product: Product) -> String {
        var pairs: [(String, String)] = [
            ("ID", String(product.id)),
            ("Name", product.name),
            ("Category", "\(product.categoryName) (\(product.categoryId))"),
            ("Price", Money.format(cents: product.priceCents)),
            ("Preparation", "\(product.preparationMinutes) min"),
            ("Calories", product.calories.map { "\($0) kcal" } ?? "unknown"),
            ("Available", yesNo(product.available)),
            ("Featured", yesNo(product.featured)),
            ("Tags", product.tags.isEmpty ? "-" : product.tags.joined(separator: ", ")),
            ("Dietary", product.dietaryRestrictions.isEmpty ? "-" : product.dietaryRestrictions.map(DietaryArgument.spelling).joined(separator: ", ")),
            ("Rating", ratingDetail(product.rating)),
        ]
        if !product.description.isEmpty { pairs.append(("Description", product.description)) }
        pairs.append(("Created", time(product.createdAt)))
        pairs.append(("Updated", time(product.updatedAt)))
        if product.archived { pairs.append(("Archived", "yes (deleted)")) }
        return details(pairs)
    }

    public static func categoryDetails(_ category: RestaurantAPI.Category) -> String {
        var pairs: [(String, String)] = [
            ("ID", String(category.id)),
            ("Name", category.name),
            ("Slug", category.slug),
            ("Sort order", String(category.sortOrder)),
            ("Active", yesNo(category.active)),
            ("Products", String(category.productCount)),
        ]
        if !category.description.isEmpty { pairs.append(("Description", category.description)) }
        pairs.append(("Created", time(category.createdAt)))
        return details(pairs)
    }

    // MARK: Events

    /// `18:05:09  created       #42 Margherita  $12.50  Pizzas  available`
    public static func eventLine(_ event: MenuEvent, timeZone: TimeZone = .current) -> String {
        let product = event.product ?? Product()
        let label: String = switch event.type {
        case .productCreated: "created"
        case .productUpdated: "updated"
        case .productAvailabilityChanged: product.available ? "available" : "unavailable"
        case .productDeleted: "deleted"
        case .unspecified: "unspecified"
        case let .unrecognized(value): "event \(value)"
        }
        var parts = ["#\(event.productId)", product.name]
        if event.type != .productDeleted {
            parts += [Money.format(cents: product.priceCents), product.categoryName]
            if event.type != .productAvailabilityChanged { parts.append(product.available ? "available" : "unavailable") }
            if product.featured { parts.append("featured") }
        }
        let padded = label + String(repeating: " ", count: max(1, 12 - label.count))
        return clock(event.occurredAt, timeZone: timeZone) + "  " + padded + parts.joined(separator: "  ")
    }
}
