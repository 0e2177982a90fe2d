import Foundation

/// How an ingest moves the aggregates: the sums to add per day, hour and
/// product (negative where an order's old snapshot stops counting).
/// Built in memory, then applied in a few set-based statements.
struct ReportChanges {
    struct Sales: Equatable {
        var orders: Int64 = 0
        var revenueCents: Int64 = 0
        var isZero: Bool { orders == 0 && revenueCents == 0 }
    }

    struct ProductSales: Equatable {
        var quantity: Int64 = 0
        var revenueCents: Int64 = 0
        /// Counted orders containing the product (all-time figures only).
        var orders: Int64 = 0
        var isZero: Bool { quantity == 0 && revenueCents == 0 && orders == 0 }
    }

    struct DayHour: Hashable {
        let day: BusinessDay
        let hour: Int
    }

    struct DayProduct: Hashable {
        let day: BusinessDay
        let productID: Int64
    }

    var daily: [BusinessDay: Sales] = [:]
    var hourly: [DayHour: Int64] = [:]
    var dailyProducts: [DayProduct: ProductSales] = [:]
    var products: [Int64: ProductSales] = [:]
    var countedOrders: Int64 = 0

    /// What an order contributes to the reports.
    struct Contribution {
        let day: BusinessDay
        let hour: Int
        let counted: Bool
        let totalCents: Int64
        var items: [(productID: Int64, quantity: Int64, subtotalCents: Int64)]
    }

    /// Adds (`sign` 1) or removes (`sign` -1) an order's contribution.
    mutating func apply(_ contribution: Contribution, sign: Int64) {
        hourly[DayHour(day: contribution.day, hour: contribution.hour), default: 0] += sign
        guard contribution.counted else { return }
        daily[contribution.day, default: Sales()].orders += sign
        daily[contribution.day, default: Sales()].revenueCents += sign * contribution.totalCents
        countedOrders += sign
        for item in contribution.items {
            let key = DayProduct(day: contribution.day, productID: item.productID)
            dailyProducts[key, default: ProductSales()].quantity += sign * item.quantity
            dailyProducts[key, default: ProductSales()].revenueCents += sign * item.subtotalCents
            products[item.productID, default: ProductSales()].quantity += sign * item.quantity
            products[item.productID, default: ProductSales()].revenueCents += sign * item.subtotalCents
        }
        for productID in Set(contribution.items.map(\.productID)) {
            products[productID, default: ProductSales()].orders += sign
        }
    }
}
