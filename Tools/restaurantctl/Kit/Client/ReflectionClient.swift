import Foundation
import GRPCProtos
import NIOCore
import Protobuf
import RPC

/// Asks a server for its services and descriptors through gRPC server
/// reflection: `grpc.reflection.v1`, falling back to `v1alpha` when the
/// server answers UNIMPLEMENTED (the messages are the same on the wire).
public actor ReflectionClient {
    public enum Version: String, Sendable {
        case v1 = "grpc.reflection.v1.ServerReflection"
        case v1alpha = "grpc.reflection.v1alpha.ServerReflection"

        var path: String { "/\(rawValue)/ServerReflectionInfo" }
    }

    private let session: Session
    /// The version that answered, once one has.
    public private(set) var version: Version?

    public init(session: Session) {
        self.session = session
    }

    /// One reflection answer.
    public enum Answer: Sendable {
        case files([[UInt8]])
        case services([String])
        case notFound(String)
    }

    public enum Question: Sendable, Hashable {
        case listServices
        case fileContainingSymbol(String)
        case fileByFilename(String)
    }

    /// Asks several questions on one stream; answers come in the same order.
    public func ask(_ questions: [Question]) async throws(CLIError) -> [Answer] {
        guard !questions.isEmpty else { return [] }
        if let version { return try await ask(questions, version: version) }
        do {
            let answers = try await ask(questions, version: .v1)
            version = .v1
            return answers
        } catch let .rpc(error) where error.code == .unimplemented {
            do {
                let answers = try await ask(questions, version: .v1alpha)
                version = .v1alpha
                if session.verbose { Console.err("* \(session.address) answers grpc.reflection.v1alpha (v1 is unimplemented)") }
                return answers
            } catch let .rpc(error) where error.code == .unimplemented {
                throw .rpc(RPCError(.unimplemented,
                                    "the server at \(session.address) does not offer server reflection (neither grpc.reflection.v1 nor v1alpha); describe its services with --protoset FILE (protoc --include_imports -o FILE ...)"))
            }
        }
    }

    private func ask(_ questions: [Question], version: Version) async throws(CLIError) -> [Answer] {
        var encoded: [ByteBuffer] = []
        for question in questions {
            let request = Grpc_Reflection_V1_ServerReflectionRequest.with {
                $0.host = ""
                $0.messageRequest = switch question {
                case .listServices: .listServices("")
                case let .fileContainingSymbol(symbol): .fileContainingSymbol(symbol)
                case let .fileByFilename(name): .fileByFilename(name)
                }
            }
            do {
                encoded.append(ByteBuffer(bytes: try request.serializedBytes()))
            } catch {
                throw .local("cannot encode a reflection request: \(error)")
            }
        }
        let responses: [ByteBuffer]
        do {
            let requests = encoded
            // Reflection gets a deadline even when the call has none: a stuck server must not hang the CLI.
            let options = session.callOptions(timeout: session.timeout == nil ? .seconds(30) : nil)
            responses = try await session.reflectionChannel.bidirectionalStreaming(path: version.path, options: options) { writer, stream in
                for request in requests { try await writer.write(request) }
                writer.finish()
                var received: [ByteBuffer] = []
                for try await response in stream {
                    received.append(response)
                    if received.count == requests.count { break }
                }
                return received
            }
        } catch let error as RPCError {
            throw .rpc(error)
        } catch {
            throw .local("reflection failed: \(error)")
        }
        guard responses.count == questions.count else {
            throw .rpc(RPCError(.internal, "the reflection service answered \(responses.count) of \(questions.count) requests"))
        }
        var answers: [Answer] = []
        for (question, buffer) in zip(questions, responses) {
            let response: Grpc_Reflection_V1_ServerReflectionResponse
            do {
                response = try Grpc_Reflection_V1_ServerReflectionResponse(buffer: buffer, limits: .descriptorSets)
            } catch {
                throw .rpc(RPCError(.internal, "the reflection service sent an undecodable response: \(error)"))
            }
            switch response.messageResponse {
            case let .fileDescriptorResponse(files)?:
                answers.append(.files(files.fileDescriptorProto.map { [UInt8]($0) }))
            case let .listServicesResponse(list)?:
                answers.append(.services(list.service.map(\.name)))
            case let .errorResponse(error)?:
                let code = RPCStatus.Code(wireValue: Int(error.errorCode))
                guard code == .notFound else {
                    throw .rpc(RPCError(code == .ok ? .unknown : code, "reflection: \(error.errorMessage)"))
                }
                answers.append(.notFound(Self.describe(question)))
            case .allExtensionNumbersResponse?, nil:
                throw .rpc(RPCError(.internal, "the reflection service answered \(question) with an unexpected response"))
            }
        }
        return answers
    }

    private static func describe(_ question: Question) -> String {
        switch question {
        case .listServices: "services"
        case let .fileContainingSymbol(symbol): "symbol '\(symbol)'"
        case let .fileByFilename(name): "file '\(name)'"
        }
    }
}
