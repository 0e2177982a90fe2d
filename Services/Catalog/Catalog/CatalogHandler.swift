import Foundation
import Logging
import Postgres
import RestaurantAPI
import RPC
import ServiceKit
import WellKnownTypes

/// `restaurant.catalog.v1.CatalogService`: validates requests with the
/// contract's rules, runs them against the store, and adds ratings.
struct CatalogHandler: CatalogServiceHandler {
    let store: CatalogStore
    let ratings: RatingLookup
    let events: MenuEventHub

    /// Products sorted by rating are ranked in memory; past this many
    /// matches, the request must narrow its filters.
    static let ratingSortLimit = 5000
    /// Imported products committed per transaction.
    static let importBatchSize = 100

    // MARK: Categories

    func createCategory(_ request: CreateCategoryRequest, context: RPCServerContext) async throws -> Category {
        let name = try Validate.text(request.name, "name", length: 1...100)
        let slug = Self.slug(name)
        guard !slug.isEmpty else { throw RPCError(.invalidArgument, "name must contain a letter or digit") }
        let description = try Validate.text(request.description, "description", length: 0...2000)
        return try await store.createCategory(name: name, slug: slug, description: description,
                                              sortOrder: request.sortOrder, active: request.active ?? true)
    }

    /// Lowercased, runs of other characters as one "-", no "-" at the ends.
    static func slug(_ name: String) -> String {
        var slug = ""
        var pendingDash = false
        for character in name.lowercased() {
            if character.isLetter || character.isNumber {
                if pendingDash && !slug.isEmpty { slug.append("-") }
                slug.append(character)
                pendingDash = false
            } else {
                pendingDash = true
            }
        }
        return slug
    }

    func listCategories(_ request: ListCategoriesRequest, context: RPCServerContext) async throws -> ListCategoriesResponse {
        let categories = try await store.listCategories(activeOnly: request.activeOnly)
        return .with { $0.categories = categories }
    }

    // MARK: Products

    func createProduct(_ request: CreateProductRequest, context: RPCServerContext) async throws -> Product {
        await withRating(try await store.createProduct(try ProductInput(request)))
    }

    func getProduct(_ request: GetProductRequest, context: RPCServerContext) async throws -> Product {
        try Validate.id(request.id, "id")
        guard let product = try await store.product(id: request.id) else { throw Self.notFound(request.id) }
        return await withRating(product)
    }

    func batchGetProducts(_ request: BatchGetProductsRequest, context: RPCServerContext) async throws -> BatchGetProductsResponse {
        try Validate.count(request.ids, "ids", in: 1...1000)
        guard request.ids.allSatisfy({ $0 > 0 }) else { throw RPCError(.invalidArgument, "ids must be positive") }
        let found = try await store.products(ids: Array(Set(request.ids)))
        var missing: [Int64] = []
        var seenMissing = Set<Int64>()
        var products: [Product] = []
        for id in request.ids {
            if let product = found[id] {
                products.append(product)
            } else if seenMissing.insert(id).inserted {
                missing.append(id)
            }
        }
        return .with {
            $0.products = products
            $0.missingIds = missing
        }
    }

    func updateProduct(_ request: UpdateProductRequest, context: RPCServerContext) async throws -> Product {
        guard let product = request.product else { throw RPCError(.invalidArgument, "product is required") }
        guard product.id > 0 else { throw RPCError(.invalidArgument, "product.id must be positive") }
        guard let mask = request.updateMask, !mask.paths.isEmpty else {
            throw RPCError(.invalidArgument, "update_mask is required")
        }
        var changes: PostgresQuery = ""
        var categoryID: Int64?
        var seen = Set<String>()
        // A path named twice is applied once (SQL refuses a column assigned twice).
        for path in mask.paths where seen.insert(path).inserted {
            switch path {
            case "category_id":
                categoryID = try ProductInput.category(product.categoryId, field: "product.category_id")
                changes.append(", category_id = \(categoryID!)")
            case "name":
                changes.append(", name = \(try ProductInput.name(product.name, field: "product.name"))")
            case "description":
                changes.append(", description = \(try ProductInput.description(product.description, field: "product.description"))")
            case "price_cents":
                changes.append(", price_cents = \(try ProductInput.price(product.priceCents, field: "product.price_cents"))")
            case "preparation_minutes":
                changes.append(", preparation_minutes = \(try ProductInput.preparation(product.preparationMinutes, field: "product.preparation_minutes"))")
            case "calories":
                changes.append(", calories = \(try ProductInput.calories(product.calories, field: "product.calories"))")
            case "available":
                changes.append(", available = \(product.available)")
            case "featured":
                changes.append(", featured = \(product.featured)")
            case "tags":
                changes.append(", tags = \(try ProductInput.tags(product.tags, field: "product.tags"))")
            default:
                throw RPCError(.invalidArgument, "update_mask path '\(path)' cannot be updated")
            }
        }
        let updated: Product?
        do {
            updated = try await store.updateProduct(id: product.id, changes: changes, event: .productUpdated)
        } catch let error as PostgresError where error.code == .foreignKeyViolation {
            throw RPCError(.notFound, "category \(categoryID ?? 0) not found")
        }
        guard let updated else { throw Self.notFound(product.id) }
        return await withRating(updated)
    }

    func setProductAvailability(_ request: SetProductAvailabilityRequest, context: RPCServerContext) async throws -> Product {
        try Validate.id(request.id, "id")
        guard let product = try await store.setAvailability(id: request.id, available: request.available) else {
            throw Self.notFound(request.id)
        }
        return await withRating(product)
    }

    func deleteProduct(_ request: DeleteProductRequest, context: RPCServerContext) async throws -> Google_Protobuf_Empty {
        try Validate.id(request.id, "id")
        guard try await store.archiveProduct(id: request.id) else { throw Self.notFound(request.id) }
        return Google_Protobuf_Empty()
    }

    // MARK: Listing

    func listProducts(_ request: ListProductsRequest, context: RPCServerContext) async throws -> ListProductsResponse {
        let listing = try ProductListing(request)
        let token = try PageToken<ProductListing.Position>.decode(request.pageToken, query: listing.fingerprint)
        if listing.order == .rating { return try await listByRating(listing, after: token?.position) }

        let rows = try await store.pool.query(listing.pageQuery(after: token?.position))
        var products = try rows.prefix(listing.pageSize).map(CatalogStore.product(from:))
        var next = ""
        if rows.count > listing.pageSize, let last = products.last {
            next = PageToken(position: try listing.position(of: rows[listing.pageSize - 1], id: last.id))
                .encoded(query: listing.fingerprint)
        }
        let total = try await store.pool.query(listing.countQuery)[0].decode(Int32.self, at: 0)
        if let summaries = await ratings.summaries(for: products.map(\.id)) {
            for index in products.indices { products[index].rating = summaries[products[index].id] ?? Self.unrated }
        }
        return .with {
            $0.products = products
            $0.nextPageToken = next
            $0.totalSize = total
        }
    }

    /// RATING order: ratings live in RatingService, so the matching products
    /// are ranked here (average, then count, highest first; unrated last).
    private func listByRating(_ listing: ProductListing, after position: ProductListing.Position?) async throws -> ListProductsResponse {
        let ids = try await store.pool.query(listing.candidateQuery(limit: Self.ratingSortLimit + 1)).map { try $0.decode(Int64.self, at: 0) }
        guard ids.count <= Self.ratingSortLimit else {
            throw RPCError(.failedPrecondition, "more than \(Self.ratingSortLimit) products match; narrow the filters to sort by rating")
        }
        let summaries = try await ratings.requiredSummaries(for: ids)
        let ranked = ids.map { (id: $0, rating: summaries[$0] ?? Self.unrated) }.sorted { a, b in
            if a.rating.average != b.rating.average { return a.rating.average > b.rating.average }
            if a.rating.count != b.rating.count { return a.rating.count > b.rating.count }
            return a.id < b.id
        }
        let start = position.map { position in
            ranked.firstIndex { entry in
                let average = position.score ?? 0, count = Int32(clamping: position.number ?? 0)
                return entry.rating.average < average
                    || (entry.rating.average == average && (entry.rating.count < count
                        || (entry.rating.count == count && entry.id > position.id)))
            } ?? ranked.count
        } ?? 0
        let page = ranked[start..<min(start + listing.pageSize, ranked.count)]
        let found = try await store.products(ids: page.map(\.id))
        let products = page.compactMap { entry -> Product? in
            guard var product = found[entry.id] else { return nil }
            product.rating = entry.rating
            return product
        }
        var next = ""
        if start + listing.pageSize < ranked.count, let last = page.last {
            next = PageToken(position: ProductListing.Position(id: last.id, number: Int64(last.rating.count), score: last.rating.average))
                .encoded(query: listing.fingerprint)
        }
        return .with {
            $0.products = products
            $0.nextPageToken = next
            $0.totalSize = Int32(ranked.count)
        }
    }

    // MARK: Import

    func importProducts(_ requests: RPCRequestStream<CreateProductRequest>, context: RPCServerContext) async throws -> ImportProductsResponse {
        var response = ImportProductsResponse()
        var batch: [(index: Int, input: ProductInput)] = []
        var index = 0
        for try await request in requests {
            do {
                batch.append((index, try ProductInput(request)))
            } catch {
                record(error, index: index, name: request.name, in: &response)
            }
            index += 1
            if batch.count == Self.importBatchSize {
                try await commit(batch, into: &response)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try await commit(batch, into: &response)
        response.errors.sort { $0.index < $1.index }
        return response
    }

    /// Inserts a batch in one transaction (one commit for many rows); items
    /// naming unknown categories are reported, the rest go in.
    private func commit(_ batch: [(index: Int, input: ProductInput)], into response: inout ImportProductsResponse) async throws {
        guard !batch.isEmpty else { return }
        let (created, missing) = try await store.pool.withTransaction { connection in
            let categories = try await store.existingCategories(Array(Set(batch.map(\.input.categoryID))), on: connection)
            var created: [Int64] = []
            var missing: [(index: Int, input: ProductInput)] = []
            for item in batch {
                guard categories.contains(item.input.categoryID) else {
                    missing.append(item)
                    continue
                }
                created.append(try await store.insert(item.input, on: connection).id)
            }
            return (created, missing)
        }
        response.createdIds += created
        response.createdCount += Int32(created.count)
        for item in missing {
            record(RPCError(.notFound, "category \(item.input.categoryID) not found"), index: item.index, name: item.input.name, in: &response)
        }
    }

    private func record(_ error: any Error, index: Int, name: String, in response: inout ImportProductsResponse) {
        let status = RPCStatus(error: error)
        response.failedCount += 1
        response.errors.append(.with {
            $0.index = Int32(index)
            $0.name = name
            $0.message = status.message
            $0.code = Int32(status.code.rawValue)
        })
    }

    // MARK: Watching

    func watchMenu(_ request: WatchMenuRequest, responses: RPCResponseWriter<MenuEvent>, context: RPCServerContext) async throws {
        guard request.categoryId >= 0 else { throw RPCError(.invalidArgument, "category_id must not be negative") }
        let subscription = try await events.subscribe(categoryID: request.categoryId)
        // Subscribed: tell the client now rather than with the first event.
        try await responses.sendHeaders()
        for try await event in subscription {
            try await responses.write(event)
        }
    }

    // MARK: Helpers

    private static let unrated = ProductRating.with { $0.count = 0 }

    private static func notFound(_ id: Int64) -> RPCError {
        RPCError(.notFound, "product \(id) not found")
    }

    /// `product` with its rating, when RatingService answers in time.
    private func withRating(_ product: Product) async -> Product {
        var product = product
        if let summaries = await ratings.summaries(for: [product.id]) {
            product.rating = summaries[product.id] ?? Self.unrated
        }
        return product
    }
}
