import Foundation
import RestaurantAPI
import RPC
import ServiceKit
import WellKnownTypes

/// `restaurant.catalog.v1.CatalogService`: validates requests with the
/// contract's rules and runs them against the store.
struct CatalogHandler: CatalogServiceHandler {
    let store: CatalogStore
    let events: MenuEventHub
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
        try await store.createProduct(try ProductInput(request))
    }

    func getProduct(_ request: GetProductRequest, context: RPCServerContext) async throws -> Product {
        try Validate.id(request.id, "id")
        guard let product = try await store.products(ids: [request.id], includingDeleted: false)[request.id] else {
            throw Self.notFound(request.id)
        }
        return product
    }

    func batchGetProducts(_ request: BatchGetProductsRequest, context: RPCServerContext) async throws -> BatchGetProductsResponse {
        try Validate.count(request.ids, "ids", in: 1...1000)
        for id in request.ids { try Validate.id(id, "ids") }
        let found = try await store.products(ids: Array(Set(request.ids)), includingDeleted: true)
        var missing: [Int64] = []
        var seenMissing = Set<Int64>()
        var products: [Product] = []
        for id in request.ids {
            if var product = found[id] {
                product.rating = nil  // the contract leaves it out of batches
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
        return updated
    }

    func setProductAvailability(_ request: SetProductAvailabilityRequest, context: RPCServerContext) async throws -> Product {
        try Validate.id(request.id, "id")
        guard let product = try await store.setAvailability(id: request.id, available: request.available) else {
            throw Self.notFound(request.id)
        }
        return product
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
        // The count needs nothing from the page: it runs meanwhile, on a
        // second connection at most.
        async let total = store.productCount(listing)
        let (products, last) = try await store.productPage(listing, after: token?.position)
        let next = last.map { PageToken(position: $0).encoded(query: listing.fingerprint) } ?? ""
        let totalSize = try await total
        return .with {
            $0.products = products
            $0.nextPageToken = next
            $0.totalSize = totalSize
        }
    }

    // MARK: Ratings

    func updateProductRatings(_ request: UpdateProductRatingsRequest, context: RPCServerContext) async throws -> UpdateProductRatingsResponse {
        try Validate.count(request.updates, "updates", in: 1...1000)
        for (index, update) in request.updates.enumerated() {
            try Validate.id(update.productId, "updates[\(index)].product_id")
            guard update.count >= 0 else { throw RPCError(.invalidArgument, "updates[\(index)].count must not be negative") }
            guard (0...5).contains(update.average) else {
                throw RPCError(.invalidArgument, "updates[\(index)].average must be between 0 and 5")
            }
        }
        let applied = try await store.applyRatings(request.updates)
        return .with { $0.appliedCount = Int32(applied) }
    }

    // MARK: Import

    /// Validates items as they arrive and commits them ``importBatchSize``
    /// at a time, each batch in one transaction. A batch that fails in the
    /// database (beyond an item's unknown category, which is reported
    /// with the item) ends the call with that failure's status: the batches
    /// committed before it stay, it leaves none of its rows, and the
    /// response that would have listed them is not sent (ListProducts shows
    /// them). A client that cancels mid-stream likewise keeps the batches
    /// committed before; the items of the batch not yet full are never
    /// written.
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
        let status = (error as? StoreError)?.rpcError.status ?? RPCStatus(error: error)
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


    private static func notFound(_ id: Int64) -> RPCError {
        RPCError(.notFound, "product \(id) not found")
    }

}
