import ArgumentParser
import Foundation
import RestaurantAPI

/// A calendar date on the command line: `2026-03-15`, or `today` /
/// `yesterday` on this machine's calendar.
public struct DateArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    public let date: CommonDate
    public let description: String

    public init?(argument: String) {
        guard let date = Self.parse(argument, today: Date(), calendar: .current) else { return nil }
        self.date = date
        description = argument
    }

    /// The date `text` names, or nil when it is not a real calendar date.
    public static func parse(_ text: String, today: Date, calendar: Calendar) -> CommonDate? {
        switch text.lowercased() {
        case "today": return day(of: today, calendar: calendar)
        case "yesterday": return calendar.date(byAdding: .day, value: -1, to: today).map { day(of: $0, calendar: calendar) }
        default: break
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int32(parts[0]), let month = Int32(parts[1]), let dayOfMonth = Int32(parts[2]) else { return nil }
        var components = DateComponents(year: Int(year), month: Int(month), day: Int(dayOfMonth))
        components.calendar = Calendar(identifier: .gregorian)
        guard (1...9999).contains(year), components.isValidDate else { return nil }
        return .with {
            $0.year = year
            $0.month = month
            $0.day = dayOfMonth
        }
    }

    static func day(of instant: Date, calendar: Calendar) -> CommonDate {
        let components = calendar.dateComponents([.year, .month, .day], from: instant)
        return .with {
            $0.year = Int32(components.year!)
            $0.month = Int32(components.month!)
            $0.day = Int32(components.day!)
        }
    }

    public static var defaultValueDescription: String { "YYYY-MM-DD" }
}
