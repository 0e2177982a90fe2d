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
}

extension ReflectionService {
    /// The response to one v1 request.
    func respond(to request: Grpc_Reflection_V1_ServerReflectionRequest) -> Grpc_Reflection_V1_ServerReflectionResponse {
        .with { response in
            response.validHost = request.host
            response.originalRequest = request
            response.messageResponse = answer(request.messageRequest)
        }
    }

    private func answer(_ request: Grpc_Reflection_V1_ServerReflectionRequest.MessageRequest?)
        -> Grpc_Reflection_V1_ServerReflectionResponse.MessageResponse {
        switch request {
        case let .fileByFilename(name)?:
            return files(index.fileWithDependencies(name), orNotFound: "file '\(name)' not found")
        case let .fileContainingSymbol(symbol)?:
            return files(index.file(containing: symbol).flatMap(index.fileWithDependencies),
                         orNotFound: "symbol '\(symbol)' not found")
        case let .fileContainingExtension(request)?:
            return files(index.file(extending: request.containingType, number: request.extensionNumber).flatMap(index.fileWithDependencies),
                         orNotFound: "extension \(request.extensionNumber) of '\(request.containingType)' not found")
        case let .allExtensionNumbersOfType(type)?:
            guard let numbers = index.extensionNumbers(of: type) else { return Self.error(.notFound, "type '\(type)' not found") }
            return .allExtensionNumbersResponse(.with {
                $0.baseTypeName = type
                $0.extensionNumber = numbers
            })
        case .listServices?:
            return .listServicesResponse(.with { $0.service = serviceNames.map { name in .with { $0.name = name } } })
        case nil:
            return Self.error(.invalidArgument, "the request names no reflection query")
        }
    }

    private func files(_ files: [[UInt8]]?, orNotFound message: String) -> Grpc_Reflection_V1_ServerReflectionResponse.MessageResponse {
        guard let files else { return Self.error(.notFound, message) }
        return .fileDescriptorResponse(.with { $0.fileDescriptorProto = files.map { Data($0) } })
    }

    private static func error(_ code: RPCStatus.Code, _ message: String) -> Grpc_Reflection_V1_ServerReflectionResponse.MessageResponse {
        .errorResponse(.with {
            $0.errorCode = Int32(code.rawValue)
            $0.errorMessage = message
        })
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
