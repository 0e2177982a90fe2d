internal import LibPQ
import Logging
import Synchronization

/// The pool's LISTEN side: one dedicated connection, shared by every
/// subscriber, that listens to the union of their channels.
///
/// A single worker task owns the connection and runs its commands one at a
/// time (LISTEN, UNLISTEN, reconnecting), so concurrent subscribers never
/// race on it. Notifications are fanned out from the poller thread. The
/// worker starts with the first subscription, so a pool that never listens
/// never opens the connection.
final class NotificationHub: Sendable {
    fileprivate enum Command: Sendable {
        case listen(String, CheckedContinuation<Void, any Error>)
        case unlisten(String)
        case reconnect
    }

    private struct State {
        var subscribers: [String: [UInt64: AsyncStream<PostgresNotification>.Continuation]] = [:]
        var nextSubscriberID: UInt64 = 0
        var isShutDown = false
        var worker: Task<Void, Never>?
    }

    private let configuration: PostgresConfiguration
    private let poller: Poller
    private let logger: Logger
    private let state = Mutex(State())
    private let commandStream: AsyncStream<Command>
    private let commands: AsyncStream<Command>.Continuation

    init(configuration: PostgresConfiguration, poller: Poller, logger: Logger) {
        self.configuration = configuration
        self.poller = poller
        self.logger = logger
        (commandStream, commands) = AsyncStream.makeStream(of: Command.self)
    }

    func subscribe(channel: String) async throws -> AsyncStream<PostgresNotification> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: PostgresNotification.self,
            bufferingPolicy: .bufferingNewest(10_000)
        )
        let subscriberID: UInt64? = state.withLock { state in
            guard !state.isShutDown else { return nil }
            if state.worker == nil {
                state.worker = startWorker()
            }
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
                // Shutdown may have finished the commands since the check
                // above; the worker will never see this one then.
                if case .terminated = commands.yield(.listen(channel, listening)) {
                    listening.resume(throwing: PostgresError(code: .poolShutDown))
                }
            }
        } catch {
            continuation.finish()
            throw error
        }
        return stream
    }

    private func startWorker() -> Task<Void, Never> {
        var listener = ListenerConnection(hub: self, configuration: configuration, poller: poller, logger: logger)
        let commandStream = self.commandStream
        return Task {
            for await command in commandStream {
                await listener.perform(command)
            }
            listener.close()
        }
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
    var channels: Set<String> {
        state.withLock { Set($0.subscribers.keys) }
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
        let (subscribers, worker) = state.withLock { state in
            state.isShutDown = true
            defer { state.subscribers.removeAll() }
            return (state.subscribers.values.flatMap(\.values), state.worker)
        }
        subscribers.forEach { $0.finish() }
        commands.finish()
        worker?.cancel()
        await worker?.value
    }
}

/// The dedicated LISTEN connection. A value owned by the hub's worker task,
/// so its state needs no lock: commands run one after another.
private struct ListenerConnection {
    private weak var hub: NotificationHub?
    private let configuration: PostgresConfiguration
    private let poller: Poller
    private let logger: Logger
    private var driver: ConnectionDriver?
    private var listening: Set<String> = []

    init(hub: NotificationHub, configuration: PostgresConfiguration, poller: Poller, logger: Logger) {
        self.hub = hub
        self.configuration = configuration
        self.poller = poller
        self.logger = logger
    }

    mutating func perform(_ command: NotificationHub.Command) async {
        switch command {
        case .listen(let channel, let continuation):
            do {
                try await listen(to: [channel])
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

    mutating func close() {
        driver?.close()
        driver = nil
        listening.removeAll()
    }

    /// Makes sure the connection is open and listens to `channels`.
    private mutating func listen(to channels: Set<String>) async throws {
        if driver?.isReusable != true {
            close()
            driver = try await ConnectionDriver.connect(
                parameters: configuration.connectionParameters(applicationName: configuration.applicationName + "-listener"),
                id: 0,
                poller: poller,
                statementCacheCapacity: 1,
                eventHandler: { [weak hub] event in
                    switch event {
                    case .notification(let notification): hub?.deliver(notification)
                    case .broken: hub?.connectionBroke()
                    }
                }
            )
        }
        guard let driver else { return }
        for channel in channels.subtracting(listening) {
            try await driver.simpleQuery("LISTEN \(PostgresQuery.quoteIdentifier(channel))", cancellable: false)
            listening.insert(channel)
        }
    }

    /// Reopens the connection, with backoff, until every subscribed channel
    /// is listened to again or the hub shuts down.
    private mutating func reconnect() async {
        var failures = 0
        while !Task.isCancelled {
            guard let channels = hub?.channels, !channels.isEmpty else {
                close()
                return
            }
            do {
                try await listen(to: channels)
                logger.info("listener connection restored", metadata: ["channels": "\(channels.count)"])
                return
            } catch {
                let description = (error as? PostgresError)?.debugDescription ?? "\(error)"
                logger.warning("listener connection lost; retrying", metadata: ["error": "\(description)"])
                close()
                failures += 1
                try? await Task.sleep(for: configuration.reconnectDelay(afterFailures: failures))
            }
        }
    }
}
