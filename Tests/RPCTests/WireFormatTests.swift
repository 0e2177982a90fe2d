import Gzip
import NIOCore
@_spi(Fuzzing) @testable import RPC
import Testing

@Suite(.timeLimit(.minutes(2))) struct GRPCTimeoutTests {
    @Test func parsesEveryUnit() {
        #expect(GRPCTimeout.parse("2H") == .seconds(7200))
        #expect(GRPCTimeout.parse("3M") == .seconds(180))
        #expect(GRPCTimeout.parse("10S") == .seconds(10))
        #expect(GRPCTimeout.parse("250m") == .milliseconds(250))
        #expect(GRPCTimeout.parse("7u") == .microseconds(7))
        #expect(GRPCTimeout.parse("99999999n") == .nanoseconds(99_999_999))
    }

    @Test(arguments: ["", "S", "10", "10s", "-1S", "123456789S", "1.5S", "1 S", "abcS"])
    func rejectsMalformed(_ value: String) {
        #expect(GRPCTimeout.parse(value) == nil)
    }

    @Test func encodesWithoutShortening() throws {
        for duration: Duration in [.nanoseconds(1), .milliseconds(1), .seconds(1), .milliseconds(1500),
                                   .seconds(86_400 * 30), .nanoseconds(123_456_789_012)] {
            let encoded = GRPCTimeout.encode(duration)
            #expect(encoded.utf8.count <= 9, "\(encoded) is too long")
            let decoded = try #require(GRPCTimeout.parse(encoded))
            #expect(decoded >= duration, "\(encoded) shortens \(duration)")
        }
        #expect(GRPCTimeout.encode(.milliseconds(1500)) == "1500000u")
    }
}

@Suite(.timeLimit(.minutes(2))) struct PercentEncodingTests {
    @Test func roundTripsTheSpecialMessage() {
        let message = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"
        let encoded = PercentEncoding.encode(message)
        #expect(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E })
        #expect(PercentEncoding.decode(encoded) == message)
    }

    @Test func encodesPercentAndLeavesPlainTextAlone() {
        #expect(PercentEncoding.encode("100%") == "100%25")
        #expect(PercentEncoding.encode("plain text") == "plain text")
    }

    @Test func keepsMalformedSequences() {
        #expect(PercentEncoding.decode("50%zz off %4") == "50%zz off %4")
        #expect(PercentEncoding.decode("%E2%98%BA") == "☺")
    }
}

@Suite(.timeLimit(.minutes(2))) struct MetadataTests {
    @Test func decodesBinaryValuesPaddedOrNot() {
        let metadata = Metadata(headerFields: [(name: "x-trace-bin", value: "q6ur"), (name: "x-two-bin", value: "AQ,AgM="), (name: "x-text", value: "hello")])
        #expect(metadata.binary("x-trace-bin") == [0xAB, 0xAB, 0xAB])
        #expect(metadata.count == 4)
        #expect(metadata["X-Text"] == "hello")
    }

    @Test func dropsReservedKeysBothWays() {
        let received = Metadata(headerFields: [(name: ":path", value: "/x"), (name: "grpc-timeout", value: "1S"),
                                               (name: "content-type", value: "application/grpc"), (name: "user", value: "ana")])
        #expect(received.count == 1)
        var sent = Metadata()
        sent.add("grpc-status", "0")
        sent.add("authorization", "Bearer t")
        sent.add("x-id-bin", binary: [1, 2, 3])
        #expect(sent.headerFields.map(\.name) == ["authorization", "x-id-bin"])
        #expect(sent.headerFields.last?.value == "AQID")
    }

    @Test func pathsNameTheirServiceAndMethod() {
        #expect(RPCPath.names(in: "/restaurant.catalog.v1.CatalogService/GetProduct") == ("restaurant.catalog.v1.CatalogService", "GetProduct"))
        #expect(RPCPath.names(in: "/OnlyAService") == ("OnlyAService", ""))
        #expect(RPCPath.names(in: "") == ("", ""))
    }

    @Test func trimsSpacesAndTabsAndDropsWhatHTTP2CannotCarry() {
        var sent = Metadata()
        sent.add("x-padded", " \t value with inner spaces \t")
        sent.add("x-blank", " \t ")
        sent.add("x-newline", "a\nb")
        sent.add("x-unicode", "caf\u{E9}")
        #expect(sent.headerFields.map { "\($0.name)=\($0.value)" } == ["x-padded=value with inner spaces", "x-blank="])
        // Binary values joined by commas may have spaces around them.
        #expect(Metadata(headerFields: [(name: "x-two-bin", value: " AQ ,\tAgM= ")]).count == 2)
        #expect(CompressionAlgorithm.isGzipAccepted(by: "identity, GZIP\t"))
        #expect(!CompressionAlgorithm.isGzipAccepted(by: "identity, gzipx"))
    }
}

@Suite(.timeLimit(.minutes(2))) struct DeframerTests {
    private func frame(_ payload: [UInt8], compressed: Bool = false) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(compressed ? 1 : 0))
        buffer.writeInteger(UInt32(payload.count))
        buffer.writeBytes(payload)
        return buffer
    }

    @Test func reassemblesMessagesSplitAtEveryByte() throws {
        var stream = frame([1, 2, 3])
        stream.writeImmutableBuffer(frame([]))
        stream.writeImmutableBuffer(frame(Array(repeating: 7, count: 300)))
        let bytes = Array(stream.readableBytesView)
        for split in 0...bytes.count {
            let messages = try MessageFraming.deframe([ByteBuffer(bytes: bytes[..<split]), ByteBuffer(bytes: bytes[split...])],
                                                      encoding: nil, maxMessageSize: 1024)
            #expect(messages.map(\.readableBytes) == [3, 0, 300])
        }
    }

    @Test func rejectsADeclaredLengthOverTheLimitBeforeItArrives() {
        var prefix = ByteBuffer()
        prefix.writeInteger(UInt8(0))
        prefix.writeInteger(UInt32.max)
        var deframer = MessageDeframer(encoding: nil, maxMessageSize: 4 * 1024 * 1024)
        deframer.append(prefix)
        #expect(throws: RPCError(.resourceExhausted, "message of 4294967295 bytes exceeds the limit of 4194304 bytes")) {
            _ = try deframer.next()
        }
    }

    @Test(arguments: [nil, CompressionAlgorithm.identity])
    func rejectsCompressionThatWasNotNegotiated(_ encoding: CompressionAlgorithm?) {
        #expect(throws: RPCError(.internal, "received a compressed message but no grpc-encoding was negotiated")) {
            _ = try MessageFraming.deframe([frame([1], compressed: true)], encoding: encoding, maxMessageSize: 100)
        }
    }

    @Test func rejectsAnInvalidFlag() throws {
        var buffer = frame([1])
        buffer.setInteger(UInt8(2), at: 0)
        #expect(throws: RPCError(.internal, "invalid compressed flag 2 in message prefix")) {
            _ = try MessageFraming.deframe([buffer], encoding: nil, maxMessageSize: 100)
        }
    }

    @Test func inflatesGzipAndStopsAZipBombAtTheLimit() throws {
        var plain = ByteBuffer()
        plain.writeRepeatingByte(0, count: 10 * 1024 * 1024)
        var compressed = ByteBuffer()
        Gzip.compress(plain, into: &compressed)
        #expect(compressed.readableBytes < 64 * 1024)
        let framed = frame(Array(compressed.readableBytesView), compressed: true)
        do {
            _ = try MessageFraming.deframe([framed], encoding: .gzip, maxMessageSize: 1024 * 1024)
            Issue.record("a 10 MiB bomb passed a 1 MiB limit")
        } catch let error as RPCError {
            #expect(error.code == .resourceExhausted)
        }
        let messages = try MessageFraming.deframe([framed], encoding: .gzip, maxMessageSize: 16 * 1024 * 1024)
        #expect(messages.first?.readableBytes == 10 * 1024 * 1024)
    }

    @Test func queuesCompressedMessagesWithoutInflatingThem() throws {
        var plain = ByteBuffer()
        plain.writeRepeatingByte(0, count: 4 * 1024 * 1024)
        var compressed = ByteBuffer()
        Gzip.compress(plain, into: &compressed)
        var stream = ByteBuffer()
        for _ in 0..<100 { stream.writeImmutableBuffer(frame(Array(compressed.readableBytesView), compressed: true)) }
        var deframer = MessageDeframer(encoding: .gzip, maxMessageSize: 4 * 1024 * 1024)
        deframer.append(stream)
        var frames: [MessageDeframer.Frame] = []
        while let next = try deframer.next() { frames.append(next) }
        // 100 bombs of 4 MiB each are held as their few KB of gzip...
        #expect(frames.count == 100)
        #expect(frames.allSatisfy { $0.compressed && $0.payload.readableBytes < 16 * 1024 })
        // ...and each expands only when taken.
        #expect(try deframer.inflate(frames[0]).readableBytes == 4 * 1024 * 1024)
    }

    @Test func reportsTruncatedGzip() {
        var compressed = ByteBuffer()
        Gzip.compress(ByteBuffer(string: String(repeating: "menu ", count: 100)), into: &compressed)
        let truncated = compressed.getSlice(at: 0, length: compressed.readableBytes / 2)!
        #expect(throws: Gzip.Error.self) { _ = try Gzip.decompress(truncated, limit: 1 << 20) }
    }
}

@Suite(.timeLimit(.minutes(2))) struct TargetTests {
    @Test func parsesTheForms() throws {
        #expect(try RPCTarget(parsing: "localhost:50051").authority == "localhost:50051")
        #expect(try RPCTarget(parsing: "dns:///catalog:50051").host == "catalog")
        let v6 = try RPCTarget(parsing: "[::1]:443")
        #expect(v6.host == "::1" && v6.port == 443 && v6.authority == "[::1]:443")
    }

    @Test(arguments: ["localhost", "localhost:0", "localhost:70000", ":50051", "[::1:50051", "[::1]", "host:port", "a b:1"])
    func rejectsInvalidTargets(_ text: String) {
        #expect(throws: RPCTarget.ParseError.self) { try RPCTarget(parsing: text) }
        #expect(throws: RPCError.self) { try RPCChannel(target: text) }
    }
}

@Suite(.timeLimit(.minutes(2))) struct TokenBucketTests {
    @Test func allowsABurstThenTheRate() {
        let start = NIODeadline.now()
        var bucket = TokenBucket(capacity: 3, refillPerSecond: 10, now: start)
        var taken: [Bool] = []
        for offset in [0, 0, 0, 0, 100, 100] {
            taken.append(bucket.take(now: start + .milliseconds(Int64(offset))))
        }
        #expect(taken == [true, true, true, false, true, false])
    }
}
