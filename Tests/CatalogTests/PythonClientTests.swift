import ServiceKitTesting
import Foundation
import RestaurantAPI
import RPC
import Testing

/// Any gRPC client works with the catalog: a grpcio client generated from
/// Protos/ (Tests/python/catalog_client.py) creates and lists products.
@Suite("grpcio client", .timeLimit(.minutes(2)))
struct PythonClientTests {
    static func python() throws -> URL {
        let root = TestEnvironment.repositoryRoot
        let python = root.appendingPathComponent(".venv/bin/python")
        let generated = root.appendingPathComponent(".build-python/gen/restaurant/catalog/v1/catalog_pb2_grpc.py")
        guard FileManager.default.isExecutableFile(atPath: python.path),
              FileManager.default.fileExists(atPath: generated.path) else {
            throw TestEnvironment.Missing(what: "the Python gRPC environment is missing (\(python.path), \(generated.path)): "
                + "run `bash scripts/python-env.sh` first")
        }
        return python
    }

    /// Runs the script; returns its JSON output.
    static func run(_ arguments: [String]) async throws -> [String: Any] {
        let process = Process()
        process.executableURL = try python()
        process.arguments = [TestEnvironment.repositoryRoot.appendingPathComponent("Tests/python/catalog_client.py").path] + arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-client-\(UUID().uuidString).out")
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-client-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: errors)
        }
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let deadline = ContinuousClock.now + .seconds(90)
        while process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            throw TimedOut(what: "catalog_client.py")
        }
        let stdout = try String(contentsOf: output, encoding: .utf8)
        let stderr = try String(contentsOf: errors, encoding: .utf8)
        guard process.terminationStatus == 0 else {
            throw TestEnvironment.Missing(what: "catalog_client.py exited with \(process.terminationStatus):\n\(stderr)\n\(stdout)")
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] else {
            throw TestEnvironment.Missing(what: "catalog_client.py printed no JSON object:\n\(stdout)")
        }
        return object
    }

    @Test("grpcio creates a category and products with a token, lists and searches them, and gets the contract's errors")
    func grpcioClient() async throws {
        _ = try Self.python()
        try await CatalogHarness.with { catalog in
            let out = try await Self.run(["--target", "127.0.0.1:\(catalog.port)", "--token", CatalogHarness.token])

            let noToken = out["create_without_token"] as? [String: Any]
            #expect(noToken?["code"] as? String == "UNAUTHENTICATED")
            let wrongToken = out["create_with_wrong_token"] as? [String: Any]
            #expect(wrongToken?["code"] as? String == "PERMISSION_DENIED")
            let badPrice = out["create_bad_price"] as? [String: Any]
            #expect(badPrice?["code"] as? String == "INVALID_ARGUMENT")
            #expect(badPrice?["details"] as? String == "price_cents must be greater than 0")
            let badToken = out["bad_page_token"] as? [String: Any]
            #expect(badToken?["code"] as? String == "INVALID_ARGUMENT")
            #expect(badToken?["details"] as? String == "page_token is invalid")

            let category = try #require(out["category"] as? [String: Any])
            #expect(category["name"] as? String == "Python Specials")
            #expect(category["slug"] as? String == "python-specials")
            #expect(category["sort_order"] as? Int == 7)
            let categoryID = try #require((category["id"] as? String).flatMap { Int64($0) })

            let product = try #require(out["product"] as? [String: Any])
            #expect(product["name"] as? String == "Pierogi Ruskie")
            #expect(product["price_cents"] as? String == "1250")
            #expect(product["calories"] as? Int == 430)
            #expect(product["tags"] as? [String] == ["dumplings", "vegetarian"])
            #expect(product["category_name"] as? String == "Python Specials")
            #expect(product["available"] as? Bool == true)
            #expect(product["featured"] as? Bool == true)
            #expect((product["created_at"] as? String)?.hasSuffix("Z") == true)
            #expect(out["product_has_calories"] as? Bool == true)
            #expect(out["no_calories_has_calories"] as? Bool == false)
            #expect(out["no_calories_available"] as? Bool == false)
            let productID = try #require((product["id"] as? String).flatMap { Int64($0) })

            let list = try #require(out["list"] as? [String: Any])
            let listed = try #require(list["products"] as? [[String: Any]])
            #expect(listed.map { $0["name"] as? String } == ["Pierogi Ruskie", "Kompot"])
            #expect(list["total_size"] as? Int == 2)
            let search = try #require(out["search"] as? [String: Any])
            #expect((search["products"] as? [[String: Any]])?.map { $0["id"] as? String } == [String(productID)])

            // What grpcio wrote is what Swift reads.
            let stored = try await catalog.client.getProduct(.with { $0.id = productID }, options: CatalogHarness.open)
            #expect(stored.categoryId == categoryID)
            #expect(stored.name == "Pierogi Ruskie")
            #expect(stored.description == "Potato and cheese dumplings")
            #expect(stored.preparationMinutes == 18)
            #expect(stored.calories == 430)
        }
    }
}
