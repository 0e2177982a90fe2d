import RestaurantAPI
import RPC

/// Dietary restrictions as the catalog keeps them: validated lists in the
/// enum's order, stored by name in `products.dietary_restrictions` (a text[]
/// whose CHECK allows exactly these names).
enum DietaryRestrictions {
    /// The restrictions of stored names, in order.
    static func restrictions(named names: [String]) -> [DietaryRestriction] {
        let present = Set(names.compactMap(DietaryRestriction.init(name:)))
        return DietaryRestriction.known.filter(present.contains)
    }

    /// The stored names of validated restrictions.
    static func names(_ restrictions: [DietaryRestriction]) -> [String] {
        restrictions.compactMap(\.name)
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
        return DietaryRestriction.known.filter(present.contains)
    }
}
