import ArgumentParser
import Foundation
import RestaurantAPI
import RPC

/// The catalog commands' session: a ``ServiceSession`` on CatalogService.
public typealias CatalogSession = ServiceSession

extension ServiceSession {
    /// The generated CatalogService client on this session's channel.
    public var client: CatalogServiceClient { CatalogServiceClient(channel: session.channel) }

    // MARK: Categories by id, slug or name

    /// The id of the category `text` names: a number is taken as the id
    /// as is; anything else is looked up (ListCategories) by slug, then by
    /// name ignoring case. Exit 1 when nothing matches.
    public func categoryID(_ text: String) async throws(CLIError) -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let id = Int64(trimmed) { return id }
        let categories = try await unary(CatalogService.Method.listCategories, ListCategoriesRequest()).categories
        return try Self.match(trimmed, in: categories)
    }

    static func match(_ text: String, in categories: [RestaurantAPI.Category]) throws(CLIError) -> Int64 {
        if let category = categories.first(where: { $0.slug == text }) { return category.id }
        let lowered = text.lowercased()
        let named = categories.filter { $0.name.lowercased() == lowered }
        if named.count == 1 { return named[0].id }
        let known = categories.map { "\($0.slug) (\($0.id))" }.joined(separator: ", ")
        throw .local("no category '\(text)' (by id, slug or name); categories: \(known.isEmpty ? "none yet" : known)")
    }
}

/// Full names of the messages the catalog commands print.
enum CatalogTypes {
    static let package = "restaurant.catalog.v1."
    static let category = package + "Category"
    static let listCategoriesResponse = package + "ListCategoriesResponse"
    static let product = package + "Product"
    static let listProductsResponse = package + "ListProductsResponse"
    static let importProductsResponse = package + "ImportProductsResponse"
    static let createProductRequest = package + "CreateProductRequest"
    static let menuEvent = package + "MenuEvent"
    static let empty = "google.protobuf.Empty"
}
