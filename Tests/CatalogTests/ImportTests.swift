import ServiceKitTesting
import Foundation
import RestaurantAPI
import RPC
import Testing

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
}
