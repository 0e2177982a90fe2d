import ArgumentParser
import Foundation
import RestaurantAPI
import RPC

/// `restaurantctl rating …`: ratings and reviews, through
/// `restaurant.rating.v1.RatingService`.
public struct RatingCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "rating",
        abstract: "Star ratings and reviews of products (restaurant.rating.v1.RatingService).",
        discussion: """
            The server is --addr, else $RATING_ADDR, else localhost:50053. Commands that change ratings need a token: --token or
            $RESTAURANT_TOKEN. Output is for people by default; -o json prints the
            proto3 JSON mapping exactly as 'restaurantctl call' would.

            EXAMPLES
              export RATING_ADDR=localhost:50053 RESTAURANT_TOKEN=secret
              restaurantctl rating rate 42 --user ada --stars 5 --review "Lovely"
              restaurantctl rating summary 42 43
              restaurantctl rating list 42 --all
              restaurantctl rating delete 42 --user ada

            EXIT STATUS
              0 OK; 2 usage error; 64 + gRPC code when the call fails, with
              'ERROR: <CODE>: <message>' on stderr (67 INVALID_ARGUMENT,
              69 NOT_FOUND, 78 UNAVAILABLE, 80 UNAUTHENTICATED, ...).
            """,
        subcommands: [RatingRateCommand.self, RatingSummaryCommand.self, RatingListCommand.self, RatingDeleteCommand.self])

    public init() {}
}

/// `restaurantctl rating rate PRODUCT --user U --stars N [--review TEXT]`
public struct RatingRateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "rate",
        abstract: "Rate a product, or change your rating of it (RateProduct); needs a token.",
        discussion: """
            One rating per product and user: rating again replaces stars and review.
            Exit 69 (NOT_FOUND) for an unknown or deleted product, 78 when the
            catalog cannot be reached to check it.

            EXAMPLES
              restaurantctl rating rate 42 --user ada --stars 4
              restaurantctl rating rate 42 --user ada --stars 5 --review "Even better"
            """)

    @Argument(help: ArgumentHelp("The product's id.", valueName: "PRODUCT"))
    var productID: Int64

    @Option(help: ArgumentHelp("Who rates (1–100 characters).", valueName: "id"))
    var user: String

    @Option(parsing: .unconditional, help: ArgumentHelp("1 (worst) to 5 (best).", valueName: "n"))
    var stars: Int32

    @Option(help: ArgumentHelp("An optional review, at most 2000 characters.", valueName: "text"))
    var review: String = ""

    @OptionGroup var options: RatingOptions

    public init() {}

    public func run() async throws {
        let service = try ServiceSession(options)
        let rating = try await service.unary(RatingService.Method.rateProduct, .with {
            $0.productId = productID
            $0.userId = user
            $0.stars = stars
            $0.review = review
        })
        switch service.output {
        case .text: Console.out(RatingFormat.ratingDetails(rating))
        case .json, .jsonl: try service.printJSON(rating, typeName: RatingTypes.rating)
        }
    }
}

/// `restaurantctl rating summary PRODUCT...`
public struct RatingSummaryCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Average, count and histogram of products' ratings (BatchGetRatingSummaries).",
        discussion: """
            EXAMPLES
              restaurantctl rating summary 42
              restaurantctl rating summary 1 2 3 -o json
            """)

    @Argument(help: ArgumentHelp("Product ids (up to 1000).", valueName: "PRODUCT"))
    var productIDs: [Int64]

    @OptionGroup var options: RatingOptions

    public init() {}

    public func validate() throws {
        guard !productIDs.isEmpty else { throw ValidationError("name at least one product id") }
    }

    public func run() async throws {
        let service = try ServiceSession(options)
        let response = try await service.unary(RatingService.Method.batchGetRatingSummaries, .with { $0.productIds = productIDs })
        switch service.output {
        case .text: Console.out(RatingFormat.summaries(response.summaries))
        case .json, .jsonl: try service.printJSON(response, typeName: RatingTypes.batchGetRatingSummariesResponse)
        }
    }
}

/// `restaurantctl rating list PRODUCT [--page-size N] [--page-token T] [--all]`
public struct RatingListCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "A product's ratings, newest first (ListRatings).",
        discussion: """
            One page is shown (20 unless --page-size says otherwise, at most 100),
            with the total and the --page-token of the next page; --all follows the
            pages to the end.

            EXAMPLES
              restaurantctl rating list 42
              restaurantctl rating list 42 --all -o json | jq '.ratings | length'
            """)

    @Argument(help: ArgumentHelp("The product's id.", valueName: "PRODUCT"))
    var productID: Int64

    @Option(name: .customLong("page-size"), parsing: .unconditional, help: ArgumentHelp("Ratings per page.", valueName: "n"))
    var pageSize: Int32 = 0

    @Option(name: .customLong("page-token"), help: ArgumentHelp("Where to continue (from a previous page).", valueName: "token"))
    var pageToken: String = ""

    @Flag(help: "Follow the pages to the end.")
    var all = false

    @OptionGroup var options: RatingOptions

    public init() {}

    public func run() async throws {
        let service = try ServiceSession(options)
        var request = ListRatingsRequest.with {
            $0.productId = productID
            $0.pageSize = all && pageSize == 0 ? 100 : pageSize
            $0.pageToken = pageToken
        }
        var response = try await service.unary(RatingService.Method.listRatings, request)
        while all, !response.nextPageToken.isEmpty {
            request.pageToken = response.nextPageToken
            let next = try await service.unary(RatingService.Method.listRatings, request)
            response.ratings += next.ratings
            response.nextPageToken = next.nextPageToken
        }
        switch service.output {
        case .text:
            Console.out(RatingFormat.ratingsTable(response.ratings))
            var footer = "\(response.ratings.count) of \(response.totalSize) ratings"
            if !response.nextPageToken.isEmpty { footer += "; next page: --page-token \(response.nextPageToken)" }
            Console.out(footer)
        case .json, .jsonl: try service.printJSON(response, typeName: RatingTypes.listRatingsResponse)
        }
    }
}

/// `restaurantctl rating delete PRODUCT --user U`
public struct RatingDeleteCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a user's rating of a product (DeleteRating); needs a token.",
        discussion: """
            Exit 69 (NOT_FOUND) when that user has no rating of that product.

            EXAMPLES
              restaurantctl rating delete 42 --user ada
            """)

    @Argument(help: ArgumentHelp("The product's id.", valueName: "PRODUCT"))
    var productID: Int64

    @Option(help: ArgumentHelp("Whose rating.", valueName: "id"))
    var user: String

    @OptionGroup var options: RatingOptions

    public init() {}

    public func run() async throws {
        let service = try ServiceSession(options)
        _ = try await service.unary(RatingService.Method.deleteRating, .with {
            $0.productId = productID
            $0.userId = user
        })
        switch service.output {
        case .text: Console.out("Deleted \(user)'s rating of product \(productID).")
        case .json, .jsonl: try service.printJSON(Google_Protobuf_Empty(), typeName: CatalogTypes.empty)
        }
    }
}
