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
        let closed: @Sendable () -> Void
        let goingAway: @Sendable () -> Void
    }

    struct Ready: Sendable {
        let handler: NIOLoopBound<ClientConnectionHandler>
        let channel: any Channel
    }

    private enum State {
        case idle(failures: Int)
        case connecting(generation: Int, waiters: [CheckedContinuation<Ready, Error>])
        case ready(Ready, generation: Int)
        case backingOff(RPCError, until: ContinuousClock.Instant, failures: Int)
        case shutdown
    }

    let address: SocketAddress
    private let configuration: RPCChannel.Configuration
    private let group: any EventLoopGroup
    private let onGoAway: @Sendable () -> Void
    private let state: Mutex<(state: State, generation: Int)>

    init(address: SocketAddress, configuration: RPCChannel.Configuration,
         group: any EventLoopGroup, onGoAway: @escaping @Sendable () -> Void) {
        self.address = address
        self.configuration = configuration
        self.group = group
        self.onGoAway = onGoAway
        self.state = Mutex((.idle(failures: 0), 0))
    }

    /// Whether a call can use the connection now without waiting.
    var isReady: Bool {
        state.withLock { if case .ready = $0.state { true } else { false } }
    }

    /// Whether the connection is waiting out a failure.
    var isBackingOff: Bool {
        state.withLock {
            if case let .backingOff(_, until, _) = $0.state { ContinuousClock.now < until } else { false }
        }
    }

    /// A ready connection: the current one, or a new one made now. Fails fast
    /// with the last error while backing off, unless `waitForReady`.
    func ready(waitForReady: Bool, deadline: ContinuousClock.Instant?) async throws -> Ready {
        while true {
            do {
                return try await attempt()
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

    private func attempt() async throws -> Ready {
        try await withCheckedThrowingContinuation { continuation in
            let start: (generation: Int, failures: Int)? = state.withLock { current in
                switch current.state {
                case let .ready(ready, _):
                    continuation.resume(returning: ready)
                    return nil
                case .connecting(let generation, var waiters):
                    waiters.append(continuation)
                    current.state = .connecting(generation: generation, waiters: waiters)
                    return nil
                case let .backingOff(error, until, _) where ContinuousClock.now < until:
                    continuation.resume(throwing: BackingOff(error: error, until: until))
                    return nil
                case let .backingOff(_, _, failures), let .idle(failures):
                    current.generation += 1
                    current.state = .connecting(generation: current.generation, waiters: [continuation])
                    return (current.generation, failures)
                case .shutdown:
                    continuation.resume(throwing: RPCError(.unavailable, "the channel is closed"))
                    return nil
                }
            }
            if let start { connect(generation: start.generation, failures: start.failures) }
        }
    }

    private func connect(generation: Int, failures: Int) {
        let configuration = self.configuration
        let peer = "\(address.ipAddress ?? "\(address)"):\(address.port ?? 0)"
        let events = Events(
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
                let handler = try? channel.pipeline.syncOperations.handler(type: ClientConnectionHandler.self)
                guard let handler else {
                    channel.close(promise: nil)
                    connectFailed(generation: generation, failures: failures,
                                  RPCError(.internal, "connection to \(peer) has no HTTP/2 handler"))
                    return
                }
                let ready = Ready(handler: NIOLoopBound(handler, eventLoop: channel.eventLoop), channel: channel)
                let waiters: [CheckedContinuation<Ready, Error>] = state.withLock { current in
                    guard case let .connecting(currentGeneration, waiters) = current.state, currentGeneration == generation else {
                        return []
                    }
                    current.state = .ready(ready, generation: generation)
                    return waiters
                }
                for waiter in waiters { waiter.resume(returning: ready) }
            case let .failure(error):
                connectFailed(generation: generation, failures: failures, Self.describe(error, peer: peer, timeout: configuration.connectTimeout))
            }
        }
    }

    private func connectFailed(generation: Int, failures: Int, _ error: RPCError) {
        let delay = configuration.backoff.delay(afterFailures: failures + 1)
        let waiters: [CheckedContinuation<Ready, Error>] = state.withLock { current in
            guard case let .connecting(currentGeneration, waiters) = current.state, currentGeneration == generation else {
                return []
            }
            current.state = .backingOff(error, until: .now + delay, failures: failures + 1)
            return waiters
        }
        for waiter in waiters { waiter.resume(throwing: BackingOff(error: error, until: .now + delay)) }
    }

    /// The connection closed or is going away: the next call connects anew.
    private func handlerClosed(generation: Int) {
        state.withLock { current in
            if case let .ready(_, readyGeneration) = current.state, readyGeneration == generation {
                current.state = .idle(failures: 0)
            }
        }
    }

    func shutdown() {
        let channel: (any Channel)? = state.withLock { current in
            defer { current.state = .shutdown }
            if case let .ready(ready, _) = current.state { return ready.channel }
            return nil
        }
        channel?.close(promise: nil)
    }

    /// A precise message for a failed connect: "connection refused by 127.0.0.1:50051".
    private static func describe(_ error: any Error, peer: String, timeout: Duration) -> RPCError {
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return describe(first.error, peer: peer, timeout: timeout)
        }
        if error is ChannelError, case ChannelError.connectTimeout = error as! ChannelError {
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
