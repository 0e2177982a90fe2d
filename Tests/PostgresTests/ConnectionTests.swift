import Foundation
import Postgres
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension PostgresTests {
    @Suite struct Connections {
        @Test func aKeywordValueConnectionStringWorksLikeAURL() async throws {
            let url = try #require(URLComponents(string: try TestDatabase.catalogURL()))
            let keywords = [
                "host=\(url.host ?? "")",
                "port=\(url.port ?? 5432)",
                "dbname=\(url.path.dropFirst())",
                "user=\(url.user ?? "")",
                "password=\(url.password ?? "")",
            ].joined(separator: " ")
            try await TestDatabase.withPool(try TestDatabase.configuration(url: keywords)) { pool in
                let rows = try await pool.query("SELECT current_user::text")
                #expect(try rows[0].decode(String.self, at: 0) == "catalog")
            }
        }

        @Test func aServerThatNeverAnswersHitsTheConnectTimeout() async throws {
            let listener = try SilentListener()
            defer { listener.close() }
            var configuration = try TestDatabase.configuration(url: "postgresql://nobody:x@127.0.0.1:\(listener.port)/db")
            configuration.connectTimeout = .seconds(2)
            configuration.acquireTimeout = .seconds(60)
            try await TestDatabase.withPool(configuration) { pool in
                let started = ContinuousClock.now
                let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
                #expect(error?.code == .connectionLost)
                let waited = ContinuousClock.now - started
                #expect(waited >= .seconds(1) && waited < .seconds(30), "waited \(waited)")
                #expect(pool.metrics().connectionFailures >= 1)
            }
        }
    }
}

/// A loopback TCP listener whose connections the kernel accepts but nobody
/// ever answers, like a server that hangs during the handshake.
struct SilentListener {
    let descriptor: Int32
    let port: Int

    struct Failure: Error {}

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && listen(descriptor, 16) == 0
                    && getsockname(descriptor, address, &length) == 0
            }
        }
        guard descriptor >= 0, bound else { throw Failure() }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        _ = Glibc.close(descriptor)
    }
}
