import ServiceKitTesting
import Foundation
import RestaurantAPI
import RPC
import Testing
@testable import Catalog

@Suite("ImportProducts", .timeLimit(.minutes(2)))
struct ImportTests {
    @Test("Many items, some invalid: counts, per-item errors in stream order, created ids, rows persisted")
    func importMixed() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let drinks = try await catalog.category("Drinks")
            // Items that fail, by index: (name sent, message, code).
            let failures: [Int: (name: String, message: String, code: Int32, breakRule: (inout CreateProductRequest) -> Void)] = [
                3: ("Free lunch", "price_cents must be greater than 0", 3, { $0.priceCents = 0 }),
                50: ("", "name must be between 1 and 200 characters", 3, { $0.name = "" }),
                99: ("Ghost dish", "category 424242 not found", 5, { $0.categoryId = 424_242 }),
                100: ("Negative", "calories must not be negative", 3, { $0.calories = -10 }),
                101: ("Orphan", "category_id must be positive", 3, { $0.categoryId = 0 }),
                150: ("Slow", "preparation_minutes must be between 0 and 480", 3, { $0.preparationMinutes = 999 }),
                201: ("Tagged", "tags must contain at most 20 tags", 3, { $0.tags = (0...25).map { "t\($0)" } }),
                202: ("Lost drink", "category 777 not found", 5, { $0.categoryId = 777 }),
                249: ("Last and bad", "tags[1] must be between 1 and 50 characters", 3, { $0.tags = ["ok", ""] }),
            ]
            var requests: [CreateProductRequest] = []
            for index in 0..<250 {
                var request = CreateProductRequest.with {
                    $0.categoryId = index % 2 == 0 ? mains.id : drinks.id
                    $0.name = "Imported \(index)"
                    $0.description = "item number \(index)"
                    $0.priceCents = Int64(100 + index)
                    $0.preparationMinutes = Int32(index % 60)
                    $0.calories = index % 5 == 0 ? nil : Int32(index)
                    $0.available = index % 7 != 0
                    $0.tags = ["Batch", "item\(index % 3)"]
                }
                if let failure = failures[index] {
                    request.name = failure.name
                    failure.breakRule(&request)
                }
                requests.append(request)
            }
            let response = try await catalog.importProducts(requests)

            #expect(response.createdCount == 241)
            #expect(response.failedCount == 9)
            #expect(response.errors.count == 9)
            #expect(response.createdIds.count == 241)
            #expect(response.errors.map(\.index) == failures.keys.sorted().map(Int32.init))
            for error in response.errors {
                let expected = failures[Int(error.index)]!
                #expect(error.name == expected.name, "item \(error.index)")
                #expect(error.message == expected.message, "item \(error.index)")
                #expect(error.code == expected.code, "item \(error.index)")
            }
            #expect(response.createdIds == response.createdIds.sorted(), "created ids in stream order")
            #expect(Set(response.createdIds).count == 241)

            // What was created is stored as sent, in stream order.
            let stored = try await catalog.client.batchGetProducts(.with { $0.ids = response.createdIds }, options: CatalogHarness.open)
            let sentOK = requests.enumerated().filter { failures[$0.offset] == nil }
            #expect(stored.products.count == 241)
            for (product, (index, request)) in zip(stored.products, sentOK) {
                #expect(product.name == request.name, "item \(index)")
                #expect(product.categoryId == request.categoryId)
                #expect(product.priceCents == request.priceCents)
                #expect(product.calories == request.calories)
                #expect(product.available == (request.available ?? true))
                #expect(product.tags == ["batch", "item\(index % 3)"])
            }
            let listed = try await catalog.client.listProducts(.with { $0.categoryId = mains.id }, options: CatalogHarness.open)
            #expect(listed.totalSize == Int32(sentOK.filter { $0.element.categoryId == mains.id }.count))
        }
    }

    @Test("An empty stream creates nothing; an all-bad stream fails item by item, not the call")
    func emptyAndAllBad() async throws {
        try await CatalogHarness.with { catalog in
            let empty = try await catalog.importProducts([])
            #expect(empty.createdCount == 0 && empty.failedCount == 0 && empty.errors.isEmpty && empty.createdIds.isEmpty)

            let bad = try await catalog.importProducts((0..<3).map { index in
                CreateProductRequest.with {
                    $0.categoryId = 99
                    $0.name = "Nowhere \(index)"
                    $0.priceCents = 100
                }
            })
            #expect(bad.createdCount == 0)
            #expect(bad.failedCount == 3)
            #expect(bad.errors.map(\.code) == [5, 5, 5])
            #expect(bad.errors.map(\.message) == Array(repeating: "category 99 not found", count: 3))
            #expect(bad.errors.map(\.name) == ["Nowhere 0", "Nowhere 1", "Nowhere 2"])
        }
    }

    /// Item `index` of an import, in `categoryID`.
    static func item(_ index: Int, in categoryID: Int64) -> CreateProductRequest {
        .with {
            $0.categoryId = categoryID
            $0.name = "Item \(index)"
            $0.priceCents = 100
        }
    }

    /// The names of the products the catalog stores, in id order.
    static func storedNames(_ catalog: CatalogHarness) async throws -> [String] {
        try await catalog.pool.query("SELECT name FROM products ORDER BY id").map { try $0.decode(String.self, at: 0) }
    }

    @Test("A database failure in a later batch: its status, the earlier batch kept, none of the failing one")
    func failureInALaterBatch() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let doomed = try await catalog.category("Doomed")
            // The second batch's last item names a category being deleted:
            // its insert waits for the delete, then fails its foreign key.
            let deleting = try await HeldTransaction.begin(
                "DELETE FROM \(identifier: catalog.schema.name).categories WHERE id = \(doomed.id)")
            let batch = CatalogHandler.importBatchSize
            let requests = (0..<(2 * batch - 1)).map { Self.item($0, in: mains.id) } + [Self.item(2 * batch - 1, in: doomed.id)]
            let importing = Task { try await catalog.importProducts(requests) }
            // The first batch committed before the second began.
            _ = try await catalog.service.waitForLockWait()
            try await deleting.commit()
            await expectStatus(.failedPrecondition,
                               "a referenced record does not exist or is still in use (products_category_id_fkey)") {
                try await importing.value
            }
            #expect(try await Self.storedNames(catalog) == (0..<batch).map { "Item \($0)" })
        }
    }

    @Test("A client that cancels mid-stream: the batches committed before stay, the unfinished one is never written")
    func clientCancels() async throws {
        struct Abandoned: Error {}
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let batch = CatalogHandler.importBatchSize
            do {
                _ = try await catalog.client.importProducts(options: CatalogHarness.auth) { writer in
                    for index in 0..<(batch + batch / 2) { try await writer.write(Self.item(index, in: mains.id)) }
                    let committed = try await eventually(timeout: .seconds(20), interval: .milliseconds(20)) {
                        try await Self.storedNames(catalog).count == batch
                    }
                    #expect(committed, "the first batch commits once its last item arrives")
                    // Time for the rest to reach the handler, then RST_STREAM.
                    try await Task.sleep(for: .milliseconds(200))
                    throw Abandoned()
                }
                Issue.record("the import succeeded")
            } catch is Abandoned {}
            // The client does not wait for the server: the call is over there
            // once the server's metrics count it.
            let ended = await eventually(timeout: .seconds(10), interval: .milliseconds(20)) {
                catalog.metrics.render().contains("grpc_method=\"ImportProducts\",grpc_code=\"CANCELLED\"} 1")
            }
            #expect(ended, "\(catalog.metrics.render())")
            #expect(catalog.pool.metrics().inUseConnections == 0, "the handler gave its connection back")
            #expect(try await Self.storedNames(catalog) == (0..<batch).map { "Item \($0)" })
            // And the server goes on serving imports.
            let next = try await catalog.importProducts([Self.item(999, in: mains.id)])
            #expect(next.createdCount == 1)
        }
    }
}
