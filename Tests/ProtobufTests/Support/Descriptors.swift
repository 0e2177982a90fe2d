import Protobuf
import RestaurantAPI
import WellKnownTypes

/// Every restaurant message's DescriptorProto, by full name.
func declaredMessageProtos() throws -> [String: Google_Protobuf_DescriptorProto] {
    var result: [String: Google_Protobuf_DescriptorProto] = [:]
    func walk(_ message: Google_Protobuf_DescriptorProto, prefix: String) {
        let name = prefix + "." + (message.name ?? "")
        result[name] = message
        for nested in message.nestedType { walk(nested, prefix: name) }
    }
    for file in RestaurantAPIDescriptorSet.files where file.name.hasPrefix("restaurant/") {
        let proto = try Google_Protobuf_FileDescriptorProto(serializedBytes: file.serialized)
        for message in proto.messageType { walk(message, prefix: proto.package ?? "") }
    }
    return result
}
