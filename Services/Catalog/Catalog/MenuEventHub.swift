import Logging
import Postgres
import RestaurantAPI
import RPC
import Synchronization
import WellKnownTypes

/// Turns committed menu changes into MenuEvents for WatchMenu callers.
///
/// Changes are announced with NOTIFY in the transaction that makes them, so
/// every replica hears every committed change. The hub listens once per
/// process, reads each changed product once, and fans the event out to its
/// watchers. A watcher that falls more than ``bufferLimit`` events behind is
/// ended with RESOURCE_EXHAUSTED rather than buffered without bound.
final class MenuEventHub: Sendable {
    let bufferLimit: Int

    private struct Watcher {
        let categoryID: Int64
        let continuation: AsyncThrowingStream<MenuEvent, any Error>.Continuation
    }

    private struct State {
        var watchers: [Int: Watcher] = [:]
        var nextID = 0
        var listening: Task<Void, Never>?
    }

    private let store: CatalogStore
    private let logger: Logger
    private let state = Mutex(State())

    init(store: CatalogStore, logger: Logger, bufferLimit: Int = 1024) {
        self.store = store
        self.logger = logger
        self.bufferLimit = bufferLimit
    }

    /// Events from now on, for products of `categoryID` (0: all), until the
    /// caller stops iterating or the hub ends the stream.
    func subscribe(categoryID: Int64) async throws -> AsyncThrowingStream<MenuEvent, any Error> {
        try await startListening()
        let (events, continuation) = AsyncThrowingStream.makeStream(of: MenuEvent.self, bufferingPolicy: .bufferingNewest(bufferLimit + 1))
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.watchers[state.nextID] = Watcher(categoryID: categoryID, continuation: continuation)
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return events
    }

    /// Ends every watcher's stream with UNAVAILABLE (the server is stopping).
    func finishAll() {
        let watchers = state.withLock { state in
            defer { state.watchers.removeAll() }
            state.listening?.cancel()
            return Array(state.watchers.values)
        }
        for watcher in watchers {
            watcher.continuation.finish(throwing: RPCError(.unavailable, "the server is shutting down; reconnect to keep watching"))
        }
    }

    /// Subscribes to the menu channel once; returns when the database is
    /// listening, so no change committed after a watcher subscribes is missed.
    private func startListening() async throws {
        if state.withLock({ $0.listening != nil }) { return }
        let notifications = try await store.pool.listen(channel: store.menuChannel)
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

    /// Payloads are `<MenuEventType raw value>:<product id>`.
    private func publish(_ payload: String) async {
        let parts = payload.split(separator: ":")
        guard parts.count == 2, let rawType = Int32(parts[0]), let id = Int64(parts[1]) else {
            logger.warning("ignoring a malformed menu notification", metadata: ["payload": "\(payload)"])
            return
        }
        let watchers = state.withLock { Array($0.watchers.values) }
        guard !watchers.isEmpty else { return }
        let product: Product
        do {
            guard var found = try await store.products(ids: [id], includingDeleted: true)[id] else { return }
            found.rating = nil  // events carry no rating (the contract)
            product = found
        } catch {
            logger.warning("cannot read a changed product for watchers", metadata: ["product": "\(id)", "error": "\(error)"])
            return
        }
        let event = MenuEvent.with {
            $0.type = MenuEventType(rawValue: rawType)
            $0.productId = id
            $0.product = product
            $0.occurredAt = product.updatedAt
        }
        for watcher in watchers where watcher.categoryID == 0 || watcher.categoryID == product.categoryId {
            if case .dropped = watcher.continuation.yield(event) {
                watcher.continuation.finish(throwing: RPCError(.resourceExhausted,
                    "the watcher fell more than \(bufferLimit) events behind; reconnect and use ListProducts to catch up"))
            }
        }
    }
}
