import Foundation
import GRPCProtos
import RPC

/// `grpc.testing.TestService` as grpc's interop-test-descriptions.md
/// specifies the server side.
public struct TestService: Grpc_Testing_TestServiceHandler {
    public init() {}

    static let echoInitialKey = "x-grpc-test-echo-initial"
    static let echoTrailingKey = "x-grpc-test-echo-trailing-bin"

    /// Echoes the metadata the custom_metadata test sends.
    private func echoMetadata(_ context: RPCServerContext) {
        if let initial = context.metadata[Self.echoInitialKey] {
            context.addInitialMetadata(Self.echoInitialKey, initial)
        }
        if let trailing = context.metadata.binary(Self.echoTrailingKey) {
            context.addTrailingMetadata(Self.echoTrailingKey, binary: trailing)
        }
    }

    private func fail(with status: Grpc_Testing_EchoStatus?) throws {
        guard let status, status.code != 0 else { return }
        throw RPCError(RPCStatus.Code(wireValue: Int(status.code)), status.message)
    }

    private func checkCompression(expected: Grpc_Testing_BoolValue?, actual: Bool) throws {
        if expected?.value == true, !actual {
            throw RPCError(.invalidArgument, "expected a compressed request but it was not compressed")
        }
    }

    public func emptyCall(_ request: Grpc_Testing_Empty, context: RPCServerContext) async throws -> Grpc_Testing_Empty {
        Grpc_Testing_Empty()
    }

    public func unaryCall(_ request: Grpc_Testing_SimpleRequest, context: RPCServerContext) async throws -> Grpc_Testing_SimpleResponse {
        echoMetadata(context)
        try checkCompression(expected: request.expectCompressed, actual: context.requestWasCompressed)
        try fail(with: request.responseStatus)
        context.compressResponses = request.responseCompressed?.value == true
        return .with { $0.payload = .zeros(Int(request.responseSize)) }
    }

    public func cacheableUnaryCall(_ request: Grpc_Testing_SimpleRequest, context: RPCServerContext) async throws -> Grpc_Testing_SimpleResponse {
        try await unaryCall(request, context: context)
    }

    public func streamingOutputCall(_ request: Grpc_Testing_StreamingOutputCallRequest,
                                    responses: RPCResponseWriter<Grpc_Testing_StreamingOutputCallResponse>,
                                    context: RPCServerContext) async throws {
        echoMetadata(context)
        try await respond(to: request, with: responses)
    }

    public func streamingInputCall(_ requests: RPCRequestStream<Grpc_Testing_StreamingInputCallRequest>,
                                   context: RPCServerContext) async throws -> Grpc_Testing_StreamingInputCallResponse {
        var total = 0
        while let received = try await requests.nextReceived() {
            try checkCompression(expected: received.message.expectCompressed, actual: received.wasCompressed)
            total += received.message.payload?.body.count ?? 0
        }
        return .with { $0.aggregatedPayloadSize = Int32(total) }
    }

    public func fullDuplexCall(_ requests: RPCRequestStream<Grpc_Testing_StreamingOutputCallRequest>,
                               responses: RPCResponseWriter<Grpc_Testing_StreamingOutputCallResponse>,
                               context: RPCServerContext) async throws {
        echoMetadata(context)
        for try await request in requests {
            try await respond(to: request, with: responses)
        }
    }

    public func halfDuplexCall(_ requests: RPCRequestStream<Grpc_Testing_StreamingOutputCallRequest>,
                               responses: RPCResponseWriter<Grpc_Testing_StreamingOutputCallResponse>,
                               context: RPCServerContext) async throws {
        echoMetadata(context)
        var buffered: [Grpc_Testing_StreamingOutputCallRequest] = []
        for try await request in requests { buffered.append(request) }
        for request in buffered { try await respond(to: request, with: responses) }
    }

    public func unimplementedCall(_ request: Grpc_Testing_Empty, context: RPCServerContext) async throws -> Grpc_Testing_Empty {
        throw RPCError(.unimplemented, "UnimplementedCall is not implemented, on purpose")
    }

    /// Sends the responses a StreamingOutputCallRequest asks for, then its
    /// requested status if any.
    private func respond(to request: Grpc_Testing_StreamingOutputCallRequest,
                         with responses: RPCResponseWriter<Grpc_Testing_StreamingOutputCallResponse>) async throws {
        for parameters in request.responseParameters {
            if parameters.intervalUs > 0 {
                try await Task.sleep(for: .microseconds(parameters.intervalUs))
            }
            try await responses.write(.with { $0.payload = .zeros(Int(parameters.size)) },
                                      compress: parameters.compressed?.value ?? false)
        }
        try fail(with: request.responseStatus)
    }
}
