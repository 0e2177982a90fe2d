import Foundation
import Postgres
import Testing

extension PostgresTests {
    @Suite struct Notifications {
        @Test func notificationsReachEverySubscriberAndSurviveABackendTermination() async throws {
            let configuration = try TestDatabase.configuration()
            let listenerApplication = configuration.applicationName + "-listener"
            try await TestDatabase.withAdmin { admin in
                try await TestDatabase.withPool(configuration) { pool in
                    let channel = "menu changes \(UUID().uuidString.prefix(6))"  // needs quoting
                    let first = try await pool.listen(channel: channel)
                    let second = try await pool.listen(channel: channel)
                    try await pool.notify(channel: channel, payload: "it's 'quoted' \\ ü")

                    var firstIterator = first.makeAsyncIterator()
                    var secondIterator = second.makeAsyncIterator()
                    let one = await firstIterator.next()
                    let two = await secondIterator.next()
                    #expect(one?.channel == channel && one?.payload == "it's 'quoted' \\ ü")
                    #expect(two?.payload == "it's 'quoted' \\ ü")

                    // The listener connection is not part of the pool's budget.
                    #expect(try await TestDatabase.serverConnectionCount(admin, applicationName: listenerApplication) == 1)
                    #expect(try await TestDatabase.terminateBackends(admin, applicationName: listenerApplication) == 1)

                    // Keep notifying until the re-established LISTEN delivers.
                    let sender = Task {
                        for attempt in 0..<600 {
                            try await pool.notify(channel: channel, payload: "after \(attempt)")
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                    var delivered: PostgresNotification?
                    while let next = await firstIterator.next() {
                        if next.payload.hasPrefix("after") {
                            delivered = next
                            break
                        }
                    }
                    sender.cancel()
                    #expect(delivered != nil)
                    #expect(try await TestDatabase.serverConnectionCount(admin, applicationName: listenerApplication) == 1)
                }
            }
        }
    }
}
