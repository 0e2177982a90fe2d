/// Full names of the messages the rating commands print.
enum RatingTypes {
    static let package = "restaurant.rating.v1."
    static let rating = package + "Rating"
    static let batchGetRatingSummariesResponse = package + "BatchGetRatingSummariesResponse"
    static let listRatingsResponse = package + "ListRatingsResponse"
}
