import GRPCProtos
import NIOCore
@_spi(Fuzzing) import RPC
import RestaurantAPI

/// One fuzzing input: bytes as a request stream would receive them.
///
/// The first byte picks the declared encoding and how the rest is split into
/// chunks; every message the deframer yields is decoded as several message
/// types. Errors are expected; crashes, hangs and leaks are findings. A
/// decoded message must also survive re-encoding: decoding its encoding
/// gives the same message (or, where NaN defeats equality, the same bytes).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessages(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let control = data[0]
    let bytes = UnsafeBufferPointer(start: data + 1, count: size - 1)
    let encoding: CompressionAlgorithm? = switch control & 3 {
    case 0: nil
    case 1: .identity
    default: .gzip
    }
    let chunkSize = Int(control >> 2) + 1
    var chunks: [ByteBuffer] = []
    var offset = 0
    while offset < bytes.count {
        let end = min(offset + chunkSize, bytes.count)
        chunks.append(ByteBuffer(bytes: bytes[offset..<end]))
        offset = end
    }
    guard let messages = try? MessageFraming.deframe(chunks, encoding: encoding, maxMessageSize: 1 << 20) else { return 0 }
    for message in messages {
        check(Grpc_Testing_SimpleRequest.self, message)
        check(Product.self, message)
        check(CreateOrderRequest.self, message)
        check(DailyReport.self, message)
        check(RatingSummary.self, message)
        check(GetOrderRequest.self, message)
        check(Google_Protobuf_FileDescriptorProto.self, message)
    }
    return 0
}

private func check<M: ProtobufMessage>(_ type: M.Type, _ buffer: ByteBuffer) {
    guard let decoded = try? M(buffer: buffer),
          let encoded = try? decoded.serializedBytes() else { return }
    guard let again = try? M(serializedBytes: encoded), let reencoded = try? again.serializedBytes() else {
        fatalError("\(M.self): our own encoding does not decode")
    }
    // As MalformedInputTests.decodeStably: values compare (map order does
    // not matter); NaN != NaN, so then the encodings must.
    if again != decoded && reencoded != encoded {
        fatalError("\(M.self): does not survive re-encoding")
    }
}
