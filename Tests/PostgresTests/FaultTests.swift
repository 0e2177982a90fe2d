import Foundation
import Postgres
import Testing

extension PostgresTests {
    /// Stops and restarts the private cluster; needs the harness's own
    /// cluster (not an external DATABASE_URL server).
    @Suite(.enabled(if: TestDatabase.ownsCluster, "needs the private cluster of scripts/postgres.sh"))
    struct Faults {
        @Test func thePoolFailsFastWhileTheServerIsDownAndRecoversAfter() async throws {
            var configuration = try TestDatabase.configuration()
            configuration.minConnections = 2
            configuration.maxConnections = 5
            configuration.acquireTimeout = .seconds(30)
            configuration.maxReconnectDelay = .milliseconds(500)
            let application = configuration.applicationName
            try await TestDatabase.withPool(configuration) { pool in
                #expect(try await TestDatabase.eventually { pool.metrics().idleConnections == 2 })
                // Load from 8 concurrent clients (more than the pool's 5
                // connections, so some wait) runs across the whole outage.
                let successes = Counter(), failures = Counter()
                let load = Task {
                    await withTaskGroup(of: Void.self) { group in
                        for _ in 0..<8 {
                            group.addTask {
                                while !Task.isCancelled {
                                    do {
                                        _ = try await pool.query("SELECT 1")
                                        successes.increment()
                                    } catch let error as PostgresError {
                                        #expect(error.code == .connectionLost, "\(error)")
                                        failures.increment()
                                        try? await Task.sleep(for: .milliseconds(20))
                                    } catch is CancellationError {
                                        break  // the load is being stopped
                                    } catch {
                                        Issue.record(error)
                                    }
                                }
                            }
                        }
                    }
                }
                // Stop the server only once the load is flowing.
                #expect(try await TestDatabase.eventually { successes.value >= 8 })
                try TestDatabase.harness("stop")
                defer { try? TestDatabase.harness("start") }

                // While it is down, requests fail fast with connectionLost.
                for _ in 0..<5 {
                    let started = ContinuousClock.now
                    let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
                    #expect(error?.code == .connectionLost)
                    #expect(ContinuousClock.now - started < .seconds(10))
                }

                try TestDatabase.harness("start")
                #expect(try await TestDatabase.eventually(timeout: .seconds(60)) {
                    (try? await pool.query("SELECT 1")) != nil
                })
                // A restart while loaded: recovers by itself again.
                try TestDatabase.harness("restart")
                #expect(try await TestDatabase.eventually(timeout: .seconds(60)) {
                    (try? await pool.query("SELECT 1")) != nil
                })
                let beforeStop = successes.value
                #expect(try await TestDatabase.eventually { successes.value > beforeStop + 8 }, "the load did not recover")
                load.cancel()
                await load.value
                #expect(failures.value > 0)
                let metrics = pool.metrics()
                #expect(metrics.inUseConnections == 0 && metrics.totalConnections <= 5)
                let serverCount = try await TestDatabase.withAdmin { admin in
                    try await TestDatabase.serverConnectionCount(admin, applicationName: application)
                }
                #expect(serverCount <= 5)
            }
        }
    }
}
