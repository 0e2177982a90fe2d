import Foundation
import GRPCProtos

extension Grpc_Testing_Payload {
    /// A COMPRESSABLE payload of `size` zero bytes, as the interop tests use.
    static func zeros(_ size: Int) -> Grpc_Testing_Payload {
        .with {
            $0.type = .compressable
            $0.body = Data(count: size)
        }
    }
}
