import ArgumentParser
import Foundation
import RestaurantAPI
import RPC

/// `restaurantctl order …`: orders, through `restaurant.order.v1.OrderService`.
public struct OrderCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "order",
        abstract: "Orders and their workflow (restaurant.order.v1.OrderService).",
        discussion: """
            The server is --addr, else $ORDER_ADDR, else localhost:50052. Commands that
            change orders need a token: --token or $RESTAURANT_TOKEN. Output is for
            people by default; -o json prints the proto3 JSON mapping exactly as
            'restaurantctl call' would.

            EXAMPLES
              export ORDER_ADDR=localhost:50052 RESTAURANT_TOKEN=secret
              restaurantctl order create --customer ada --item 3x2 --item 5 --key checkout-1
              restaurantctl order list --customer ada --status pending
              restaurantctl order get ORD20261206K7Q2M9XA
              restaurantctl order status ORDER_ID confirmed
              restaurantctl order cancel ORDER_ID --reason "customer left"
              restaurantctl order watch --status pending --status confirmed

            EXIT STATUS
              0 OK; 2 usage error; 64 + gRPC code when the call fails (67
              INVALID_ARGUMENT, 69 NOT_FOUND, 73 FAILED_PRECONDITION, 78 UNAVAILABLE, ...).
            """,
        subcommands: [OrderCreateCommand.self, OrderGetCommand.self, OrderListCommand.self, OrderStatusCommand.self,
                      OrderCancelCommand.self, OrderWatchCommand.self])

    public init() {}
}

/// A status typed on the command line: `pending`, `confirmed`, …
struct StatusArgument: ExpressibleByArgument, Sendable {
    let status: OrderStatus

    init?(argument: String) {
        switch argument.lowercased() {
        case "pending": status = .pending
        case "confirmed": status = .confirmed
        case "preparing": status = .preparing
        case "ready": status = .ready
        case "delivered": status = .delivered
        case "cancelled", "canceled": status = .cancelled
        default: return nil
        }
    }

    static var allValueStrings: [String] { ["pending", "confirmed", "preparing", "ready", "delivered", "cancelled"] }
}

/// `PRODUCT` or `PRODUCTxQUANTITY`, such as `3x2`.
struct ItemArgument: ExpressibleByArgument, Sendable {
    let productID: Int64
    let quantity: Int32

    init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x", maxSplits: 1)
        guard let id = parts.first.flatMap({ Int64($0) }) else { return nil }
        productID = id
        if parts.count == 2 {
            guard let quantity = Int32(parts[1]) else { return nil }
            self.quantity = quantity
        } else {
            quantity = 1
        }
    }
}

private func show(_ order: Order, _ service: ServiceSession) throws(CLIError) {
    switch service.output {
    case .text: Console.out(OrderFormat.orderDetails(order))
    case .json, .jsonl: try service.printJSON(order, typeName: OrderTypes.order)
    }
}

/// `restaurantctl order create --customer C --item ID[xQTY]… [--notes N] [--key K]`
public struct OrderCreateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Place an order (CreateOrder); needs a token.",
        discussion: """
            Prices and names come from the catalog. --key makes the call safe to
            retry: the same key (for the same customer) returns the same order;
            without one a fresh key is made, so every call places a new order.

            EXAMPLES
              restaurantctl order create --customer ada --item 3x2 --item 5
              restaurantctl order create --customer ada --item 3 --key checkout-17 -o json
            """)

    @Option(help: ArgumentHelp("Who orders (1–100 characters).", valueName: "id"))
    var customer: String

    @Option(name: .customLong("item"), help: ArgumentHelp("A product and quantity, such as 3x2 (repeatable).", valueName: "ID[xQTY]"))
    var items: [ItemArgument]

    @Option(help: ArgumentHelp("Instructions for the whole order.", valueName: "text"))
    var notes: String = ""

    @Option(help: ArgumentHelp("Idempotency key (default: a fresh UUID).", valueName: "key"))
    var key: String?

    @OptionGroup var options: OrderOptions

    public init() {}

    public func run() async throws {
        let service = try ServiceSession(options)
        let order = try await service.unary(OrderService.Method.createOrder, .with {
            $0.customerId = customer
            $0.items = items.map { item in .with { $0.productId = item.productID; $0.quantity = item.quantity } }
            $0.notes = notes
            $0.idempotencyKey = key ?? UUID().uuidString.lowercased()
        })
        try show(order, service)
    }
}

/// `restaurantctl order get ID|NUMBER`
public struct OrderGetCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Show an order by id or order number (GetOrder).")

    @Argument(help: ArgumentHelp("The order's UUID or its ORD… number.", valueName: "ID|NUMBER"))
    var order: String

    @OptionGroup var options: OrderOptions

    public init() {}

    public func run() async throws {
        let service = try ServiceSession(options)
        let request = GetOrderRequest.with {
            $0.lookup = order.uppercased().hasPrefix("ORD") ? .orderNumber(order.uppercased()) : .id(order)
        }
        try show(try await service.unary(OrderService.Method.getOrder, request), service)
    }
}

/// `restaurantctl order list [--customer C] [--status S]… [--page-size N] [--page-token T]`
public struct OrderListCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List orders, newest first (ListOrders).")

    @Option(help: ArgumentHelp("Only this customer's orders.", valueName: "id"))
    var customer: String = ""

    @Option(name: .customLong("status"), help: ArgumentHelp("Only orders in this status (repeatable).", valueName: "status"))
    var statuses: [StatusArgument] = []

    @Option(name: .customLong("page-size"), parsing: .unconditional, help: ArgumentHelp("Orders per page.", valueName: "n"))
    var pageSize: Int32 = 0

    @Option(name: .customLong("page-token"), help: ArgumentHelp("Where to continue.", valueName: "token"))
    var pageToken: String = ""

    @OptionGroup var options: OrderOptions

    public init() {}

    public func run() async throws {
        let service = try ServiceSession(options)
        let response = try await service.unary(OrderService.Method.listOrders, .with {
            $0.customerId = customer
            $0.statuses = statuses.map(\.status)
            $0.pageSize = pageSize
            $0.pageToken = pageToken
        })
        switch service.output {
        case .text:
            Console.out(OrderFormat.ordersTable(response.orders))
            var footer = "\(response.orders.count) of \(response.totalSize) orders"
            if !response.nextPageToken.isEmpty { footer += "; next page: --page-token \(response.nextPageToken)" }
            Console.out(footer)
        case .json, .jsonl: try service.printJSON(response, typeName: OrderTypes.listOrdersResponse)
        }
    }
}

/// `restaurantctl order status ID STATUS`
public struct OrderStatusCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Move an order along its workflow (UpdateOrderStatus); needs a token.",
        discussion: """
            pending → confirmed → preparing → ready → delivered; exit 73
            (FAILED_PRECONDITION) for any other change.
            """)

    @Argument(help: ArgumentHelp("The order's UUID.", valueName: "ID"))
    var id: String

    @Argument(help: ArgumentHelp("The new status.", valueName: "STATUS"))
    var status: StatusArgument

    @OptionGroup var options: OrderOptions

    public init() {}

    public func run() async throws {
        let service = try ServiceSession(options)
        try show(try await service.unary(OrderService.Method.updateOrderStatus, .with {
            $0.id = id
            $0.status = status.status
        }), service)
    }
}

/// `restaurantctl order cancel ID [--reason R]`
public struct OrderCancelCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a pending or confirmed order (CancelOrder); needs a token.")

    @Argument(help: ArgumentHelp("The order's UUID.", valueName: "ID"))
    var id: String

    @Option(help: ArgumentHelp("Why (kept with the order).", valueName: "text"))
    var reason: String = ""

    @OptionGroup var options: OrderOptions

    public init() {}

    public func run() async throws {
        let service = try ServiceSession(options)
        try show(try await service.unary(OrderService.Method.cancelOrder, .with {
            $0.id = id
            $0.reason = reason
        }), service)
    }
}

/// `restaurantctl order watch [--customer C] [--status S]…`
public struct OrderWatchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print orders placed and changed as it happens (WatchOrders), until Ctrl-C: a kitchen display.")

    @Option(help: ArgumentHelp("Only this customer's orders.", valueName: "id"))
    var customer: String = ""

    @Option(name: .customLong("status"), help: ArgumentHelp("Only changes into or out of this status (repeatable).", valueName: "status"))
    var statuses: [StatusArgument] = []

    @OptionGroup var options: OrderOptions

    public init() {}

    public func run() async throws {
        let service = try ServiceSession(options, streaming: true)
        let started = ContinuousClock.now
        do {
            let events = OrderServiceClient(channel: service.session.channel).watchOrders(.with {
                $0.customerId = customer
                $0.statuses = statuses.map(\.status)
            }, options: service.session.callOptions())
            _ = try await events.initialMetadata()
            Console.err("Watching orders on \(service.session.address); press Ctrl-C to stop.")
            for try await event in events {
                switch service.output {
                case .text: Console.out(OrderFormat.eventLine(event))
                case .json, .jsonl: try service.printJSON(event, typeName: OrderTypes.orderEvent, compact: true)
                }
            }
        } catch {
            throw service.session.failure(error, started: started)
        }
    }
}
