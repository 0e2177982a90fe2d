import ServiceKitTesting
import Foundation
import RestaurantAPI
import RPC
import Testing
import WellKnownTypes

@Suite("Products: create, get, batch get, availability, delete", .timeLimit(.minutes(2)))
struct ProductTests {
    @Test("CreateProduct stores every field, normalizes tags and defaults available to true")
    func createProduct() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let before = Date()
            let product = try await catalog.client.createProduct(.with {
                $0.categoryId = mains.id
                $0.name = "  Margherita Pizza "
                $0.description = "Tomato, mozzarella, basil"
                $0.priceCents = 1250
                $0.preparationMinutes = 15
                $0.calories = 800
                $0.featured = true
                $0.tags = [" Vegetarian", "ITALIAN", "vegetarian", "Classic ", "italian"]
            }, options: CatalogHarness.auth)
            #expect(product.id > 0)
            #expect(product.categoryId == mains.id)
            #expect(product.categoryName == "Mains")
            #expect(product.name == "Margherita Pizza")
            #expect(product.description == "Tomato, mozzarella, basil")
            #expect(product.priceCents == 1250)
            #expect(product.preparationMinutes == 15)
            #expect(product.calories == 800)
            #expect(product.available)
            #expect(product.featured)
            #expect(product.tags == ["vegetarian", "italian", "classic"])
            #expect(!product.archived)
            #expect(product.rating == ProductRating.with { $0.count = 0 }, "a new product is unrated: count 0")
            #expect(product.createdAt == product.updatedAt)
            #expect(abs(product.createdAt!.date.timeIntervalSince(before)) < 60)

            // Unset calories stay unset; 0 is a value; available=false is kept.
            let water = try await catalog.product(mains.id, "Water", calories: nil, available: false)
            #expect(water.calories == nil)
            #expect(!water.available)
            #expect(!water.featured)
            #expect(water.tags.isEmpty)
            let ice = try await catalog.product(mains.id, "Ice", preparation: 0, calories: 0)
            #expect(ice.calories == 0)
            #expect(ice.preparationMinutes == 0)

            // Limits are inclusive.
            let big = try await catalog.product(mains.id, String(repeating: "n", count: 200), preparation: 480,
                                                description: String(repeating: "d", count: 5000),
                                                tags: (1...19).map { "tag\($0)" } + [String(repeating: "T", count: 50)])
            #expect(big.name.count == 200)
            // 200 code points, 100 characters as Swift counts them: allowed, and stored as sent.
            let decomposed = try await catalog.product(mains.id, String(repeating: "e\u{301}", count: 100))
            #expect(decomposed.name.unicodeScalars.count == 200)
            #expect(big.description.count == 5000)
            #expect(big.tags.count == 20)
            #expect(big.tags.last == String(repeating: "t", count: 50))

            // GetProduct returns the same product.
            let fetched = try await catalog.client.getProduct(.with { $0.id = product.id }, options: CatalogHarness.open)
            #expect(fetched == product)
        }
    }

    @Test("CreateProduct rejects each broken rule with INVALID_ARGUMENT naming field and rule")
    func createProductValidation() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            func valid() -> CreateProductRequest {
                .with {
                    $0.categoryId = mains.id
                    $0.name = "Soup"
                    $0.priceCents = 500
                    $0.preparationMinutes = 5
                }
            }
            let cases: [(String, (inout CreateProductRequest) -> Void)] = [
                ("category_id must be positive", { $0.categoryId = 0 }),
                ("category_id must be positive", { $0.categoryId = -4 }),
                ("name must be between 1 and 200 characters", { $0.name = "" }),
                ("name must be between 1 and 200 characters", { $0.name = " \n\t " }),
                ("name must be between 1 and 200 characters", { $0.name = String(repeating: "x", count: 201) }),
                // Lengths count code points: 101 "é" written as e + U+0301 are 202.
                ("name must be between 1 and 200 characters", { $0.name = String(repeating: "e\u{301}", count: 101) }),
                ("description must be at most 5000 characters", { $0.description = String(repeating: "d", count: 5001) }),
                ("price_cents must be greater than 0", { $0.priceCents = 0 }),
                ("price_cents must be greater than 0", { $0.priceCents = -100 }),
                ("preparation_minutes must be between 0 and 480", { $0.preparationMinutes = -1 }),
                ("preparation_minutes must be between 0 and 480", { $0.preparationMinutes = 481 }),
                ("calories must not be negative", { $0.calories = -1 }),
                ("tags must contain at most 20 tags", { $0.tags = (0...20).map { "t\($0)" } }),
                ("tags[2] must be between 1 and 50 characters", { $0.tags = ["a", "b", "   "] }),
                ("tags[0] must be between 1 and 50 characters", { $0.tags = [String(repeating: "t", count: 51)] }),
            ]
            for (message, breakRule) in cases {
                var request = valid()
                breakRule(&request)
                await expectInvalid(message) {
                    try await catalog.client.createProduct(request, options: CatalogHarness.auth)
                }
            }
            await expectStatus(.notFound, "category 987654 not found") {
                var request = valid()
                request.categoryId = 987_654
                return try await catalog.client.createProduct(request, options: CatalogHarness.auth)
            }
            let listed = try await catalog.client.listProducts(.init(), options: CatalogHarness.open)
            #expect(listed.products.isEmpty, "refused requests created nothing")
            #expect(listed.totalSize == 0)
        }
    }

    @Test("GetProduct: id must be positive; unknown ids are NOT_FOUND")
    func getProductErrors() async throws {
        try await CatalogHarness.with { catalog in
            await expectInvalid("id must be positive") {
                try await catalog.client.getProduct(.with { $0.id = 0 }, options: CatalogHarness.open)
            }
            await expectInvalid("id must be positive") {
                try await catalog.client.getProduct(.with { $0.id = -7 }, options: CatalogHarness.open)
            }
            await expectStatus(.notFound, "product 424242 not found") {
                try await catalog.client.getProduct(.with { $0.id = 424_242 }, options: CatalogHarness.open)
            }
        }
    }

    @Test("BatchGetProducts keeps request order and duplicates, lists missing ids once, includes archived products")
    func batchGet() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let a = try await catalog.product(mains.id, "A")
            let b = try await catalog.product(mains.id, "B")
            let c = try await catalog.product(mains.id, "C")
            _ = try await catalog.client.deleteProduct(.with { $0.id = b.id }, options: CatalogHarness.auth)

            let response = try await catalog.client.batchGetProducts(.with {
                $0.ids = [c.id, 9001, a.id, b.id, c.id, 9002, 9001, a.id]
            }, options: CatalogHarness.open)
            #expect(response.products.map(\.id) == [c.id, a.id, b.id, c.id, a.id])
            #expect(response.missingIds == [9001, 9002])
            #expect(response.products.map(\.archived) == [false, false, true, false, false])
            #expect(response.products.allSatisfy { $0.rating == nil })
            let archived = response.products[2]
            #expect(archived.name == "B")
            #expect(archived.categoryName == "Mains")
            #expect(archived.updatedAt!.micros > b.updatedAt!.micros, "deletion moves updated_at")

            let allMissing = try await catalog.client.batchGetProducts(.with { $0.ids = [77, 77] }, options: CatalogHarness.open)
            #expect(allMissing.products.isEmpty)
            #expect(allMissing.missingIds == [77])

            // 1000 ids is the limit, inclusive.
            let thousand = try await catalog.client.batchGetProducts(.with {
                $0.ids = Array(repeating: a.id, count: 999) + [5_000_000]
            }, options: CatalogHarness.open)
            #expect(thousand.products.count == 999)
            #expect(thousand.missingIds == [5_000_000])

            await expectInvalid("ids must contain between 1 and 1000 ids") {
                try await catalog.client.batchGetProducts(.init(), options: CatalogHarness.open)
            }
            await expectInvalid("ids must contain between 1 and 1000 ids") {
                try await catalog.client.batchGetProducts(.with { $0.ids = Array(repeating: a.id, count: 1001) },
                                                          options: CatalogHarness.open)
            }
            await expectInvalid("ids must be positive") {
                try await catalog.client.batchGetProducts(.with { $0.ids = [a.id, 0] }, options: CatalogHarness.open)
            }
            await expectInvalid("ids must be positive") {
                try await catalog.client.batchGetProducts(.with { $0.ids = [-1] }, options: CatalogHarness.open)
            }
        }
    }

    @Test("SetProductAvailability sets the value given; updated_at moves only when it changes")
    func setAvailability() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let product = try await catalog.product(mains.id, "Stew", tags: ["hearty"])
            try await Task.sleep(for: .milliseconds(5))

            let off = try await catalog.client.setProductAvailability(.with {
                $0.id = product.id
                $0.available = false
            }, options: CatalogHarness.auth)
            #expect(!off.available)
            #expect(off.updatedAt!.micros > product.updatedAt!.micros)
            #expect(off.createdAt == product.createdAt)
            #expect(off.name == product.name && off.tags == product.tags && off.priceCents == product.priceCents)

            try await Task.sleep(for: .milliseconds(5))
            let again = try await catalog.client.setProductAvailability(.with {
                $0.id = product.id
                $0.available = false
            }, options: CatalogHarness.auth)
            #expect(!again.available)
            #expect(again.updatedAt == off.updatedAt, "no change, no new updated_at")

            try await Task.sleep(for: .milliseconds(5))
            let on = try await catalog.client.setProductAvailability(.with {
                $0.id = product.id
                $0.available = true
            }, options: CatalogHarness.auth)
            #expect(on.available)
            #expect(on.updatedAt!.micros > off.updatedAt!.micros)
            let stored = try await catalog.client.getProduct(.with { $0.id = product.id }, options: CatalogHarness.open)
            #expect(stored.available && stored.updatedAt == on.updatedAt)

            await expectInvalid("id must be positive") {
                try await catalog.client.setProductAvailability(.with { $0.id = 0 }, options: CatalogHarness.auth)
            }
            await expectStatus(.notFound, "product 31337 not found") {
                try await catalog.client.setProductAvailability(.with {
                    $0.id = 31337
                    $0.available = true
                }, options: CatalogHarness.auth)
            }
        }
    }

    @Test("DeleteProduct archives: gone from Get, List, Update, SetAvailability and Delete; BatchGet still has it")
    func deleteArchives() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let kept = try await catalog.product(mains.id, "Kept dish")
            let product = try await catalog.product(mains.id, "Retired dish", tags: ["retired"])
            _ = try await catalog.client.deleteProduct(.with { $0.id = product.id }, options: CatalogHarness.auth)

            let notFound = "product \(product.id) not found"
            await expectStatus(.notFound, notFound) {
                try await catalog.client.getProduct(.with { $0.id = product.id }, options: CatalogHarness.open)
            }
            await expectStatus(.notFound, notFound) {
                try await catalog.client.updateProduct(.with {
                    $0.product = .with {
                        $0.id = product.id
                        $0.name = "Back again"
                    }
                    $0.updateMask = .init(paths: ["name"])
                }, options: CatalogHarness.auth)
            }
            await expectStatus(.notFound, notFound) {
                try await catalog.client.setProductAvailability(.with {
                    $0.id = product.id
                    $0.available = false
                }, options: CatalogHarness.auth)
            }
            await expectStatus(.notFound, notFound) {
                try await catalog.client.deleteProduct(.with { $0.id = product.id }, options: CatalogHarness.auth)
            }
            await expectStatus(.notFound, "product 99999 not found") {
                try await catalog.client.deleteProduct(.with { $0.id = 99999 }, options: CatalogHarness.auth)
            }
            await expectInvalid("id must be positive") {
                try await catalog.client.deleteProduct(.with { $0.id = 0 }, options: CatalogHarness.auth)
            }

            let listed = try await catalog.client.listProducts(.init(), options: CatalogHarness.open)
            #expect(listed.products.map(\.id) == [kept.id])
            #expect(listed.totalSize == 1)
            let searched = try await catalog.client.listProducts(.with { $0.query = "retired" }, options: CatalogHarness.open)
            #expect(searched.products.isEmpty && searched.totalSize == 0)

            let batch = try await catalog.client.batchGetProducts(.with { $0.ids = [product.id] }, options: CatalogHarness.open)
            let archived = try #require(batch.products.first)
            #expect(archived.archived)
            #expect(archived.name == "Retired dish")
            #expect(archived.tags == ["retired"])
            #expect(batch.missingIds.isEmpty)
        }
    }
}
