import Foundation
import LoopbackPorts
import RestaurantAPI
import RPC
import ServiceKitTesting
import Testing

@Suite("RateProduct when the catalog cannot answer", .timeLimit(.minutes(2)))
struct UpstreamFailureTests {
    @Test("Catalog down: UNAVAILABLE naming it, nothing written")
    func catalogDown() async throws {
        let refusing = try LoopbackPort(listening: false)
        defer { refusing.close() }
        try await RatingHarness.with(catalogTarget: "127.0.0.1:\(refusing.port)") { harness in
            await expectStatus(.unavailable, "CatalogService is unavailable (UNAVAILABLE); retry later") {
                try await harness.rate(1, "ada", stars: 5)
            }
            let stored = try await harness.storedRatings()
            #expect(stored == 0)
            #expect(try await harness.summary(1).count == 0)
        }
    }

    @Test("Catalog hangs: UNAVAILABLE within the upstream timeout; a shorter caller deadline is DEADLINE_EXCEEDED")
    func catalogHangs() async throws {
        let silent = try LoopbackPort(listening: true)
        defer { silent.close() }
        try await RatingHarness.with(catalogTarget: "127.0.0.1:\(silent.port)") { harness in
            let started = ContinuousClock.now
            await expectStatus(.unavailable, "CatalogService is unavailable (DEADLINE_EXCEEDED); retry later") {
                try await harness.rate(1, "ada", stars: 5)
            }
            #expect(ContinuousClock.now - started < .seconds(5))
            var short = RatingHarness.auth
            short.timeout = .milliseconds(300)
            await expectStatus(.deadlineExceeded) {
                try await harness.ratings.rateProduct(.with {
                    $0.productId = 1
                    $0.userId = "ada"
                    $0.stars = 5
                }, options: short)
            }
            let stored = try await harness.storedRatings()
            #expect(stored == 0)
        }
    }
}
