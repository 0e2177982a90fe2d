import Ratings
import ServiceKit

await ServiceRunner.run(Ratings.definition)
