import RestaurantAPI
import RPC

/// Dietary restrictions as the catalog keeps them: validated lists in the
/// enum's order, stored as their names in `products.dietary_restrictions`
/// (a text[] whose CHECK allows exactly these names).
enum DietaryRestrictions {
    /// Every restriction, in the enum's (and every list's) order.
    static let all: [DietaryRestriction] = [.vegetarian, .vegan, .glutenFree, .dairyFree, .nutFree, .halal, .kosher]

    /// The stored name of `restriction` (`gluten_free`).
    static func name(of restriction: DietaryRestriction) -> String {
        switch restriction {
        case .vegetarian: "vegetarian"
        case .vegan: "vegan"
        case .glutenFree: "gluten_free"
        case .dairyFree: "dairy_free"
        case .nutFree: "nut_free"
        case .halal: "halal"
        case .kosher: "kosher"
        case .unspecified, .unrecognized: preconditionFailure("only validated restrictions are stored")
        }
    }

    private static let byName = Dictionary(uniqueKeysWithValues: all.map { (name(of: $0), $0) })

    /// The restrictions of stored names, in order.
    static func restrictions(named names: [String]) -> [DietaryRestriction] {
        let present = Set(names.compactMap { byName[$0] })
        return all.filter(present.contains)
    }

    static func names(_ restrictions: [DietaryRestriction]) -> [String] {
        restrictions.map(name(of:))
    }

    /// `values` checked, without duplicates, in order; with `implying`, VEGAN
    /// adds VEGETARIAN and DAIRY_FREE (what a product meets, not a filter).
    static func validated(_ values: [DietaryRestriction], field: String, implying: Bool) throws(RPCError)
        -> [DietaryRestriction]
    {
        var present = Set<DietaryRestriction>()
        for (index, value) in values.enumerated() {
            switch value {
            case .unspecified:
                throw RPCError(.invalidArgument, "\(field)[\(index)] must not be DIETARY_RESTRICTION_UNSPECIFIED")
            case .unrecognized(let number):
                throw RPCError(.invalidArgument, "\(field)[\(index)] is not a known dietary restriction (\(number))")
            default:
                present.insert(value)
            }
        }
        if implying, present.contains(.vegan) { present.formUnion([.vegetarian, .dairyFree]) }
        return all.filter(present.contains)
    }
}
