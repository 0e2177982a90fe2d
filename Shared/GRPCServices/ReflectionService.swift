import Foundation
import GRPCProtos
import Protobuf
import RPC

/// gRPC server reflection, `grpc.reflection.v1.ServerReflection` and its
/// predecessor `v1alpha` (which older tools still ask for), answered from the
/// descriptors generated modules embed. Lets grpcurl, `restaurantctl` and
/// other generic clients list and describe services without `.proto` files.
public struct ReflectionService: Sendable {
    private let index: DescriptorIndex
    private let serviceNames: [String]

    /// - Parameters:
    ///   - files: the descriptors to serve, from every generated module the
    ///     server's services and their messages come from.
    ///   - services: the fully qualified names of the other services the
    ///     server mounts; the reflection services list themselves.
    public init(files: [EmbeddedFileDescriptor], services: [String]) throws {
        self.index = try DescriptorIndex(files)
        let own = [Grpc_Reflection_V1_ServerReflection.name, Grpc_Reflection_V1alpha_ServerReflection.name]
        self.serviceNames = Set(services + own).sorted()
    }

    /// Both protocol versions, ready to mount.
    public var rpcServices: [RPCService] {
        [V1(service: self).rpcService, V1Alpha(service: self).rpcService]
    }

    /// A reflection answer, independent of the protocol version.
    enum Answer {
        case files([[UInt8]])
        case extensionNumbers(type: String, numbers: [Int32])
        case services([String])
        case error(RPCStatus.Code, String)
    }

    enum Question {
        case fileByFilename(String)
        case fileContainingSymbol(String)
        case fileContainingExtension(type: String, number: Int32)
        case allExtensionNumbersOfType(String)
        case listServices
    }

    func answer(_ question: Question?) -> Answer {
        switch question {
        case let .fileByFilename(name)?:
            return index.fileWithDependencies(name).map(Answer.files) ?? .error(.notFound, "file '\(name)' not found")
        case let .fileContainingSymbol(symbol)?:
            guard let file = index.file(containing: symbol), let files = index.fileWithDependencies(file) else {
                return .error(.notFound, "symbol '\(symbol)' not found")
            }
            return .files(files)
        case let .fileContainingExtension(type, number)?:
            guard let file = index.file(extending: type, number: number), let files = index.fileWithDependencies(file) else {
                return .error(.notFound, "extension \(number) of '\(type)' not found")
            }
            return .files(files)
        case let .allExtensionNumbersOfType(type)?:
            guard let numbers = index.extensionNumbers(of: type) else { return .error(.notFound, "type '\(type)' not found") }
            return .extensionNumbers(type: type, numbers: numbers)
        case .listServices?:
            return .services(serviceNames)
        case nil:
            return .error(.invalidArgument, "the request names no reflection query")
        }
    }
}

extension ReflectionService {
    /// The response to one v1 request.
    func respond(to request: Grpc_Reflection_V1_ServerReflectionRequest) -> Grpc_Reflection_V1_ServerReflectionResponse {
        let question: Question? = switch request.messageRequest {
        case let .fileByFilename(name)?: .fileByFilename(name)
        case let .fileContainingSymbol(symbol)?: .fileContainingSymbol(symbol)
        case let .fileContainingExtension(value)?: .fileContainingExtension(type: value.containingType, number: value.extensionNumber)
        case let .allExtensionNumbersOfType(type)?: .allExtensionNumbersOfType(type)
        case .listServices?: .listServices
        case nil: nil
        }
        return .with { response in
            response.validHost = request.host
            response.originalRequest = request
            response.messageResponse = switch answer(question) {
            case let .files(files): .fileDescriptorResponse(.with { $0.fileDescriptorProto = files.map { Data($0) } })
            case let .extensionNumbers(type, numbers): .allExtensionNumbersResponse(.with {
                $0.baseTypeName = type
                $0.extensionNumber = numbers
            })
            case let .services(names): .listServicesResponse(.with {
                $0.service = names.map { name in .with { $0.name = name } }
            })
            case let .error(code, message): .errorResponse(.with {
                $0.errorCode = Int32(code.rawValue)
                $0.errorMessage = message
            })
            }
        }
    }

    /// `grpc.reflection.v1.ServerReflection`.
    struct V1: Grpc_Reflection_V1_ServerReflectionHandler {
        let service: ReflectionService

        func serverReflectionInfo(_ requests: RPCRequestStream<Grpc_Reflection_V1_ServerReflectionRequest>,
                                  responses: RPCResponseWriter<Grpc_Reflection_V1_ServerReflectionResponse>,
                                  context: RPCServerContext) async throws {
            for try await request in requests {
                try await responses.write(service.respond(to: request))
            }
        }
    }

    /// `grpc.reflection.v1alpha.ServerReflection`: the same messages under
    /// the pre-release package, so requests and responses convert through
    /// their (identical) encodings.
    struct V1Alpha: Grpc_Reflection_V1alpha_ServerReflectionHandler {
        let service: ReflectionService

        func serverReflectionInfo(_ requests: RPCRequestStream<Grpc_Reflection_V1alpha_ServerReflectionRequest>,
                                  responses: RPCResponseWriter<Grpc_Reflection_V1alpha_ServerReflectionResponse>,
                                  context: RPCServerContext) async throws {
            for try await request in requests {
                let v1Request = try Grpc_Reflection_V1_ServerReflectionRequest(serializedBytes: request.serializedBytes())
                let v1Response = service.respond(to: v1Request)
                try await responses.write(Grpc_Reflection_V1alpha_ServerReflectionResponse(serializedBytes: v1Response.serializedBytes()))
            }
        }
    }
}
