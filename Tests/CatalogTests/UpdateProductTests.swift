import ServiceKitTesting
import Foundation
import RestaurantAPI
import RPC
import Testing
import WellKnownTypes

@Suite("UpdateProduct", .timeLimit(.minutes(2)))
struct UpdateProductTests {
    private func update(_ catalog: CatalogHarness, _ id: Int64, _ paths: [String],
                        _ change: (inout Product) -> Void) async throws -> Product {
        var product = Product()
        product.id = id
        change(&product)
        return try await catalog.client.updateProduct(.with {
            $0.product = product
            $0.updateMask = .init(paths: paths)
        }, options: CatalogHarness.auth)
    }

    @Test("Only masked fields change; updated_at moves; created_at stays")
    func maskedFieldsOnly() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let original = try await catalog.product(mains.id, "Burger", price: 1200, preparation: 12,
                                                     description: "Beef patty", calories: 700, featured: false,
                                                     tags: ["beef", "grill"])
            try await Task.sleep(for: .milliseconds(5))
            // Every other field of the message carries junk that must be ignored.
            let renamed = try await update(catalog, original.id, ["name"]) {
                $0.name = "  Cheeseburger "
                $0.priceCents = -5
                $0.description = String(repeating: "x", count: 6000)
                $0.tags = ["ignored"]
                $0.categoryId = 123_456
                $0.available = false
            }
            #expect(renamed.name == "Cheeseburger")
            #expect(renamed.priceCents == 1200)
            #expect(renamed.description == "Beef patty")
            #expect(renamed.tags == ["beef", "grill"])
            #expect(renamed.categoryId == mains.id)
            #expect(renamed.available)
            #expect(renamed.calories == 700)
            #expect(renamed.createdAt == original.createdAt)
            #expect(renamed.updatedAt!.micros > original.updatedAt!.micros)

            try await Task.sleep(for: .milliseconds(5))
            let many = try await update(catalog, original.id,
                                        ["description", "price_cents", "preparation_minutes", "available", "featured"]) {
                $0.description = "Beef patty, cheddar"
                $0.priceCents = 1350
                $0.preparationMinutes = 14
                $0.available = false
                $0.featured = true
            }
            #expect(many.name == "Cheeseburger")
            #expect(many.description == "Beef patty, cheddar")
            #expect(many.priceCents == 1350)
            #expect(many.preparationMinutes == 14)
            #expect(!many.available)
            #expect(many.featured)
            #expect(many.updatedAt!.micros > renamed.updatedAt!.micros)

            let stored = try await catalog.client.getProduct(.with { $0.id = original.id }, options: CatalogHarness.open)
            #expect(stored == many)
        }
    }

    @Test("Masking calories without a value clears it; masking tags replaces the list")
    func caloriesAndTags() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let original = try await catalog.product(mains.id, "Salad", calories: 250, tags: ["green", "fresh"])

            let cleared = try await update(catalog, original.id, ["calories"]) { _ in }
            #expect(cleared.calories == nil)
            #expect(cleared.tags == ["green", "fresh"])

            let set = try await update(catalog, original.id, ["calories"]) { $0.calories = 0 }
            #expect(set.calories == 0)

            let retagged = try await update(catalog, original.id, ["tags"]) { $0.tags = ["Vegan", " crunchy ", "VEGAN"] }
            #expect(retagged.tags == ["vegan", "crunchy"])
            #expect(retagged.calories == 0)

            let untagged = try await update(catalog, original.id, ["tags"]) { $0.tags = [] }
            #expect(untagged.tags.isEmpty)

            // The search document follows the tags.
            let byOldTag = try await catalog.client.listProducts(.with { $0.query = "crunchy" }, options: CatalogHarness.open)
            #expect(byOldTag.products.isEmpty)
        }
    }

    @Test("Moving to another category updates category_name; an unknown category is NOT_FOUND")
    func categoryChange() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let specials = try await catalog.category("Specials")
            let original = try await catalog.product(mains.id, "Lasagne")
            let moved = try await update(catalog, original.id, ["category_id"]) { $0.categoryId = specials.id }
            #expect(moved.categoryId == specials.id)
            #expect(moved.categoryName == "Specials")

            await expectStatus(.notFound, "category 987654 not found") {
                try await update(catalog, original.id, ["category_id", "name"]) {
                    $0.categoryId = 987_654
                    $0.name = "Not applied"
                }
            }
            let stored = try await catalog.client.getProduct(.with { $0.id = original.id }, options: CatalogHarness.open)
            #expect(stored.categoryId == specials.id && stored.name == "Lasagne", "a failed update changes nothing")
        }
    }

    @Test("Missing product or mask, bad ids, paths that cannot be updated and broken masked fields are INVALID_ARGUMENT")
    func validation() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let original = try await catalog.product(mains.id, "Pasta")

            await expectInvalid("product is required") {
                try await catalog.client.updateProduct(.with { $0.updateMask = .init(paths: ["name"]) }, options: CatalogHarness.auth)
            }
            await expectInvalid("product.id must be positive") {
                try await update(catalog, 0, ["name"]) { $0.name = "x" }
            }
            await expectInvalid("update_mask is required") {
                try await catalog.client.updateProduct(.with { $0.product = .with { $0.id = original.id } }, options: CatalogHarness.auth)
            }
            await expectInvalid("update_mask is required") {
                try await update(catalog, original.id, []) { $0.name = "x" }
            }
            for path in ["rating", "id", "created_at", "updated_at", "category_name", "archived", "Name", "product.name", ""] {
                await expectInvalid("update_mask path '\(path)' cannot be updated") {
                    try await update(catalog, original.id, ["name", path]) { $0.name = "x" }
                }
            }
            // Masked fields follow the CreateProduct rules; the message names the field and the rule.
            let broken: [(String, String, (inout Product) -> Void)] = [
                ("name", "name must be between 1 and 200 characters", { $0.name = "  " }),
                ("description", "description must be at most 5000 characters", { $0.description = String(repeating: "d", count: 5001) }),
                ("price_cents", "price_cents must be greater than 0", { $0.priceCents = 0 }),
                ("preparation_minutes", "preparation_minutes must be between 0 and 480", { $0.preparationMinutes = 500 }),
                ("calories", "calories must not be negative", { $0.calories = -3 }),
                ("tags", "tags must contain at most 20 tags", { $0.tags = (0...20).map { "t\($0)" } }),
                ("tags", "tags[1] must be between 1 and 50 characters", { $0.tags = ["ok", ""] }),
                ("category_id", "category_id must be positive", { $0.categoryId = 0 }),
            ]
            for (path, rule, breakRule) in broken {
                do {
                    _ = try await update(catalog, original.id, [path], breakRule)
                    Issue.record("masking a broken \(path) succeeded")
                } catch let error as RPCError {
                    #expect(error.code == .invalidArgument, "\(path): \(error)")
                    #expect(error.message.hasSuffix(rule), "\(path): \"\(error.message)\" should end with \"\(rule)\"")
                }
            }
            await expectStatus(.notFound, "product 55555 not found") {
                try await update(catalog, 55555, ["name"]) { $0.name = "Ghost" }
            }
            let stored = try await catalog.client.getProduct(.with { $0.id = original.id }, options: CatalogHarness.open)
            #expect(stored == original, "refused updates changed nothing")
        }
    }

    @Test("A path named twice is applied once")
    func repeatedPath() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let original = try await catalog.product(mains.id, "Risotto")
            let updated = try await update(catalog, original.id, ["name", "price_cents", "name"]) {
                $0.name = "Mushroom risotto"
                $0.priceCents = 1500
            }
            #expect(updated.name == "Mushroom risotto")
            #expect(updated.priceCents == 1500)
            let stored = try await catalog.client.getProduct(.with { $0.id = original.id }, options: CatalogHarness.open)
            #expect(stored == updated)
        }
    }
}
