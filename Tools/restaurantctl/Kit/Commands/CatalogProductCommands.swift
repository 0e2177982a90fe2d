import ArgumentParser
import Foundation
import RestaurantAPI
import RPC

// MARK: - products

/// `--sort` of `catalog products`.
public enum ProductSortArgument: String, ExpressibleByArgument, Sendable, CaseIterable {
    case name
    case price
    case priceDesc = "price-desc"
    case newest
    case rating
    case prepTime = "prep-time"

    public init?(argument: String) {
        switch argument.lowercased() {
        case "price-asc": self = .price
        default:
            guard let value = Self(rawValue: argument.lowercased()) else { return nil }
            self = value
        }
    }

    var sort: ProductSort {
        switch self {
        case .name: .name
        case .price: .priceAsc
        case .priceDesc: .priceDesc
        case .newest: .newest
        case .rating: .rating
        case .prepTime: .prepTime
        }
    }
}

/// `--dietary` of the product commands: a dietary restriction by name
/// (`gluten-free` or `gluten_free`).
public struct DietaryArgument: ExpressibleByArgument, Sendable {
    let restriction: DietaryRestriction

    public init?(argument: String) {
        guard let restriction = DietaryRestriction(name: argument) else { return nil }
        self.restriction = restriction
    }

    public static var allValueStrings: [String] { DietaryRestriction.known.map(spelling) }

    /// The option's spelling of `restriction` (`gluten-free`).
    static func spelling(_ restriction: DietaryRestriction) -> String {
        restriction.name.map { $0.replacingOccurrences(of: "_", with: "-") } ?? "\(restriction)"
    }
}

/// `restaurantctl catalog products [filters]`
public struct CatalogProductsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "products",
        abstract: "List products: search, filter, sort, page (ListProducts).",
        discussion: """
            Filters combine with AND. Without --sort the order is the menu's (by
            category, then name), or by relevance with --query. One page is shown
            (20 products unless --page-size says otherwise, at most 100), with the
            total and the --page-token of the next page; --all follows the pages to
            the end (100 per request unless --page-size is given). Deleted products
            are never listed. --sort rating orders by the ratings the catalog last
            heard from the rating service (unrated products last).

            With -o json the response is printed as 'call' prints ListProducts;
            with --all, one response holding every product (no nextPageToken).

            EXAMPLES
              restaurantctl catalog products
              restaurantctl catalog products --query "spicy chicken"
              restaurantctl catalog products --category desserts --available --sort price
              restaurantctl catalog products --min-price 5 --max-price 12.50 --featured
              restaurantctl catalog products --dietary vegan --dietary gluten-free
              restaurantctl catalog products --page-size 50 --page-token CgQIAhAB
              restaurantctl catalog products --all -o json | jq '.products | length'
            """)

    @Option(help: ArgumentHelp("Full-text search over name, description and tags.", valueName: "text"))
    var query: String = ""

    @Option(help: ArgumentHelp("Only this category: its id, slug or name.", valueName: "id|slug|name"))
    var category: String?

    @Flag(help: "Only products that can be ordered now.")
    var available = false

    @Flag(help: "Only featured products.")
    var featured = false

    @Option(help: ArgumentHelp("Only products meeting this dietary restriction; repeatable (all must hold).",
                               valueName: "restriction"))
    var dietary: [DietaryArgument] = []

    @Option(name: .customLong("min-price"), parsing: .unconditional,
            help: ArgumentHelp("Lowest price, inclusive (e.g. 5 or 4.99).", valueName: "amount"), transform: Money.parseCents)
    var minPrice: Int64?

    @Option(name: .customLong("max-price"), parsing: .unconditional,
            help: ArgumentHelp("Highest price, inclusive (e.g. 20 or 19.99).", valueName: "amount"), transform: Money.parseCents)
    var maxPrice: Int64?

    @Option(help: ArgumentHelp("Order (price: cheapest first). Default: menu order, or relevance with --query.",
                               valueName: "order"))
    var sort: ProductSortArgument?

    @Option(name: .customLong("page-size"), parsing: .unconditional, help: ArgumentHelp("Products per page (default 20; --all: 100; at most 100).", valueName: "n"))
    var pageSize: Int32?

    @Option(name: .customLong("page-token"), help: ArgumentHelp("Continue from this page (the token printed under the previous page).",
                                                                 valueName: "token"))
    var pageToken: String = ""

    @Flag(help: "Fetch every page, not just one.")
    var all = false

    @OptionGroup var options: CatalogOptions

    public init() {}

    public func run() async throws {
        let catalog = try CatalogSession(options)
        let categoryID = try await category.asyncMap { try await catalog.categoryID($0) } ?? 0
        var request = ListProductsRequest.with {
            $0.query = query
            $0.categoryId = categoryID
            $0.availableOnly = available
            $0.featuredOnly = featured
            $0.dietary = dietary.map(\.restriction)
            $0.minPriceCents = minPrice
            $0.maxPriceCents = maxPrice
            $0.sort = sort?.sort ?? .unspecified
            $0.pageSize = pageSize ?? (all ? 100 : 0)
            $0.pageToken = pageToken
        }
        var response = try await catalog.unary(CatalogService.Method.listProducts, request)
        if all {
            var seen: Set<String> = [request.pageToken]
            var products = response.products
            while !response.nextPageToken.isEmpty {
                guard seen.insert(response.nextPageToken).inserted else {
                    throw CLIError.local("the server returned the same page token twice; stopping after \(products.count) products")
                }
                request.pageToken = response.nextPageToken
                response = try await catalog.unary(CatalogService.Method.listProducts, request)
                products += response.products
            }
            response.products = products
        }
        switch catalog.output {
        case .text:
            if !response.products.isEmpty { Console.out(CatalogFormat.productsTable(response.products)) }
            Console.out(Self.footer(shown: response.products.count, total: Int(response.totalSize),
                                    nextPageToken: response.nextPageToken))
        case .json, .jsonl:
            try catalog.printJSON(response, typeName: CatalogTypes.listProductsResponse)
        }
    }

    /// `20 of 57 products; next page: --page-token CgQIAhAB`
    static func footer(shown: Int, total: Int, nextPageToken: String) -> String {
        if shown == 0 { return total == 0 ? "No products found." : "No products on this page (\(total) match in all)." }
        let noun = total == 1 ? "product" : "products"
        var text = shown == total ? "\(total) \(noun)" : "\(shown) of \(total) \(noun)"
        if !nextPageToken.isEmpty { text += "; next page: --page-token \(nextPageToken) (or --all)" }
        return text + "."
    }
}

// MARK: - product

/// `restaurantctl catalog product …`
public struct CatalogProductCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "product",
        abstract: "Show, create, change, delete or import products.",
        discussion: """
            EXAMPLES
              restaurantctl catalog product get 42
              restaurantctl catalog product create --category mains \\
                  --name "Pad Thai" --price 13.90
              restaurantctl catalog product update 42 --price 14.50 --tag spicy --tag vegan
              restaurantctl catalog product availability 42 off
              restaurantctl catalog product delete 42
              restaurantctl catalog product import menu.jsonl
            """,
        subcommands: [CatalogProductGetCommand.self, CatalogProductCreateCommand.self, CatalogProductUpdateCommand.self,
                      CatalogProductAvailabilityCommand.self, CatalogProductDeleteCommand.self, CatalogProductImportCommand.self])

    public init() {}
}

/// Prints one product in the chosen format.
private func show(_ product: Product, _ catalog: CatalogSession) throws(CLIError) {
    switch catalog.output {
    case .text: Console.out(CatalogFormat.productDetails(product))
    case .json, .jsonl: try catalog.printJSON(product, typeName: CatalogTypes.product)
    }
}

/// `restaurantctl catalog product get ID`
public struct CatalogProductGetCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Show one product, with its rating (GetProduct).",
        discussion: """
            Exit 69 (NOT_FOUND) for an unknown or deleted product.

            EXAMPLES
              restaurantctl catalog product get 42
              restaurantctl catalog product get 42 -o json | jq .priceCents
            """)

    @Argument(help: ArgumentHelp("The product's id.", valueName: "ID"))
    var id: Int64

    @OptionGroup var options: CatalogOptions

    public init() {}

    public func run() async throws {
        let catalog = try CatalogSession(options)
        try show(try await catalog.unary(CatalogService.Method.getProduct, .with { $0.id = id }), catalog)
    }
}

/// `restaurantctl catalog product create --category C --name N --price P`
public struct CatalogProductCreateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a product (CreateProduct); needs a token.",
        discussion: """
            Prints the new product (with its id). Tags are stored trimmed and
            lowercased, duplicates dropped. Exit 67 (INVALID_ARGUMENT) when a field
            breaks its rule, 69 when the category does not exist.

            EXAMPLES
              restaurantctl catalog product create --category 3 \\
                  --name Margherita --price 12.50
              restaurantctl catalog product create --category pizzas --name Diavola \\
                  --price 14 --prep-minutes 12 --calories 850 --tag spicy --featured
              restaurantctl catalog product create --category desserts --name "Sorbet" \\
                  --price 4.5 --unavailable -o json | jq -r .id
            """)

    @Option(help: ArgumentHelp("The category: id, slug or name.", valueName: "id|slug|name"))
    var category: String

    @Option(help: ArgumentHelp("Display name, 1–200 characters.", valueName: "name"))
    var name: String

    @Option(parsing: .unconditional, help: ArgumentHelp("Price, e.g. 12.50 (at most two decimals).", valueName: "amount"),
            transform: Money.parseCents)
    var price: Int64

    @Option(name: .customLong("prep-minutes"), parsing: .unconditional,
            help: ArgumentHelp("Preparation time in minutes, 0–480.", valueName: "minutes"))
    var prepMinutes: Int32 = 0

    @Option(parsing: .unconditional, help: ArgumentHelp("Energy per serving in kcal (default: unknown).", valueName: "kcal"))
    var calories: Int32?

    @Option(help: ArgumentHelp("Description shown to customers.", valueName: "text"))
    var description: String = ""

    @Option(name: .customLong("tag"), help: ArgumentHelp("A label such as vegan or spicy; repeatable.", valueName: "tag"))
    var tags: [String] = []

    @Option(help: ArgumentHelp("A dietary restriction it meets; repeatable (vegan adds vegetarian and dairy-free).",
                               valueName: "restriction"))
    var dietary: [DietaryArgument] = []

    @Flag(help: "Highlight it on the menu.")
    var featured = false

    @Flag(help: "Create it out of stock (default: available).")
    var unavailable = false

    @OptionGroup var options: CatalogOptions

    public init() {}

    public func run() async throws {
        let catalog = try CatalogSession(options)
        let categoryID = try await catalog.categoryID(category)
        let request = CreateProductRequest.with {
            $0.categoryId = categoryID
            $0.name = name
            $0.description = description
            $0.priceCents = price
            $0.preparationMinutes = prepMinutes
            $0.calories = calories
            $0.available = !unavailable
            $0.featured = featured
            $0.tags = tags
            $0.dietaryRestrictions = dietary.map(\.restriction)
        }
        try show(try await catalog.unary(CatalogService.Method.createProduct, request), catalog)
    }
}

/// `restaurantctl catalog product update ID [--field value]...`
public struct CatalogProductUpdateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Change some fields of a product (UpdateProduct); needs a token.",
        discussion: """
            Only the fields given change: the update mask is built from the options
            (at least one is needed). --tag replaces the whole tag list;
            --clear-tags empties it; --dietary and --clear-dietary do the same for
            dietary restrictions; --clear-calories makes calories unknown.
            Exit 69 for an unknown or deleted product (or category), 67 when a value
            breaks its rule.

            EXAMPLES
              restaurantctl catalog product update 42 --price 13.50
              restaurantctl catalog product update 42 --name "Margherita DOP" \\
                  --featured true
              restaurantctl catalog product update 42 --tag vegetarian --tag classic
              restaurantctl catalog product update 42 --dietary vegan --dietary nut-free
              restaurantctl catalog product update 42 --clear-tags --clear-calories
              restaurantctl catalog product update 42 --category pizzas --available false
            """)

    @Argument(help: ArgumentHelp("The product's id.", valueName: "ID"))
    var id: Int64

    @Option(help: ArgumentHelp("New display name.", valueName: "name"))
    var name: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("New price, e.g. 12.50.", valueName: "amount"), transform: Money.parseCents)
    var price: Int64?

    @Option(help: ArgumentHelp("New description ('' clears it).", valueName: "text"))
    var description: String?

    @Option(name: .customLong("prep-minutes"), parsing: .unconditional,
            help: ArgumentHelp("New preparation time, 0–480.", valueName: "minutes"))
    var prepMinutes: Int32?

    @Option(parsing: .unconditional, help: ArgumentHelp("New energy per serving in kcal.", valueName: "kcal"))
    var calories: Int32?

    @Flag(name: .customLong("clear-calories"), help: "Make calories unknown.")
    var clearCalories = false

    @Option(name: .customLong("tag"), help: ArgumentHelp("Replace the tags with these; repeatable.", valueName: "tag"))
    var tags: [String] = []

    @Flag(name: .customLong("clear-tags"), help: "Remove every tag.")
    var clearTags = false

    @Option(help: ArgumentHelp("Replace its dietary restrictions with these; repeatable.", valueName: "restriction"))
    var dietary: [DietaryArgument] = []

    @Flag(name: .customLong("clear-dietary"), help: "Remove every dietary restriction.")
    var clearDietary = false

    @Option(help: ArgumentHelp("Featured or not: true or false.", valueName: "true|false"), transform: BoolWord.transform)
    var featured: Bool?

    @Option(help: ArgumentHelp("Available or not: true or false (see also 'product availability').", valueName: "true|false"),
            transform: BoolWord.transform)
    var available: Bool?

    @Option(help: ArgumentHelp("Move it to this category: id, slug or name.", valueName: "id|slug|name"))
    var category: String?

    @OptionGroup var options: CatalogOptions

    public init() {}

    public func validate() throws {
        if calories != nil, clearCalories { throw ValidationError("--calories and --clear-calories cannot be combined") }
        if !tags.isEmpty, clearTags { throw ValidationError("--tag and --clear-tags cannot be combined") }
        if !dietary.isEmpty, clearDietary { throw ValidationError("--dietary and --clear-dietary cannot be combined") }
        if maskPaths.isEmpty {
            throw ValidationError("nothing to update: give at least one of --name, --price, --description, --prep-minutes, --calories, --clear-calories, --tag, --clear-tags, --dietary, --clear-dietary, --featured, --available, --category")
        }
    }

    /// The update mask: Product paths of the options given, in field order.
    var maskPaths: [String] {
        var paths: [String] = []
        if category != nil { paths.append("category_id") }
        if name != nil { paths.append("name") }
        if description != nil { paths.append("description") }
        if price != nil { paths.append("price_cents") }
        if prepMinutes != nil { paths.append("preparation_minutes") }
        if calories != nil || clearCalories { paths.append("calories") }
        if available != nil { paths.append("available") }
        if featured != nil { paths.append("featured") }
        if !tags.isEmpty || clearTags { paths.append("tags") }
        if !dietary.isEmpty || clearDietary { paths.append("dietary_restrictions") }
        return paths
    }

    public func run() async throws {
        let catalog = try CatalogSession(options)
        let categoryID = try await category.asyncMap { try await catalog.categoryID($0) }
        let product = Product.with {
            $0.id = id
            $0.categoryId = categoryID ?? 0
            $0.name = name ?? ""
            $0.description = description ?? ""
            $0.priceCents = price ?? 0
            $0.preparationMinutes = prepMinutes ?? 0
            $0.calories = clearCalories ? nil : calories
            $0.available = available ?? false
            $0.featured = featured ?? false
            $0.tags = clearTags ? [] : tags
            $0.dietaryRestrictions = dietary.map(\.restriction)
        }
        let request = UpdateProductRequest.with {
            $0.product = product
            $0.updateMask = Google_Protobuf_FieldMask(paths: maskPaths)
        }
        try show(try await catalog.unary(CatalogService.Method.updateProduct, request), catalog)
    }
}

/// `restaurantctl catalog product availability ID on|off`
public struct CatalogProductAvailabilityCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "availability",
        abstract: "Mark a product available (on) or out of stock (off) (SetProductAvailability); needs a token.",
        discussion: """
            Sets the value given, so repeating it is harmless. Prints the product.

            EXAMPLES
              restaurantctl catalog product availability 42 off
              restaurantctl catalog product availability 42 on -o json
            """)

    @Argument(help: ArgumentHelp("The product's id.", valueName: "ID"))
    var id: Int64

    @Argument(help: ArgumentHelp("on (available) or off (out of stock); also true/false, yes/no.", valueName: "on|off"),
              transform: BoolWord.transform)
    var state: Bool

    @OptionGroup var options: CatalogOptions

    public init() {}

    public func run() async throws {
        let catalog = try CatalogSession(options)
        let request = SetProductAvailabilityRequest.with {
            $0.id = id
            $0.available = state
        }
        try show(try await catalog.unary(CatalogService.Method.setProductAvailability, request), catalog)
    }
}

/// `restaurantctl catalog product delete ID`
public struct CatalogProductDeleteCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete (archive) a product (DeleteProduct); needs a token.",
        discussion: """
            The product leaves the menu (get, list, update: NOT_FOUND) but stays
            readable for past orders. Exit 69 when it is unknown or already deleted.
            -o json prints {} (google.protobuf.Empty), as 'call' does.

            EXAMPLES
              restaurantctl catalog product delete 42
              restaurantctl catalog product delete 42 || echo "not deleted"
            """)

    @Argument(help: ArgumentHelp("The product's id.", valueName: "ID"))
    var id: Int64

    @OptionGroup var options: CatalogOptions

    public init() {}

    public func run() async throws {
        let catalog = try CatalogSession(options)
        let empty = try await catalog.unary(CatalogService.Method.deleteProduct, .with { $0.id = id })
        switch catalog.output {
        case .text: Console.out("Deleted product \(id).")
        case .json, .jsonl: try catalog.printJSON(empty, typeName: CatalogTypes.empty)
        }
    }
}

/// `restaurantctl catalog product import FILE.jsonl`
public struct CatalogProductImportCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Create many products from a JSON Lines file (ImportProducts); needs a token.",
        discussion: """
            Each non-blank line is one CreateProductRequest in proto3 JSON, e.g.
              {"categoryId": 3, "name": "Margherita", "priceCents": 1250, "tags": ["veg"]}
            (category_id/price_cents spellings and quoted numbers work too).
            Every line is checked first: if any is not valid JSON or does not fit
            CreateProductRequest, nothing is sent and the bad lines are listed
            (exit 1). The rest are streamed to the server, which creates each item
            on its own: an item it rejects is reported with its line number and
            does not stop the others.

            Exit status: 0 when every item was created; 1 when some were not (the
            others were created: see the report, or failedCount/errors with -o
            json, whose error indexes are 0-based positions in the stream);
            64 + code when the call itself failed (e.g. 80 UNAUTHENTICATED, 71
            PERMISSION_DENIED: then nothing was created).

            EXAMPLES
              restaurantctl catalog product import menu.jsonl --token secret
              jq -c '.[]' menu.json | restaurantctl catalog product import -
              restaurantctl catalog product import menu.jsonl -o json | jq .createdIds
            """)

    @Argument(help: ArgumentHelp("JSON Lines file of CreateProductRequest objects; - for stdin.", valueName: "FILE"),
              completion: .file(extensions: ["jsonl", "ndjson", "json"]))
    var file: String

    @Flag(name: .customLong("allow-unknown-fields"), help: "Ignore JSON fields (and enum names) CreateProductRequest lacks.")
    var allowUnknownFields = false

    @OptionGroup var options: CatalogOptions

    public init() {}

    /// One request to send, with the line it came from.
    struct Item {
        var line: Int
        var request: CreateProductRequest
    }

    /// The requests of a JSON Lines document, or every problem with line numbers.
    static func items(_ bytes: [UInt8], source: String, allowUnknownFields: Bool = false) throws(CLIError) -> [Item] {
        let pool: DescriptorPool
        do { pool = try CatalogSession.pool.get() } catch { throw .local("\(error)") }
        guard let type = pool.message(CatalogTypes.createProductRequest) else {
            throw .local("the embedded descriptors lack \(CatalogTypes.createProductRequest)")
        }
        let decoder = ProtoJSONDecoder(pool: pool, allowUnknownFields: allowUnknownFields)
        var items: [Item] = []
        var problems: [String] = []
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let text = Array(line)
            guard text.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { continue }
            do {
                let json = try JSONParser.parse(text)
                let message = try decoder.decode(json, as: type)
                let request = try CreateProductRequest(serializedBytes: try WireCodec.encode(message, pool: pool))
                items.append(Item(line: number, request: request))
            } catch let error as JSONParser.SyntaxError {
                problems.append("\(source):\(number):\(error.column): invalid JSON: \(error.message)")
            } catch {
                problems.append("\(source):\(number): \(error)")
            }
        }
        guard problems.isEmpty else {
            for problem in problems.prefix(50) { Console.err(problem) }
            if problems.count > 50 { Console.err("… and \(problems.count - 50) more") }
            let lines = problems.count == 1 ? "1 line is" : "\(problems.count) lines are"
            throw .local("\(lines) not a CreateProductRequest; nothing was imported")
        }
        return items
    }

    public func run() async throws {
        let source = file == "-" ? "stdin" : file
        let bytes = file == "-" ? try Console.readAllStdin() : try DataArgument.readFile(file)
        let items = try Self.items(bytes, source: source, allowUnknownFields: allowUnknownFields)
        let catalog = try CatalogSession(options, streaming: true)
        let method = CatalogService.Method.importProducts
        catalog.session.logRequest(method.path, kind: method.kind)
        let started = ContinuousClock.now
        let response: ImportProductsResponse
        do {
            response = try await catalog.client.importProducts(options: catalog.session.callOptions()) { writer in
                for item in items { try await writer.write(item.request) }
            }
            catalog.session.logEnd(status: .ok, trailers: Metadata(), started: started, messages: 1)
        } catch {
            throw catalog.session.failure(error, started: started)
        }

        switch catalog.output {
        case .text: Console.out(Self.report(response, items: items, source: source))
        case .json, .jsonl: try catalog.printJSON(response, typeName: CatalogTypes.importProductsResponse)
        }
        if response.failedCount > 0 {
            throw CLIError.local("\(response.failedCount) of \(items.count) products were not imported")
        }
    }

    /// `Imported 3 of 5 products (2 failed):` and a line per failure.
    static func report(_ response: ImportProductsResponse, items: [Item], source: String) -> String {
        let total = items.count
        var lines: [String] = []
        let noun = total == 1 ? "product" : "products"
        if response.failedCount == 0 {
            lines.append("Imported \(response.createdCount) \(noun) from \(source).")
        } else {
            lines.append("Imported \(response.createdCount) of \(total) \(noun) from \(source); \(response.failedCount) failed:")
            for error in response.errors {
                let index = Int(error.index)
                let line = items.indices.contains(index) ? "line \(items[index].line)" : "item \(index + 1)"
                let code = RPCStatus.Code(rawValue: Int(error.code))?.name ?? "code \(error.code)"
                let name = error.name.isEmpty ? "" : " (\(error.name))"
                lines.append("  \(line)\(name): \(code): \(error.message)")
            }
        }
        if !response.createdIds.isEmpty {
            let ids = response.createdIds.prefix(20).map(String.init).joined(separator: ", ")
            lines.append("Created ids: \(ids)\(response.createdIds.count > 20 ? ", … (\(response.createdIds.count) in all)" : "")")
        }
        return lines.joined(separator: "\n")
    }
}
