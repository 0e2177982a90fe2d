import Foundation
import Testing
@testable import RestaurantCtlKit

/// Our dynamic codec against protobuf's own `json_format` (Python), both
/// ways: JSON → binary must give the same bytes as Python's deterministic
/// serialization, and binary → JSON the same document (compared parsed).
@Suite("JSON mapping vs Python json_format", .timeLimit(.minutes(5)))
struct JSONRoundTripTests {
    struct Case {
        var type: String
        var json: String
    }

    /// Hand-written edge cases over Fixtures/edge.proto.
    static let edgeCases: [Case] = [
        Case(type: "Scalars", json: #"{"i32": 2147483647, "i64": "9223372036854775807", "u32": 4294967295, "u64": "18446744073709551615", "s32": -2147483648, "s64": "-9223372036854775808", "f32": 4294967295, "f64": "18446744073709551615", "sf32": -2147483648, "sf64": "-9223372036854775808"}"#),
        Case(type: "Scalars", json: #"{"i32": -2147483648, "i64": -9223372036854775808, "u64": 18446744073709551615, "s64": 9223372036854775807}"#),
        Case(type: "Scalars", json: #"{"fl": 3.4028234663852886e38, "db": 1.7976931348623157e308, "text": "héllo \u0000 \ud83d\ude00 \"q\" \\", "data": "AAEC/f7/", "color": "GREEN", "flag": true}"#),
        Case(type: "Scalars", json: #"{"fl": "NaN", "db": "Infinity", "data": "-_8", "color": 1}"#),
        Case(type: "Scalars", json: #"{"fl": "-Infinity", "db": "NaN", "i32": "12", "u32": "7", "color": 7}"#),
        Case(type: "Scalars", json: #"{"fl": 1.17549435e-38, "db": 4.9e-324, "i64": "-1", "sf64": "1"}"#),
        Case(type: "Scalars", json: #"{"fl": 0.1, "db": 0.1, "s32": -1, "sf32": -1}"#),
        Case(type: "Scalars", json: #"{"i32": 0, "i64": "0", "text": "", "data": "", "flag": false, "color": "COLOR_UNSPECIFIED", "db": -0.0}"#),
        Case(type: "Repeats", json: #"{"i32": [1, -1, 2147483647], "i64": ["-9223372036854775808", 5], "s64": ["-1", "1"], "f32": [0, 4294967295], "db": [1.5, "NaN", -0.25], "flags": [true, false, true], "texts": ["a", "", "c"], "blobs": ["", "AA==", "_-8"], "colors": ["RED", 0, 9], "items": [{}, {"i32": 3}], "unpacked": [1, 2, 3], "fl": [0.5, "Infinity"], "u64": ["18446744073709551615", 0]}"#),
        Case(type: "Repeats", json: #"{"i32": [], "items": [], "unpacked": []}"#),
        Case(type: "Maps", json: #"{"counts": {"b": "2", "a": 1, "": "-3"}, "names": {"-1": "minus", "2147483647": "max"}, "items": {"9223372036854775807": {"text": "x"}, "-9223372036854775808": {}}, "flags": {"true": "RED", "false": 2}, "blobs": {"18446744073709551615": "AA==", "0": ""}, "scores": {"-5": 1.5, "5": "NaN"}, "fixed": {"1": true, "2": false}}"#),
        Case(type: "Choice", json: #"{"text": "x", "maybe": 0, "maybeText": "", "plain": 0, "maybeColor": "COLOR_UNSPECIFIED"}"#),
        Case(type: "Choice", json: #"{"number": "0"}"#),
        Case(type: "Choice", json: #"{"nested": {"i64": "1"}, "plain": 5}"#),
        Case(type: "Choice", json: #"{"color": "COLOR_UNSPECIFIED"}"#),
        Case(type: "Choice", json: #"{"nothing": {}}"#),
        Case(type: "Choice", json: #"{"blob": "", "maybe_text": "t", "maybe": -1}"#),
        Case(type: "WellKnown", json: #"{"at": "1970-01-01T00:00:00Z", "took": "0s", "mask": "", "i64": "0", "u64": "0", "i32": 0, "u32": 0, "flag": false, "text": "", "data": "", "db": 0, "fl": 0, "doc": {}, "list": [], "empty": {}}"#),
        Case(type: "WellKnown", json: #"{"at": "9999-12-31T23:59:59.999999999Z", "took": "-315576000000s", "mask": "a.bC,priceCents,d", "i64": "-9223372036854775808", "u64": "18446744073709551615", "i32": -5, "u32": 4294967295, "flag": true, "text": "t", "data": "AQID", "db": "NaN", "fl": 1.5}"#),
        Case(type: "WellKnown", json: #"{"at": "0001-01-01T00:00:00Z", "took": "1.5s", "times": ["2024-02-29T12:30:00.120Z", "2024-01-01T01:00:00+01:00", "1969-12-31T23:59:59.000001Z"]}"#),
        Case(type: "WellKnown", json: #"{"doc": {"a": [1, "x", null, true, {"b": {"c": []}}], "n": -2.5e10, "s": ""}, "anyValue": {"k": [null]}, "list": [1, [2, [3]], {}], "values": {"x": null, "y": "s", "z": false}}"#),
        Case(type: "WellKnown", json: #"{"anyValue": null}"#),
        Case(type: "WellKnown", json: #"{"anyValue": 12.5, "took": "-0.000000001s"}"#),
        Case(type: "WellKnown", json: #"{"packed": {"@type": "type.googleapis.com/restaurantctl.test.Scalars", "i64": "12", "color": "RED"}}"#),
        Case(type: "WellKnown", json: #"{"packed": {"@type": "type.googleapis.com/google.protobuf.Timestamp", "value": "2020-05-01T00:00:00Z"}, "anys": [{"@type": "type.googleapis.com/google.protobuf.Duration", "value": "2s"}, {"@type": "type.googleapis.com/google.protobuf.Struct", "value": {"a": 1}}, {"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "5"}, {"@type": "type.googleapis.com/restaurantctl.test.Tree", "name": "n", "children": [{}]}, {"@type": "type.googleapis.com/google.protobuf.Empty"}]}"#),
        Case(type: "Tree", json: #"{"name": "root", "children": [{"name": "a", "children": [{"name": "b"}]}, {}], "parent": {"parent": {"name": "p"}}}"#),
        Case(type: "Names", json: #"{"snake_case_field": 1, "customName": 2, "x2y": 3, "already_camelCase": 4}"#),
        Case(type: "Names", json: #"{"snakeCaseField": 1, "field_with_json_name": 2, "alreadyCamelCase": 4}"#),
    ]

    /// JSON both sides must refuse.
    static let rejected: [Case] = [
        Case(type: "Scalars", json: #"{"i32": "abc"}"#),
        Case(type: "Scalars", json: #"{"i32": 1.5}"#),
        Case(type: "Scalars", json: #"{"i32": 2147483648}"#),
        Case(type: "Scalars", json: #"{"u32": -1}"#),
        Case(type: "Scalars", json: #"{"i64": "9223372036854775808"}"#),
        Case(type: "Scalars", json: #"{"fl": 3.5e38}"#),
        Case(type: "Scalars", json: #"{"flag": "true"}"#),
        Case(type: "Scalars", json: #"{"text": 5}"#),
        Case(type: "Scalars", json: #"{"color": "BLUE"}"#),
        Case(type: "Scalars", json: #"{"nope": 1}"#),
        Case(type: "Choice", json: #"{"text": "a", "number": "1"}"#),
        Case(type: "Repeats", json: #"{"i32": 5}"#),
        Case(type: "Repeats", json: #"{"i32": [null]}"#),
        Case(type: "Maps", json: #"{"names": {"x": "y"}}"#),
        Case(type: "Maps", json: #"{"flags": {"yes": "RED"}}"#),
        Case(type: "WellKnown", json: #"{"at": "2024-02-30T00:00:00Z"}"#),
        Case(type: "WellKnown", json: #"{"at": "10000-01-01T00:00:00Z"}"#),
        Case(type: "WellKnown", json: #"{"took": "1"}"#),
        Case(type: "WellKnown", json: #"{"took": "315576000001s"}"#),
        Case(type: "WellKnown", json: #"{"mask": "a_b"}"#),
        Case(type: "WellKnown", json: #"{"packed": {"@type": "type.googleapis.com/nope.Nope"}}"#),
        Case(type: "WellKnown", json: #"{"i32": "x"}"#),
        Case(type: "Tree", json: #"{"children": {}}"#),
    ]

    @Test func edgeCasesMatchJSONFormat() throws {
        let protoset = try Protosets.edge()
        let pool = try DescriptorPool(descriptorSet: [UInt8](Data(contentsOf: protoset)))
        try compare(Self.edgeCases.map { Case(type: "restaurantctl.test." + $0.type, json: $0.json) }, pool: pool,
                    python: .descriptorSet(protoset))
    }

    /// Every message type of the contract, against the Python modules
    /// scripts/python-env.sh generated into .build-python/gen (our side reads
    /// the same Protos/ through protoc's descriptor set).
    @Test func contractMessagesMatchJSONFormat() throws {
        let protoset = try Protosets.restaurant()
        let pool = try DescriptorPool(descriptorSet: [UInt8](Data(contentsOf: protoset)))
        let types = pool.messageNames.filter { $0.hasPrefix("restaurant.") && pool.message($0)?.isMapEntry == false }
        #expect(types.count > 20, "the contract has \(types.count) message types")
        var cases: [Case] = []
        for type in types {
            let message = pool.message(type)!
            for variant in 0..<2 {
                let json = SampleJSON(pool: pool, variant: variant).message(message, depth: 0)
                cases.append(Case(type: type, json: JSONWriter.write(json, pretty: false)))
            }
            cases.append(Case(type: type, json: "{}"))
        }
        try compare(cases, pool: pool, python: .generated(["restaurant"]))
    }

    @Test func bothSidesRejectTheSameMistakes() throws {
        let protoset = try Protosets.edge()
        let pool = try DescriptorPool(descriptorSet: [UInt8](Data(contentsOf: protoset)))
        let cases = Self.rejected.map { Case(type: "restaurantctl.test." + $0.type, json: $0.json) }
        let python = try Python.run(.descriptorSet(protoset), cases: cases.map { ["op": "json2bin", "type": $0.type, "json": $0.json] })
        for (testCase, answer) in zip(cases, python) {
            #expect(answer["ok"] as? Bool == false, "json_format accepted \(testCase.json)")
            #expect(throws: (any Error).self, "we accepted \(testCase.json) as \(testCase.type)") {
                _ = try ProtoJSONDecoder(pool: pool).decode(try JSONParser.parse(testCase.json), typeName: testCase.type)
            }
        }
    }

    /// Checks each case both ways against Python.
    func compare(_ cases: [Case], pool: DescriptorPool, python: Python.Types) throws {
        // 1. JSON → binary on both sides: the same bytes.
        var ours: [[UInt8]] = []
        for testCase in cases {
            let message = try ProtoJSONDecoder(pool: pool).decode(try JSONParser.parse(testCase.json), typeName: testCase.type)
            ours.append(try WireCodec.encode(message, pool: pool))
        }
        let theirs = try Python.run(python, cases: cases.map { ["op": "json2bin", "type": $0.type, "json": $0.json] })
        for (index, testCase) in cases.enumerated() {
            guard theirs[index]["ok"] as? Bool == true, let encoded = theirs[index]["binary"] as? String,
                  let bytes = Data(base64Encoded: encoded) else {
                Issue.record("json_format rejected \(testCase.type) \(testCase.json): \(theirs[index]["error"] ?? "")")
                continue
            }
            let theirBytes = [UInt8](bytes)
            let fromTheirs = try WireCodec.decode(theirBytes, typeName: testCase.type, pool: pool)
            if theirBytes != ours[index] {
                // Map entries are the one thing whose order is free: Python (upb)
                // sorts them its own way, we sort keys ascending as C++ and Go do.
                // Same length (same packing, same values) and the same message.
                let canonical = try WireCodec.encode(fromTheirs, pool: pool)
                #expect(theirBytes.count == ours[index].count && canonical == ours[index],
                        "binary of \(testCase.type) \(testCase.json)\n ours:   \(ours[index])\n theirs: \(theirBytes)")
            }
            #expect(fromTheirs == (try WireCodec.decode(ours[index], typeName: testCase.type, pool: pool)))
        }

        // 2. Binary → JSON on both sides (plain and with defaults): the same document.
        for emitDefaults in [false, true] {
            let requests: [[String: Any]] = zip(cases, ours).map { testCase, bytes in
                ["op": "bin2json", "type": testCase.type, "binary": Data(bytes).base64EncodedString(), "emit_defaults": emitDefaults]
            }
            let answers = try Python.run(python, cases: requests)
            for (index, testCase) in cases.enumerated() {
                guard answers[index]["ok"] as? Bool == true, let text = answers[index]["json"] as? String else {
                    Issue.record("json_format could not print \(testCase.type): \(answers[index]["error"] ?? "")")
                    continue
                }
                let message = try WireCodec.decode(ours[index], typeName: testCase.type, pool: pool)
                let json = try ProtoJSONEncoder(pool: pool, emitDefaults: emitDefaults).encode(message)
                let expected = try JSONParser.parse(text)
                #expect(json.normalized == expected.normalized,
                        "JSON of \(testCase.type) \(testCase.json) (emitDefaults: \(emitDefaults))\n ours:   \(JSONWriter.write(json, pretty: false))\n theirs: \(JSONWriter.write(expected, pretty: false))")
            }
        }
    }
}

/// Runs Tests/python/json_roundtrip.py on a batch of cases.
enum Python {
    /// Where json_roundtrip.py gets its message classes.
    enum Types {
        /// Built from a descriptor set.
        case descriptorSet(URL)
        /// The modules generated into .build-python/gen under these packages.
        case generated([String])
    }

    static func run(_ types: Types, cases: [[String: Any]]) throws -> [[String: Any]] {
        let python = try Paths.requirePython()
        var request: [String: Any] = ["cases": cases]
        switch types {
        case let .descriptorSet(url): request["descriptor_set"] = url.path
        case let .generated(packages): request["generated"] = packages
        }
        let requestData = try JSONSerialization.data(withJSONObject: request)
        let outcome = try Run.process(python, ["Tests/python/json_roundtrip.py"], stdin: String(decoding: requestData, as: UTF8.self))
        guard outcome.status == 0,
              let answer = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any],
              let results = answer["results"] as? [[String: Any]], results.count == cases.count else {
            throw HarnessError("json_roundtrip.py failed: \(outcome)")
        }
        return results
    }
}

/// Deterministic sample JSON for any message type: every field set to a
/// non-default value of its type (two variants), the first member of each
/// oneof, two elements per list and map, nesting cut at depth 3.
struct SampleJSON {
    let pool: DescriptorPool
    let variant: Int

    func message(_ type: ProtoMessage, depth: Int) -> JSONValue {
        if let special = wellKnown(type.fullName) { return special }
        guard depth < 3 else { return .object([]) }
        var members: [(key: String, value: JSONValue)] = []
        var oneofs: Set<Int> = []
        for field in type.fields {
            if let index = field.oneofIndex {
                let oneof = type.oneofs[index]
                if !oneof.isSynthetic {
                    // One member per oneof, a different one per variant.
                    let chosen = oneof.fieldNumbers[variant % oneof.fieldNumbers.count]
                    guard field.number == chosen, oneofs.insert(index).inserted else { continue }
                }
            }
            let key = variant == 0 ? field.jsonName : field.name
            if field.isMap, let entry = field.typeName.flatMap(pool.message),
               let keyField = entry.field(number: 1), let valueField = entry.field(number: 2) {
                var entries: [(key: String, value: JSONValue)] = []
                for element in 0..<2 {
                    entries.append((mapKey(keyField.type, element), value(valueField, depth: depth, element: element)))
                }
                members.append((key, .object(entries)))
            } else if field.isRepeated {
                members.append((key, .array((0..<2).map { value(field, depth: depth, element: $0) })))
            } else {
                members.append((key, value(field, depth: depth, element: 0)))
            }
        }
        return .object(members)
    }

    private func mapKey(_ type: ProtoFieldType, _ element: Int) -> String {
        switch type {
        case .string: element == 0 ? "key" : "ключ"
        case .bool: element == 0 ? "true" : "false"
        case .int32, .sint32, .sfixed32, .int64, .sint64, .sfixed64: element == 0 ? "-3" : "7"
        default: element == 0 ? "3" : "7"
        }
    }

    private func value(_ field: ProtoField, depth: Int, element: Int) -> JSONValue {
        let flip = (variant + element) % 2 == 1
        switch field.type {
        case .int32, .sint32, .sfixed32: return .number(flip ? "-2147483648" : "42")
        case .uint32, .fixed32: return .number(flip ? "4294967295" : "7")
        case .int64, .sint64, .sfixed64: return flip ? .string("-9223372036854775808") : .number("9223372036854775807")
        case .uint64, .fixed64: return .string(flip ? "18446744073709551615" : "1")
        case .float: return flip ? .string("NaN") : .number("1.5")
        case .double: return flip ? .number("-2.5e-300") : .number("0.1")
        case .bool: return .bool(true)
        case .string: return .string(flip ? "Crème brûlée ✓" : "x")
        case .bytes: return .string(flip ? "_-8" : "AAEC")
        case .enum:
            let values = field.typeName.flatMap(pool.enumType)?.values ?? []
            return flip ? .number(String(values.last?.number ?? 1)) : .string(values.last?.name ?? "0")
        case .message, .group:
            guard let nested = field.typeName.flatMap(pool.message) else { return .object([]) }
            return message(nested, depth: depth + 1)
        }
    }

    private func wellKnown(_ name: String) -> JSONValue? {
        let flip = variant == 1
        switch name {
        case "google.protobuf.Timestamp": return .string(flip ? "1999-12-31T23:59:59.999Z" : "2024-05-01T12:30:00Z")
        case "google.protobuf.Duration": return .string(flip ? "-3.000000500s" : "90s")
        case "google.protobuf.FieldMask": return .string(flip ? "name" : "name,priceCents,rating.average")
        case "google.protobuf.Empty": return .object([])
        case "google.protobuf.Struct": return .object([("a", .array([.number("1"), .null, .string("s")]))])
        case "google.protobuf.Value": return flip ? .bool(true) : .string("v")
        case "google.protobuf.Int64Value", "google.protobuf.UInt64Value": return .string("5")
        case "google.protobuf.Int32Value", "google.protobuf.UInt32Value": return .number("5")
        case "google.protobuf.StringValue": return .string("w")
        case "google.protobuf.BoolValue": return .bool(flip)
        default: return nil
        }
    }
}
