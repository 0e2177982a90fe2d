import Foundation
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
    let ratingSortLimit: Int
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
        guard let product = try await store.products(ids: [request.id], includingDeleted: false)[request.id] else {
            throw Self.notFound(request.id)
        }
        return await withRating(product)
    }

    func batchGetProducts(_ request: BatchGetProductsRequest, context: RPCServerContext) async throws -> BatchGetProductsResponse {
        try Validate.count(request.ids, "ids", in: 1...1000)
        for id in request.ids { try Validate.id(id, "ids") }
        let found = try await store.products(ids: Array(Set(request.ids)), includingDeleted: true)
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
        try Validate.id(product.id, "product.id")
        guard let mask = request.updateMask, !mask.paths.isEmpty else {
            throw RPCError(.invalidArgument, "update_mask is required")
        }
        let changes = try ProductChanges(product, paths: mask.paths)
        guard let updated = try await store.updateProduct(id: product.id, changes) else { throw Self.notFound(product.id) }
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
        guard case .database(let order) = listing.sort else { return try await listByRating(listing, after: token?.position) }

        // The count needs nothing from the page: it runs meanwhile, on a
        // second connection at most.
        async let total = store.productCount(listing)
        var (products, last) = try await store.productPage(listing, order: order, after: token?.position)
        if let summaries = await ratings.summaries(for: products.map(\.id)) {
            for index in products.indices { products[index].rating = summaries[products[index].id] ?? Self.unrated }
        }
        let next = last.map { PageToken(position: $0).encoded(query: listing.fingerprint) } ?? ""
        let totalSize = try await total
        return .with {
            $0.products = products
            $0.nextPageToken = next
            $0.totalSize = totalSize
        }
    }

    /// RATING order: ratings live in RatingService, so the matching products
    /// are ranked here (average, then count, highest first; unrated last).
    private func listByRating(_ listing: ProductListing, after position: ProductListing.Position?) async throws -> ListProductsResponse {
        let ids = try await store.productIDs(listing, limit: ratingSortLimit + 1)
        guard ids.count <= ratingSortLimit else {
            throw RPCError(.failedPrecondition, "more than \(ratingSortLimit) products match; narrow the filters to sort by rating")
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
        let found = try await store.products(ids: page.map(\.id), includingDeleted: true)
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
        let results = try await store.createProducts(batch.map(\.input))
        for (item, result) in zip(batch, results) {
            switch result {
            case .success(let id):
                response.createdIds.append(id)
                response.createdCount += 1
            case .failure(let error):
                record(error, index: item.index, name: item.input.name, in: &response)
            }
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
