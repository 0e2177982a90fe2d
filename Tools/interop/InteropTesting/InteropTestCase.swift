import Foundation
import GRPCProtos
import RPC

/// The client side of grpc's interop test cases (doc/interop-test-descriptions.md),
/// plus `concurrent_large_unary`: 1000 large unary calls at once on one channel.
public enum InteropTestCase: String, CaseIterable, Sendable {
    case emptyUnary = "empty_unary"
    case largeUnary = "large_unary"
    case clientCompressedUnary = "client_compressed_unary"
    case serverCompressedUnary = "server_compressed_unary"
    case clientStreaming = "client_streaming"
    case clientCompressedStreaming = "client_compressed_streaming"
    case serverStreaming = "server_streaming"
    case serverCompressedStreaming = "server_compressed_streaming"
    case pingPong = "ping_pong"
    case emptyStream = "empty_stream"
    case customMetadata = "custom_metadata"
    case statusCodeAndMessage = "status_code_and_message"
    case specialStatusMessage = "special_status_message"
    case unimplementedMethod = "unimplemented_method"
    case unimplementedService = "unimplemented_service"
    case cancelAfterBegin = "cancel_after_begin"
    case cancelAfterFirstResponse = "cancel_after_first_response"
    case timeoutOnSleepingServer = "timeout_on_sleeping_server"
    case concurrentLargeUnary = "concurrent_large_unary"

    /// Runs the case against `channel`; throws ``InteropFailure`` (or the
    /// call's error) when the server does not behave as specified.
    public func run(on channel: RPCChannel) async throws {
        let client = Grpc_Testing_TestServiceClient(channel: channel)
        switch self {
        case .emptyUnary:
            let response = try await client.emptyCall(Grpc_Testing_Empty())
            try check(try response.serializedBytes().isEmpty, "the response Empty is not empty")
        case .largeUnary:
            let response = try await client.unaryCall(Self.largeRequest())
            try checkPayload(response.payload, size: 314_159)
        case .clientCompressedUnary:
            var probe = Self.largeRequest()
            probe.expectCompressed = .with { $0.value = true }
            try await expectStatus(.invalidArgument, "the probe (expect_compressed, sent uncompressed)") {
                _ = try await client.unaryCall(probe)
            }
            let compressed = try await client.unaryCall(probe, options: CallOptions(compression: .gzip))
            try checkPayload(compressed.payload, size: 314_159)
            var plain = Self.largeRequest()
            plain.expectCompressed = .with { $0.value = false }
            let uncompressed = try await client.unaryCall(plain)
            try checkPayload(uncompressed.payload, size: 314_159)
        case .serverCompressedUnary:
            for compressed in [true, false] {
                var request = Self.largeRequest()
                request.responseCompressed = .with { $0.value = compressed }
                let response = try await client.unaryCall(request)
                try checkPayload(response.payload, size: 314_159)
            }
        case .clientStreaming:
            let response = try await client.streamingInputCall { writer in
                for size in [27_182, 8, 1_828, 45_904] {
                    try await writer.write(.with { $0.payload = .zeros(size) })
                }
            }
            try check(response.aggregatedPayloadSize == 74_922, "aggregated size \(response.aggregatedPayloadSize), want 74922")
        case .clientCompressedStreaming:
            try await expectStatus(.invalidArgument, "the probe (expect_compressed, sent uncompressed)") {
                _ = try await client.streamingInputCall { writer in
                    try await writer.write(.with {
                        $0.expectCompressed = .with { $0.value = true }
                        $0.payload = .zeros(27_182)
                    })
                }
            }
            let response = try await client.streamingInputCall(options: CallOptions(compression: .gzip)) { writer in
                try await writer.write(.with {
                    $0.expectCompressed = .with { $0.value = true }
                    $0.payload = .zeros(27_182)
                })
            }
            try check(response.aggregatedPayloadSize == 27_182, "aggregated size \(response.aggregatedPayloadSize), want 27182")
        case .serverStreaming:
            try await streamSizes(client, sizes: [31_415, 9, 2_653, 58_979], compressed: nil)
        case .serverCompressedStreaming:
            try await streamSizes(client, sizes: [31_415, 92_653], compressed: [true, false])
        case .pingPong:
            let steps = [(31_415, 27_182), (9, 8), (2_653, 1_828), (58_979, 45_904)]
            try await client.fullDuplexCall { requests, responses in
                var iterator = responses.makeAsyncIterator()
                for (index, (responseSize, requestSize)) in steps.enumerated() {
                    try await requests.write(.with {
                        $0.responseType = .compressable
                        $0.responseParameters = [.with { $0.size = Int32(responseSize) }]
                        $0.payload = .zeros(requestSize)
                    })
                    guard let response = try await iterator.next() else {
                        throw InteropFailure("the stream ended after \(index) responses, want 4")
                    }
                    try checkPayload(response.payload, size: responseSize)
                }
                requests.finish()
                try check(try await iterator.next() == nil, "a response arrived after the 4th")
            }
        case .emptyStream:
            let count = try await client.fullDuplexCall { requests, responses in
                requests.finish()
                var count = 0
                for try await _ in responses { count += 1 }
                return count
            }
            try check(count == 0, "\(count) responses, want 0")
        case .customMetadata:
            try await customMetadata(client, channel: channel)
        case .statusCodeAndMessage:
            try await echoStatus(client, message: "test status message", duplex: true)
        case .specialStatusMessage:
            try await echoStatus(client, message: "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n", duplex: false)
        case .unimplementedMethod:
            try await expectStatus(.unimplemented, "UnimplementedCall") {
                _ = try await client.unimplementedCall(Grpc_Testing_Empty())
            }
        case .unimplementedService:
            try await expectStatus(.unimplemented, "UnimplementedService/UnimplementedCall") {
                _ = try await Grpc_Testing_UnimplementedServiceClient(channel: channel).unimplementedCall(Grpc_Testing_Empty())
            }
        case .cancelAfterBegin:
            let call = Task {
                try await client.streamingInputCall { _ in
                    try await Task.sleep(for: .seconds(30))
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            call.cancel()
            try await expectStatus(.cancelled, "the cancelled call") { _ = try await call.value }
        case .cancelAfterFirstResponse:
            // The call runs in a task of its own: cancelling it must not
            // cancel whoever runs the test cases.
            let call = Task {
                try await client.fullDuplexCall { requests, responses in
                    try await requests.write(.with {
                        $0.responseType = .compressable
                        $0.responseParameters = [.with { $0.size = 31_415 }]
                        $0.payload = .zeros(27_182)
                    })
                    var iterator = responses.makeAsyncIterator()
                    guard let first = try await iterator.next() else { throw InteropFailure("no first response") }
                    try checkPayload(first.payload, size: 31_415)
                    withUnsafeCurrentTask { $0?.cancel() }
                    _ = try await iterator.next()
                }
            }
            try await expectStatus(.cancelled, "the call cancelled after its first response") { try await call.value }
        case .timeoutOnSleepingServer:
            try await expectStatus(.deadlineExceeded, "the call with a 1 ms deadline") {
                try await client.fullDuplexCall(options: CallOptions(timeout: .milliseconds(1))) { requests, responses in
                    try await requests.write(.with { $0.payload = .zeros(27_182) })
                    for try await _ in responses {}
                }
            }
        case .concurrentLargeUnary:
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<1000 {
                    group.addTask {
                        let response = try await client.unaryCall(Self.largeRequest())
                        try checkPayload(response.payload, size: 314_159)
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    private static func largeRequest() -> Grpc_Testing_SimpleRequest {
        .with {
            $0.responseType = .compressable
            $0.responseSize = 314_159
            $0.payload = .zeros(271_828)
        }
    }

    private func streamSizes(_ client: Grpc_Testing_TestServiceClient, sizes: [Int], compressed: [Bool]?) async throws {
        let request = Grpc_Testing_StreamingOutputCallRequest.with { request in
            request.responseType = .compressable
            request.responseParameters = sizes.enumerated().map { index, size in
                .with {
                    $0.size = Int32(size)
                    if let compressed { $0.compressed = .with { $0.value = compressed[index] } }
                }
            }
        }
        var received: [Int] = []
        for try await response in client.streamingOutputCall(request) {
            try checkPayload(response.payload, size: sizes[min(received.count, sizes.count - 1)])
            received.append(response.payload?.body.count ?? 0)
        }
        try check(received == sizes, "response sizes \(received), want \(sizes)")
    }

    private func customMetadata(_ client: Grpc_Testing_TestServiceClient, channel: RPCChannel) async throws {
        var metadata = Metadata()
        metadata.add("x-grpc-test-echo-initial", "test_initial_metadata_value")
        metadata.add("x-grpc-test-echo-trailing-bin", binary: [0xAB, 0xAB, 0xAB])
        let options = CallOptions(metadata: metadata)
        let unary = try await channel.unaryCall(Grpc_Testing_TestService.Method.unaryCall, request: Self.largeRequest(), options: options)
        try checkPayload(unary.message.payload, size: 314_159)
        try checkEcho(initial: unary.initialMetadata, trailing: unary.trailingMetadata, call: "UnaryCall")
        try await client.fullDuplexCall(options: options) { requests, responses in
            try await requests.write(.with {
                $0.responseType = .compressable
                $0.responseParameters = [.with { $0.size = 314_159 }]
                $0.payload = .zeros(271_828)
            })
            requests.finish()
            var sizes: [Int] = []
            for try await response in responses { sizes.append(response.payload?.body.count ?? 0) }
            try check(sizes == [314_159], "FullDuplexCall response sizes \(sizes), want [314159]")
            try checkEcho(initial: try await responses.initialMetadata(), trailing: try await responses.trailingMetadata(),
                          call: "FullDuplexCall")
        }
    }

    private func checkEcho(initial: Metadata, trailing: Metadata, call: String) throws {
        try check(initial["x-grpc-test-echo-initial"] == "test_initial_metadata_value",
                  "\(call): initial metadata echo is \(initial["x-grpc-test-echo-initial"] ?? "missing")")
        try check(trailing.binary("x-grpc-test-echo-trailing-bin") == [0xAB, 0xAB, 0xAB],
                  "\(call): trailing metadata echo is \(trailing.binary("x-grpc-test-echo-trailing-bin").map { "\($0)" } ?? "missing")")
    }

    private func echoStatus(_ client: Grpc_Testing_TestServiceClient, message: String, duplex: Bool) async throws {
        let status = Grpc_Testing_EchoStatus.with {
            $0.code = 2
            $0.message = message
        }
        let unaryError = try await expectStatus(.unknown, "UnaryCall") {
            _ = try await client.unaryCall(.with { $0.responseStatus = status })
        }
        try check(unaryError.message == message, "UnaryCall status message \(unaryError.message.debugDescription), want \(message.debugDescription)")
        guard duplex else { return }
        let duplexError = try await expectStatus(.unknown, "FullDuplexCall") {
            try await client.fullDuplexCall { requests, responses in
                try await requests.write(.with { $0.responseStatus = status })
                requests.finish()
                for try await _ in responses {}
            }
        }
        try check(duplexError.message == message, "FullDuplexCall status message \(duplexError.message.debugDescription)")
    }
}

/// A server behaved differently from what an interop test case requires.
public struct InteropFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw InteropFailure(message()) }
}

private func checkPayload(_ payload: Grpc_Testing_Payload?, size: Int) throws {
    guard let payload else { throw InteropFailure("the response has no payload") }
    try check(payload.body.count == size, "payload of \(payload.body.count) bytes, want \(size)")
    try check(payload.body.allSatisfy { $0 == 0 }, "payload is not all zeros")
    try check(payload.type == .compressable, "payload type is \(payload.type), want COMPRESSABLE")
}

@discardableResult
private func expectStatus(_ code: RPCStatus.Code, _ what: String, _ body: () async throws -> Void) async throws -> RPCError {
    do {
        try await body()
    } catch let error as RPCError {
        try check(error.code == code, "\(what): got \(error), want \(code)")
        return error
    }
    throw InteropFailure("\(what) succeeded, want \(code)")
}
