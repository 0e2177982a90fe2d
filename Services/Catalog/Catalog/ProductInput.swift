import RestaurantAPI
import RPC
import ServiceKit

/// A product's fields after validation: trimmed, bounded, tags normalized.
/// Built from CreateProductRequest; its rules also check the masked fields
/// of an update (``ProductChanges``).
struct ProductInput: Sendable {
    var categoryID: Int64
    var name: String
    var description: String
    var priceCents: Int64
    var preparationMinutes: Int32
    var calories: Int32?
    var available: Bool
    var featured: Bool
    var tags: [String]
    var dietaryRestrictions: [DietaryRestriction]

    /// Validates a create request with the contract's rules and messages.
    init(_ request: CreateProductRequest) throws(RPCError) {
        categoryID = try Self.category(request.categoryId, field: "category_id")
        name = try Self.name(request.name, field: "name")
        description = try Self.description(request.description, field: "description")
        priceCents = try Self.price(request.priceCents, field: "price_cents")
        preparationMinutes = try Self.preparation(request.preparationMinutes, field: "preparation_minutes")
        calories = try Self.calories(request.calories, field: "calories")
        available = request.available ?? true
        featured = request.featured
        tags = try Self.tags(request.tags, field: "tags")
        dietaryRestrictions = try DietaryRestrictions.validated(request.dietaryRestrictions, field: "dietary_restrictions",
                                                                 implying: true)
    }

    static func category(_ id: Int64, field: String) throws(RPCError) -> Int64 {
        try Validate.id(id, field)
        return id
    }

    static func name(_ value: String, field: String) throws(RPCError) -> String {
        try Validate.text(value, field, length: 1...200)
    }

    static func description(_ value: String, field: String) throws(RPCError) -> String {
        try Validate.text(value, field, length: 0...5000)
    }

    static func price(_ value: Int64, field: String) throws(RPCError) -> Int64 {
        try Validate.positive(value, field)
        return value
    }

    static func preparation(_ value: Int32, field: String) throws(RPCError) -> Int32 {
        try Validate.number(value, field, in: 0...480)
        return value
    }

    static func calories(_ value: Int32?, field: String) throws(RPCError) -> Int32? {
        if let value, value < 0 { throw RPCError(.invalidArgument, "\(field) must not be negative") }
        return value
    }

    /// Trimmed, lowercased, first occurrence kept.
    static func tags(_ values: [String], field: String) throws(RPCError) -> [String] {
        guard values.count <= 20 else {
            throw RPCError(.invalidArgument, "\(field) must contain at most 20 tags")
        }
        var seen = Set<String>()
        var tags: [String] = []
        for (index, value) in values.enumerated() {
            let tag = try Validate.text(value, "\(field)[\(index)]", length: 1...50).lowercased()
            if seen.insert(tag).inserted { tags.append(tag) }
        }
        return tags
    }
}

/// The fields an UpdateProduct mask names, validated by the CreateProduct
/// rules; nil leaves a field as it is.
struct ProductChanges: Sendable {
    var categoryID: Int64?
    var name: String?
    var description: String?
    var priceCents: Int64?
    var preparationMinutes: Int32?
    /// `.some(nil)` clears the calories.
    var calories: Int32??
    var available: Bool?
    var featured: Bool?
    var tags: [String]?
    var dietaryRestrictions: [DietaryRestriction]?

    /// The masked fields of `product`; a path named twice is applied once.
    init(_ product: Product, paths: [String]) throws(RPCError) {
        for path in paths {
            switch path {
            case "category_id": categoryID = try ProductInput.category(product.categoryId, field: "product.category_id")
            case "name": name = try ProductInput.name(product.name, field: "product.name")
            case "description": description = try ProductInput.description(product.description, field: "product.description")
            case "price_cents": priceCents = try ProductInput.price(product.priceCents, field: "product.price_cents")
            case "preparation_minutes":
                preparationMinutes = try ProductInput.preparation(product.preparationMinutes, field: "product.preparation_minutes")
            case "calories": calories = .some(try ProductInput.calories(product.calories, field: "product.calories"))
            case "available": available = product.available
            case "featured": featured = product.featured
            case "tags": tags = try ProductInput.tags(product.tags, field: "product.tags")
            case "dietary_restrictions":
                dietaryRestrictions = try DietaryRestrictions.validated(
                    product.dietaryRestrictions, field: "product.dietary_restrictions", implying: true)
            default: throw RPCError(.invalidArgument, "update_mask path '\(path)' cannot be updated")
            }
        }
    }
}
