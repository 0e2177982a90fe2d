import Foundation
import LoopbackPorts
import RestaurantAPI
import RPC
@testable import ServiceKit
import ServiceKitTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct UpstreamTests {
    static let catalog = UpstreamDependency(variable: "CATALOG_ADDR", service: "CatalogService", required: true,
                                            timeout: .milliseconds(300))

    @Test func aRequiredUpstreamWithoutItsAddressStopsTheServiceAtStart() throws {
        let environment = ["DATABASE_URL": "postgresql://u@localhost/db"]
        let error = #expect(throws: ConfigurationError.self) {
            try ServiceConfiguration(service: "rating", defaultPort: 50053, schema: "ratings", upstreams: [Self.catalog],
                                     environment: environment)
        }
        #expect(error?.variable == "CATALOG_ADDR")
        #expect(error?.problem == "is required: the host:port of CatalogService")
        // Optional: absent is fine.
        var optional = Self.catalog
        optional.required = false
        let configuration = try ServiceConfiguration(service: "rating", defaultPort: 50053, schema: "ratings",
                                                     upstreams: [optional], environment: environment)
        #expect(configuration.upstreams.isEmpty)
    }

    @Test func anUnreachableUpstreamIsUnavailableNamingTheService() async throws {
        let refusing = try LoopbackPort(listening: false)
        defer { refusing.close() }
        // Time enough for the refused connection to be noticed on a loaded machine.
        var patient = Self.catalog
        patient.timeout = .seconds(10)
        let upstream = Upstream(dependency: patient,
                                channel: try RPCChannel(target: "127.0.0.1:\(refusing.port)", configuration: testChannelConfiguration()),
                                logger: TestEnvironment.logger("upstream"))
        defer { upstream.close() }
        await expectStatus(.unavailable, "CatalogService is unavailable (UNAVAILABLE); retry later") {
            try await upstream.call { options in
                try await CatalogServiceClient(channel: upstream.channel).getProduct(.with { $0.id = 1 }, options: options)
            }
        }
    }

    @Test func anUpstreamThatNeverAnswersTimesOutAsUnavailableWithinItsTimeout() async throws {
        let silent = try LoopbackPort(listening: true)
        defer { silent.close() }
        let upstream = Upstream(dependency: Self.catalog,
                                channel: try RPCChannel(target: "127.0.0.1:\(silent.port)", configuration: testChannelConfiguration()),
                                logger: TestEnvironment.logger("upstream"))
        defer { upstream.close() }
        let started = ContinuousClock.now
        await expectStatus(.unavailable, "CatalogService is unavailable (DEADLINE_EXCEEDED); retry later") {
            try await upstream.call { options in
                try await CatalogServiceClient(channel: upstream.channel).getProduct(.with { $0.id = 1 }, options: options)
            }
        }
        #expect(ContinuousClock.now - started < .seconds(2))
        // The caller's own deadline, when it is the one that passed, says so.
        await expectStatus(.deadlineExceeded, "the deadline passed while waiting for CatalogService") {
            try await RPCDeadline.$current.withValue(ContinuousClock.now + .milliseconds(100)) {
                try await upstream.call { options in
                    try await CatalogServiceClient(channel: upstream.channel).getProduct(.with { $0.id = 1 }, options: options)
                }
            }
        }
    }

    @Test func answersOtherThanFailuresToReachComeBackUnchanged() async throws {
        let refusing = try LoopbackPort(listening: false)
        defer { refusing.close() }
        let upstream = Upstream(dependency: Self.catalog,
                                channel: try RPCChannel(target: "127.0.0.1:\(refusing.port)", configuration: testChannelConfiguration()),
                                logger: TestEnvironment.logger("upstream"))
        defer { upstream.close() }
        await expectStatus(.notFound, "product 9 not found") {
            try await upstream.call { _ -> Int in throw RPCError(.notFound, "product 9 not found") }
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct UpstreamRequestIDTests {
    @Test func callsMadeWhileHandlingARequestCarryItsRequestID() async throws {
        let ratings = RatingServer()
        try await ratings.serve { target in
            let dependency = UpstreamDependency(variable: "RATING_ADDR", service: "RatingService", required: true)
            let definition = ServiceDefinition(name: "test", grpcServiceName: "test.Test", defaultPort: 1, schema: "test",
                                               migrations: URL(fileURLWithPath: "/nonexistent"),
                                               upstreams: [dependency]) { _ in [] }
            let configuration = try ServiceConfiguration(
                service: "test", defaultPort: 1, schema: "test", upstreams: [dependency],
                environment: ["DATABASE_URL": "postgresql://u@localhost/db", "RATING_ADDR": target])
            let metrics = MetricsRegistry(service: "test")
            let upstreams = try ServiceRunner.upstreams(definition, configuration, logger: TestEnvironment.logger("kit"),
                                                        metrics: metrics, channel: testChannelConfiguration())
            let upstream = try #require(upstreams["RATING_ADDR"])
            defer { upstream.close() }
            let client = RatingServiceClient(channel: upstream.channel)
            let request = BatchGetRatingSummariesRequest.with { $0.productIds = [1] }
            try await RequestID.$current.withValue("trace-42") {
                _ = try await upstream.call { try await client.batchGetRatingSummaries(request, options: $0) }
            }
            _ = try await upstream.call { try await client.batchGetRatingSummaries(request, options: $0) }
            #expect(ratings.requestIDs == ["trace-42", nil])
            // Both calls are in the client metrics of the service that made them.
            let labels = "service=\"test\",grpc_type=\"unary\",grpc_service=\"restaurant.rating.v1.RatingService\""
                + ",grpc_method=\"BatchGetRatingSummaries\""
            let scraped = metrics.render()
            #expect(scraped.contains("grpc_client_started_total{\(labels)} 2\n"), "\(scraped)")
            #expect(scraped.contains("grpc_client_handled_total{\(labels),grpc_code=\"OK\"} 2\n"), "\(scraped)")
            #expect(scraped.contains("grpc_client_handling_seconds_count{\(labels)} 2\n"), "\(scraped)")
        }
    }
}
