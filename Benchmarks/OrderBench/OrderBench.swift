// order-bench: CreateOrder throughput and latency through the whole path
// (order service → catalog → PostgreSQL, outbox included).
//
//   order-bench --target 127.0.0.1:50052 --products 1,2,3 [--clients 100]
//               [--seconds 30] [--token T] [--wait-ready 120]
//
// Each client places orders of the given products (one unit each) with a
// fresh idempotency key, one after another, for --seconds; prints orders/s,
// p50/p90/p99 latency and the errors by status. Exits 1 if any call fails.
import Foundation
import BenchSupport
import RestaurantAPI
import RPC

struct Options {
    var target = "127.0.0.1:50052"
    var products: [Int64] = []
    var clients = 100
    var seconds = 30
    var token = "bench"
    var waitReady: Int?

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        func value(_ flag: String) -> String {
            guard let value = iterator.next() else { Self.usage("\(flag) needs a value") }
            return value
        }
        while let argument = iterator.next() {
            switch argument {
            case "--target": target = value(argument)
            case "--products": products = value(argument).split(separator: ",").compactMap { Int64($0) }
            case "--clients": clients = max(1, Int(value(argument)) ?? 1)
            case "--seconds": seconds = max(1, Int(value(argument)) ?? 1)
            case "--token": token = value(argument)
            case "--wait-ready": waitReady = Int(value(argument))
            case "-h", "--help": Self.usage(nil)
            default: Self.usage("unknown argument \(argument)")
            }
        }
        if waitReady == nil && products.isEmpty { Self.usage("--products is required") }
    }

    static func usage(_ problem: String?) -> Never {
        if let problem { FileHandle.standardError.write(Data("order-bench: \(problem)\n".utf8)) }
        print("usage: order-bench --target HOST:PORT --products ID,ID,… [--clients N] [--seconds N] [--token T] [--wait-ready SECONDS]")
        exit(problem == nil ? 0 : 2)
    }
}


@main
struct OrderBench {
    static func main() async {
        let options = Options(CommandLine.arguments)
        let channel = openChannel(to: options.target, tool: "order-bench")
        defer { channel.close() }
        if let seconds = options.waitReady {
            await waitUntilServing(channel, service: OrderService.name, seconds: seconds, tool: "order-bench")
            return
        }

        let client = OrderServiceClient(channel: channel)
        var metadata = Metadata()
        metadata.add("authorization", "Bearer \(options.token)")
        let callOptions = CallOptions(timeout: .seconds(30), metadata: metadata)
        let items = options.products.map { id in OrderItemInput.with { $0.productId = id; $0.quantity = 1 } }
        let run = UUID().uuidString.prefix(8)
        let end = ContinuousClock.now + .seconds(options.seconds)
        let started = ContinuousClock.now
        let results = await withTaskGroup(of: ([Double], [String: Int]).self) { group in
            for worker in 0..<options.clients {
                group.addTask {
                    var latencies: [Double] = []
                    var errors: [String: Int] = [:]
                    var index = 0
                    while ContinuousClock.now < end {
                        index += 1
                        let request = CreateOrderRequest.with {
                            $0.customerId = "bench-\(worker)"
                            $0.items = items
                            $0.idempotencyKey = "\(run)-\(worker)-\(index)"
                        }
                        let start = ContinuousClock.now
                        do {
                            _ = try await client.createOrder(request, options: callOptions)
                            let (seconds, attoseconds) = (ContinuousClock.now - start).components
                            latencies.append(Double(seconds) * 1000 + Double(attoseconds) / 1e15)
                        } catch let error as RPCError {
                            errors[error.code.name, default: 0] += 1
                        } catch {
                            errors["\(error)", default: 0] += 1
                        }
                    }
                    return (latencies, errors)
                }
            }
            var latencies: [Double] = []
            var errors: [String: Int] = [:]
            for await (some, failed) in group {
                latencies += some
                errors.merge(failed, uniquingKeysWith: +)
            }
            return (latencies, errors)
        }
        let (wallSeconds, wallAtto) = (ContinuousClock.now - started).components
        let wall = Double(wallSeconds) + Double(wallAtto) / 1e18
        let sorted = results.0.sorted()
        print(String(format: "order-bench: %d CreateOrder (%d items) from %d clients in %.1f s: %.0f orders/s; "
                     + "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms; errors: %d %@",
                     sorted.count, items.count, options.clients, wall, Double(sorted.count) / wall,
                     percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99),
                     results.1.values.reduce(0, +), results.1.description))
        exit(results.1.isEmpty ? 0 : 1)
    }
}
