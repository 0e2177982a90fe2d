import Foundation
import RestaurantCtlKit

// All logic lives in RestaurantCtlKit (so tests can use it); this only maps
// the result to the process's exit status (see `restaurantctl --help`).
let status = await RestaurantCtl.main(arguments: Array(CommandLine.arguments.dropFirst()))
exit(status)
