import ServiceKitTesting
import Foundation
import RestaurantAPI
import RPC
import Synchronization
import WellKnownTypes

/// A small, real RatingService (gRPC on a loopback port) that answers
/// BatchGetRatingSummaries from summaries the test sets and records the
/// request ids it receives: an upstream for ServiceKit's upstream calls.
final class RatingServer: RatingServiceHandler {
    private let summaries = Mutex<[Int64: (average: Double, count: Int32)]>([:])
    private let calls = Mutex(0)
    private let receivedRequestIDs = Mutex<[String?]>([])

    /// How many BatchGetRatingSummaries calls were answered.
    var batchCalls: Int { calls.withLock { $0 } }

    /// The `x-request-id` of each BatchGetRatingSummaries call, in order.
    var requestIDs: [String?] { receivedRequestIDs.withLock { $0 } }

    func set(_ productID: Int64, average: Double, count: Int32) {
        summaries.withLock { $0[productID] = (average, count) }
    }

    func batchGetRatingSummaries(_ request: BatchGetRatingSummariesRequest, context: RPCServerContext) async throws -> BatchGetRatingSummariesResponse {
        calls.withLock { $0 += 1 }
        receivedRequestIDs.withLock { $0.append(context.metadata["x-request-id"]) }
        guard request.productIds.count <= 1000 else {
            throw RPCError(.invalidArgument, "product_ids must contain at most 1000 ids")
        }
        let known = summaries.withLock { $0 }
        return .with {
            $0.summaries = request.productIds.map { id in
                RatingSummary.with {
                    $0.productId = id
                    $0.average = known[id]?.average ?? 0
                    $0.count = known[id]?.count ?? 0
                }
            }
        }
    }

    func rateProduct(_ request: RateProductRequest, context: RPCServerContext) async throws -> Rating {
        throw RPCError(.unimplemented, "not part of the ServiceKit tests")
    }

    func getRatingSummary(_ request: GetRatingSummaryRequest, context: RPCServerContext) async throws -> RatingSummary {
        throw RPCError(.unimplemented, "not part of the ServiceKit tests")
    }

    func listRatings(_ request: ListRatingsRequest, context: RPCServerContext) async throws -> ListRatingsResponse {
        throw RPCError(.unimplemented, "not part of the ServiceKit tests")
    }

    func deleteRating(_ request: DeleteRatingRequest, context: RPCServerContext) async throws -> Google_Protobuf_Empty {
        throw RPCError(.unimplemented, "not part of the ServiceKit tests")
    }

    /// Runs `body` with the server listening on a loopback port.
    func serve<T>(_ body: (_ target: String) async throws -> T) async throws -> T {
        let server = RPCServer(configuration: .init(host: "127.0.0.1", port: 0), services: [rpcService],
                               logger: TestEnvironment.logger("kit.tests.rating"))
        let port = try await server.start().port!
        do {
            let result = try await body("127.0.0.1:\(port)")
            await server.shutdown(drainTimeout: .seconds(1))
            return result
        } catch {
            await server.shutdown(drainTimeout: .seconds(1))
            throw error
        }
    }
}
