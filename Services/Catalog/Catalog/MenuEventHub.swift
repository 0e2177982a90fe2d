import Logging
import Postgres
import RestaurantAPI
import ServiceKit

/// WatchMenu's feed: the catalog's committed menu changes (announced by the
/// statements that make them, `CatalogStore.announcing`) as MenuEvents,
/// filtered by category (0: all). Changes committed while the feed's LISTEN
/// connection is down are missed, and watchers are not told (``ChangeFeed``).
typealias MenuEventHub = ChangeFeed<MenuEvent, Int64>

extension ChangeFeed<MenuEvent, Int64> {
    convenience init(store: CatalogStore, logger: Logger, bufferLimit: Int = 1024) {
        self.init(pool: store.pool, channel: store.menuChannel, bufferLimit: bufferLimit,
                  lagAdvice: "reconnect and use ListProducts to catch up", logger: logger,
                  matches: { categoryID, event in categoryID == 0 || categoryID == event.product?.categoryId }) { payload in
            try await store.menuEvent(payload: payload, logger: logger)
        }
    }

    func subscribe(categoryID: Int64) async throws -> AsyncThrowingStream<MenuEvent, any Error> {
        try await subscribe(categoryID)
    }
}
