import ArgumentParser
import Foundation
import RestaurantAPI
import RPC

/// `restaurantctl catalog …`: the menu, through
/// `restaurant.catalog.v1.CatalogService`.
public struct CatalogCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "The menu: categories and products (restaurant.catalog.v1.CatalogService).",
        discussion: """
            The server is --addr, else $CATALOG_ADDR, else $RESTAURANT_ADDR, else
            localhost:50051. Commands that change the menu need a token: --token or
            $RESTAURANT_TOKEN (sent as 'authorization: Bearer <token>').

            Output is for people by default (aligned tables, prices as $12.50,
            local times); -o json prints the proto3 JSON mapping exactly as
            'restaurantctl call' would, -o jsonl the same on one line.
            Prices are typed as decimal amounts (12.50, 12.5, 12), at most two
            decimals; --category takes an id, a slug or a name. --timeout is the
            deadline of each call: 30s unless given (import and watch: none).

            EXAMPLES
              export CATALOG_ADDR=localhost:50051 RESTAURANT_TOKEN=secret
              restaurantctl catalog categories
              restaurantctl catalog category create Desserts --sort-order 30
              restaurantctl catalog product create --category desserts \\
                  --name Tiramisu --price 7.50 --prep-minutes 5 --tag vegetarian
              restaurantctl catalog products --category desserts --sort price
              restaurantctl catalog product update 42 --price 8 --featured true
              restaurantctl catalog product availability 42 off
              restaurantctl catalog product import menu.jsonl
              restaurantctl catalog watch

            EXIT STATUS
              0 OK; 1 local failure (unreadable file, bad JSON, unknown category
              name; import: some items were not created); 2 usage error;
              64 + gRPC code when the call fails, with 'ERROR: <CODE>: <message>'
              on stderr (67 INVALID_ARGUMENT, 69 NOT_FOUND, 70 ALREADY_EXISTS,
              71 PERMISSION_DENIED, 78 UNAVAILABLE, 80 UNAUTHENTICATED, ...).
            """,
        subcommands: [CatalogCategoriesCommand.self, CatalogCategoryCommand.self, CatalogProductsCommand.self,
                      CatalogProductCommand.self, CatalogWatchCommand.self])

    public init() {}
}

// MARK: - categories

/// `restaurantctl catalog categories [--active-only]`
public struct CatalogCategoriesCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "categories",
        abstract: "List the menu's categories (ListCategories).",
        discussion: """
            In menu order (sort order, then name), each with the number of products
            that are available in it.

            EXAMPLES
              restaurantctl catalog categories
              restaurantctl catalog categories --active-only
              restaurantctl catalog categories -o json | jq -r '.categories[].slug'
              restaurantctl catalog categories --addr catalog:50051
            """)

    @Flag(name: .customLong("active-only"), help: "Only active categories.")
    var activeOnly = false

    @OptionGroup var options: CatalogOptions

    public init() {}

    public func run() async throws {
        let catalog = try CatalogSession(options)
        let response = try await catalog.unary(CatalogService.Method.listCategories, .with { $0.activeOnly = activeOnly })
        switch catalog.output {
        case .text: Console.out(CatalogFormat.categoriesTable(response.categories))
        case .json, .jsonl: try catalog.printJSON(response, typeName: CatalogTypes.listCategoriesResponse)
        }
    }
}

// MARK: - category create

/// `restaurantctl catalog category …`
public struct CatalogCategoryCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "category",
        abstract: "Create a category (list them with 'catalog categories').",
        discussion: """
            EXAMPLES
              restaurantctl catalog category create Desserts
              restaurantctl catalog category create "Main Courses" --sort-order 20 \\
                  --description "Hearty plates"
            """,
        subcommands: [CatalogCategoryCreateCommand.self])

    public init() {}
}

/// `restaurantctl catalog category create NAME`
public struct CatalogCategoryCreateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a category (CreateCategory); needs a token.",
        discussion: """
            The slug is derived from the name by the server ("Main Courses" →
            main-courses). Names are unique ignoring case: a taken name fails with
            ALREADY_EXISTS (exit 70).

            EXAMPLES
              restaurantctl catalog category create Desserts --token secret
              restaurantctl catalog category create "Main Courses" --sort-order 20 \\
                  --description "Hearty plates"
              restaurantctl catalog category create "Seasonal" --inactive -o json
              restaurantctl catalog category create Starters --sort-order -10
            """)

    @Argument(help: ArgumentHelp("Display name, 1–100 characters.", valueName: "NAME"))
    var name: String

    @Option(help: ArgumentHelp("Description shown to customers.", valueName: "text"))
    var description: String = ""

    @Option(name: .customLong("sort-order"), parsing: .unconditional,
            help: ArgumentHelp("Menu position: lower comes first; any integer.", valueName: "n"))
    var sortOrder: Int32 = 0

    @Flag(help: "Create it inactive (hidden by 'categories --active-only').")
    var inactive = false

    @OptionGroup var options: CatalogOptions

    public init() {}

    public func run() async throws {
        let catalog = try CatalogSession(options)
        let request = CreateCategoryRequest.with {
            $0.name = name
            $0.description = description
            $0.sortOrder = sortOrder
            if inactive { $0.active = false }
        }
        let category = try await catalog.unary(CatalogService.Method.createCategory, request)
        switch catalog.output {
        case .text: Console.out(CatalogFormat.categoryDetails(category))
        case .json, .jsonl: try catalog.printJSON(category, typeName: CatalogTypes.category)
        }
    }
}

// MARK: - watch

/// `restaurantctl catalog watch [--category ID]`
public struct CatalogWatchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print menu changes as they happen (WatchMenu), until Ctrl-C.",
        discussion: """
            One line per event: the time it was committed (local), what happened
            (created, updated, available, unavailable, deleted), and the product.
            With -o json (or jsonl) each MenuEvent is printed as one line of proto3
            JSON, as 'call -o jsonl' would. Past events are not replayed. Once the
            server has accepted the watch, 'Watching …' is printed on stderr.

            Exit status: runs until interrupted; 78 (UNAVAILABLE) when the server
            shuts down or cannot be reached, 68 when --timeout runs out.

            EXAMPLES
              restaurantctl catalog watch
              restaurantctl catalog watch --category desserts
              restaurantctl catalog watch -o json | jq -r '.product.name'
            """)

    @Option(help: ArgumentHelp("Only products in this category (id, slug or name).", valueName: "id|slug|name"))
    var category: String?

    @OptionGroup var options: CatalogOptions

    public init() {}

    public func run() async throws {
        let catalog = try CatalogSession(options, streaming: true)
        let categoryID = try await category.asyncMap { try await catalog.categoryID($0) } ?? 0
        let request = WatchMenuRequest.with { $0.categoryId = categoryID }
        let method = CatalogService.Method.watchMenu
        catalog.session.logRequest(method.path, kind: method.kind)
        let started = ContinuousClock.now
        var count = 0
        do {
            let events = catalog.client.watchMenu(request, options: catalog.session.callOptions())
            // A refusal (trailers-only) throws here: the error is printed, not "Watching".
            catalog.session.logHeaders(try await events.initialMetadata())
            let scope = category.map { "category \($0)" } ?? "all categories"
            Console.err("Watching menu changes on \(catalog.session.address) (\(scope)); press Ctrl-C to stop.")
            for try await event in events {
                count += 1
                switch catalog.output {
                case .text: Console.out(CatalogFormat.eventLine(event))
                case .json, .jsonl: try catalog.printJSON(event, typeName: CatalogTypes.menuEvent, compact: true)
                }
            }
            catalog.session.logEnd(status: .ok, trailers: try await events.trailingMetadata(), started: started, messages: count)
        } catch {
            throw catalog.session.failure(error, started: started)
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
