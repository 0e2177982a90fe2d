import ArgumentParser
import Foundation
import RestaurantAPI

/// Where the analytics service is and how to talk to it: `--addr`, `-o`,
/// and the options every command that calls a server shares.
public struct AnalyticsOptions: ParsableArguments, Sendable {
    /// Variables the address comes from when `--addr` is left out.
    public static let addressVariables = ["ANALYTICS_ADDR"]
    /// The address when neither `--addr` nor a variable says otherwise.
    public static let defaultAddress = "localhost:50054"

    @Option(name: .customLong("addr"),
            help: ArgumentHelp("AnalyticsService address, host:port (default: $ANALYTICS_ADDR, else localhost:50054).",
                               valueName: "host:port"))
    public var address: String?

    @Option(name: .shortAndLong,
            help: ArgumentHelp("text: for people, with charts (also 'table'); json: proto3 JSON as 'call' prints it; jsonl: the same on one line.",
                               valueName: "format"))
    public var output: ServiceOutput = .text

    @OptionGroup public var connection: ConnectionOptions

    public init() {}
}

extension ServiceSession {
    public init(_ options: AnalyticsOptions) throws(CLIError) {
        let address = try AddressResolution.require(options.address, variables: AnalyticsOptions.addressVariables,
                                                    fallback: AnalyticsOptions.defaultAddress,
                                                    environment: ProcessInfo.processInfo.environment)
        try self.init(address: address, output: options.output, connection: options.connection)
    }
}

/// Full names of the messages the analytics commands print.
enum AnalyticsTypes {
    static let package = "restaurant.analytics.v1."
    static let dailyReport = package + "DailyReport"
    static let dashboard = package + "GetDashboardResponse"
    static let productPerformance = package + "ListProductPerformanceResponse"
    static let rebuild = package + "RebuildReportsResponse"
}

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
