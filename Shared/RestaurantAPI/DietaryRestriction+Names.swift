/// Names of dietary restrictions, one spelling for the catalog's storage,
/// restaurantctl's options and the sample menu's tags.
extension DietaryRestriction {
    /// Every restriction, in the enum's order.
    public static let known: [DietaryRestriction] = [
        .vegetarian, .vegan, .glutenFree, .dairyFree, .nutFree, .halal, .kosher,
    ]

    /// Lowercase words joined by `_` (`gluten_free`); nil for
    /// `.unspecified` and unknown values.
    public var name: String? {
        switch self {
        case .vegetarian: "vegetarian"
        case .vegan: "vegan"
        case .glutenFree: "gluten_free"
        case .dairyFree: "dairy_free"
        case .nutFree: "nut_free"
        case .halal: "halal"
        case .kosher: "kosher"
        case .unspecified, .unrecognized: nil
        }
    }

    /// The restriction `name` stands for, ignoring case and taking `-` or a
    /// space for `_` ("Gluten-free"); nil for any other text.
    public init?(name: String) {
        let normalized = String(name.lowercased().map { $0 == "-" || $0 == " " ? "_" : $0 })
        guard let restriction = Self.known.first(where: { $0.name == normalized }) else { return nil }
        self = restriction
    }
}
