/// Full names of the messages the order commands print.
enum OrderTypes {
    static let package = "restaurant.order.v1."
    static let order = package + "Order"
    static let listOrdersResponse = package + "ListOrdersResponse"
    static let orderEvent = package + "OrderEvent"
}
