import Foundation

/// `ORD` + the UTC creation date as yyyymmdd + 8 random uppercase letters
/// and digits (36^8 ≈ 2.8 × 10^12 per day; a collision takes another).
enum OrderNumber {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    static func make(at date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let day = calendar.dateComponents([.year, .month, .day], from: date)
        var generator = SystemRandomNumberGenerator()
        let suffix = String((0..<8).map { _ in alphabet.randomElement(using: &generator)! })
        return String(format: "ORD%04d%02d%02d", day.year!, day.month!, day.day!) + suffix
    }
}
