import ServiceKitTesting
import Foundation
import RestaurantAPI
import RPC
import Testing
import WellKnownTypes

@Suite("ListProducts: filters, validation, page sizes and tokens", .timeLimit(.minutes(2)))
struct ListProductsTests {
    @Test("Filters combine with AND; prices are inclusive; total_size counts every match")
    func filters() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains", sortOrder: 1)
            let drinks = try await catalog.category("Drinks", sortOrder: 2)
            let steak = try await catalog.product(mains.id, "Steak", price: 2500, featured: true)
            let fish = try await catalog.product(mains.id, "Fish", price: 1800, available: false, featured: true)
            let pasta = try await catalog.product(mains.id, "Pasta", price: 1200)
            let cola = try await catalog.product(drinks.id, "Cola", price: 300)
            let wine = try await catalog.product(drinks.id, "Wine", price: 1800, featured: true)

            func ids(_ change: (inout ListProductsRequest) -> Void) async throws -> (ids: [Int64], total: Int32) {
                var request = ListProductsRequest()
                change(&request)
                let page = try await catalog.client.listProducts(request, options: CatalogHarness.open)
                return (page.products.map(\.id), page.totalSize)
            }
            // Default order: category sort_order, then product name.
            #expect(try await ids { _ in } == ([fish.id, pasta.id, steak.id, cola.id, wine.id], 5))
            #expect(try await ids { $0.categoryId = drinks.id } == ([cola.id, wine.id], 2))
            #expect(try await ids { $0.availableOnly = true } == ([pasta.id, steak.id, cola.id, wine.id], 4))
            #expect(try await ids { $0.featuredOnly = true } == ([fish.id, steak.id, wine.id], 3))
            #expect(try await ids { $0.minPriceCents = 1800 } == ([fish.id, steak.id, wine.id], 3))
            #expect(try await ids { $0.maxPriceCents = 1800 } == ([fish.id, pasta.id, cola.id, wine.id], 4))
            #expect(try await ids { $0.minPriceCents = 1800; $0.maxPriceCents = 1800 } == ([fish.id, wine.id], 2))
            #expect(try await ids { $0.minPriceCents = 0; $0.maxPriceCents = 0 } == ([], 0))
            #expect(try await ids {
                $0.categoryId = mains.id
                $0.availableOnly = true
                $0.featuredOnly = true
                $0.minPriceCents = 1000
            } == ([steak.id], 1))
            #expect(try await ids { $0.categoryId = 424_242 } == ([], 0))
            // Each listed product is complete.
            let page = try await catalog.client.listProducts(.with { $0.categoryId = drinks.id }, options: CatalogHarness.open)
            #expect(page.products.first == cola)
            #expect(page.nextPageToken.isEmpty)
        }
    }

    @Test("Bad filters, sort, page size and page tokens are INVALID_ARGUMENT naming field and rule")
    func validation() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            for index in 0..<3 { try await catalog.product(mains.id, "Dish \(index)") }
            let cases: [(String, (inout ListProductsRequest) -> Void)] = [
                ("category_id must not be negative", { $0.categoryId = -1 }),
                ("min_price_cents must not be negative", { $0.minPriceCents = -1 }),
                ("max_price_cents must not be negative", { $0.maxPriceCents = -1 }),
                ("min_price_cents must not exceed max_price_cents", { $0.minPriceCents = 500; $0.maxPriceCents = 499 }),
                ("query must be at most 200 characters", { $0.query = String(repeating: "q", count: 201) }),
                ("sort is invalid", { $0.sort = .unrecognized(42) }),
                ("page_size must not be negative", { $0.pageSize = -1 }),
                ("page_token is invalid", { $0.pageToken = "not-a-token" }),
                ("page_token is invalid", { $0.pageToken = "eyJwIjp7fX0" }),  // base64 JSON of the wrong shape
                ("page_token is invalid", { $0.pageToken = String(repeating: "A", count: 5000) }),
            ]
            for (message, breakRule) in cases {
                var request = ListProductsRequest()
                breakRule(&request)
                await expectInvalid(message) {
                    try await catalog.client.listProducts(request, options: CatalogHarness.open)
                }
            }
            // 200 characters of query is fine.
            _ = try await catalog.client.listProducts(.with { $0.query = String(repeating: "q", count: 200) }, options: CatalogHarness.open)
        }
    }

    @Test("A page token only works with the filters and sort it was issued for")
    func tokenBoundToQuery() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            for index in 0..<5 { try await catalog.product(mains.id, "Dish \(index)", price: Int64(100 + index)) }
            let first = try await catalog.client.listProducts(.with {
                $0.pageSize = 2
                $0.sort = .priceAsc
            }, options: CatalogHarness.open)
            #expect(!first.nextPageToken.isEmpty)
            let token = first.nextPageToken

            let changes: [(inout ListProductsRequest) -> Void] = [
                { $0.sort = .priceDesc },
                { $0.sort = .unspecified },
                { $0.categoryId = mains.id },
                { $0.availableOnly = true },
                { $0.featuredOnly = true },
                { $0.minPriceCents = 0 },
                { $0.maxPriceCents = 1_000_000 },
                { $0.query = "dish" },
            ]
            for change in changes {
                var request = ListProductsRequest.with {
                    $0.pageSize = 2
                    $0.sort = .priceAsc
                    $0.pageToken = token
                }
                change(&request)
                // Not "malformed": the token is sound but bound to other filters.
                await expectInvalid("page_token is invalid: it belongs to a request with different filters or sort") {
                    try await catalog.client.listProducts(request, options: CatalogHarness.open)
                }
            }
            // The same filters continue, even with another page size.
            let second = try await catalog.client.listProducts(.with {
                $0.pageSize = 3
                $0.sort = .priceAsc
                $0.pageToken = token
            }, options: CatalogHarness.open)
            #expect(second.products.map(\.priceCents) == [102, 103, 104])
            #expect(second.nextPageToken.isEmpty)
        }
    }

    @Test("page_size: 0 means 20, above 100 is clamped to 100")
    func pageSizes() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let imported = try await catalog.importProducts((0..<105).map { index in
                CreateProductRequest.with {
                    $0.categoryId = mains.id
                    $0.name = String(format: "Item %03d", index)
                    $0.priceCents = Int64(100 + index)
                }
            })
            #expect(imported.createdCount == 105)

            let byDefault = try await catalog.client.listProducts(.init(), options: CatalogHarness.open)
            #expect(byDefault.products.count == 20)
            #expect(byDefault.totalSize == 105)
            #expect(!byDefault.nextPageToken.isEmpty)

            let clamped = try await catalog.client.listProducts(.with { $0.pageSize = 5000 }, options: CatalogHarness.open)
            #expect(clamped.products.count == 100)
            #expect(!clamped.nextPageToken.isEmpty)
            let rest = try await catalog.client.listProducts(.with {
                $0.pageSize = 5000
                $0.pageToken = clamped.nextPageToken
            }, options: CatalogHarness.open)
            #expect(rest.products.count == 5)
            #expect(rest.nextPageToken.isEmpty, "empty on the last page")
            #expect(Set((clamped.products + rest.products).map(\.id)).count == 105)

            let one = try await catalog.client.listProducts(.with { $0.pageSize = 1 }, options: CatalogHarness.open)
            #expect(one.products.count == 1)
            #expect(one.products.first?.name == "Item 000")

            // Exactly one full page: no token for an empty next page.
            let exact = try await catalog.client.listProducts(.with {
                $0.pageSize = 5
                $0.minPriceCents = 200
            }, options: CatalogHarness.open)
            #expect(exact.products.count == 5)
            #expect(exact.totalSize == 5)
            #expect(exact.nextPageToken.isEmpty)
        }
    }

    @Test("Each sort order is right, ties broken by id")
    func sortOrders() async throws {
        try await CatalogHarness.with { catalog in
            let late = try await catalog.category("Later", sortOrder: 9)
            let early = try await catalog.category("Earlier", sortOrder: 1)
            let b = try await catalog.product(late.id, "banana split", price: 700, preparation: 5)
            let a = try await catalog.product(late.id, "Apple pie", price: 500, preparation: 20)
            let c = try await catalog.product(early.id, "Cherry tart", price: 500, preparation: 5)
            let d = try await catalog.product(early.id, "apple crumble", price: 900, preparation: 30)
            let e = try await catalog.product(late.id, "Apple pie", price: 900, preparation: 5)

            func order(_ sort: ProductSort) async throws -> [Int64] {
                try await catalog.client.listProducts(.with { $0.sort = sort }, options: CatalogHarness.open).products.map(\.id)
            }
            #expect(try await order(.unspecified) == [d.id, c.id, a.id, e.id, b.id])
            #expect(try await order(.name) == [d.id, a.id, e.id, b.id, c.id])
            #expect(try await order(.priceAsc) == [a.id, c.id, b.id, d.id, e.id])
            #expect(try await order(.priceDesc) == [d.id, e.id, b.id, a.id, c.id])
            #expect(try await order(.newest) == [e.id, d.id, c.id, a.id, b.id])
            #expect(try await order(.prepTime) == [b.id, c.id, e.id, a.id, d.id])
        }
    }
}
