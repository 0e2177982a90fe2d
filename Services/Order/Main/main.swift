import Orders
import ServiceKit

await ServiceRunner.run(Orders.definition)
