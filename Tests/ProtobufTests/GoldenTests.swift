import Foundation
import Protobuf
import RestaurantAPI
import Testing
import WellKnownTypes

/// A message whose encoding is compared with Python protobuf's.
struct Golden: Sendable {
    /// File name in Tests/python/golden.py's output (`<name>.bin`).
    let name: String
    let message: any ProtobufMessage
    /// False where the encoding may legitimately differ (map entries have no
    /// fixed order, and protobuf-c leaves a zero key or value out of an
    /// entry while Python writes it): then only decoded values are compared.
    let sameBytes: Bool

    init(_ name: String, _ message: some ProtobufMessage, sameBytes: Bool = true) {
        self.name = name
        self.message = message
        self.sameBytes = sameBytes
    }
}

/// Mirrored value for value by `GOLDEN` in Tests/python/golden.py.
let goldenMessages: [Golden] = [
    Golden("product", Fixtures.product),
    Golden("order", Fixtures.order),
    Golden("daily_report", Fixtures.dailyReport),
    Golden("get_order_request_id", Fixtures.getOrderRequestID),
    Golden("get_order_request_order_number", Fixtures.getOrderRequestOrderNumber),
    Golden("get_order_request_empty_id", Fixtures.getOrderRequestEmptyID),
    Golden("get_order_request_unset", GetOrderRequest()),
    Golden("rating_summary", Fixtures.ratingSummary, sameBytes: false),
    Golden("batch_get_rating_summaries_response", Fixtures.batchGetRatingSummariesResponse, sameBytes: false),
    Golden("create_product_request", Fixtures.createProductRequest),
    Golden("list_products_request", Fixtures.listProductsRequest),
    Golden("import_products_response", Fixtures.importProductsResponse),
    Golden("update_product_request", Fixtures.updateProductRequest),
    Golden("menu_event", Fixtures.menuEvent),
    Golden("list_orders_request", Fixtures.listOrdersRequest),
    Golden("ingest_order_events_request", Fixtures.ingestOrderEventsRequest),
    Golden("get_dashboard_response", Fixtures.getDashboardResponse),
    Golden("list_product_performance_response", Fixtures.listProductPerformanceResponse),
]

/// Runs Tests/python/golden.py with the repository's .venv.
enum GoldenPython {
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = repoRoot.appendingPathComponent(".venv/bin/python")
    static let script = repoRoot.appendingPathComponent("Tests/python/golden.py")

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// nil (with an issue recorded) when the Python environment is missing.
    static func run(_ arguments: [String]) throws -> Output? {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            Issue.record("""
                \(python.path) is missing: run `bash scripts/python-env.sh` (it creates .venv with \
                protobuf and generates the Python modules) and rerun these tests
                """)
            return nil
        }
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path] + arguments
        process.currentDirectoryURL = repoRoot
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus,
                      stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("protobuf-golden-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

@Suite("Golden bytes against Python protobuf", .timeLimit(.minutes(2)))
struct GoldenTests {
    @Test("our encoding equals Python's, and we decode Python's bytes to the same values")
    func ourBytesMatchPython() throws {
        let directory = try GoldenPython.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        guard let output = try GoldenPython.run(["write", directory.path]) else { return }
        try #require(output.status == 0, "golden.py write failed (\(output.status)): \(output.stderr)")

        let pythonNames = output.stdout.split(separator: "\n").map(String.init)
        #expect(Set(pythonNames) == Set(goldenMessages.map(\.name)),
                "golden.py and goldenMessages list different messages")

        for golden in goldenMessages {
            let pythonBytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(golden.name + ".bin")))
            let ours = try golden.message.serializedBytes()
            if golden.sameBytes {
                #expect(ours == pythonBytes, "\(golden.name): ours \(hex(ours)) != python \(hex(pythonBytes))")
            } else {
                #expect(!ours.isEmpty, "\(golden.name) encodes to nothing")
            }
            #expect(try Self.decodes(pythonBytes, to: golden.message),
                    "\(golden.name): python's bytes decode to something else")
        }
    }

    @Test("Python parses our bytes to the same values")
    func pythonParsesOurBytes() throws {
        let directory = try GoldenPython.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for golden in goldenMessages {
            try Data(golden.message.serializedBytes())
                .write(to: directory.appendingPathComponent(golden.name + ".swift.bin"))
        }
        guard let output = try GoldenPython.run(["check", directory.path]) else { return }
        let lines = output.stdout.split(separator: "\n").map(String.init)
        for line in lines where !line.hasPrefix("OK ") {
            Issue.record("golden.py check: \(line)")
        }
        #expect(Set(lines.filter { $0.hasPrefix("OK ") }.map { String($0.dropFirst(3)) })
                == Set(goldenMessages.map(\.name)))
        #expect(output.status == 0, "golden.py check exited \(output.status): \(output.stderr)")
    }

    private static func decodes<M: ProtobufMessage>(_ bytes: [UInt8], to expected: M) throws -> Bool {
        try M(serializedBytes: bytes) == expected
    }

    /// Python (like C++ and Java protobuf) writes a proto3 double that is
    /// -0.0, because only +0.0 is the default; protobuf-c 1.4.1's
    /// `field_is_zeroish` compares the value (`0 == -0.0`) and leaves it out.
    /// Harmless for this contract (no field means anything by -0.0), and
    /// flagged here so a protobuf-c that fixes it is noticed.
    @Test("-0.0 in a proto3 double: decoded with its sign, but not written")
    func negativeZero() throws {
        let python: [UInt8] = [0x08, 0x01, 0x31, 0, 0, 0, 0, 0, 0, 0, 0x80]  // golden.py: product_id=1, popularity_score=-0.0
        let decoded = try ProductPerformance(serializedBytes: python)
        #expect(decoded.productId == 1)
        #expect(decoded.popularityScore == 0 && decoded.popularityScore.sign == .minus)
        let ours = try ProductPerformance.with { $0.productId = 1; $0.popularityScore = -0.0 }.serializedBytes()
        withKnownIssue("protobuf-c skips a -0.0 double in proto3 fields") {
            #expect(ours == python)
        }
        #expect(ours == [0x08, 0x01])
    }
}
