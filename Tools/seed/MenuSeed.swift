import Foundation
import SeededRandom

/// The sample menu, as `deploy/seed/menu.json` describes it: categories,
/// hand-written products, and ingredients for generated ones.
struct MenuSeed: Decodable {
    struct Category: Decodable {
        var name: String
        var description: String
        var sortOrder: Int32
    }

    struct Product: Decodable {
        var category: String
        var name: String
        var description: String
        var priceCents: Int64
        var preparationMinutes: Int32
        var calories: Int32?
        var tags: [String]
        var featured: Bool?
    }

    /// Names are "<style> <dish>", descriptions end with one of the
    /// phrases; prices and times fall in the ranges.
    struct Generator: Decodable {
        var styles: [String]
        var dishes: [String]
        var phrases: [String]
        var priceCents: [Int64]
        var minutes: [Int32]
    }

    struct Generated: Decodable {
        var count: Int
        var seed: UInt64
        var categories: [String: Generator]
    }

    var categories: [Category]
    var products: [Product]
    var generated: Generated

    /// The hand-written products followed by `generated.count` generated
    /// ones, the same on every run (a fixed seed).
    func allProducts() -> [Product] {
        var random = SplitMix64(seed: generated.seed)
        var combinations: [(category: String, style: String, dish: String)] = []
        for category in generated.categories.keys.sorted() {
            let generator = generated.categories[category]!
            for style in generator.styles {
                for dish in generator.dishes { combinations.append((category, style, dish)) }
            }
        }
        // A deterministic shuffle, then the first `count` combinations.
        for index in stride(from: combinations.count - 1, to: 0, by: -1) {
            combinations.swapAt(index, Int(random.next() % UInt64(index + 1)))
        }
        let diets = ["vegetarian", "vegan", "gluten-free", "spicy", "nut-free"]
        let generatedProducts = combinations.prefix(generated.count).map { entry -> Product in
            let generator = generated.categories[entry.category]!
            let price = generator.priceCents[0] + Int64(random.next() % UInt64(generator.priceCents[1] - generator.priceCents[0] + 1))
            let minutes = generator.minutes[0] + Int32(random.next() % UInt64(generator.minutes[1] - generator.minutes[0] + 1))
            var tags = [entry.dish.lowercased(), entry.style.lowercased()]
            if random.next() % 3 == 0 { tags.append(diets[Int(random.next() % UInt64(diets.count))]) }
            return Product(
                category: entry.category,
                name: "\(entry.style) \(entry.dish)",
                description: "\(entry.style) \(entry.dish.lowercased()), \(generator.phrases[Int(random.next() % UInt64(generator.phrases.count))])",
                priceCents: price / 5 * 5,
                preparationMinutes: minutes,
                calories: Int32(150 + random.next() % 900),
                tags: tags,
                featured: random.next() % 12 == 0)
        }
        return products + generatedProducts
    }
}
