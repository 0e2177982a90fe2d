import Foundation
import NIOCore
@_spi(ProtobufGenerated) import Protobuf
import RestaurantAPI
import Testing
import WellKnownTypes

/// One message instance of the contract, with every field set.
struct Sample: Sendable, CustomTestStringConvertible {
    let label: String
    let message: any ProtobufMessage

    init(_ message: some ProtobufMessage, _ label: String = "") {
        self.message = message
        self.label = label
    }

    var fullName: String { Self.fullName(of: message) }
    var testDescription: String { label.isEmpty ? fullName : "\(fullName) (\(label))" }

    static func fullName(of message: some ProtobufMessage) -> String {
        type(of: message).protobufDescriptor.fullName
    }
}

/// Every message type of RestaurantAPI, with every field non-default.
/// Adding a message to the contract: add one line here (the coverage tests
/// below fail until you do).
let restaurantSamples: [Sample] = [
    // common
    Sample(Fixtures.commonDate),
    // catalog
    Sample(Fixtures.category),
    Sample(Fixtures.productRating),
    Sample(Fixtures.product),
    Sample(Fixtures.product.with { $0.calories = 750; $0.tags = ["a"] }, "calories set non-zero"),
    Sample(Fixtures.createCategoryRequest),
    Sample(Fixtures.createCategoryRequest.with { $0.active = true }, "active true"),
    Sample(Fixtures.listCategoriesRequest),
    Sample(Fixtures.listCategoriesResponse),
    Sample(Fixtures.createProductRequest),
    Sample(Fixtures.getProductRequest),
    Sample(Fixtures.batchGetProductsRequest),
    Sample(Fixtures.batchGetProductsResponse),
    Sample(Fixtures.updateProductRequest),
    Sample(Fixtures.setProductAvailabilityRequest),
    Sample(Fixtures.deleteProductRequest),
    Sample(Fixtures.listProductsRequest),
    Sample(Fixtures.listProductsResponse),
    Sample(Fixtures.importProductError),
    Sample(Fixtures.importProductsResponse),
    Sample(Fixtures.watchMenuRequest),
    Sample(Fixtures.menuEvent),
    Sample(Fixtures.productRatingUpdate),
    Sample(Fixtures.updateProductRatingsRequest),
    Sample(Fixtures.updateProductRatingsResponse),
    Sample(MenuEvent.with { $0.type = .unrecognized(999) }, "unrecognized enum"),
    // order
    Sample(Fixtures.orderItem),
    Sample(Fixtures.statusChange),
    Sample(Fixtures.order),
    Sample(Fixtures.orderWithHistory),
    Sample(Fixtures.orderItemInput),
    Sample(Fixtures.createOrderRequest),
    Sample(Fixtures.getOrderRequestID, "lookup = id"),
    Sample(Fixtures.getOrderRequestOrderNumber, "lookup = order_number"),
    Sample(Fixtures.getOrderRequestEmptyID, "lookup = id(\"\")"),
    Sample(GetOrderRequest.with { $0.lookup = .orderNumber("") }, "lookup = order_number(\"\")"),
    Sample(Fixtures.listOrdersRequest),
    Sample(Fixtures.listOrdersResponse),
    Sample(Fixtures.updateOrderStatusRequest),
    Sample(UpdateOrderStatusRequest.with { $0.id = "x"; $0.status = .unrecognized(-7) }, "negative unrecognized enum"),
    Sample(Fixtures.cancelOrderRequest),
    Sample(Fixtures.watchOrdersRequest),
    Sample(Fixtures.orderEvent),
    Sample(Fixtures.orderEventWithSequence),
    // rating
    Sample(Fixtures.rating),
    Sample(Fixtures.ratingSummary),
    Sample(Fixtures.rateProductRequest),
    Sample(Fixtures.getRatingSummaryRequest),
    Sample(Fixtures.batchGetRatingSummariesRequest),
    Sample(Fixtures.batchGetRatingSummariesResponse),
    Sample(Fixtures.listRatingsRequest),
    Sample(Fixtures.listRatingsResponse),
    Sample(Fixtures.deleteRatingRequest),
    // analytics
    Sample(Fixtures.ingestOrderEventsRequest),
    Sample(Fixtures.ingestOrderEventsResponse),
    Sample(Fixtures.getDailyReportRequest),
    Sample(Fixtures.topProduct),
    Sample(Fixtures.dailyReport),
    Sample(Fixtures.dailyReport.with { $0.peakHour = 23 }, "peak_hour 23"),
    Sample(Fixtures.getDashboardRequest),
    Sample(Fixtures.dashboardSummary),
    Sample(Fixtures.dailySales),
    Sample(Fixtures.getDashboardResponse),
    Sample(Fixtures.productPerformance),
    Sample(Fixtures.listProductPerformanceRequest),
    Sample(ListProductPerformanceRequest.with { $0.sort = .unrecognized(999) }, "unrecognized enum"),
    Sample(Fixtures.listProductPerformanceResponse),
    Sample(Fixtures.rebuildReportsRequest),
    Sample(Fixtures.rebuildReportsResponse),
]

extension ProtobufMessage {
    /// A copy changed by `change`, for one-line variants of a fixture.
    func with(_ change: (inout Self) -> Void) -> Self {
        var copy = self
        change(&copy)
        return copy
    }
}

/// The restaurant messages the descriptor set declares, by full name, with
/// their fields (map entry types excluded: they are not Swift types).
func declaredRestaurantMessages() throws -> [String: [Google_Protobuf_FieldDescriptorProto]] {
    try declaredMessageProtos().filter { $0.value.options?.mapEntry != true }.mapValues(\.field)
}

@Suite("Round trips of every contract message", .timeLimit(.minutes(2)))
struct RoundTripTests {
    @Test("encode, decode, compare", arguments: restaurantSamples)
    func roundTrip(_ sample: Sample) throws {
        try Self.check(sample.message)
    }

    private static func check<M: ProtobufMessage>(_ original: M) throws {
        let bytes = try original.serializedBytes()
        #expect(!bytes.isEmpty)
        let decoded = try M(serializedBytes: bytes)
        #expect(decoded == original)
        // Re-encoding what we decoded gives a message that decodes the same
        // (maps may come out in another order, so compare values).
        #expect(try M(serializedBytes: decoded.serializedBytes()) == original)
        // The ByteBuffer paths agree with the array paths.
        var buffer = ByteBuffer(bytes: [0xEE])  // bytes before ours are left alone
        let written = try original.serialize(into: &buffer)
        #expect(written == bytes.count)
        #expect(buffer.readableBytes == bytes.count + 1)
        buffer.moveReaderIndex(forwardBy: 1)
        #expect(try M(buffer: buffer) == original)
        // Data works as input too.
        #expect(try M(serializedBytes: Data(bytes)) == original)
    }

    @Test("a message at its defaults encodes to nothing and decodes back", arguments: restaurantSamples)
    func defaults(_ sample: Sample) throws {
        try Self.checkDefault(sample.message)
    }

    private static func checkDefault<M: ProtobufMessage>(_: M) throws {
        #expect(try M().serializedBytes() == [])
        #expect(try M(serializedBytes: [UInt8]()) == M())
    }

    @Test("the table covers every message type in the contract")
    func tableCoversEveryMessage() throws {
        let declared = try declaredRestaurantMessages()
        let packages = Set(declared.keys.map { $0.split(separator: ".").dropLast().joined(separator: ".") })
        #expect(packages == ["restaurant.common.v1", "restaurant.catalog.v1", "restaurant.order.v1",
                             "restaurant.rating.v1", "restaurant.analytics.v1"])
        let covered = Set(restaurantSamples.map(\.fullName))
        let missing = Set(declared.keys).subtracting(covered).sorted()
        let unknown = covered.subtracting(declared.keys).sorted()
        #expect(missing == [], "messages without a round-trip sample: \(missing)")
        #expect(unknown == [], "samples of messages the descriptor set does not declare: \(unknown)")
    }

    @Test("the embedded descriptor set has every .proto file under Protos/restaurant")
    func descriptorSetCoversProtos() throws {
        let protos = GoldenPython.repoRoot.appendingPathComponent("Protos")
        let enumerator = try #require(FileManager.default.enumerator(atPath: protos.path))
        let onDisk = Set(enumerator.compactMap { $0 as? String }.filter { $0.hasPrefix("restaurant/") && $0.hasSuffix(".proto") })
        #expect(onDisk.count >= 5)
        let embedded = Set(RestaurantAPIDescriptorSet.files.map(\.name).filter { $0.hasPrefix("restaurant/") })
        #expect(onDisk == embedded, "run scripts/generate.sh: Protos/ and the generated RestaurantAPI differ")
    }

    /// Proof that the samples set every field: a proto3 field at its default
    /// is not written, so each declared field number must appear on the wire
    /// of at least one sample of its message (oneof members are spread over
    /// several samples).
    @Test("every declared field is non-default in some sample")
    func samplesSetEveryField() throws {
        let declared = try declaredRestaurantMessages()
        var seen: [String: Set<UInt64>] = [:]
        for sample in restaurantSamples {
            let bytes = try sample.message.serializedBytes()
            let fields = try #require(WireScan.fields(bytes), "\(sample.testDescription) does not parse")
            seen[sample.fullName, default: []].formUnion(fields.map(\.number))
        }
        for (name, fields) in declared {
            let unset = Set(fields.compactMap(\.number).map { UInt64($0) }).subtracting(seen[name] ?? [])
            #expect(unset.isEmpty, "\(name): fields \(unset.sorted()) are at their default in every sample")
        }
    }

    @Test("an enum value this build does not know survives somewhere in the table")
    func unrecognizedEnumInTable() throws {
        let order = try Order(serializedBytes: Fixtures.listOrdersResponse.orders[1].serializedBytes())
        #expect(order.status == .unrecognized(999))
        let request = try ListOrdersRequest(serializedBytes: Fixtures.listOrdersRequest.serializedBytes())
        #expect(request.statuses == [.pending, .unrecognized(999), .cancelled, .unrecognized(-1)])
    }

    @Test("presence survives: optional fields set to zero stay set, unset stay nil")
    func presence() throws {
        let zero = try Product(serializedBytes: Fixtures.product.serializedBytes())
        #expect(zero.calories == 0)
        #expect(zero.updatedAt == Fixtures.ts(0, 0))
        var unset = Fixtures.product
        unset.calories = nil
        unset.updatedAt = nil
        let decoded = try Product(serializedBytes: unset.serializedBytes())
        #expect(decoded.calories == nil)
        #expect(decoded.updatedAt == nil)
        #expect(decoded != zero)

        let request = try CreateProductRequest(serializedBytes: Fixtures.createProductRequest.serializedBytes())
        #expect(request.available == false)
        #expect(request.calories == 0)
        #expect(try CreateProductRequest(serializedBytes: CreateProductRequest().serializedBytes()).available == nil)

        let report = try DailyReport(serializedBytes: Fixtures.dailyReport.serializedBytes())
        #expect(report.peakHour == 0)
        let list = try ListProductsRequest(serializedBytes: Fixtures.listProductsRequest.serializedBytes())
        #expect(list.minPriceCents == 0)
        #expect(list.maxPriceCents == -5)

        let empty = try GetOrderRequest(serializedBytes: Fixtures.getOrderRequestEmptyID.serializedBytes())
        #expect(empty.lookup == .id(""))
        #expect(try GetOrderRequest(serializedBytes: [UInt8]()).lookup == nil)
    }

    @Test("a oneof keeps the last member on the wire")
    func oneofLastWins() throws {
        var wire = Wire()
        wire.string(1, "the-id")
        wire.string(2, "ORD-1")
        #expect(try GetOrderRequest(serializedBytes: wire.bytes).lookup == .orderNumber("ORD-1"))
        var reversed = Wire()
        reversed.string(2, "ORD-1")
        reversed.string(1, "the-id")
        #expect(try GetOrderRequest(serializedBytes: reversed.bytes).lookup == .id("the-id"))
    }

    @Test("a map key repeated on the wire keeps its last value")
    func mapLastWins() throws {
        func entry(_ key: UInt64, _ value: UInt64) -> [UInt8] {
            var e = Wire()
            e.varint(1, key)
            e.varint(2, value)
            return e.bytes
        }
        var wire = Wire()
        wire.lengthDelimited(4, entry(3, 1))
        wire.lengthDelimited(4, entry(4, 9))
        wire.lengthDelimited(4, entry(3, 2))
        wire.lengthDelimited(4, [])  // key 0, value 0
        let summary = try RatingSummary(serializedBytes: wire.bytes)
        #expect(summary.histogram == [3: 2, 4: 9, 0: 0])
    }

    @Test("large realistic messages decode within the expansion budget")
    func largeMessages() throws {
        let many = ListOrdersResponse.with { $0.orders = Array(repeating: Fixtures.order, count: 2_000) }
        let bytes = try many.serializedBytes()
        #expect(bytes.count > 400_000)
        #expect(try ListOrdersResponse(serializedBytes: bytes) == many)

        let ids = BatchGetProductsRequest.with { $0.ids = (1...100_000).map { Int64($0) } }
        #expect(try BatchGetProductsRequest(serializedBytes: ids.serializedBytes()) == ids)
    }
}
