import Foundation
import ServiceKit

/// Business days and hours in the configured time zone
/// (`ANALYTICS_TIME_ZONE`, an IANA name, default UTC): a day across a DST
/// change has 23 or 25 hours, and hours are local.
struct BusinessCalendar: Sendable {
    let timeZone: TimeZone
    private let calendar: Calendar

    init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// Reads `ANALYTICS_TIME_ZONE`; an unknown name stops the service at start.
    init(environment: [String: String]) throws(ConfigurationError) {
        let name = environment["ANALYTICS_TIME_ZONE"].flatMap { $0.isEmpty ? nil : $0 } ?? "UTC"
        guard let zone = TimeZone(identifier: name) else {
            throw ConfigurationError(variable: "ANALYTICS_TIME_ZONE",
                                     problem: "'\(name)' is not an IANA time zone name (such as Europe/Paris or UTC)")
        }
        self.init(timeZone: zone)
    }

    /// The IANA name, for PostgreSQL's `AT TIME ZONE`.
    var identifier: String { timeZone.identifier }

    /// The business day and local hour of an instant.
    func dayAndHour(of date: Date) -> (day: BusinessDay, hour: Int) {
        let parts = calendar.dateComponents([.year, .month, .day, .hour], from: date)
        return (BusinessDay(year: parts.year!, month: parts.month!, day: parts.day!)!, parts.hour!)
    }

    /// Today, here.
    func today(now: Date = Date()) -> BusinessDay {
        dayAndHour(of: now).day
    }
}
