internal import LibPQ
import Logging
import Synchronization

/// The pool's LISTEN side: one dedicated connection, shared by every
/// subscriber, that listens to the union of their channels.
///
/// A single task owns the connection and runs its commands one at a time
/// (LISTEN, UNLISTEN, reconnecting), so concurrent subscribers never race
/// on it. Notifications are fanned out from the poller thread.
final class NotificationHub: Sendable {
    private enum Command {
        case listen(String, CheckedContinuation<Void, any Error>)
        case unlisten(String)
        case reconnect
    }

    private struct State {
        var subscribers: [String: [UInt64: AsyncStream<PostgresNotification>.Continuation]] = [:]
        var nextSubscriberID: UInt64 = 0
        var isShutDown = false
    }

    private let configuration: PostgresConfiguration
    private let poller: Poller
    private let logger: Logger
    private let state = Mutex(State())
    private let commands: AsyncStream<Command>.Continuation
    private let worker: Task<Void, Never>

    init(configuration: PostgresConfiguration, poller: Poller, logger: Logger) {
        self.configuration = configuration
        self.poller = poller
        self.logger = logger
        let (stream, commands) = AsyncStream.makeStream(of: Command.self)
        self.commands = commands
        let listener = ListenerConnection(configuration: configuration, poller: poller, logger: logger)
        self.worker = Task {
            for await command in stream {
                await listener.perform(command)
            }
            listener.close()
        }
        listener.hub = self
    }

    func subscribe(channel: String) async throws -> AsyncStream<PostgresNotification> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: PostgresNotification.self,
            bufferingPolicy: .bufferingNewest(10_000)
        )
        let subscriberID: UInt64? = state.withLock { state in
            guard !state.isShutDown else { return nil }
            state.nextSubscriberID += 1
            state.subscribers[channel, default: [:]][state.nextSubscriberID] = continuation
            return state.nextSubscriberID
        }
        guard let subscriberID else { throw PostgresError(code: .poolShutDown) }
        continuation.onTermination = { [weak self] _ in
            self?.unsubscribe(channel: channel, id: subscriberID)
        }
        do {
            try await withCheckedThrowingContinuation { listening in
                commands.yield(.listen(channel, listening))
            }
        } catch {
            continuation.finish()
            throw error
        }
        return stream
    }

    private func unsubscribe(channel: String, id: UInt64) {
        let wasLast = state.withLock { state in
            state.subscribers[channel]?[id] = nil
            guard state.subscribers[channel]?.isEmpty == true else { return false }
            state.subscribers[channel] = nil
            return true
        }
        if wasLast {
            commands.yield(.unlisten(channel))
        }
    }

    /// The channels that currently have subscribers.
    var channels: [String] {
        state.withLock { Array($0.subscribers.keys) }
    }

    func deliver(_ notification: PQNotification) {
        let subscribers = state.withLock { Array(($0.subscribers[notification.channel] ?? [:]).values) }
        let value = PostgresNotification(
            channel: notification.channel,
            payload: notification.payload,
            senderPID: notification.backendPID
        )
        for subscriber in subscribers {
            subscriber.yield(value)
        }
    }

    func connectionBroke() {
        commands.yield(.reconnect)
    }

    /// Ends every subscription and closes the connection.
    func shutdown() async {
        let subscribers = state.withLock { state in
            state.isShutDown = true
            defer { state.subscribers.removeAll() }
            return state.subscribers.values.flatMap(\.values)
        }
        subscribers.forEach { $0.finish() }
        commands.finish()
        worker.cancel()
        await worker.value
    }

    /// The dedicated connection, used only from the hub's worker task.
    private final class ListenerConnection: @unchecked Sendable {
        // @unchecked: `driver`, `listening` and `hub` are touched only by
        // the hub's single worker task (commands run one after another),
        // except `hub`, which is set once before the first command.
        private var driver: ConnectionDriver?
        private var listening: Set<String> = []
        weak var hub: NotificationHub?
        private let configuration: PostgresConfiguration
        private let poller: Poller
        private let logger: Logger

        init(configuration: PostgresConfiguration, poller: Poller, logger: Logger) {
            self.configuration = configuration
            self.poller = poller
            self.logger = logger
        }

        func perform(_ command: Command) async {
            switch command {
            case .listen(let channel, let continuation):
                do {
                    let driver = try await connected()
                    if !listening.contains(channel) {
                        try await driver.simpleQuery("LISTEN \(PostgresQuery.quoteIdentifier(channel))", cancellable: false)
                        listening.insert(channel)
                    }
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            case .unlisten(let channel):
                guard let driver, listening.contains(channel), hub?.channels.contains(channel) != true else { return }
                listening.remove(channel)
                _ = try? await driver.simpleQuery("UNLISTEN \(PostgresQuery.quoteIdentifier(channel))", cancellable: false)
            case .reconnect:
                await reconnect()
            }
        }

        func close() {
            driver?.close()
            driver = nil
        }

        private func connected() async throws -> ConnectionDriver {
            if let driver, driver.isReusable {
                return driver
            }
            close()
            listening.removeAll()
            let driver = try await ConnectionDriver.connect(
                parameters: configuration.connectionParameters(applicationName: configuration.applicationName + "-listener"),
                id: 0,
                poller: poller,
                statementCacheCapacity: 1,
                eventHandler: { [weak self] event in
                    guard let hub = self?.hub else { return }
                    switch event {
                    case .notification(let notification): hub.deliver(notification)
                    case .broken: hub.connectionBroke()
                    }
                }
            )
            self.driver = driver
            return driver
        }

        /// Reopens the connection, with backoff, until every subscribed
        /// channel is listened to again or the hub shuts down.
        private func reconnect() async {
            var delay = configuration.initialReconnectDelay
            while !Task.isCancelled {
                guard let channels = hub?.channels, !channels.isEmpty else {
                    close()
                    return
                }
                do {
                    let driver = try await connected()
                    for channel in channels where !listening.contains(channel) {
                        try await driver.simpleQuery("LISTEN \(PostgresQuery.quoteIdentifier(channel))", cancellable: false)
                        listening.insert(channel)
                    }
                    logger.info("listener connection restored", metadata: ["channels": "\(channels.count)"])
                    return
                } catch {
                    logger.warning("listener connection lost; retrying", metadata: ["error": "\((error as? PostgresError)?.debugDescription ?? "\(error)")"])
                    close()
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, configuration.maxReconnectDelay)
                }
            }
        }
    }
}
