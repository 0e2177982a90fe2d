import RPC
import Tracing

extension Span {
    /// Runs a call's `body`, recording its gRPC status code on the span
    /// (`rpc.grpc.status_code`), 0 when it succeeds.
    func recordingStatus(_ body: () async throws -> Void) async throws {
        do {
            try await body()
            attributes["rpc.grpc.status_code"] = 0
        } catch {
            attributes["rpc.grpc.status_code"] = Int(RPCStatus(error: error).code.rawValue)
            throw error
        }
    }
}
