import Foundation
import Testing

/// Servers without (full) reflection: descriptor sets with --protoset, and
/// the fall back from grpc.reflection.v1 to v1alpha.
@Suite("Descriptor sets and reflection versions", .timeLimit(.minutes(5)))
struct ProtosetTests {
    static let service = "grpc.testing.TestService"

    @Test func callsAServerWithoutReflectionThroughAProtoset() throws {
        let protoset = try Protosets.grpcTesting().path
        try withServer({ try ServerProcess.pythonPlain() }) { server in
            let address = server.address
            // Without descriptors there is nothing to go on.
            let listed = try Run.ctl(["list", address])
            #expect(listed.status == 76, "\(listed)")
            #expect(listed.stderr.contains("does not offer server reflection"), "\(listed)")
            #expect(listed.stderr.contains("--protoset"))

            // With them, list and describe need no server at all.
            let offline = try Run.ctl(["list", "--protoset", protoset, Self.service])
            #expect(offline.status == 0, "\(offline)")
            #expect(offline.stdout.contains("\(Self.service).FullDuplexCall"))
            let described = try Run.ctl(["describe", "--protoset", protoset, "grpc.testing.StreamingOutputCallRequest"])
            #expect(described.stdout.contains("repeated .grpc.testing.ResponseParameters response_parameters = 2;"), "\(described)")

            // All four kinds of call.
            let unary = try Run.ctl(["call", "--protoset", protoset, address, "\(Self.service)/UnaryCall", "-d", #"{"responseSize": 2}"#])
            #expect(unary.status == 0, "\(unary)")
            #expect(((try unary.json() as? [String: Any])?["payload"] as? [String: Any])?["body"] as? String == "AAA=")
            let streamed = try Run.ctl(["call", "--protoset", protoset, address, "\(Self.service)/StreamingOutputCall", "-o", "jsonl",
                                        "-d", #"{"responseParameters": [{"size": 1}, {"size": 1}]}"#])
            #expect(try streamed.jsonLines().count == 2, "\(streamed)")
            let uploaded = try Run.ctl(["call", "--protoset", protoset, address, "\(Self.service)/StreamingInputCall"],
                                       stdin: "{\"payload\": {\"body\": \"AAA=\"}}\n")
            #expect((try uploaded.json() as? [String: Any])?["aggregatedPayloadSize"] as? Int == 2, "\(uploaded)")
            let duplex = try Run.ctl(["call", "--protoset", protoset, address, "\(Self.service)/FullDuplexCall", "-o", "jsonl"],
                                     stdin: "{\"responseParameters\": [{\"size\": 1}]}{\"responseParameters\": [{\"size\": 1}]}")
            #expect(try duplex.jsonLines().count == 2, "\(duplex)")
            let failed = try Run.ctl(["call", "--protoset", protoset, address, "\(Self.service)/UnaryCall",
                                      "-d", #"{"responseStatus": {"code": 7, "message": "no"}}"#])
            #expect(failed.status == 71, "\(failed)")
            #expect(failed.stderr.contains("ERROR: PERMISSION_DENIED: no"))
        }
    }

    @Test func fallsBackToReflectionV1Alpha() throws {
        try withServer({ try ServerProcess.pythonPlain(reflection: "v1alpha") }) { server in
            let listed = try Run.ctl(["list", server.address, "-v"])
            #expect(listed.status == 0, "\(listed)")
            #expect(listed.stdout.contains(Self.service))
            #expect(listed.stderr.contains("grpc.reflection.v1alpha (v1 is unimplemented)"), "\(listed)")
            let described = try Run.ctl(["describe", server.address, "grpc.testing.SimpleResponse"])
            #expect(described.stdout.contains("message SimpleResponse {"), "\(described)")
            let unary = try Run.ctl(["call", server.address, "\(Self.service)/UnaryCall", "-d", #"{"responseSize": 1}"#])
            #expect(unary.status == 0, "\(unary)")
        }
    }

    @Test func badDescriptorSets() throws {
        let notASet = try Run.ctl(["list", "--protoset", "/etc/hostname"])
        #expect(notASet.status == 1, "\(notASet)")
        #expect(notASet.stderr.contains("is not a FileDescriptorSet"), "\(notASet)")
        let missing = try Run.ctl(["list", "--protoset", "/nonexistent.protoset"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no such file"))
        // Without --include_imports the imported types are missing.
        let partial = Protosets.directory.appendingPathComponent("partial.protoset")
        let protoc = try Run.process(URL(fileURLWithPath: "/usr/bin/protoc"),
                                     ["-I/usr/share/grpc-proto", "-o", partial.path, "grpc/testing/test.proto"])
        #expect(protoc.status == 0, "\(protoc)")
        let incomplete = try Run.ctl(["list", "--protoset", partial.path])
        #expect(incomplete.status == 1, "\(incomplete)")
        #expect(incomplete.stderr.contains("refers to unknown type"), "\(incomplete)")
    }
}

/// Help, completion scripts and version: the parts of the CLI that talk to
/// no server.
@Suite("Help and completion", .timeLimit(.minutes(5)))
struct HelpTests {
    @Test func everyCommandHasHelpWithExamples() throws {
        let root = try Run.ctl(["--help"])
        #expect(root.status == 0, "\(root)")
        for part in ["EXAMPLES", "EXIT STATUS", "64+code", "80 UNAUTHENTICATED", "RESTAURANT_ADDR", "RESTAURANT_TOKEN",
                     "list", "describe", "call", "health", "--generate-completion-script"] {
            #expect(root.stdout.contains(part), "root help lacks \(part)")
        }
        for command in ["list", "describe", "call", "health"] {
            let help = try Run.ctl([command, "--help"])
            #expect(help.status == 0, "\(command): \(help)")
            #expect(help.stdout.contains("EXAMPLES"), "\(command) --help has no examples")
            #expect(help.stdout.contains("restaurantctl \(command) "), "\(command) --help")
            let viaHelp = try Run.ctl(["help", command])
            #expect(viaHelp.status == 0)
        }
        let call = try Run.ctl(["call", "--help"])
        for option in ["--data", "--header", "--token", "--timeout", "--connect-timeout", "--max-msg-size", "--gzip",
                       "--emit-defaults", "--allow-unknown-fields", "--verbose", "--output", "--protoset"] {
            #expect(call.stdout.contains(option), "call --help lacks \(option)")
        }
        let version = try Run.ctl(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("restaurantctl "))
    }

    @Test func methodsAndServicesCompleteFromReflection() throws {
        try withServer(ServerProcess.interop) { server in
            // What the generated scripts run for a custom completion.
            let methods = try Run.ctl(["---completion", "call", "--", "positional@1", "3", "0",
                                       "restaurantctl", "call", server.address, ""])
            #expect(methods.status == 0, "\(methods)")
            #expect(methods.stdout.contains("grpc.testing.TestService/FullDuplexCall\n"), "\(methods)")
            let services = try Run.ctl(["---completion", "list", "--", "positional@1", "3", "0",
                                        "restaurantctl", "list", server.address, ""])
            #expect(services.stdout.contains("grpc.testing.TestService\n"), "\(services)")
        }
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScripts(_ shell: String) throws {
        let script = try Run.ctl(["--generate-completion-script", shell])
        #expect(script.status == 0, "\(script)")
        #expect(script.stdout.contains("restaurantctl"))
        #expect(script.stdout.contains("describe"))
    }
}
