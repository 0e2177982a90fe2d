import Logging
import RPC
import Synchronization

/// Calls to another service, the way every handler should make them: under
/// the upstream's timeout capped by the caller's remaining deadline, with
/// the request id (the channel's interceptor), and with failures to reach
/// it turned into one clear status.
///
/// ```swift
/// let product = try await catalog.call { options in
///     try await CatalogServiceClient(channel: catalog.channel).getProduct(request, options: options)
/// }
/// ```
public final class Upstream: Sendable {
    public let dependency: UpstreamDependency
    /// The channel to it; calls on it carry the caller's deadline and request id.
    public let channel: RPCChannel
    private let token: String?
    private let logger: Logger
    private let lastWarning = Mutex<ContinuousClock.Instant?>(nil)
    /// At most one warning per this interval, however many calls fail.
    static let warningInterval: Duration = .seconds(30)

    /// - Parameter token: the bearer token sent with every call
    ///   (`UPSTREAM_TOKEN`), for upstream methods that change data.
    public init(dependency: UpstreamDependency, channel: RPCChannel, token: String? = nil, logger: Logger) {
        self.dependency = dependency
        self.channel = channel
        self.token = token
        self.logger = logger
    }

    /// Runs `body` with call options carrying the upstream's timeout (and
    /// the service's token, when it has one).
    ///
    /// A call that cannot reach the upstream or that it fails internally
    /// (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED,
    /// UNKNOWN, INTERNAL) throws UNAVAILABLE naming the service, or
    /// DEADLINE_EXCEEDED when it was the caller's own deadline that passed;
    /// such failures are logged at most every 30 s. Other statuses
    /// (NOT_FOUND, say) are the upstream's answer and come back unchanged.
    public func call<Result>(timeout: Duration? = nil, _ body: (CallOptions) async throws -> Result) async throws -> Result {
        do {
            var options = CallOptions(timeout: timeout ?? dependency.timeout)
            if let token { options.metadata.add("authorization", "Bearer \(token)") }
            return try await body(options)
        } catch let error as RPCError {
            guard Self.meansUnreachable(error.code) else { throw error }
            warn(error)
            if let deadline = RPCDeadline.current, ContinuousClock.now >= deadline {
                throw RPCError(.deadlineExceeded, "the deadline passed while waiting for \(dependency.service)")
            }
            throw RPCError(.unavailable, "\(dependency.service) is unavailable (\(error.code.name)); retry later")
        }
    }

    static func meansUnreachable(_ code: RPCStatus.Code) -> Bool {
        switch code {
        case .unavailable, .deadlineExceeded, .resourceExhausted, .aborted, .unknown, .internal: true
        default: false
        }
    }

    private func warn(_ error: RPCError) {
        let now = ContinuousClock.now
        let due = lastWarning.withLock { last -> Bool in
            guard last.map({ now - $0 > Self.warningInterval }) ?? true else { return false }
            last = now
            return true
        }
        if due {
            logger.warning("upstream call failed", metadata: [
                "upstream": "\(dependency.service)", "variable": "\(dependency.variable)", "error": "\(error)",
            ])
        }
    }

    func close() {
        channel.close()
    }
}
