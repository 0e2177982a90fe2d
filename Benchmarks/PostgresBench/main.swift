import Foundation
import Logging
import Postgres
import SeededRandom

/// Point-select throughput through the pool, the same workload as
/// `pgbench -S`: `SELECT abalance FROM pgbench_accounts WHERE aid = $1`
/// with a random aid, from as many concurrent tasks as connections.
///
///     postgres-bench --url URL [--connections 10] [--tasks N] [--seconds 10] [--scale 10]
///                    [--executor poller|global] [--threads 1]
///
/// With `--executor poller` (the default) the tasks prefer the pool's
/// ``PostgresPool/taskExecutor``, so results are handled where they arrive
/// (like pgbench's client threads); `global` runs them on Swift's default
/// executor, one thread hop per statement. `--threads T` splits the
/// connections and tasks over T pools, each with its own poller thread, the
/// way `pgbench -j T` splits its clients over T threads.
/// Prints `tps = <transactions per second>` like pgbench.
struct Options {
    var url = ProcessInfo.processInfo.environment["BENCH_DATABASE_URL"] ?? ""
    var connections = 10
    var tasks: Int?
    var seconds = 10
    var scale = 10
    var onPoller = true
    var threads = 1

    init(arguments: [String]) throws {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { throw UsageError(message: "\(flag) needs a value") }
            switch flag {
            case "--url": url = value
            case "--connections": connections = try Self.integer(flag, value)
            case "--tasks": tasks = try Self.integer(flag, value)
            case "--seconds": seconds = try Self.integer(flag, value)
            case "--scale": scale = try Self.integer(flag, value)
            case "--threads": threads = try Self.integer(flag, value)
            case "--executor":
                guard value == "poller" || value == "global" else { throw UsageError(message: "--executor is poller or global") }
                onPoller = value == "poller"
            default: throw UsageError(message: "unknown option \(flag)")
            }
        }
        guard !url.isEmpty else { throw UsageError(message: "--url (or BENCH_DATABASE_URL) is required") }
    }

    static func integer(_ flag: String, _ value: String) throws -> Int {
        guard let number = Int(value), number > 0 else { throw UsageError(message: "\(flag) needs a positive integer") }
        return number
    }
}

struct UsageError: Error, CustomStringConvertible {
    let message: String
    var description: String {
        "\(message)\nusage: postgres-bench --url URL [--connections 10] [--tasks N] [--seconds 10] [--scale 10] [--executor poller|global] [--threads 1]"
    }
}

/// Runs `tasks` loops of point selects until `end`; returns how many
/// started from `start` on (earlier ones warm up the connections).
func run(pool: PostgresPool, tasks: Int, onPoller: Bool, accounts: Int32,
         from start: ContinuousClock.Instant, until end: ContinuousClock.Instant) async throws -> Int {
    try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<tasks {
            group.addTask(executorPreference: onPoller ? pool.taskExecutor : nil) {
                var count = 0
                var generator = SplitMix64(seed: UInt64.random(in: .min ... .max))
                while true {
                    let now = ContinuousClock.now
                    guard now < end else { break }
                    let aid = Int32.random(in: 1...accounts, using: &generator)
                    let rows = try await pool.query("SELECT abalance FROM pgbench_accounts WHERE aid = \(aid)")
                    _ = try rows[0].decode(Int32.self, at: 0)
                    if now >= start { count += 1 }
                }
                return count
            }
        }
        return try await group.reduce(0, +)
    }
}

let options: Options
do {
    options = try Options(arguments: CommandLine.arguments)
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(2)
}

var logger = Logger(label: "postgres-bench")
logger.logLevel = .warning
let accounts = Int32(options.scale * 100_000)
let tasks = options.tasks ?? options.connections
let pools = try (0..<options.threads).map { index in
    var configuration = PostgresConfiguration(connectionString: options.url, applicationName: "postgres-bench")
    let connections = options.connections / options.threads + (index < options.connections % options.threads ? 1 : 0)
    configuration.minConnections = connections
    configuration.maxConnections = connections
    return try PostgresPool(configuration: configuration, logger: logger)
}

/// Runs the workload on every pool at once, each with its share of tasks,
/// counting what completes between `start` and `end`.
func runAll(from start: ContinuousClock.Instant, until end: ContinuousClock.Instant) async throws -> Int {
    try await withThrowingTaskGroup(of: Int.self) { group in
        for (index, pool) in pools.enumerated() {
            let share = tasks / pools.count + (index < tasks % pools.count ? 1 : 0)
            group.addTask {
                try await run(pool: pool, tasks: share, onPoller: options.onPoller, accounts: accounts, from: start, until: end)
            }
        }
        return try await group.reduce(0, +)
    }
}

// The first second warms up (every connection opened, the statement
// prepared on each) in the same tasks that are then measured: restarting
// them would have other threads wake the pollers, which can move a poller
// away from the CPU its connections' backends run on for the rest of the run.
let started = ContinuousClock.now + .seconds(1)
let count = try await runAll(from: started, until: started + .seconds(options.seconds))
for pool in pools {
    let metrics = pool.metrics()
    print("pool: \(metrics.acquireCount) acquires, acquire wait p50 = \(metrics.acquireWaitP50), p99 = \(metrics.acquireWaitP99)")
    await pool.shutdown()
}
print("transactions: \(count)")
print(String(format: "tps = %.1f", Double(count) / Double(options.seconds)))
