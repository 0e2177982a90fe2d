import RestaurantAPI

/// A calendar date (proleptic Gregorian), as the contract's `Date` and
/// PostgreSQL's `date` know it, counted in days since 1970-01-01 so ranges
/// are arithmetic.
struct BusinessDay: Sendable, Hashable, Comparable, Codable {
    /// Days since 1970-01-01.
    let number: Int

    init(number: Int) {
        self.number = number
    }

    /// Nil unless `year`-`month`-`day` is a real date in years 1–9999.
    init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
              day <= Self.daysIn(month: month, year: year) else { return nil }
        // Days from civil (H. Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        number = era * 146_097 + dayOfEra - 719_468
    }

    /// Nil for a date the contract's rules reject.
    init?(_ date: CommonDate) {
        self.init(year: Int(date.year), month: Int(date.month), day: Int(date.day))
    }

    var civil: (year: Int, month: Int, day: Int) {
        let z = number + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    var message: CommonDate {
        let (year, month, day) = civil
        return .with {
            $0.year = Int32(year)
            $0.month = Int32(month)
            $0.day = Int32(day)
        }
    }

    /// `2026-03-08`, as PostgreSQL reads a `date`.
    var text: String {
        let (year, month, day) = civil
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    static func + (day: BusinessDay, days: Int) -> BusinessDay { BusinessDay(number: day.number + days) }
    static func - (day: BusinessDay, days: Int) -> BusinessDay { BusinessDay(number: day.number - days) }
    static func < (a: BusinessDay, b: BusinessDay) -> Bool { a.number < b.number }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
