import Foundation
import GRPCProtos
import Logging
import NIOCore
import RPC
import Synchronization

/// A server on a free loopback port, shut down when the test body ends.
func withServer<T>(
    _ services: [RPCService],
    interceptors: [any RPCServerInterceptor] = [],
    configure: (inout RPCServer.Configuration) -> Void = { _ in },
    _ body: (_ port: Int, _ server: RPCServer) async throws -> T
) async throws -> T {
    var configuration = RPCServer.Configuration(host: "127.0.0.1", port: 0)
    configure(&configuration)
    let server = RPCServer(configuration: configuration, services: services, interceptors: interceptors)
    let address = try await server.start()
    do {
        let result = try await body(address.port!, server)
        await server.shutdown(drainTimeout: .seconds(1))
        return result
    } catch {
        await server.shutdown(drainTimeout: .seconds(1))
        throw error
    }
}

/// A channel to a loopback port with test-friendly backoff.
func channel(to port: Int, configure: (inout RPCChannel.Configuration) -> Void = { _ in }) throws -> RPCChannel {
    var configuration = RPCChannel.Configuration(backoff: ConnectionBackoff(initial: .milliseconds(50), maximum: .milliseconds(200)))
    configure(&configuration)
    return try RPCChannel(target: "127.0.0.1:\(port)", configuration: configuration)
}

/// The status code an operation fails with, or nil if it succeeds.
func failureCode(_ body: () async throws -> Void) async -> RPCStatus.Code? {
    do {
        try await body()
        return nil
    } catch let error as RPCError {
        return error.code
    } catch {
        return .unknown
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(5), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}

/// Opens once `open()` is called; every `wait()` until then suspends.
final class Gate: Sendable {
    private let state = Mutex<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if !state.isOpen { state.waiters.append(continuation) }
                return state.isOpen
            }
            if isOpen { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Logs into memory, for asserting on log lines.
final class CapturedLogs: Sendable {
    struct Line: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let lines = Mutex<[Line]>([])

    var all: [Line] { lines.withLock { $0 } }

    func logger(label: String = "test") -> Logger {
        Logger(label: label) { _ in Handler(sink: self) }
    }

    fileprivate func append(_ line: Line) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            sink.append(Line(level: event.level, message: event.message.description, metadata: merged.mapValues { "\($0)" }))
        }
    }
}

/// A one-method service defined in the test, for behaviours TestService
/// does not cover.
func probeService(_ name: String = "test.Probe",
                  _ handler: @escaping @Sendable (Grpc_Testing_Empty, RPCServerContext) async throws -> Grpc_Testing_Empty) -> (RPCService, RPCMethod<Grpc_Testing_Empty, Grpc_Testing_Empty>) {
    let method = RPCMethod<Grpc_Testing_Empty, Grpc_Testing_Empty>(service: name, name: "Call", kind: .unary)
    return (RPCService(name: name, methods: [.unary(method, handler)]), method)
}
