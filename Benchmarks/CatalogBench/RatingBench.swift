import BenchSupport
import Foundation
import RestaurantAPI
import RPC

/// Ratings at menu scale: ListProducts(sort: RATING) against
/// ListProducts(sort: PRICE_ASC) in the same run (calls alternated, so both
/// see the same machine), on the first page and on pages deeper in, and
/// BatchGetRatingSummaries of 1,000 ids at the rating service.
struct RatingBench {
    let catalog: CatalogServiceClient
    let ratingTarget: String
    let options: Options

    /// Latency of one call, in milliseconds.
    private func time<T>(_ body: () async throws -> T) async throws -> (Double, T) {
        let start = ContinuousClock.now
        let value = try await body()
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        return (Double(seconds) * 1000 + Double(attoseconds) / 1e15, value)
    }

    private func list(_ sort: ProductSort, token: String = "") async throws -> ListProductsResponse {
        try await catalog.listProducts(.with {
            $0.sort = sort
            $0.pageSize = options.pageSize
            $0.pageToken = token
        }, options: CallOptions(timeout: .seconds(30)))
    }

    /// The page token of page `page` (1-based) in `sort`.
    private func token(_ sort: ProductSort, page: Int) async throws -> String {
        var token = ""
        for _ in 1..<page { token = try await list(sort, token: token).nextPageToken }
        return token
    }

    func run() async -> Bool {
        do {
            let channel = try RPCChannel(target: ratingTarget)
            defer { channel.close() }
            let ratings = RatingServiceClient(channel: channel)
            let total = try await list(.priceAsc).totalSize
            let deep = 50  // page 50: the keyset seeks, it does not skip rows
            let sorts: [(name: String, sort: ProductSort, token: String)] = [
                ("RATING", .rating, try await token(.rating, page: deep)),
                ("PRICE_ASC", .priceAsc, try await token(.priceAsc, page: deep)),
            ]
            var samples: [String: [Double]] = [:]
            for index in 0..<(options.warmup + options.calls) {
                for (name, sort, token) in sorts {
                    let (first, _) = try await time { try await list(sort) }
                    let (later, page) = try await time { try await list(sort, token: token) }
                    guard page.products.count == Int(options.pageSize) else {
                        print("rating-bench: page \(deep) of \(name) has \(page.products.count) products")
                        return false
                    }
                    if index >= options.warmup {
                        samples["\(name) page 1", default: []].append(first)
                        samples["\(name) page \(deep)", default: []].append(later)
                    }
                }
            }
            // Random ids of the menu, 1,000 per call (a product id is at most
            // a few more than the count on a fresh bench schema).
            let ids: [Int64] = (1...Int64(max(total, 1000))).shuffled()
            let starts = max(1, ids.count - 1000)
            for index in 0..<(options.warmup + options.calls) {
                let start = (index * 1000) % starts
                let batch = Array(ids[start..<(start + 1000)])
                let (elapsed, response) = try await time {
                    try await ratings.batchGetRatingSummaries(.with { $0.productIds = batch }, options: CallOptions(timeout: .seconds(30)))
                }
                guard response.summaries.count == batch.count else {
                    print("rating-bench: \(response.summaries.count) summaries for \(batch.count) ids")
                    return false
                }
                if index >= options.warmup { samples["BatchGetRatingSummaries x1000", default: []].append(elapsed) }
            }

            print("rating-bench: \(total) products, \(options.calls) calls per row after \(options.warmup) warm-up, "
                + "page_size \(options.pageSize)")
            print(pad("call", 34, left: true) + pad("median_ms", 11) + pad("p95_ms", 11) + pad("p99_ms", 11))
            var medians: [String: Double] = [:]
            for name in samples.keys.sorted() {
                let sorted = samples[name]!.sorted()
                medians[name] = percentile(sorted, 50)
                print(pad(name, 34, left: true) + pad(format(percentile(sorted, 50)), 11)
                    + pad(format(percentile(sorted, 95)), 11) + pad(format(percentile(sorted, 99)), 11))
            }
            var met = true
            for page in ["page 1", "page \(deep)"] {
                let ratio = medians["RATING \(page)"]! / medians["PRICE_ASC \(page)"]!
                let meets = ratio <= 1.5
                met = met && meets
                print(String(format: "sort RATING / PRICE_ASC, %@: %.2fx (target <= 1.5x): %@", page, ratio, meets ? "meets" : "MISSES"))
            }
            let batch = medians["BatchGetRatingSummaries x1000"]!
            met = met && batch <= 10
            print(String(format: "BatchGetRatingSummaries of 1000 ids p50 %.2f ms (target <= 10 ms): %@", batch,
                         batch <= 10 ? "meets" : "MISSES"))
            return met
        } catch {
            print("rating-bench: a call failed: \(error)")
            return false
        }
    }
}
