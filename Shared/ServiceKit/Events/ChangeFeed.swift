import Logging
import Postgres
import RPC
import Synchronization

/// Committed changes, fanned out to watchers (WatchMenu, WatchOrders).
///
/// Writers announce a change with NOTIFY in the transaction that makes it,
/// so every replica hears every committed change and nothing uncommitted.
/// The feed listens once per process, turns each notification into an event
/// once (`resolve`, which may read the database), and offers it to every
/// watcher whose filter it matches. Each watcher has a bounded buffer: one
/// that falls more than `bufferLimit` events behind is ended with
/// RESOURCE_EXHAUSTED, without holding up the others.
///
/// When the connection it listens on drops, the pool opens another and
/// listens again (with backoff while the database refuses). Changes
/// committed in between are missed: PostgreSQL keeps no notifications for
/// a session that is not listening. Watchers' streams stay open through
/// the gap, are not told of it, and get the changes committed after it.
public final class ChangeFeed<Event: Sendable, Filter: Sendable>: Sendable {
    public let bufferLimit: Int

    private struct Watcher {
        let filter: Filter
        let continuation: AsyncThrowingStream<Event, any Error>.Continuation
    }

    private struct State {
        var watchers: [Int: Watcher] = [:]
        var nextID = 0
        var listening: Task<Void, Never>?
    }

    private let pool: PostgresPool
    private let channel: String
    private let logger: Logger
    private let lagAdvice: String
    private let matches: @Sendable (Filter, Event) -> Bool
    private let resolve: @Sendable (String) async throws -> Event?
    private let state = Mutex(State())

    /// - Parameters:
    ///   - channel: the NOTIFY channel writers announce changes on.
    ///   - lagAdvice: what a dropped watcher should do, for its status
    ///     message ("reconnect and use ListProducts to catch up").
    ///   - matches: whether an event is for a watcher with that filter.
    ///   - resolve: the event a notification's payload announces; nil to
    ///     skip it (a change no longer visible).
    public init(pool: PostgresPool, channel: String, bufferLimit: Int = 1024, lagAdvice: String, logger: Logger,
                matches: @escaping @Sendable (Filter, Event) -> Bool,
                resolve: @escaping @Sendable (String) async throws -> Event?) {
        self.pool = pool
        self.channel = channel
        self.bufferLimit = bufferLimit
        self.lagAdvice = lagAdvice
        self.logger = logger
        self.matches = matches
        self.resolve = resolve
    }

    /// Events from now on that match `filter`, until the caller stops
    /// iterating or the feed ends the stream. Returns once the database is
    /// listening, so no change committed after this returns is missed.
    public func subscribe(_ filter: Filter) async throws -> AsyncThrowingStream<Event, any Error> {
        try await startListening()
        let (events, continuation) = AsyncThrowingStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(bufferLimit + 1))
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.watchers[state.nextID] = Watcher(filter: filter, continuation: continuation)
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return events
    }

    /// Ends every watcher's stream with UNAVAILABLE (the server is stopping).
    public func finishAll() {
        let watchers = state.withLock { state in
            defer { state.watchers.removeAll() }
            state.listening?.cancel()
            return Array(state.watchers.values)
        }
        for watcher in watchers {
            watcher.continuation.finish(throwing: RPCError(.unavailable, "the server is shutting down; reconnect to keep watching"))
        }
    }

    private func startListening() async throws {
        if state.withLock({ $0.listening != nil }) { return }
        let notifications = try await pool.listen(channel: channel)
        let task = Task { [weak self] in
            for await notification in notifications {
                guard let self else { return }
                await self.publish(notification.payload)
            }
        }
        let duplicate = state.withLock { state -> Bool in
            if state.listening != nil { return true }
            state.listening = task
            return false
        }
        if duplicate { task.cancel() }
    }

    private func publish(_ payload: String) async {
        let watchers = state.withLock { Array($0.watchers.values) }
        guard !watchers.isEmpty else { return }
        let event: Event
        do {
            guard let resolved = try await resolve(payload) else { return }
            event = resolved
        } catch {
            logger.warning("cannot read a change for watchers", metadata: ["payload": "\(payload)", "error": "\(error)"])
            return
        }
        for watcher in watchers where matches(watcher.filter, event) {
            if case .dropped = watcher.continuation.yield(event) {
                watcher.continuation.finish(throwing: RPCError(.resourceExhausted,
                    "the watcher fell more than \(bufferLimit) events behind; \(lagAdvice)"))
            }
        }
    }
}
