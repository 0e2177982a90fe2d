import Logging
import OTel
import Synchronization

/// Structured logs to standard error at the configured level, each line
/// carrying the request id of the call it belongs to and, while a span is
/// current, its trace and span ids (`trace_id`, `span_id`).
public enum ServiceLogging {
    private static let bootstrapped = Mutex(false)

    /// Installs the process's log handler once; later calls do nothing.
    public static func bootstrap(level: Logger.Level) {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        let requestID = Logger.MetadataProvider {
            guard let id = RequestID.current else { return [:] }
            return ["request_id": "\(id)"]
        }
        LoggingSystem.bootstrap({ label, provider in
            var handler = StreamLogHandler.standardError(label: label, metadataProvider: provider)
            handler.logLevel = level
            return handler
        }, metadataProvider: .multiplex([requestID, OTel.makeLoggingMetadataProvider()]))
    }
}
