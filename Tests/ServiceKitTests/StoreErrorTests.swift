@testable import Postgres
import ServiceKitTesting
import RPC
@testable import ServiceKit
import Testing

/// The net under the handlers: database errors they do not describe
/// themselves reach callers as statuses that say what to do, never internals.
@Suite("Database errors as statuses", .timeLimit(.minutes(2)))
struct StoreErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let error: PostgresError
        let code: RPCStatus.Code
        let message: String
        var testDescription: String { "\(error.code.name) → \(code.name)" }
    }

    @Test("Each kind of database error maps to its status and message", arguments: [
        Case(error: PostgresError(code: .uniqueViolation, sqlState: "23505", constraint: "categories_slug_key"),
             code: .alreadyExists, message: "already exists (categories_slug_key)"),
        Case(error: PostgresError(code: .foreignKeyViolation, sqlState: "23503", constraint: "products_category_id_fkey"),
             code: .failedPrecondition, message: "a referenced record does not exist or is still in use (products_category_id_fkey)"),
        Case(error: PostgresError(code: .foreignKeyViolation, sqlState: "23503"),
             code: .failedPrecondition, message: "a referenced record does not exist or is still in use"),
        Case(error: PostgresError(code: .checkViolation, sqlState: "23514", constraint: "products_price_cents_check"),
             code: .invalidArgument, message: "a value is out of range (products_price_cents_check)"),
        Case(error: PostgresError(code: .notNullViolation, sqlState: "23502", column: "name"),
             code: .invalidArgument, message: "a value is out of range"),
        Case(error: PostgresError(code: .poolExhausted), code: .unavailable, message: "the database is unavailable; retry later"),
        Case(error: PostgresError(code: .connectionLost, sqlState: "57P01"),
             code: .unavailable, message: "the database is unavailable; retry later"),
        Case(error: PostgresError(code: .timeout, sqlState: "57014"),
             code: .deadlineExceeded, message: "the database did not answer in time"),
        Case(error: PostgresError(code: .serializationFailure, sqlState: "40001"),
             code: .aborted, message: "the request conflicted with a concurrent change; retry it"),
        Case(error: PostgresError(code: .deadlockDetected, sqlState: "40P01"),
             code: .aborted, message: "the request conflicted with a concurrent change; retry it"),
        // Unexpected errors say nothing about the server, the statement or the values.
        Case(error: PostgresError(code: .other(sqlState: "42P01"), sqlState: "42P01", table: "secret_table",
                                  serverMessage: "relation \"secret_table\" does not exist",
                                  sql: "SELECT * FROM secret_table"),
             code: .internal, message: "internal error"),
        Case(error: PostgresError(code: .poolShutDown), code: .internal, message: "internal error"),
    ])
    func mapping(_ mapping: Case) {
        let status = StoreErrorInterceptor.status(for: mapping.error, logger: TestEnvironment.logger("kit.tests.store-errors"))
        #expect(status.code == mapping.code)
        #expect(status.message == mapping.message)
    }

    @Test("A store's domain errors keep their message and take their status")
    func domainErrors() {
        #expect(StoreError.notFound("category 4 not found").rpcError == RPCError(.notFound, "category 4 not found"))
        #expect(StoreError.alreadyExists("category 'Pies' already exists").rpcError
                == RPCError(.alreadyExists, "category 'Pies' already exists"))
        #expect(StoreError.failedPrecondition("cannot change order status from READY to PENDING").rpcError
                == RPCError(.failedPrecondition, "cannot change order status from READY to PENDING"))
    }
}
