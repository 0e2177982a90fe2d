import GRPCProtos
import RPC
import Synchronization

/// `grpc.health.v1.Health`: the serving status of the server (service name
/// "") and of each named service, set by the application. `Watch` streams
/// every change.
public final class HealthService: Grpc_Health_V1_HealthHandler {
    public typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    private struct State {
        var statuses: [String: Status]
        var watchers: [Int: (service: String, continuation: AsyncStream<Status>.Continuation)] = [:]
        var nextWatcher = 0
    }

    private let state: Mutex<State>

    /// - Parameter statuses: initial statuses; the overall status ("") starts
    ///   as NOT_SERVING unless given.
    public init(statuses: [String: Status] = [:]) {
        var initial = statuses
        if initial[""] == nil { initial[""] = .notServing }
        state = Mutex(State(statuses: initial))
    }

    /// Sets the status of `service` ("" for the whole server) and notifies
    /// its watchers if it changed.
    public func setStatus(_ status: Status, for service: String = "") {
        let watchers = state.withLock { state -> [AsyncStream<Status>.Continuation] in
            guard state.statuses[service] != status else { return [] }
            state.statuses[service] = status
            return state.watchers.values.filter { $0.service == service }.map(\.continuation)
        }
        for watcher in watchers { watcher.yield(status) }
    }

    /// Sets every known service, and the server, to `status`.
    public func setAll(_ status: Status) {
        let services = state.withLock { Array($0.statuses.keys) }
        for service in services { setStatus(status, for: service) }
    }

    /// The status of `service`, nil when it is unknown.
    public func status(of service: String = "") -> Status? {
        state.withLock { $0.statuses[service] }
    }

    public func check(_ request: Grpc_Health_V1_HealthCheckRequest, context: RPCServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard let status = status(of: request.service) else {
            throw RPCError(.notFound, "unknown service '\(request.service)'")
        }
        return .with { $0.status = status }
    }

    public func watch(_ request: Grpc_Health_V1_HealthCheckRequest,
                      responses: RPCResponseWriter<Grpc_Health_V1_HealthCheckResponse>,
                      context: RPCServerContext) async throws {
        // Only the latest status matters to a slow watcher.
        let (updates, continuation) = AsyncStream.makeStream(of: Status.self, bufferingPolicy: .bufferingNewest(1))
        let (id, current) = state.withLock { state in
            let id = state.nextWatcher
            state.nextWatcher += 1
            state.watchers[id] = (request.service, continuation)
            return (id, state.statuses[request.service] ?? .serviceUnknown)
        }
        defer { _ = state.withLock { $0.watchers.removeValue(forKey: id) } }
        try await responses.write(.with { $0.status = current })
        var last = current
        for await status in updates where status != last {
            try await responses.write(.with { $0.status = status })
            last = status
        }
    }
}
