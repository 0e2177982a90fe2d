import Foundation
import RestaurantAPI
import RPC
import ServiceKitTesting
import Testing

/// Distributed tracing across real processes, exported over OTLP/HTTP to a
/// real receiver (Tests/python/otlp_receiver.py, on opentelemetry-proto).
@Suite("Traces across services", .timeLimit(.minutes(3)))
struct TracingTests {
    /// One exported span, as the receiver writes it.
    struct ExportedSpan: Decodable {
        let service: String
        let trace_id: String
        let span_id: String
        let parent_span_id: String
        let name: String
        let kind: Int
        let attributes: [String: AttributeValue]

        static let server = 2, client = 3, producer = 4
    }

    /// Attribute values are strings, integers, doubles or booleans.
    struct AttributeValue: Decodable, CustomStringConvertible {
        let description: String

        init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if let text = try? value.decode(String.self) {
                description = text
            } else if let number = try? value.decode(Int.self) {
                description = String(number)
            } else if let number = try? value.decode(Double.self) {
                description = String(number)
            } else {
                description = String(try value.decode(Bool.self))
            }
        }
    }

    /// The receiver, running until `body` returns; `body` gets its port and
    /// a reader of the spans received so far.
    static func withReceiver<T>(_ body: (Int, () -> [ExportedSpan]) async throws -> T) async throws -> T {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let python = root.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw TestEnvironment.Missing(what: "\(python.path) is missing: run `bash scripts/python-env.sh` first")
        }
        let spansFile = FileManager.default.temporaryDirectory.appendingPathComponent("spans-\(UUID().uuidString).jsonl")
        _ = FileManager.default.createFile(atPath: spansFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: spansFile) }
        let receiver = Process()
        receiver.executableURL = python
        receiver.arguments = [root.appendingPathComponent("Tests/python/otlp_receiver.py").path, spansFile.path]
        let output = Pipe()
        receiver.standardOutput = output
        try receiver.run()
        defer {
            // SIGKILL: a signal the test process ignores is ignored by its children too.
            kill(receiver.processIdentifier, SIGKILL)
            receiver.waitUntilExit()
        }
        var announced = Data()
        let deadline = ContinuousClock.now + .seconds(30)
        while !announced.contains(UInt8(ascii: "\n")), receiver.isRunning, ContinuousClock.now < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { try await Task.sleep(for: .milliseconds(50)) } else { announced += chunk }
        }
        guard let line = String(data: announced, encoding: .utf8), line.hasPrefix("READY "),
            let port = Int(line.dropFirst(6).trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw TestEnvironment.Missing(what: "the OTLP receiver did not start") }
        return try await body(port) {
            let text = (try? String(contentsOf: spansFile, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(ExportedSpan.self, from: Data($0.utf8)) }
        }
    }

    @Test("RateProduct: the caller's trace holds the rating server span, its client span to the catalog, the catalog's server span and its SQL spans, parented in that order, and the outbox delivery after; no span holds a bound value")
    func oneTraceAcrossTheRatingAndCatalogServices() async throws {
        try await Self.withReceiver { port, spans in
            let tracing: @Sendable (ProcessStack) -> [String: String] = { _ in
                ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(port)", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
                 "OTEL_BSP_SCHEDULE_DELAY": "100", "LOG_LEVEL": "info"]
            }
            let members = [
                ProcessStack.Member(name: "catalog", product: "catalog-service", role: "catalog", grpcService: CatalogService.name,
                                    environment: tracing),
                ProcessStack.Member(name: "rating", product: "rating-service", role: "rating", grpcService: RatingService.name) { stack in
                    tracing(stack).merging(["CATALOG_ADDR": stack.address("catalog")]) { $1 }
                },
            ]
            try await ProcessStack.with(members) { stack in
                let catalog = CatalogServiceClient(channel: stack.channel("catalog"))
                let category = try await catalog.createCategory(.with { $0.name = "Soups" }, options: ProcessStack.auth)
                let product = try await catalog.createProduct(.with {
                    $0.categoryId = category.id
                    $0.name = "Soup"
                    $0.priceCents = 700
                }, options: ProcessStack.auth)

                // The caller's own trace context, as restaurantctl -v sends it.
                let traceID = "4bf92f3577b34da6a3ce929d0e0e4736", callerSpan = "00f067aa0ba902b7"
                var options = ProcessStack.auth
                options.metadata.add("traceparent", "00-\(traceID)-\(callerSpan)-01")
                let secretUser = "user-5e3a9c", secretReview = "review-text-71b2"
                _ = try await RatingServiceClient(channel: stack.channel("rating")).rateProduct(.with {
                    $0.productId = product.id
                    $0.userId = secretUser
                    $0.stars = 4
                    $0.review = secretReview
                }, options: options)

                func trace() -> [ExportedSpan] { spans().filter { $0.trace_id == traceID } }
                // Each process exports its own batches, so wait for the spans of both.
                let complete = await eventually(timeout: .seconds(20), interval: .milliseconds(100)) {
                    let spans = trace()
                    return spans.contains { $0.service == "catalog-service" && $0.attributes["db.system"]?.description == "postgresql" }
                        && spans.contains { $0.service == "catalog-service" && $0.name.hasSuffix("CatalogService/GetProduct") }
                        && spans.contains { $0.service == "rating-service" && $0.name.hasSuffix("RatingService/RateProduct") }
                }
                let received = trace()
                #expect(complete, "spans of the trace: \(received.map { "\($0.service) \($0.name)" })")

                let ratingServer = try #require(received.first {
                    $0.service == "rating-service" && $0.kind == ExportedSpan.server && $0.name.hasSuffix("RatingService/RateProduct")
                })
                #expect(ratingServer.parent_span_id == callerSpan)
                let toCatalog = try #require(received.first {
                    $0.service == "rating-service" && $0.kind == ExportedSpan.client && $0.parent_span_id == ratingServer.span_id
                })
                #expect(toCatalog.name == "restaurant.catalog.v1.CatalogService/GetProduct")
                let catalogServer = try #require(received.first {
                    $0.service == "catalog-service" && $0.kind == ExportedSpan.server && $0.parent_span_id == toCatalog.span_id
                })
                #expect(catalogServer.name == "restaurant.catalog.v1.CatalogService/GetProduct")
                #expect(catalogServer.attributes["rpc.grpc.status_code"]?.description == "0")
                let catalogSQL = received.filter { $0.service == "catalog-service" && $0.parent_span_id == catalogServer.span_id }
                #expect(!catalogSQL.isEmpty && catalogSQL.allSatisfy { $0.attributes["db.system"]?.description == "postgresql" })
                #expect(catalogSQL.contains { $0.name == "SELECT" && $0.attributes["db.statement"]?.description.contains("$1") == true })
                // The rating service's own statements are children of its server span.
                #expect(received.contains {
                    $0.service == "rating-service" && $0.parent_span_id == ratingServer.span_id
                        && $0.attributes["db.system"]?.description == "postgresql"
                })
                // The rating's outbox delivers the new summary to the catalog in the same trace.
                let delivered = await eventually(timeout: .seconds(20), interval: .milliseconds(100)) {
                    let spans = trace()
                    return spans.contains { $0.service == "catalog-service" && $0.name.hasSuffix("CatalogService/UpdateProductRatings") }
                        && spans.contains { $0.service == "rating-service" && $0.name.hasSuffix("CatalogService/UpdateProductRatings") }
                        && spans.contains { $0.service == "rating-service" && $0.name.hasPrefix("outbox deliver ") }
                }
                let withDelivery = trace()
                #expect(delivered, "spans of the trace: \(withDelivery.map { "\($0.service) \($0.name)" })")
                let delivery = try #require(withDelivery.first { $0.service == "rating-service" && $0.name.hasPrefix("outbox deliver ") })
                #expect(delivery.kind == ExportedSpan.producer)
                let update = try #require(withDelivery.first {
                    $0.service == "rating-service" && $0.kind == ExportedSpan.client && $0.parent_span_id == delivery.span_id
                })
                #expect(update.name == "restaurant.catalog.v1.CatalogService/UpdateProductRatings")
                #expect(withDelivery.contains {
                    $0.service == "catalog-service" && $0.kind == ExportedSpan.server && $0.parent_span_id == update.span_id
                })
                // Values are bound, never written into spans (every span exported so far).
                let leaked = spans().filter { span in
                    span.attributes.values.contains { $0.description.contains(secretUser) || $0.description.contains(secretReview) }
                }
                #expect(leaked.isEmpty, "\(leaked.map(\.name))")
                // Log lines carry the trace id next to the request id.
                #expect(stack.output("rating").contains("trace_id=\(traceID)"), "\(stack.output("rating"))")
            }
        }
    }
}
