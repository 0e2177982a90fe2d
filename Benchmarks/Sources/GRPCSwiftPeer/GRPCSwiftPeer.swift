import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

/// A grpc-swift-2 server answering `grpc.testing.TestService/UnaryCall` with
/// the same bytes our TestService sends for the benchmark request: a
/// SimpleResponse with a 16-byte zero payload. Raw byte serializers, so the
/// peer does less work per call than our server (which decodes and encodes).
@main
struct GRPCSwiftPeer {
    static func main() async throws {
        let port = Int(CommandLine.arguments.dropFirst().first ?? "0") ?? 0
        let server = GRPCServer(
            transport: .http2NIOPosix(address: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .plaintext),
            services: [UnaryEcho()])
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            if let address = try await server.listeningAddress?.ipv4 {
                FileHandle.standardOutput.write(Data("READY \(address.port)\n".utf8))
            }
        }
    }
}

struct UnaryEcho: RegistrableRPCService {
    /// SimpleResponse { payload { body: 16 zero bytes } }.
    static let response: [UInt8] = [0x0A, 0x12, 0x12, 0x10] + [UInt8](repeating: 0, count: 16)

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: MethodDescriptor(fullyQualifiedService: "grpc.testing.TestService", method: "UnaryCall"),
            deserializer: Bytes(), serializer: Bytes()
        ) { request, _ in
            for try await _ in request.messages {}
            return StreamingServerResponse(single: ServerResponse(message: Self.response))
        }
    }
}

struct Bytes: MessageSerializer, MessageDeserializer {
    func serialize<Output: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Output { Output(message) }
    func deserialize<Input: GRPCContiguousBytes>(_ bytes: Input) throws -> [UInt8] {
        bytes.withUnsafeBytes { Array($0) }
    }
}
