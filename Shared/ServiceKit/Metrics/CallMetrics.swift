import CoreMetrics
import RPC
import Synchronization

/// The standard gRPC call metrics of one side (`server` or `client`), as
/// go-grpc-prometheus names them: `grpc_<side>_started_total`,
/// `grpc_<side>_handled_total` (with `grpc_code`) and the latency histogram
/// `grpc_<side>_handling_seconds`, by `grpc_type`, `grpc_service` and
/// `grpc_method`. Instruments are made once per method and code.
final class CallMetrics: Sendable {
    private struct MethodInstruments {
        let started: Counter
        let handling: Timer
        var handled: [RPCStatus.Code: Counter] = [:]
    }

    private let registry: MetricsRegistry
    private let side: String
    private let instruments = Mutex<[String: MethodInstruments]>([:])

    init(registry: MetricsRegistry, side: String) {
        self.registry = registry
        self.side = side
    }

    /// Counts a call of `path` starting.
    func started(path: String, kind: RPCKind) {
        instruments.withLock { instruments in
            Self.method(&instruments, path: path) { self.makeInstruments(path: path, kind: kind) }.started.increment()
        }
    }

    /// Counts a call of `path` ending with `code` after `elapsed`.
    func handled(path: String, kind: RPCKind, code: RPCStatus.Code, elapsed: Duration) {
        let (counter, timer) = instruments.withLock { instruments in
            let method = Self.method(&instruments, path: path) { self.makeInstruments(path: path, kind: kind) }
            // Stored back only when new: writing the copy back on every call copied its dictionary.
            if let counter = method.handled[code] { return (counter, method.handling) }
            let counter = Counter(
                label: "grpc_\(side)_handled_total",
                dimensions: registry.dimensions(Self.labels(path: path, kind: kind) + [("grpc_code", code.name)]),
                factory: registry.factory)
            instruments[path]?.handled[code] = counter
            return (counter, method.handling)
        }
        counter.increment()
        let (seconds, attoseconds) = elapsed.components
        timer.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    private static func method(_ instruments: inout [String: MethodInstruments], path: String,
                               make: () -> MethodInstruments) -> MethodInstruments {
        if let existing = instruments[path] { return existing }
        let made = make()
        instruments[path] = made
        return made
    }

    private func makeInstruments(path: String, kind: RPCKind) -> MethodInstruments {
        let labels = registry.dimensions(Self.labels(path: path, kind: kind))
        return MethodInstruments(
            started: Counter(label: "grpc_\(side)_started_total", dimensions: labels, factory: registry.factory),
            handling: Timer(label: "grpc_\(side)_handling_seconds", dimensions: labels, factory: registry.factory))
    }

    /// `grpc_type`, `grpc_service` and `grpc_method` of `/package.Service/Method`.
    static func labels(path: String, kind: RPCKind) -> [(String, String)] {
        let (service, method) = RPCPath.names(in: path)
        let type = switch kind {
        case .unary: "unary"
        case .clientStreaming: "client_stream"
        case .serverStreaming: "server_stream"
        case .bidirectionalStreaming: "bidi_stream"
        }
        return [("grpc_type", type), ("grpc_service", service), ("grpc_method", method)]
    }
}
