import ServiceKitTesting
import Foundation
import RestaurantAPI
import RPC
import Testing

@Suite("Authorization", .timeLimit(.minutes(2)))
struct AuthTests {
    enum Credentials: String, CaseIterable, Sendable {
        case none, wrongToken, wrongScheme, emptyBearer

        var options: CallOptions {
            switch self {
            case .none: CallOptions(timeout: .seconds(30))
            case .wrongToken: CallOptions(timeout: .seconds(30), metadata: Metadata([("authorization", "Bearer not-the-token")]))
            case .wrongScheme: CallOptions(timeout: .seconds(30), metadata: Metadata([("authorization", "Basic \(CatalogHarness.token)")]))
            // "Bearer " with its trailing space is not a valid HTTP/2 field value.
            case .emptyBearer: CallOptions(timeout: .seconds(30), metadata: Metadata([("authorization", "Bearer")]))
            }
        }

        var expected: RPCStatus.Code {
            self == .wrongToken ? .permissionDenied : .unauthenticated
        }

        /// What the bearer-token interceptor answers for `method`.
        func message(_ method: String) -> String {
            switch self {
            case .none: "\(method) changes data and needs 'authorization: Bearer <token>'"
            case .wrongToken: "the bearer token is not accepted for \(method)"
            case .wrongScheme, .emptyBearer: "the authorization header must be 'Bearer <token>'"
            }
        }
    }

    @Test("Every mutating method: no token → UNAUTHENTICATED, a wrong one → PERMISSION_DENIED; nothing changes",
          arguments: Credentials.allCases)
    func mutatingMethodsNeedAToken(credentials: Credentials) async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let product = try await catalog.product(mains.id, "Soup")
            let options = credentials.options
            let code = credentials.expected

            await expectStatus(code, credentials.message("CreateCategory")) {
                try await catalog.client.createCategory(.with { $0.name = "Sneaky" }, options: options)
            }
            await expectStatus(code, credentials.message("CreateProduct")) {
                try await catalog.client.createProduct(.with {
                    $0.categoryId = mains.id
                    $0.name = "Sneaky"
                    $0.priceCents = 1
                }, options: options)
            }
            await expectStatus(code, credentials.message("UpdateProduct")) {
                try await catalog.client.updateProduct(.with {
                    $0.product = .with {
                        $0.id = product.id
                        $0.name = "Sneaky"
                    }
                    $0.updateMask = .init(paths: ["name"])
                }, options: options)
            }
            await expectStatus(code, credentials.message("SetProductAvailability")) {
                try await catalog.client.setProductAvailability(.with { $0.id = product.id }, options: options)
            }
            await expectStatus(code, credentials.message("DeleteProduct")) {
                try await catalog.client.deleteProduct(.with { $0.id = product.id }, options: options)
            }
            await expectStatus(code, credentials.message("ImportProducts")) {
                try await catalog.importProducts([.with {
                    $0.categoryId = mains.id
                    $0.name = "Sneaky"
                    $0.priceCents = 1
                }], options: options)
            }
            // Invalid requests are refused for the token first: no validation leaks.
            await expectStatus(code, credentials.message("DeleteProduct")) {
                try await catalog.client.deleteProduct(.with { $0.id = -1 }, options: options)
            }

            let categories = try await catalog.client.listCategories(.init(), options: options)
            #expect(categories.categories.map(\.name) == ["Mains"])
            let stored = try await catalog.client.getProduct(.with { $0.id = product.id }, options: options)
            #expect(stored == product, "refused calls changed nothing")
            let listed = try await catalog.client.listProducts(.init(), options: options)
            #expect(listed.products.map(\.id) == [product.id])
        }
    }

    @Test("Reads need no token, and ignore a wrong one")
    func readsAreOpen() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let product = try await catalog.product(mains.id, "Soup")
            for credentials in [Credentials.none, .wrongToken] {
                let options = credentials.options
                #expect(try await catalog.client.listCategories(.init(), options: options).categories.count == 1)
                #expect(try await catalog.client.getProduct(.with { $0.id = product.id }, options: options).id == product.id)
                #expect(try await catalog.client.batchGetProducts(.with { $0.ids = [product.id] }, options: options).products.count == 1)
                #expect(try await catalog.client.listProducts(.init(), options: options).products.count == 1)
                let watch = catalog.client.watchMenu(.init(), options: options)
                _ = try await withTimeout(.seconds(20), "WatchMenu headers") { try await watch.initialMetadata() }
            }
        }
    }

    @Test("The accepted token works whatever the case of 'Bearer'")
    func bearerCaseInsensitive() async throws {
        try await CatalogHarness.with { catalog in
            let options = CallOptions(timeout: .seconds(30), metadata: Metadata([("authorization", "bearer \(CatalogHarness.token)")]))
            let category = try await catalog.client.createCategory(.with { $0.name = "Lowercase" }, options: options)
            #expect(category.name == "Lowercase")
        }
    }
}
