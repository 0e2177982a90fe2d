import HTTP2
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// One HTTP/2 connection to one address, made when first needed, remade
/// after it closes, and backed off after failures (gRPC's subchannel).
final class ClientConnection: Sendable {
    /// What the connection handler reports back.
    struct Events: Sendable {
        /// The server's SETTINGS arrived: the connection works.
        let established: @Sendable () -> Void
        let closed: @Sendable () -> Void
        let goingAway: @Sendable () -> Void
    }

    struct Ready: Sendable {
        let handler: NIOLoopBound<ClientConnectionHandler>
        let channel: any Channel
    }

    private enum State {
        case idle(failures: Int)
        case connecting(generation: Int, failures: Int, waiters: [Int: CheckedContinuation<Ready, Error>])
        /// Connected; `failures` is reset once the HTTP/2 handshake succeeds.
        case ready(Ready, generation: Int, failures: Int, established: Bool)
        case backingOff(RPCError, until: ContinuousClock.Instant, failures: Int)
        case shutdown
    }

    private struct Shared {
        var state: State = .idle(failures: 0)
        var generation = 0
        var nextWaiter = 0
    }

    let address: SocketAddress
    private let peer: String
    private let configuration: RPCChannel.Configuration
    private let group: any EventLoopGroup
    private let onGoAway: @Sendable () -> Void
    private let shared = Mutex(Shared())

    init(address: SocketAddress, configuration: RPCChannel.Configuration,
         group: any EventLoopGroup, onGoAway: @escaping @Sendable () -> Void) {
        self.address = address
        self.peer = "\(address.ipAddress ?? "\(address)"):\(address.port ?? 0)"
        self.configuration = configuration
        self.group = group
        self.onGoAway = onGoAway
    }

    /// Whether a call can use the connection now without waiting.
    var isReady: Bool {
        shared.withLock { if case .ready = $0.state { true } else { false } }
    }

    /// Whether the connection is waiting out a failure.
    var isBackingOff: Bool {
        shared.withLock {
            if case let .backingOff(_, until, _) = $0.state { ContinuousClock.now < until } else { false }
        }
    }

    /// A ready connection: the current one, or a new one made now. Fails fast
    /// with the last error while backing off, unless `waitForReady`; never
    /// waits past `deadline`, and stops waiting when the task is cancelled.
    func ready(waitForReady: Bool, deadline: ContinuousClock.Instant?) async throws -> Ready {
        while true {
            do {
                return try await withDeadline(deadline) { try await self.attempt() }
            } catch let error as BackingOff {
                guard waitForReady else { throw error.error }
                if let deadline, deadline < error.until {
                    throw RPCError(.deadlineExceeded, "deadline expired waiting to connect: \(error.error.message)")
                }
                try await Task.sleep(until: error.until, clock: .continuous)
            }
        }
    }

    private struct BackingOff: Error {
        let error: RPCError
        let until: ContinuousClock.Instant
    }

    /// Runs `body`, failing with DEADLINE_EXCEEDED when `deadline` comes first.
    private func withDeadline<T: Sendable>(_ deadline: ContinuousClock.Instant?,
                                           _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let deadline else { return try await body() }
        let peer = self.peer
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                throw RPCError(.deadlineExceeded, "the deadline expired while connecting to \(peer)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private func attempt() async throws -> Ready {
        let id = shared.withLock { shared in
            defer { shared.nextWaiter += 1 }
            return shared.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let start: (generation: Int, failures: Int)? = shared.withLock { shared in
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                        return nil
                    }
                    switch shared.state {
                    case let .ready(ready, _, _, _):
                        continuation.resume(returning: ready)
                        return nil
                    case .connecting(let generation, let failures, var waiters):
                        waiters[id] = continuation
                        shared.state = .connecting(generation: generation, failures: failures, waiters: waiters)
                        return nil
                    case let .backingOff(error, until, _) where ContinuousClock.now < until:
                        continuation.resume(throwing: BackingOff(error: error, until: until))
                        return nil
                    case let .backingOff(_, _, failures), let .idle(failures):
                        shared.generation += 1
                        shared.state = .connecting(generation: shared.generation, failures: failures, waiters: [id: continuation])
                        return (shared.generation, failures)
                    case .shutdown:
                        continuation.resume(throwing: RPCError(.unavailable, "the channel is closed"))
                        return nil
                    }
                }
                if let start { connect(generation: start.generation, failures: start.failures) }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Ready, Error>? = shared.withLock { shared in
                guard case .connecting(let generation, let failures, var waiters) = shared.state,
                      let waiter = waiters.removeValue(forKey: id) else { return nil }
                shared.state = .connecting(generation: generation, failures: failures, waiters: waiters)
                return waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func connect(generation: Int, failures: Int) {
        let configuration = self.configuration
        let peer = self.peer
        let events = Events(
            established: { [weak self] in self?.handshakeSucceeded(generation: generation) },
            closed: { [weak self] in self?.handlerClosed(generation: generation) },
            goingAway: { [weak self] in
                self?.handlerClosed(generation: generation)
                self?.onGoAway()
            })
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(configuration.connectTimeout.timeAmount)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ClientConnectionHandler(
                        eventLoop: channel.eventLoop, settings: configuration.http2, peer: peer,
                        maxReceiveMessageSize: configuration.maxReceiveMessageSize,
                        keepalive: configuration.keepalive, events: events))
                }
            }
        bootstrap.connect(to: address).whenComplete { [self] result in
            switch result {
            case let .success(channel):
                guard let handler = try? channel.pipeline.syncOperations.handler(type: ClientConnectionHandler.self) else {
                    channel.close(promise: nil)
                    connectFailed(generation: generation, RPCError(.internal, "connection to \(peer) has no HTTP/2 handler"))
                    return
                }
                let ready = Ready(handler: NIOLoopBound(handler, eventLoop: channel.eventLoop), channel: channel)
                let waiters: [CheckedContinuation<Ready, Error>]? = shared.withLock { shared in
                    guard case let .connecting(current, failures, waiters) = shared.state, current == generation else {
                        return nil
                    }
                    shared.state = .ready(ready, generation: generation, failures: failures, established: false)
                    return Array(waiters.values)
                }
                guard let waiters else {
                    // Shut down (or superseded) while connecting: nobody wants it.
                    channel.close(promise: nil)
                    return
                }
                for waiter in waiters { waiter.resume(returning: ready) }
            case let .failure(error):
                connectFailed(generation: generation, Self.describe(error, peer: peer, timeout: configuration.connectTimeout))
            }
        }
    }

    private func connectFailed(generation: Int, _ error: RPCError) {
        let result: (waiters: [CheckedContinuation<Ready, Error>], until: ContinuousClock.Instant)? = shared.withLock { shared in
            guard case let .connecting(current, failures, waiters) = shared.state, current == generation else { return nil }
            let until = ContinuousClock.now + configuration.backoff.delay(afterFailures: failures + 1)
            shared.state = .backingOff(error, until: until, failures: failures + 1)
            return (Array(waiters.values), until)
        }
        guard let result else { return }
        for waiter in result.waiters { waiter.resume(throwing: BackingOff(error: error, until: result.until)) }
    }

    private func handshakeSucceeded(generation: Int) {
        shared.withLock { shared in
            if case let .ready(ready, current, _, false) = shared.state, current == generation {
                shared.state = .ready(ready, generation: current, failures: 0, established: true)
            }
        }
    }

    /// The connection closed or is going away: the next call connects anew,
    /// after a backoff when it closed before the HTTP/2 handshake finished
    /// (a peer that accepts and hangs up must not be hammered).
    private func handlerClosed(generation: Int) {
        shared.withLock { shared in
            guard case let .ready(_, current, failures, established) = shared.state, current == generation else { return }
            if established {
                shared.state = .idle(failures: 0)
            } else {
                let error = RPCError(.unavailable, "\(peer) closed the connection before the HTTP/2 handshake finished")
                let until = ContinuousClock.now + configuration.backoff.delay(afterFailures: failures + 1)
                shared.state = .backingOff(error, until: until, failures: failures + 1)
            }
        }
    }

    /// Closes the connection; anyone still waiting for it fails.
    func shutdown() {
        let (channel, waiters): ((any Channel)?, [CheckedContinuation<Ready, Error>]) = shared.withLock { shared in
            defer { shared.state = .shutdown }
            switch shared.state {
            case let .ready(ready, _, _, _): return (ready.channel, [])
            case let .connecting(_, _, waiters): return (nil, Array(waiters.values))
            default: return (nil, [])
            }
        }
        channel?.close(promise: nil)
        for waiter in waiters { waiter.resume(throwing: RPCError(.unavailable, "the channel is closed")) }
    }

    /// A precise message for a failed connect: "connection refused by 127.0.0.1:50051".
    private static func describe(_ error: any Error, peer: String, timeout: Duration) -> RPCError {
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return describe(first.error, peer: peer, timeout: timeout)
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return RPCError(.unavailable, "connection to \(peer) timed out after \(timeout)")
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return RPCError(.unavailable, "connection refused by \(peer)")
            case ETIMEDOUT: return RPCError(.unavailable, "connection to \(peer) timed out")
            case EHOSTUNREACH, ENETUNREACH: return RPCError(.unavailable, "\(peer) is unreachable")
            case ECONNRESET: return RPCError(.unavailable, "connection reset by \(peer)")
            default: return RPCError(.unavailable, "cannot connect to \(peer): \(error.description)")
            }
        }
        return RPCError(.unavailable, "cannot connect to \(peer): \(error)")
    }
}
