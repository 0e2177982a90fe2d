import Postgres
import RestaurantAPI
import RPC
import ServiceKitTesting
import Testing

/// StoreErrorInterceptor, the net under the handlers, with real database
/// errors through the catalog's real server: the status and message each
/// kind reaches the client as (its mapping alone: ServiceKitTests'
/// StoreErrorTests).
@Suite("Database errors through the catalog's server", .timeLimit(.minutes(2)))
struct DatabaseErrorTests {
    static let unavailable = "the database is unavailable; retry later"

    @Test("A violated unique, check or not-null constraint: ALREADY_EXISTS or INVALID_ARGUMENT, naming the constraint")
    func constraints() async throws {
        try await CatalogHarness.with { catalog in
            let soups = try await catalog.category("Soups")
            // No catalog statement lets one of these through today: constraints
            // added for the test stand for one a handler does not describe.
            let admin = try TestEnvironment.admin()
            let schema = catalog.schema.name
            try await admin.execute("CREATE UNIQUE INDEX products_name_test_key ON \(identifier: schema).products (name)")
            try await admin.execute("""
                ALTER TABLE \(identifier: schema).products ADD CONSTRAINT products_price_test_cap CHECK (price_cents <= 100000)
                """)
            try await admin.execute("ALTER TABLE \(identifier: schema).products ALTER COLUMN calories SET NOT NULL")
            try await catalog.product(soups.id, "Pea soup", calories: 300)

            await expectStatus(.alreadyExists, "already exists (products_name_test_key)") {
                try await catalog.product(soups.id, "Pea soup", calories: 300)
            }
            await expectStatus(.invalidArgument, "a value is out of range (products_price_test_cap)") {
                try await catalog.product(soups.id, "Caviar soup", price: 200_000, calories: 300)
            }
            await expectStatus(.invalidArgument, "a value is out of range") {
                try await catalog.product(soups.id, "Mystery soup")
            }
        }
    }

    @Test("A category deleted while a product is added to it: FAILED_PRECONDITION naming the foreign key")
    func foreignKey() async throws {
        try await CatalogHarness.with { catalog in
            let doomed = try await catalog.category("Doomed")
            // The insert finds the category, then waits for the delete to
            // commit before its foreign-key check fails.
            let deleting = try await HeldTransaction.begin(
                "DELETE FROM \(identifier: catalog.schema.name).categories WHERE id = \(doomed.id)")
            let creating = Task { try await catalog.product(doomed.id, "Orphan") }
            _ = try await catalog.service.waitForLockWait()
            try await deleting.commit()
            await expectStatus(.failedPrecondition,
                               "a referenced record does not exist or is still in use (products_category_id_fkey)") {
                try await creating.value
            }
        }
    }

    @Test("The same race at SERIALIZABLE: ABORTED, retry")
    func serializationFailure() async throws {
        // One connection, so the session setting below is the service's.
        try await CatalogHarness.with(poolSize: 1) { catalog in
            let doomed = try await catalog.category("Doomed")
            // The catalog runs at READ COMMITTED; a deployment could set its
            // role's default isolation higher, as this session does.
            try await catalog.pool.execute("SET default_transaction_isolation = 'serializable'")
            let deleting = try await HeldTransaction.begin(
                "DELETE FROM \(identifier: catalog.schema.name).categories WHERE id = \(doomed.id)")
            let creating = Task { try await catalog.product(doomed.id, "Orphan") }
            _ = try await catalog.service.waitForLockWait()
            try await deleting.commit()
            await expectStatus(.aborted, "the request conflicted with a concurrent change; retry it") {
                try await creating.value
            }
        }
    }

    @Test("A statement that outlasts statement_timeout: DEADLINE_EXCEEDED")
    func statementTimeout() async throws {
        try await CatalogHarness.with(poolSize: 1) { catalog in
            let soups = try await catalog.category("Soups")
            let product = try await catalog.product(soups.id, "Pea soup")
            try await catalog.pool.execute("SET statement_timeout = '300ms'")
            let locking = try await HeldTransaction.begin(
                "SELECT 1 FROM \(identifier: catalog.schema.name).products WHERE id = \(product.id) FOR UPDATE")
            await expectStatus(.deadlineExceeded, "the database did not answer in time") {
                try await catalog.client.setProductAvailability(.with {
                    $0.id = product.id
                    $0.available = false
                }, options: CatalogHarness.auth)
            }
            try await locking.rollback()
        }
    }

    @Test("The statement's backend terminated: UNAVAILABLE")
    func connectionLost() async throws {
        try await CatalogHarness.with { catalog in
            let soups = try await catalog.category("Soups")
            let product = try await catalog.product(soups.id, "Pea soup")
            let locking = try await HeldTransaction.begin(
                "SELECT 1 FROM \(identifier: catalog.schema.name).products WHERE id = \(product.id) FOR UPDATE")
            let changing = Task {
                try await catalog.client.setProductAvailability(.with {
                    $0.id = product.id
                    $0.available = false
                }, options: CatalogHarness.auth)
            }
            let backend = try await catalog.service.waitForLockWait()
            try await TestEnvironment.admin().execute("SELECT pg_terminate_backend(\(backend))")
            await expectStatus(.unavailable, Self.unavailable) { try await changing.value }
            try await locking.rollback()
        }
    }

    @Test("No pool connection free within the acquire timeout: UNAVAILABLE")
    func poolExhausted() async throws {
        try await CatalogHarness.with(poolSize: 1, acquireTimeout: .milliseconds(300)) { catalog in
            let soups = try await catalog.category("Soups")
            let product = try await catalog.product(soups.id, "Pea soup")
            try await catalog.pool.withConnection { _ in
                await expectStatus(.unavailable, Self.unavailable) {
                    try await catalog.client.getProduct(.with { $0.id = product.id }, options: CatalogHarness.open)
                }
            }
        }
    }

    @Test("Any other database error, or stored data that does not decode: INTERNAL, saying nothing of either")
    func internalErrors() async throws {
        try await CatalogHarness.with { catalog in
            let soups = try await catalog.category("Soups")
            let product = try await catalog.product(soups.id, "Pea soup", calories: 300)
            // A column of another type than the service's code reads and writes.
            try await TestEnvironment.admin().execute("""
                ALTER TABLE \(identifier: catalog.schema.name).products
                    DROP CONSTRAINT products_calories_check, ALTER COLUMN calories TYPE text USING calories::text
                """)
            await expectStatus(.internal, "internal error") {
                try await catalog.client.getProduct(.with { $0.id = product.id }, options: CatalogHarness.open)
            }
            await expectStatus(.internal, "internal error") {
                try await catalog.product(soups.id, "Leek soup", calories: 200)
            }
        }
    }
}
