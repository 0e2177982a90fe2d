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
                // Load runs across the whole outage.
                let load = Task {
                    var successes = 0
                    var failures = 0
                    while !Task.isCancelled {
                        do {
                            _ = try await pool.query("SELECT 1")
                            successes += 1
                        } catch let error as PostgresError {
                            #expect(error.code == .connectionLost)
                            failures += 1
                            try? await Task.sleep(for: .milliseconds(20))
                        } catch is CancellationError {
                            break  // the load is being stopped
                        } catch {
                            Issue.record(error)
                        }
                    }
                    return (successes, failures)
                }
                try await Task.sleep(for: .milliseconds(200))
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
                load.cancel()
                let (successes, failures) = await load.value
                #expect(successes > 0 && failures > 0)
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
