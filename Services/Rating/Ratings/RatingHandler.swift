import RestaurantAPI
import RPC
import ServiceKit
import WellKnownTypes

/// `restaurant.rating.v1.RatingService`: validates requests with the
/// contract's rules, checks rated products with the catalog, and runs them
/// against the store.
struct RatingHandler: RatingServiceHandler {
    let store: RatingStore
    let catalog: Upstream

    func rateProduct(_ request: RateProductRequest, context: RPCServerContext) async throws -> Rating {
        try Validate.id(request.productId, "product_id")
        let userID = try Self.userID(request.userId)
        try Validate.number(request.stars, "stars", in: 1...5)
        let review = try Validate.text(request.review, "review", length: 0...2000)
        try await checkProductExists(request.productId)
        return try await store.rate(productID: request.productId, userID: userID, stars: request.stars, review: review)
    }

    func getRatingSummary(_ request: GetRatingSummaryRequest, context: RPCServerContext) async throws -> RatingSummary {
        try Validate.id(request.productId, "product_id")
        return try await store.summary(productID: request.productId).summary
    }

    func batchGetRatingSummaries(_ request: BatchGetRatingSummariesRequest,
                                 context: RPCServerContext) async throws -> BatchGetRatingSummariesResponse {
        guard request.productIds.count <= 1000 else {
            throw RPCError(.invalidArgument, "product_ids must contain at most 1000 ids")
        }
        for id in request.productIds { try Validate.id(id, "product_ids") }
        guard !request.productIds.isEmpty else { return BatchGetRatingSummariesResponse() }
        let found = try await store.summaries(productIDs: Array(Set(request.productIds)))
        return .with {
            $0.summaries = request.productIds.map { (found[$0] ?? .unrated($0)).summary }
        }
    }

    func listRatings(_ request: ListRatingsRequest, context: RPCServerContext) async throws -> ListRatingsResponse {
        try Validate.id(request.productId, "product_id")
        let pageSize = try PageSize.resolve(request.pageSize)
        let fingerprint = "p\(request.productId)"
        let token = try PageToken<RatingStore.Position>.decode(request.pageToken, query: fingerprint)
        // The count comes from the summary: no aggregate over the ratings.
        async let total = store.summary(productID: request.productId)
        let (ratings, next) = try await store.ratings(productID: request.productId, pageSize: pageSize, after: token?.position)
        let count = try await total.count
        return .with {
            $0.ratings = ratings
            $0.nextPageToken = next.map { PageToken(position: $0).encoded(query: fingerprint) } ?? ""
            $0.totalSize = count
        }
    }

    func deleteRating(_ request: DeleteRatingRequest, context: RPCServerContext) async throws -> Google_Protobuf_Empty {
        try Validate.id(request.productId, "product_id")
        let userID = try Self.userID(request.userId)
        guard try await store.delete(productID: request.productId, userID: userID) else {
            throw RPCError(.notFound, "user '\(userID)' has no rating of product \(request.productId)")
        }
        return Google_Protobuf_Empty()
    }

    /// 1–100 characters, kept as given (an opaque id).
    private static func userID(_ value: String) throws(RPCError) -> String {
        guard !value.isEmpty else { throw RPCError(.invalidArgument, "user_id is required") }
        guard value.unicodeScalars.count <= 100 else {
            throw RPCError(.invalidArgument, "user_id must be at most 100 characters")
        }
        return value
    }

    /// Asks the catalog, under the caller's remaining deadline: NOT_FOUND
    /// for an unknown or deleted product, UNAVAILABLE when the catalog
    /// cannot answer. Nothing is written before this passes.
    private func checkProductExists(_ id: Int64) async throws {
        let client = CatalogServiceClient(channel: catalog.channel)
        do {
            _ = try await catalog.call { options in
                try await client.getProduct(.with { $0.id = id }, options: options)
            }
        } catch let error as RPCError where error.code == .notFound {
            throw RPCError(.notFound, "product \(id) not found")
        }
    }
}
