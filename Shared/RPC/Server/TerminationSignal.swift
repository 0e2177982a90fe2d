import Dispatch
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGTERM and SIGINT as something to await, for graceful shutdown.
public enum TerminationSignal {
    /// Waits until the process receives SIGTERM or SIGINT and returns which,
    /// or nil if the waiting task is cancelled. The signals' default action
    /// (exit) is disabled from the first call on.
    public static func wait() async -> Int32? {
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        let sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        return await withTaskCancellationHandler {
            for await number in signals { return number }
            return nil
        } onCancel: {
            continuation.finish()
        }
    }
}

extension RPCServer {
    /// Starts, serves until SIGTERM or SIGINT, then shuts down gracefully:
    /// GOAWAY, in-flight calls get `drainTimeout` to finish, then close.
    public func run(drainTimeout: Duration = .seconds(10),
                    onStarted: @Sendable (SocketAddress) -> Void = { _ in }) async throws {
        async let signal = TerminationSignal.wait()
        onStarted(try await start())
        _ = await signal
        await shutdown(drainTimeout: drainTimeout)
    }
}
