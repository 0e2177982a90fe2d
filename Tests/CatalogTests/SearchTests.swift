import ServiceKitTesting
import Foundation
import RestaurantAPI
import RPC
import Testing

@Suite("ListProducts search", .timeLimit(.minutes(2)))
struct SearchTests {
    /// A small menu where "cheese" appears in a name, a tag and a description.
    private struct Menu {
        var burger, wrap, soup, nachos, sandwich, plate, salad: Product
        var mains, sides: RestaurantAPI.Category
    }

    private func menu(_ catalog: CatalogHarness) async throws -> Menu {
        let mains = try await catalog.category("Mains")
        let sides = try await catalog.category("Sides")
        let wrap = try await catalog.product(mains.id, "Veggie Wrap", price: 900,
                                             description: "Grilled vegetables and melted cheese in a tortilla")
        let soup = try await catalog.product(sides.id, "Tomato Soup", price: 600, tags: ["cheese", "warm"])
        let burger = try await catalog.product(mains.id, "Cheese Burger", price: 1400,
                                               description: "Beef patty on a brioche bun", tags: ["beef"])
        let nachos = try await catalog.product(sides.id, "Spicy Cheese Nachos", price: 800,
                                               description: "Jalapeños", tags: ["spicy"])
        let sandwich = try await catalog.product(mains.id, "Grilled Cheese Sandwich", price: 700, available: false)
        let plate = try await catalog.product(sides.id, "Cheese Plate", price: 1600,
                                              description: "Aged cheddar with grilled bread")
        let salad = try await catalog.product(sides.id, "Caesar Salad", price: 950, description: "Romaine, croutons")
        return Menu(burger: burger, wrap: wrap, soup: soup, nachos: nachos, sandwich: sandwich, plate: plate,
                    salad: salad, mains: mains, sides: sides)
    }

    private func search(_ catalog: CatalogHarness, _ query: String,
                        _ change: (inout ListProductsRequest) -> Void = { _ in }) async throws -> ListProductsResponse {
        var request = ListProductsRequest.with {
            $0.query = query
            $0.pageSize = 20
        }
        change(&request)
        return try await catalog.client.listProducts(request, options: CatalogHarness.open)
    }

    @Test("Name matches rank above tag matches, which rank above description matches")
    func ranking() async throws {
        try await CatalogHarness.with { catalog in
            let menu = try await menu(catalog)
            let found = try await search(catalog, "cheese").products.map(\.id)
            #expect(Set(found) == [menu.burger.id, menu.nachos.id, menu.sandwich.id, menu.plate.id, menu.soup.id, menu.wrap.id])
            let byName: Set = [menu.burger.id, menu.nachos.id, menu.sandwich.id, menu.plate.id]
            let soupRank = try #require(found.firstIndex(of: menu.soup.id))
            let wrapRank = try #require(found.firstIndex(of: menu.wrap.id))
            for id in byName {
                #expect(found.firstIndex(of: id)! < soupRank, "name match \(id) above the tag match")
            }
            #expect(soupRank < wrapRank, "tag match above the description match")
            #expect(!found.contains(menu.salad.id))
        }
    }

    @Test("Prefixes and short words find whole words; stemming finds other forms")
    func prefixes() async throws {
        try await CatalogHarness.with { catalog in
            let menu = try await menu(catalog)
            let cheese: Set = [menu.burger.id, menu.nachos.id, menu.sandwich.id, menu.plate.id, menu.soup.id, menu.wrap.id]
            #expect(Set(try await search(catalog, "chee").products.map(\.id)) == cheese)
            #expect(Set(try await search(catalog, "CHEES").products.map(\.id)) == cheese)
            #expect(try await search(catalog, "burg").products.map(\.id) == [menu.burger.id])
            #expect(try await search(catalog, "burgers").products.map(\.id) == [menu.burger.id])
            #expect(try await search(catalog, "tortillas").products.map(\.id) == [menu.wrap.id])
            #expect(try await search(catalog, "jalape").products.map(\.id) == [menu.nachos.id])
            // Two words: both must match (in any field).
            #expect(try await search(catalog, "chee bur").products.map(\.id) == [menu.burger.id])
            #expect(try await search(catalog, "cheese beef").products.map(\.id) == [menu.burger.id])
            #expect(Set(try await search(catalog, "grill").products.map(\.id)) == [menu.wrap.id, menu.sandwich.id, menu.plate.id])
        }
    }

    @Test("Web search syntax: quoted phrases, -exclusions and OR")
    func websearchSyntax() async throws {
        try await CatalogHarness.with { catalog in
            let menu = try await menu(catalog)
            #expect(try await search(catalog, "\"grilled cheese\"").products.map(\.id) == [menu.sandwich.id],
                    "a phrase matches the words next to each other only")
            let withoutSpicy = Set(try await search(catalog, "cheese -spicy").products.map(\.id))
            #expect(withoutSpicy == [menu.burger.id, menu.sandwich.id, menu.plate.id, menu.soup.id, menu.wrap.id])
            let either = Set(try await search(catalog, "burger or salad").products.map(\.id))
            #expect(either == [menu.burger.id, menu.salad.id])
            let phraseAndExclusion = try await search(catalog, "\"cheese burger\" -beef").products
            #expect(phraseAndExclusion.isEmpty)
        }
    }

    @Test("No match gives an empty page; odd input is never an error")
    func noMatch() async throws {
        try await CatalogHarness.with { catalog in
            _ = try await menu(catalog)
            let none = try await search(catalog, "xylophone")
            #expect(none.products.isEmpty)
            #expect(none.totalSize == 0)
            #expect(none.nextPageToken.isEmpty)
            for odd in ["!!!", "the", "a & b | c", "':* & !", "\"", "-", "or", "ß½日本語", "'; DROP TABLE products; --",
                        "cheese:*", "(cheese", "\\", "%_", String(repeating: "é", count: 200)] {
                do {
                    _ = try await search(catalog, odd)
                } catch {
                    Issue.record("query \(odd.debugDescription) failed: \(error)")
                }
            }
            // Only whitespace means no search.
            #expect(try await search(catalog, "   ").totalSize == 7)
        }
    }

    @Test("Search combines with the filters and every sort")
    func searchWithFilters() async throws {
        try await CatalogHarness.with { catalog in
            let menu = try await menu(catalog)
            let inMains = try await search(catalog, "cheese") { $0.categoryId = menu.mains.id }
            #expect(Set(inMains.products.map(\.id)) == [menu.burger.id, menu.sandwich.id, menu.wrap.id])
            #expect(inMains.totalSize == 3)
            let available = try await search(catalog, "cheese") {
                $0.categoryId = menu.mains.id
                $0.availableOnly = true
                $0.maxPriceCents = 1000
            }
            #expect(available.products.map(\.id) == [menu.wrap.id])
            #expect(available.totalSize == 1)
            let cheapestFirst = try await search(catalog, "cheese") { $0.sort = .priceAsc }
            #expect(cheapestFirst.products.map(\.priceCents) == [600, 700, 800, 900, 1400, 1600])
            let paged = try await search(catalog, "cheese") {
                $0.sort = .name
                $0.pageSize = 4
            }
            #expect(paged.products.map(\.name) == ["Cheese Burger", "Cheese Plate", "Grilled Cheese Sandwich", "Spicy Cheese Nachos"])
            #expect(paged.totalSize == 6)
            let rest = try await search(catalog, "cheese") {
                $0.sort = .name
                $0.pageSize = 4
                $0.pageToken = paged.nextPageToken
            }
            #expect(rest.products.map(\.name) == ["Tomato Soup", "Veggie Wrap"])
            #expect(rest.nextPageToken.isEmpty)
        }
    }
}
