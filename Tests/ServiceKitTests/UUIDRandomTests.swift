import Foundation
import ServiceKit
import Testing

@Suite("UUID.random", .timeLimit(.minutes(1)))
struct UUIDRandomTests {
    @Test("Version 4 with the RFC 4122 variant, lowercased as a request id, and no two alike")
    func versionVariantAndUniqueness() {
        let ids = (0..<10_000).map { _ in UUID.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(100) {
            let text = id.uuidString.lowercased()
            let characters = Array(text)
            #expect(UUID(uuidString: text) == id)
            #expect(characters[14] == "4", "\(text)")
            #expect("89ab".contains(characters[19]), "\(text)")
        }
    }
}
