// analytics-bench: IngestOrderEvents throughput, and whether GetDashboard
// stays as fast when history grows.
//
//   analytics-bench --target 127.0.0.1:50054 [--events 1000000] [--batch 100]
//                   [--concurrency 2] [--dashboard-calls 200] [--token T]
//
// 1. ingests 1,000 events, then times GetDashboard(days: 366) (p50);
// 2. ingests up to --events events in batches of --batch (--concurrency
//    batches at once, as relays would), timing events/s;
// 3. times GetDashboard(days: 366) again; target: p50 at most 2x step 1's.
// Events are the lives of orders over the last year (placed, confirmed,
// preparing, ready; some cancelled), of 500 products, shuffled within
// batches. Exits 1 if a call fails or the target is missed.
import BenchSupport
import Foundation
import RestaurantAPI
import RPC
import SeededRandom
import WellKnownTypes

struct Options {
    var target = "127.0.0.1:50054"
    var events = 1_000_000
    var batch = 100
    var concurrency = 2
    var dashboardCalls = 200
    var token = "bench"

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        func value(_ flag: String) -> String {
            guard let value = iterator.next() else { Self.usage("\(flag) needs a value") }
            return value
        }
        while let argument = iterator.next() {
            switch argument {
            case "--target": target = value(argument)
            case "--events": events = max(1000, Int(value(argument)) ?? 1000)
            case "--batch": batch = min(1000, max(1, Int(value(argument)) ?? 100))
            case "--concurrency": concurrency = max(1, Int(value(argument)) ?? 1)
            case "--dashboard-calls": dashboardCalls = max(1, Int(value(argument)) ?? 1)
            case "--token": token = value(argument)
            case "-h", "--help": Self.usage(nil)
            default: Self.usage("unknown argument \(argument)")
            }
        }
    }

    static func usage(_ problem: String?) -> Never {
        if let problem { FileHandle.standardError.write(Data("analytics-bench: \(problem)\n".utf8)) }
        print("usage: analytics-bench --target HOST:PORT [--events N] [--batch N] [--concurrency N] [--dashboard-calls N] [--token T]")
        exit(problem == nil ? 0 : 2)
    }
}

/// Order histories as events, generated on demand, the same on every run.
struct EventSource {
    private var random = SplitMix64(seed: 20_261_206)
    private var pending: [OrderEvent] = []
    private let now = Date()

    mutating func next(_ count: Int) -> [OrderEvent] {
        while pending.count < count { pending += order() }
        let batch = Array(pending.prefix(count)).shuffled(using: &random)
        pending.removeFirst(count)
        return batch
    }

    private mutating func order() -> [OrderEvent] {
        let id = UUID()
        let created = now.addingTimeInterval(-Double(Int.random(in: 0..<(365 * 86_400), using: &random)))
        let items = (0..<Int.random(in: 1...4, using: &random)).map { line in
            OrderItem.with {
                $0.productId = Int64.random(in: 1...500, using: &random)
                $0.productName = "Dish \($0.productId)"
                $0.quantity = Int32.random(in: 1...3, using: &random)
                $0.unitPriceCents = Int64(500 + line * 100)
                $0.subtotalCents = Int64($0.quantity) * $0.unitPriceCents
            }
        }
        let path: [OrderStatus] = Int.random(in: 0..<10, using: &random) == 0
            ? [.pending, .cancelled] : [.pending, .confirmed, .preparing, .ready]
        return path.enumerated().map { index, status in
            .with {
                $0.eventId = "\(id.uuidString.lowercased())-\(index + 1)"
                $0.type = index == 0 ? .created : .statusChanged
                $0.order = .with {
                    $0.id = id.uuidString.lowercased()
                    $0.orderNumber = "ORD" + id.uuidString.prefix(8)
                    $0.customerId = "bench"
                    $0.status = status
                    $0.items = items
                    $0.totalCents = items.reduce(0) { $0 + $1.subtotalCents }
                    $0.createdAt = Google_Protobuf_Timestamp(created)
                }
                $0.previousStatus = index == 0 ? .unspecified : path[index - 1]
                $0.occurredAt = Google_Protobuf_Timestamp(created.addingTimeInterval(Double(index) * 60))
                $0.sequence = Int64(index + 1)
            }
        }
    }
}

func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1000 + Double(attoseconds) / 1e15
}

@main
struct AnalyticsBench {
    static func main() async {
        let options = Options(CommandLine.arguments)
        do {
            let channel = try RPCChannel(target: options.target)
            defer { channel.close() }
            let client = AnalyticsServiceClient(channel: channel)
            var metadata = Metadata()
            metadata.add("authorization", "Bearer \(options.token)")
            let write = CallOptions(timeout: .seconds(60), metadata: metadata)
            var source = EventSource()

            func ingest(_ count: Int) async throws -> Double {
                let started = ContinuousClock.now
                var remaining = count
                while remaining > 0 {
                    let round = (0..<options.concurrency).compactMap { _ -> [OrderEvent]? in
                        guard remaining > 0 else { return nil }
                        let size = min(options.batch, remaining)
                        remaining -= size
                        return source.next(size)
                    }
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for events in round {
                            group.addTask { _ = try await client.ingestOrderEvents(.with { $0.events = events }, options: write) }
                        }
                        try await group.waitForAll()
                    }
                }
                return Double(count) / (milliseconds(ContinuousClock.now - started) / 1000)
            }

            func dashboardMedian() async throws -> Double {
                var samples: [Double] = []
                for _ in 0..<options.dashboardCalls {
                    let started = ContinuousClock.now
                    _ = try await client.getDashboard(.with { $0.days = 366 }, options: CallOptions(timeout: .seconds(30)))
                    samples.append(milliseconds(ContinuousClock.now - started))
                }
                return percentile(samples.sorted(), 50)
            }

            _ = try await ingest(1000)
            let small = try await dashboardMedian()
            print(String(format: "analytics-bench: GetDashboard(days: 366) after 1000 events: p50 %.2f ms", small))
            let rate = try await ingest(options.events - 1000)
            print(String(format: "analytics-bench: ingested %d events in batches of %d (%d at once): %.0f events/s",
                         options.events - 1000, options.batch, options.concurrency, rate))
            let large = try await dashboardMedian()
            let ratio = large / small
            print(String(format: "analytics-bench: GetDashboard(days: 366) after %d events: p50 %.2f ms; %.2fx (target <= 2x): %@",
                         options.events, large, ratio, ratio <= 2 ? "meets" : "MISSES"))
            print("INGEST_EVENTS_PER_SECOND \(Int(rate))")
            exit(ratio <= 2 ? 0 : 1)
        } catch {
            FileHandle.standardError.write(Data("analytics-bench: \(error)\n".utf8))
            exit(1)
        }
    }
}
