import Foundation
import Testing
@testable import RestaurantCtlKit

/// The dynamic message model on its own: JSON parsing, the proto3 JSON
/// mapping and the wire codec, driven by descriptors protoc wrote.
@Suite("Dynamic codec", .timeLimit(.minutes(5)))
struct CodecTests {
    static func edgePool() throws -> DescriptorPool {
        try DescriptorPool(descriptorSet: [UInt8](Data(contentsOf: try Protosets.edge())))
    }

    /// JSON → message → binary → message → JSON.
    static func roundTrip(_ json: String, _ typeName: String, pool: DescriptorPool, emitDefaults: Bool = false) throws -> (bytes: [UInt8], json: JSONValue) {
        let message = try ProtoJSONDecoder(pool: pool).decode(try JSONParser.parse(json), typeName: "restaurantctl.test." + typeName)
        let bytes = try WireCodec.encode(message, pool: pool)
        let decoded = try WireCodec.decode(bytes, typeName: "restaurantctl.test." + typeName, pool: pool)
        #expect(decoded == message)
        return (bytes, try ProtoJSONEncoder(pool: pool, emitDefaults: emitDefaults).encode(decoded))
    }

    static func mappingError(_ json: String, _ typeName: String, pool: DescriptorPool, allowUnknown: Bool = false) throws -> String {
        do {
            _ = try ProtoJSONDecoder(pool: pool, allowUnknownFields: allowUnknown)
                .decode(try JSONParser.parse(json), typeName: "restaurantctl.test." + typeName)
        } catch {
            return String(describing: error)
        }
        Issue.record("expected \(json) to be rejected as \(typeName)")
        return ""
    }

    // MARK: JSON text

    @Test func numbersKeepTheirText() throws {
        let value = try JSONParser.parse(#"{"big": 9223372036854775807, "neg": -9223372036854775808, "u": 18446744073709551615, "f": 1.50e+3}"#)
        #expect(value["big"] == .number("9223372036854775807"))
        #expect(value["neg"] == .number("-9223372036854775808"))
        #expect(value["u"] == .number("18446744073709551615"))
        #expect(value["f"] == .number("1.50e+3"))
    }

    @Test func syntaxErrorsHavePositions() throws {
        let cases: [(String, Int, Int, String)] = [
            ("{\n  \"a\": 1,\n  \"b\": tru\n}", 3, 8, "unexpected"),
            ("{\"a\": 1,}", 1, 9, "expected a member name"),
            ("[1, 2", 1, 6, "end of input"),
            ("{\"a\" 1}", 1, 6, "expected ':'"),
            ("01", 1, 2, "leading zeros"),
            ("\"\\x\"", 1, 3, "invalid escape"),
            ("\"\\ud800\"", 1, 8, "surrogate"),
            ("{} {}", 1, 4, "after the JSON value"),
            ("", 1, 1, "empty input"),
        ]
        for (text, line, column, message) in cases {
            do {
                _ = try JSONParser.parse(text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.line == line, "\(text): \(error)")
                #expect(error.column == column, "\(text): \(error)")
                #expect(error.message.contains(message), "\(text): \(error)")
            }
        }
    }

    @Test func hostileJSONDoesNotCrash() throws {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(String(repeating: "[", count: 100_000)) }
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
        #expect(try JSONParser.parse("\"\\ud83d\\ude00 é\"") == .string("😀 é"))
        // Random bytes and truncations of a valid document: a value or a
        // syntax error, never a crash or another error. The seed is printed;
        // TEST_SEED=<seed> repeats a run.
        let valid = Array(#"{"a": [1, -2.5e3, "x\u00e9\n", true, null, {"b": {}}], "c": "d"}"#.utf8)
        let seed = ProcessInfo.processInfo.environment["TEST_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("hostileJSONDoesNotCrash: TEST_SEED=\(seed)")
        var generator = SplitMix64(seed: seed)
        func parsesOrRejects(_ bytes: [UInt8]) {
            // `parse` throws only SyntaxError (typed throws): what is tested
            // is that it returns, a value or that error, and never crashes.
            _ = try? JSONParser.parse(bytes)
        }
        for length in 0..<valid.count { parsesOrRejects(Array(valid[0..<length])) }
        for _ in 0..<2000 {
            var mutated = valid
            for _ in 0..<3 { mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
            parsesOrRejects(mutated)
        }
    }

    @Test func streamSplitterCutsValuesAsTheyComplete() throws {
        let stream = "{\"a\": 1}{\"b\": \"}{\\\"\"}\n  {\"c\": [1, {\"d\": [2]}]}\n[3]\n\"s\" 12"
        var splitter = JSONStreamSplitter()
        var values: [JSONValue] = []
        for byte in stream.utf8 {  // One byte at a time, as a slow terminal would.
            values += try splitter.append([byte]).map(JSONStreamSplitter.parse)
        }
        if let last = splitter.finish() { values.append(try JSONStreamSplitter.parse(last)) }
        #expect(values.count == 6)
        #expect(values[1]["b"] == .string("}{\""))
        #expect(values[5] == .number("12"))

        // Errors point into the whole stream.
        var broken = JSONStreamSplitter()
        let pieces = broken.append(Array("{\"a\": 1}\n{\"b\": tru}\n".utf8))
        #expect(pieces.count == 2)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONStreamSplitter.parse(pieces[1]) }
        do {
            _ = try JSONStreamSplitter.parse(pieces[1])
        } catch {
            #expect(error.line == 2 && error.column == 7, "\(error)")
        }
    }

    // MARK: Mapping

    @Test func int64ExtremesSurvive() throws {
        let pool = try Self.edgePool()
        let (_, json) = try Self.roundTrip(#"""
            {"i32": -2147483648, "i64": 9223372036854775807, "u32": 4294967295, "u64": "18446744073709551615",
             "s32": 2147483647, "s64": "-9223372036854775808", "f32": 4294967295, "f64": 18446744073709551615,
             "sf32": -1, "sf64": "-9223372036854775808"}
            """#, "Scalars", pool: pool)
        #expect(json["i64"] == .string("9223372036854775807"))
        #expect(json["u64"] == .string("18446744073709551615"))
        #expect(json["s64"] == .string("-9223372036854775808"))
        #expect(json["f64"] == .string("18446744073709551615"))
        #expect(json["i32"] == .number("-2147483648"))
        #expect(json["u32"] == .number("4294967295"))
        // Exponents and integral decimals are integers too; fractions are not.
        let (_, exponent) = try Self.roundTrip(#"{"i64": "1e18", "i32": 1.0, "u32": "2E3"}"#, "Scalars", pool: pool)
        #expect(exponent["i64"] == .string("1000000000000000000"))
        #expect(exponent["u32"] == .number("2000"))
    }

    @Test func scalarsEnumsAndBytes() throws {
        let pool = try Self.edgePool()
        let (_, json) = try Self.roundTrip(#"""
            {"fl": "NaN", "db": "-Infinity", "flag": true, "text": "h\u00e9 \"q\"", "data": "-_8", "color": 2}
            """#, "Scalars", pool: pool)
        #expect(json["fl"] == .string("NaN"))
        #expect(json["db"] == .string("-Infinity"))
        #expect(json["data"] == .string("+/8="))  // URL-safe, unpadded in; standard, padded out.
        #expect(json["color"] == .string("GREEN"))
        #expect(json["text"] == .string("hé \"q\""))
        let (_, unknownEnum) = try Self.roundTrip(#"{"color": 7, "fl": 0.1, "db": 1e-300}"#, "Scalars", pool: pool)
        #expect(unknownEnum["color"] == .number("7"))
        #expect(unknownEnum["fl"] == .number("0.1"))
        #expect(unknownEnum["db"] == .number("1e-300"))
    }

    @Test func defaultsAreOmittedUnlessAsked() throws {
        let pool = try Self.edgePool()
        let (bytes, json) = try Self.roundTrip(#"{"i32": 0, "text": "", "flag": false, "color": "COLOR_UNSPECIFIED"}"#, "Scalars", pool: pool)
        #expect(bytes.isEmpty)
        #expect(json == .object([]))
        let (_, all) = try Self.roundTrip("{}", "Scalars", pool: pool, emitDefaults: true)
        #expect(all["i64"] == .string("0"))
        #expect(all["color"] == .string("COLOR_UNSPECIFIED"))
        #expect(all["data"] == .string(""))
        let (_, choice) = try Self.roundTrip(#"{"maybe": 0, "plain": 0, "number": "0"}"#, "Choice", pool: pool)
        #expect(choice == .object([("number", .string("0")), ("maybe", .number("0"))]))  // Presence kept, plain dropped.
        let (_, emitted) = try Self.roundTrip("{}", "Choice", pool: pool, emitDefaults: true)
        #expect(emitted == .object([("plain", .number("0"))]))  // Oneofs and optionals have presence: not emitted.
    }

    @Test func namesWellKnownTypesAndAny() throws {
        let pool = try Self.edgePool()
        let (_, names) = try Self.roundTrip(#"{"snake_case_field": 1, "customName": 2, "x2y": 3, "alreadyCamelCase": 4}"#, "Names", pool: pool)
        #expect(names == .object([("snakeCaseField", .number("1")), ("customName", .number("2")), ("x2y", .number("3")),
                                  ("alreadyCamelCase", .number("4"))]))
        let (_, wkt) = try Self.roundTrip(#"""
            {"at": "2024-02-29T23:59:59.120+01:00", "took": "-1.5s", "mask": "priceCents,a.bC", "i64": "-5", "u32": 7,
             "data": "AQI=", "doc": {"x": [1, "a", null, true, {}]}, "anyValue": null, "list": [[]], "empty": {},
             "packed": {"@type": "type.googleapis.com/restaurantctl.test.Scalars", "i64": "12", "color": "RED"},
             "anys": [{"@type": "type.googleapis.com/google.protobuf.Duration", "value": "2s"}],
             "values": {"k": 1.5}}
            """#, "WellKnown", pool: pool)
        #expect(wkt["at"] == .string("2024-02-29T22:59:59.120Z"))
        #expect(wkt["took"] == .string("-1.500s"))
        #expect(wkt["mask"] == .string("priceCents,a.bC"))
        #expect(wkt["i64"] == .string("-5"))
        #expect(wkt["anyValue"] == .null)
        #expect(wkt["packed"] == .object([("@type", .string("type.googleapis.com/restaurantctl.test.Scalars")),
                                          ("i64", .string("12")), ("color", .string("RED"))]))
        #expect(wkt["anys"]?.arrayElements?.first?["value"] == .string("2s"))
        #expect(wkt["doc"] == .object([("x", .array([.number("1"), .string("a"), .null, .bool(true), .object([])]))]))
    }

    @Test func mapsAndRepeated() throws {
        let pool = try Self.edgePool()
        let (_, maps) = try Self.roundTrip(#"""
            {"counts": {"b": "2", "a": 1}, "names": {"-1": "minus"}, "flags": {"true": "RED", "false": 2},
             "blobs": {"18446744073709551615": "AA=="}, "items": {"9223372036854775807": {"text": "x"}}}
            """#, "Maps", pool: pool)
        // Encoding is deterministic (keys sorted); compare maps whatever the order.
        #expect(maps["counts"]?.normalized == JSONValue.object([("a", .string("1")), ("b", .string("2"))]))
        #expect(maps["flags"]?.normalized == JSONValue.object([("false", .string("GREEN")), ("true", .string("RED"))]))
        #expect(maps["items"]?["9223372036854775807"]?["text"] == .string("x"))
        let (bytes, repeats) = try Self.roundTrip(#"{"i32": [1, -1, 300], "unpacked": [1, 2], "items": [{}, {"i32": 1}]}"#, "Repeats", pool: pool)
        #expect(repeats["i32"] == .array([.number("1"), .number("-1"), .number("300")]))
        // Field 1 packed (tag 0x0A), field 11 unpacked (tag 0x58 per value).
        #expect(bytes.starts(with: [0x0A, 13, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0xAC, 0x02]))
        #expect(bytes.suffix(4) == [0x58, 0x01, 0x58, 0x02])
    }

    @Test func mistakesNameTheFieldPath() throws {
        let pool = try Self.edgePool()
        #expect(try Self.mappingError(#"{"items": [{}, {}, {"i32": "abc"}]}"#, "Repeats", pool: pool)
                == #"items[2].i32: expected integer, got "abc""#)
        #expect(try Self.mappingError(#"{"i32": 1.5}"#, "Scalars", pool: pool) == "i32: expected integer, got 1.5")
        #expect(try Self.mappingError(#"{"i32": 2147483648}"#, "Scalars", pool: pool).contains("out of range for int32"))
        #expect(try Self.mappingError(#"{"u64": -1}"#, "Scalars", pool: pool).contains("out of range for uint64"))
        #expect(try Self.mappingError(#"{"fl": 3.5e38}"#, "Scalars", pool: pool).contains("out of range for float"))
        #expect(try Self.mappingError(#"{"flag": "yes"}"#, "Scalars", pool: pool) == #"flag: expected true or false, got "yes""#)
        #expect(try Self.mappingError(#"{"color": "BLUE"}"#, "Scalars", pool: pool).contains("unknown value \"BLUE\" for enum restaurantctl.test.Color"))
        #expect(try Self.mappingError(#"{"data": "!!"}"#, "Scalars", pool: pool).contains("invalid base64"))
        #expect(try Self.mappingError(#"{"maps": {}}"#, "Scalars", pool: pool).contains(#"unknown field "maps" in restaurantctl.test.Scalars"#))
        #expect(try Self.mappingError(#"{"text": "a", "number": "1"}"#, "Choice", pool: pool).contains("oneof \"value\""))
        #expect(try Self.mappingError(#"{"i32": 1, "i32": 2}"#, "Scalars", pool: pool).contains("given twice"))
        #expect(try Self.mappingError(#"{"names": {"x": "y"}}"#, "Maps", pool: pool).hasPrefix(#"names["x"]: expected integer"#))
        #expect(try Self.mappingError(#"{"at": "2024-13-01T00:00:00Z"}"#, "WellKnown", pool: pool).hasPrefix("at: invalid timestamp"))
        #expect(try Self.mappingError(#"{"took": "5"}"#, "WellKnown", pool: pool).hasPrefix("took: invalid duration"))
        #expect(try Self.mappingError(#"{"mask": "a_b"}"#, "WellKnown", pool: pool).contains("lowerCamelCase"))
        #expect(try Self.mappingError(#"{"packed": {"@type": "type.googleapis.com/x.Nope"}}"#, "WellKnown", pool: pool)
                .contains("cannot resolve Any type"))
        #expect(try Self.mappingError(#"{"packed": {"@type": "restaurantctl.test.Tree"}}"#, "WellKnown", pool: pool)
                .contains(#"packed.@type: expected a type URL like "type.googleapis.com/pkg.Message""#))
        #expect(try Self.mappingError(#"{"children": [{"parent": {"name": 5}}]}"#, "Tree", pool: pool)
                == "children[0].parent.name: expected a string, got 5")
        #expect(try Self.mappingError("[]", "Tree", pool: pool).contains("expected an object"))
        // Unknown fields and enum names are skipped when allowed.
        let message = try ProtoJSONDecoder(pool: pool, allowUnknownFields: true)
            .decode(try JSONParser.parse(#"{"nope": {"deep": [1]}, "color": "BLUE", "i32": 3}"#), typeName: "restaurantctl.test.Scalars")
        #expect(message.value(1) == .int32(3))
        #expect(message.value(16) == nil)
    }

    // MARK: Wire format

    @Test func unknownFieldsArePreserved() throws {
        let pool = try Self.edgePool()
        let scalars = try ProtoJSONDecoder(pool: pool).decode(try JSONParser.parse(#"{"i32": 5, "i64": "7", "text": "t", "fl": 1.5}"#),
                                                              typeName: "restaurantctl.test.Scalars")
        let bytes = try WireCodec.encode(scalars, pool: pool)
        // As Names, only field 1 is known; 2, 11 and 14 travel as unknown fields.
        let names = try WireCodec.decode(bytes, typeName: "restaurantctl.test.Names", pool: pool)
        #expect(names.value(1) == .int32(5))
        #expect(!names.unknownFields.isEmpty)
        let back = try WireCodec.decode(try WireCodec.encode(names, pool: pool), typeName: "restaurantctl.test.Scalars", pool: pool)
        #expect(back == scalars)
    }

    @Test func wireVariantsAreAccepted() throws {
        let pool = try Self.edgePool()
        // Repeats.i32 (packed in proto3) sent unpacked, then packed; both append.
        let mixed: [UInt8] = [0x08, 0x01, 0x08, 0x02, 0x0A, 0x02, 0x03, 0x04]
        let repeats = try WireCodec.decode(mixed, typeName: "restaurantctl.test.Repeats", pool: pool)
        #expect(repeats[1] == .repeated([.int32(1), .int32(2), .int32(3), .int32(4)]))
        // A message field seen twice is merged; the last scalar wins.
        let tree: [UInt8] = [0x1A, 0x03, 0x0A, 0x01, 0x61, 0x1A, 0x02, 0x12, 0x00, 0x0A, 0x01, 0x62, 0x0A, 0x01, 0x63]
        let json = try ProtoJSONEncoder(pool: pool).encode(try WireCodec.decode(tree, typeName: "restaurantctl.test.Tree", pool: pool))
        #expect(json == .object([("name", .string("c")), ("parent", .object([("name", .string("a")), ("children", .array([.object([])]))]))]))
        // Oneof: the last member on the wire wins.
        let choice = try WireCodec.decode([0x0A, 0x01, 0x78, 0x10, 0x05], typeName: "restaurantctl.test.Choice", pool: pool)
        #expect(choice.value(1) == nil && choice.value(2) == .int64(5))
        // sint64 zigzag and negative int32 (10-byte varint).
        let scalars = try ProtoJSONDecoder(pool: pool).decode(try JSONParser.parse(#"{"i32": -1, "s64": "-2"}"#), typeName: "restaurantctl.test.Scalars")
        #expect(try WireCodec.encode(scalars, pool: pool) == [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x30, 0x03])
    }

    @Test func malformedBinaryIsAnErrorNotACrash() throws {
        let pool = try Self.edgePool()
        let bad: [[UInt8]] = [
            [0x0A, 0x05, 0x01],  // length past the end
            [0x08],  // truncated varint
            [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],  // 11-byte varint
            [0x00, 0x01],  // field 0
            [0x0F],  // wire type 7
            [0x0B, 0x01],  // group without end
            [0x72, 0x02, 0xC3, 0x28],  // invalid UTF-8 in a proto3 string
        ]
        for bytes in bad {
            #expect(throws: WireFormatError.self, "\(bytes)") {
                _ = try WireCodec.decode(bytes, typeName: "restaurantctl.test.Scalars", pool: pool)
            }
        }
        // Deep nesting stops at the depth limit.
        var deep: [UInt8] = []
        for _ in 0..<200 { deep = [0x1A] + varint(deep.count) + deep }
        #expect(throws: WireFormatError.self) { _ = try WireCodec.decode(deep, typeName: "restaurantctl.test.Tree", pool: pool) }
        // Random bytes: decoded or rejected, never a crash.
        let types = pool.messageNames.filter { $0.hasPrefix("restaurantctl.test.") }
        for _ in 0..<3000 {
            let bytes = (0..<Int.random(in: 0...40)).map { _ in UInt8.random(in: 0...255) }
            let type = types.randomElement()!
            if let message = try? WireCodec.decode(bytes, typeName: type, pool: pool) {
                _ = try? WireCodec.encode(message, pool: pool)
                _ = try? ProtoJSONEncoder(pool: pool).encode(message)
            }
        }
    }

    @Test func anyNestedWithoutEndIsRefused() throws {
        let pool = try Self.edgePool()
        // Any inside Any inside Any …, 5000 levels: each level's bytes are
        // decoded by the JSON printer, so it needs its own depth limit.
        let url = Array("type.googleapis.com/google.protobuf.Any".utf8)
        var payload: [UInt8] = []
        for _ in 0..<5000 {
            var next: [UInt8] = [0x0A]
            WireCodec.writeVarint(UInt64(url.count), into: &next)
            next += url
            next.append(0x12)
            WireCodec.writeVarint(UInt64(payload.count), into: &next)
            next += payload
            payload = next
        }
        let message = try WireCodec.decode(payload, typeName: "google.protobuf.Any", pool: pool)
        let error = #expect(throws: JSONMappingError.self) { _ = try ProtoJSONEncoder(pool: pool).encode(message) }
        #expect(error?.missingAnyType == nil, "every level's type is known: nothing to fetch")
    }

    /// Printing and reading Any share one rule for type URLs, and printing
    /// names the type to fetch when the descriptors lack it.
    @Test func anyTypeURLs() throws {
        #expect(WellKnownJSON.typeName(fromTypeURL: "type.googleapis.com/pkg.Message") == "pkg.Message")
        #expect(WellKnownJSON.typeName(fromTypeURL: "example.com/a/b/pkg.Message") == "pkg.Message")
        #expect(WellKnownJSON.typeName(fromTypeURL: "/pkg.Message") == "pkg.Message")
        for invalid in ["pkg.Message", "type.googleapis.com/", ""] {
            #expect(WellKnownJSON.typeName(fromTypeURL: invalid) == nil, "\(invalid)")
        }
        #expect(JSONValue.object([("a", .array([.object([("@type", .string("x/pkg.A")), ("b", .object([("@type", .string("pkg.B"))]))])]))])
                    .anyTypeNames == ["pkg.A"])

        let pool = try Self.edgePool()
        func any(_ url: String) throws -> MessageValue {
            try WireCodec.decode(Array([0x0A, UInt8(url.utf8.count)] + Array(url.utf8)), typeName: "google.protobuf.Any", pool: pool)
        }
        let missing = #expect(throws: JSONMappingError.self) { _ = try ProtoJSONEncoder(pool: pool).encode(try any("type.googleapis.com/x.Nope")) }
        #expect(missing?.missingAnyType == "x.Nope")
        #expect(missing?.message.contains("x.Nope is not among the descriptors") == true, "\(String(describing: missing))")
        let malformed = #expect(throws: JSONMappingError.self) { _ = try ProtoJSONEncoder(pool: pool).encode(try any("x.Nope")) }
        #expect(malformed?.missingAnyType == nil)
        #expect(malformed?.message.contains("not a type URL") == true, "\(String(describing: malformed))")
        let empty = try ProtoJSONEncoder(pool: pool).encode(try any("type.googleapis.com/google.protobuf.Empty"))
        #expect(empty == .object([("@type", .string("type.googleapis.com/google.protobuf.Empty"))]))
    }

    @Test func timestampsAndDurations() {
        #expect(WellKnownJSON.formatTimestamp(seconds: 0, nanos: 0) == "1970-01-01T00:00:00Z")
        #expect(WellKnownJSON.formatTimestamp(seconds: -62_135_596_800, nanos: 0) == "0001-01-01T00:00:00Z")
        #expect(WellKnownJSON.formatTimestamp(seconds: 253_402_300_799, nanos: 999_999_999) == "9999-12-31T23:59:59.999999999Z")
        #expect(WellKnownJSON.formatTimestamp(seconds: -1, nanos: 10_000) == "1969-12-31T23:59:59.000010Z")
        #expect(WellKnownJSON.formatTimestamp(seconds: 253_402_300_800, nanos: 0) == nil)
        #expect(WellKnownJSON.parseTimestamp("2024-02-29T12:00:00Z")! == (1_709_208_000, 0))
        #expect(WellKnownJSON.parseTimestamp("2023-02-29T12:00:00Z") == nil)
        #expect(WellKnownJSON.parseTimestamp("1970-01-01T00:00:00.5-00:30")! == (1800, 500_000_000))
        #expect(WellKnownJSON.formatDuration(seconds: 0, nanos: -1) == "-0.000000001s")
        #expect(WellKnownJSON.formatDuration(seconds: 1, nanos: -1) == nil)
        #expect(WellKnownJSON.formatDuration(seconds: .min, nanos: .min) == nil)
        #expect(WellKnownJSON.parseDuration("-0.5s")! == (0, -500_000_000))
        #expect(WellKnownJSON.parseDuration("315576000001s") == nil)
        #expect(DurationArgument(argument: "500ms")?.duration == .milliseconds(500))
        #expect(DurationArgument(argument: "1.5s")?.duration == .milliseconds(1500))
        #expect(DurationArgument(argument: "2m")?.duration == .seconds(120))
        #expect(DurationArgument(argument: "3")?.duration == .seconds(3))
        #expect(DurationArgument(argument: "5q") == nil)
        #expect(ByteSizeArgument(argument: "16M")?.bytes == 16 << 20)
        #expect(ByteSizeArgument(argument: "512KiB")?.bytes == 512 << 10)
    }

    private func varint(_ value: Int) -> [UInt8] {
        var output: [UInt8] = []
        WireCodec.writeVarint(UInt64(value), into: &output)
        return output
    }
}

/// A seeded generator (SplitMix64), so a random test can be repeated.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
