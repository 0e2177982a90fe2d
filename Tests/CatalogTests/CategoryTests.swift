import ServiceKitTesting
import Foundation
import RestaurantAPI
import RPC
import Testing

@Suite("Categories", .timeLimit(.minutes(2)))
struct CategoryTests {
    @Test("CreateCategory derives the slug, defaults active to true and returns every field")
    func createCategory() async throws {
        try await CatalogHarness.with { catalog in
            let before = Date()
            let mains = try await catalog.client.createCategory(.with {
                $0.name = "  Main Courses  "
                $0.description = "Hearty plates"
                $0.sortOrder = 3
            }, options: CatalogHarness.auth)
            #expect(mains.id > 0)
            #expect(mains.name == "Main Courses")
            #expect(mains.slug == "main-courses")
            #expect(mains.description == "Hearty plates")
            #expect(mains.sortOrder == 3)
            #expect(mains.active)
            #expect(mains.productCount == 0)
            #expect(abs(mains.createdAt!.date.timeIntervalSince(before)) < 60)

            let hidden = try await catalog.category("Crème brûlée & Co. -- (Seasonal)!", sortOrder: -2, active: false)
            #expect(hidden.slug == "crème-brûlée-co-seasonal")
            #expect(!hidden.active)
            #expect(hidden.sortOrder == -2)
            #expect(hidden.id != mains.id)

            // Exactly 100 characters (code points) is allowed, even multi-byte ones.
            let long = try await catalog.category(String(repeating: "é", count: 100))
            #expect(long.name.unicodeScalars.count == 100)
        }
    }

    @Test("CreateCategory rejects names and descriptions that break their rules, naming field and rule")
    func createCategoryValidation() async throws {
        try await CatalogHarness.with { catalog in
            for name in ["", "    ", String(repeating: "x", count: 101)] {
                await expectInvalid("name must be between 1 and 100 characters") {
                    try await catalog.client.createCategory(.with { $0.name = name }, options: CatalogHarness.auth)
                }
            }
            await expectInvalid("name must contain a letter or digit") {
                try await catalog.client.createCategory(.with { $0.name = "!!! --- ???" }, options: CatalogHarness.auth)
            }
            await expectInvalid("description must be at most 2000 characters") {
                try await catalog.client.createCategory(.with {
                    $0.name = "Soups"
                    $0.description = String(repeating: "d", count: 2001)
                }, options: CatalogHarness.auth)
            }
            // Nothing was created by the refused calls.
            let all = try await catalog.client.listCategories(.init(), options: CatalogHarness.open)
            #expect(all.categories.isEmpty)
        }
    }

    @Test("Duplicate names (ignoring case) and clashing slugs are ALREADY_EXISTS")
    func duplicates() async throws {
        try await CatalogHarness.with { catalog in
            try await catalog.category("Desserts")
            await expectStatus(.alreadyExists, "category 'Desserts' already exists") {
                try await catalog.category("Desserts")
            }
            await expectStatus(.alreadyExists, "category 'DESSERTS' already exists") {
                try await catalog.category("DESSERTS")
            }
            await expectStatus(.alreadyExists, "category 'desserts' already exists") {
                try await catalog.category("  desserts ")
            }
            try await catalog.category("Main Courses")
            // A different name with the same slug.
            await expectStatus(.alreadyExists, "category 'main-courses' already exists") {
                try await catalog.category("main-courses")
            }
            await expectStatus(.alreadyExists, "category 'Main / Courses' already exists") {
                try await catalog.category("Main / Courses")
            }
            let all = try await catalog.client.listCategories(.init(), options: CatalogHarness.open)
            #expect(all.categories.map(\.name).sorted() == ["Desserts", "Main Courses"])
        }
    }

    @Test("ListCategories orders by sort_order, name ignoring case, id; filters active; counts available products")
    func listCategories() async throws {
        try await CatalogHarness.with { catalog in
            let drinks = try await catalog.category("drinks", sortOrder: 5)
            let starters = try await catalog.category("Starters", sortOrder: 1)
            let bowls = try await catalog.category("bowls", sortOrder: 5)
            let archive = try await catalog.category("Archive", sortOrder: 0, active: false)
            let breads = try await catalog.category("Breads", sortOrder: 5)

            let all = try await catalog.client.listCategories(.init(), options: CatalogHarness.open)
            #expect(all.categories.map(\.id) == [archive.id, starters.id, bowls.id, breads.id, drinks.id])
            let active = try await catalog.client.listCategories(.with { $0.activeOnly = true }, options: CatalogHarness.open)
            #expect(active.categories.map(\.id) == [starters.id, bowls.id, breads.id, drinks.id])

            // product_count: available and not deleted only.
            try await catalog.product(starters.id, "Olives")
            try await catalog.product(starters.id, "Bread sticks")
            try await catalog.product(starters.id, "Soup of the day", available: false)
            let gone = try await catalog.product(starters.id, "Old starter")
            _ = try await catalog.client.deleteProduct(.with { $0.id = gone.id }, options: CatalogHarness.auth)
            try await catalog.product(archive.id, "Museum piece")
            let counted = try await catalog.client.listCategories(.init(), options: CatalogHarness.open)
            let counts = Dictionary(uniqueKeysWithValues: counted.categories.map { ($0.id, $0.productCount) })
            #expect(counts[starters.id] == 2)
            #expect(counts[archive.id] == 1)
            #expect(counts[drinks.id] == 0)
            // Every field survives the listing.
            let listedStarters = try #require(counted.categories.first { $0.id == starters.id })
            #expect(listedStarters.slug == "starters")
            #expect(listedStarters.sortOrder == 1)
            #expect(listedStarters.createdAt == starters.createdAt)
        }
    }
}
